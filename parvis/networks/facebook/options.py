"""Facebook's post options: a link shown as a preview card."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OptionsForm(forms.Form):
    link = forms.URLField(
        label=_("Link"), required=False, max_length=2000, assume_scheme="https",
        help_text=_("Shown as a preview card under the text (text posts only)."),
    )
