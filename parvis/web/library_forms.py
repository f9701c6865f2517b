"""Forms of the media library: the facts a person types about an asset (the file itself
is read and checked by parvis.publishing.library)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.publishing.library import RIGHTS_FILTERS
from parvis.publishing.models import MediaAsset


class AssetForm(forms.Form):
    alt_text = forms.CharField(label=_("Alt text"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Describes the image for people who cannot see it; each post "
                                           "can use its own."))
    tags = forms.CharField(label=_("Tags"), required=False, max_length=2000,
                           help_text=_("Separated by commas: bread, shop front, summer."))
    source = forms.CharField(label=_("Source"), required=False, max_length=255,
                             help_text=_("Photographer, agency or stock site."))
    licence = forms.CharField(label=_("Licence"), required=False, max_length=255,
                              help_text=_("For example: CC BY 4.0, Getty editorial, bought outright."))
    rights_expire_on = forms.DateField(label=_("Rights expire on"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                       help_text=_("Last day the file may be published. Empty: no expiry."))

    @classmethod
    def for_asset(cls, asset: MediaAsset) -> AssetForm:
        return cls(initial={"alt_text": asset.alt_text, "tags": ", ".join(asset.tags), "source": asset.source,
                            "licence": asset.licence, "rights_expire_on": asset.rights_expire_on})


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    kind = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All"))] + list(MediaAsset.Kind.choices))
    rights = forms.ChoiceField(label=_("Rights"), required=False, choices=[
        ("", _("All")), (RIGHTS_FILTERS[0], _("Expired")), (RIGHTS_FILTERS[1], _("Expiring within 30 days")),
        (RIGHTS_FILTERS[2], _("No expiry")),
    ])

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid one is ignored rather than failing the page)."""
        if not self.is_valid():
            return {}
        return {"text": self.cleaned_data["q"], "tag": self.cleaned_data["tag"],
                "kind": self.cleaned_data["kind"], "rights": self.cleaned_data["rights"]}
