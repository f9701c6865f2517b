"""Relations: the organisation's settings, for the managers and owners of any of its
workspaces — the privacy notice sent at first contact, how long personal data is kept,
the written-contract threshold of the gifts ledger, and the organisation's own La Poste
key (write-only: the page only says whether one is set). Checking and saving are
`relations.org_settings`'."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from parvis.accounts.models import Membership, Role
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view
from parvis.relations import org_settings, people
from parvis.relations.models import RelationsSettings


class RelationsSettingsForm(forms.Form):
    # Checked by `org_settings` (not here), so that every wrong field is named at once.
    notice_subject = forms.CharField(label=gettext_lazy("Subject of the privacy notice"), required=False)
    notice_body = forms.CharField(label=gettext_lazy("Text of the privacy notice"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 14}))
    retention_years = forms.CharField(label=gettext_lazy("Keep personal data (years after the last contact)"),
                                      widget=forms.NumberInput(attrs={"min": 1, "max": 10}), help_text=gettext_lazy(
                                          "From 1 to 10. The CNIL's reference for such files is 3 years."))
    contract_threshold = forms.CharField(label=gettext_lazy("Written contract from (EUR a year, excluding VAT)"),
                                         help_text=gettext_lazy(
                                             "The influencer law (no. 2023-451, art. 8) asks for a written contract "
                                             "once a brand's fees and benefits to one influencer in a year reach "
                                             "this amount: 1,000 € since décret no. 2025-1137. Change it if a new "
                                             "decree does."))
    laposte_key = forms.CharField(label=gettext_lazy("La Poste key (X-Okapi-Key)"), required=False,
                                  widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
                                  help_text=gettext_lazy(
                                      "Your own key for La Poste's Suivi API (developer.laposte.fr): parvis then "
                                      "follows Colissimo, Chronopost and lettre suivie parcels. It is stored "
                                      "encrypted and never shown again; left empty, the saved key stays."))

    def __init__(self, *args: object, chosen: RelationsSettings, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # An empty notice is parvis's own, in each contact's language: shown as the placeholder.
        language = (translation.get_language() or "fr")[:2]
        subject, body = people.DEFAULT_NOTICE.get(language, people.DEFAULT_NOTICE["fr"])
        self.fields["notice_subject"].widget.attrs["placeholder"] = subject
        self.fields["notice_body"].widget.attrs["placeholder"] = body
        variables = ", ".join(f"{{{name}}}" for name in people.NOTICE_VARIABLES)
        self.fields["notice_subject"].help_text = _("Empty: parvis's own notice, in the contact's language.")
        self.fields["notice_body"].help_text = _(
            "Empty: parvis's own notice (shown greyed), in French or English as the contact's language. "
            "Variables: %(variables)s.") % {"variables": variables}
        if not self.is_bound:
            self.initial = {"notice_subject": chosen.notice_subject, "notice_body": chosen.notice_body,
                            "retention_years": chosen.retention_years,
                            "contract_threshold": chosen.contract_threshold}


@membership_view(Role.MANAGER)
def relations_settings(request: AuthedRequest, membership: Membership) -> HttpResponseBase:
    workspace = membership.workspace
    organisation = workspace.organisation
    chosen = people.settings_for(organisation)
    if request.method == "POST" and request.POST.get("forget_key"):
        org_settings.update_settings(organisation, now=timezone.now(), laposte_key="")
        messages.success(request, _("The La Poste key is removed: parcels are no longer followed."))
        return redirect("web:relations_settings", workspace.pk)
    form = RelationsSettingsForm(request.POST or None, chosen=chosen)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in org_settings.FIELDS}
        if not changes["laposte_key"].strip():
            del changes["laposte_key"]  # the field is never filled in: empty keeps the saved key
        try:
            _saved, started = org_settings.update_settings(organisation, now=timezone.now(), **changes)
        except org_settings.SettingsError as exc:
            for field, found in exc.by_field().items():
                for message in found:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Relations settings saved."))
            if "laposte_key" in changes:
                messages.success(request, ngettext(
                    "La Poste key saved: %(n)d parcel is now followed.",
                    "La Poste key saved: %(n)d parcels are now followed.", started) % {"n": started})
            return redirect("web:relations_settings", workspace.pk)
    return render(request, "parvis/relations/settings.html", {
        "workspace": workspace, "form": form, "key_set": org_settings.key_is_set(organisation),
        "variables": people.NOTICE_VARIABLES}, status=400 if form.errors else 200)
