"""Kestrel's post options: a title, as a blog's, and tags."""

from __future__ import annotations

from django import forms


class OptionsForm(forms.Form):
    title = forms.CharField(label="Title", max_length=80)
    tags = forms.CharField(label="Tags", required=False, help_text="Separated by commas.")

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]
