"""Forms of the campaigns and labels pages: they read and type the fields; the rules
(unique names, UTM name, dates in order) are in parvis.publishing.campaigns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.publishing.campaigns import CampaignInput, LabelInput
from parvis.publishing.models import Campaign, Label
from parvis.publishing.validation import PostValidationError


class ColourInput(forms.TextInput):
    input_type = "color"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.CharField(label=_("UTM name"), max_length=120, required=False,
                           help_text=_("Used as utm_campaign in links. Leave empty to make it from the name."))
    colour = forms.CharField(label=_("Colour"), max_length=7, initial="#5b6ee1", widget=ColourInput)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> CampaignForm:
        return cls(initial={"name": campaign.name, "slug": campaign.slug, "colour": campaign.colour,
                            "starts_on": campaign.starts_on, "ends_on": campaign.ends_on})

    def to_input(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(name=data["name"], slug=data["slug"], colour=data["colour"],
                             starts_on=data["starts_on"], ends_on=data["ends_on"])


class LabelForm(forms.Form):
    prefix = "label"  # shares a page with the campaign form
    name = forms.CharField(label=_("Name"), max_length=60)
    colour = forms.CharField(label=_("Colour"), max_length=7, initial="#888888", widget=ColourInput)

    @classmethod
    def for_label(cls, label: Label) -> LabelForm:
        return cls(initial={"name": label.name, "colour": label.colour})

    def to_input(self) -> LabelInput:
        return LabelInput(name=self.cleaned_data["name"], colour=self.cleaned_data["colour"])


def add_errors(form: forms.Form, exc: PostValidationError) -> None:
    """The shared rules' errors, each on the field it names."""
    for error in exc.errors:
        form.add_error(error.field if error.field in form.fields else None, error.message)


def save_form(form: Any, save: Callable[[Any], object]) -> bool:
    """Check the form, then run the shared rules through `save(form.to_input())`; their
    errors go back on the form's fields. True when saved."""
    if not form.is_valid():
        return False
    try:
        save(form.to_input())
    except PostValidationError as exc:
        add_errors(form, exc)
        return False
    return True
