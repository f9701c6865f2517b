"""Relations: the parcels a brand sends to its contacts — the list with its filters, the
form (the address copied from the contact, changed if need be), the status set by hand,
a check asked of La Poste now, and deletion. Members read; editors and above change.
Checking and following are `relations.parcels`'; the view only passes the fields on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.core.ids import parse_id
from parvis.relations import parcels, tracking
from parvis.relations.models import Carrier, Contact, Event, Parcel, ParcelStatus

PER_PAGE = 50
MOST_EVENTS_OFFERED = 200  # the event select lists the brand's latest events


def brand_parcels(workspace: Workspace) -> QuerySet[Parcel]:
    return Parcel.objects.filter(workspace=workspace).select_related("contact", "event")


def row(parcel: Parcel) -> dict[str, Any]:
    """What a row shows besides the parcel: the carrier's public page, why a check failed,
    and whether La Poste could be asked now."""
    return {"parcel": parcel, "url": tracking.tracking_url(parcel.carrier, parcel.tracking_number),
            "error": parcels.check_error_of(parcel)}


@membership_view(Role.VIEWER)
def parcel_list(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    found = brand_parcels(workspace)
    query, state = request.GET.get("q", "")[:100], request.GET.get("status", "")
    for word in query.split()[:5]:
        found = found.filter(Q(contact__name__icontains=word) | Q(contents__icontains=word)
                             | Q(tracking_number__icontains=tracking.normalise_number(word)))
    if state in ParcelStatus.values:
        found = found.filter(status=state)
    page = Paginator(found.order_by("-created_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "parvis/relations/parcels.html", {
        "workspace": workspace, "page": page, "rows": [row(p) for p in page.object_list], "query": query,
        "status": state, "statuses": ParcelStatus.choices, "total": brand_parcels(workspace).count(),
        "can_edit": membership.at_least(Role.EDITOR)})


class ParcelForm(forms.Form):
    # Left to `parcels` to check (not required here), so that every wrong field is named at once.
    contact = forms.ChoiceField(label=gettext_lazy("Contact"))
    event = forms.ChoiceField(label=gettext_lazy("Event"), required=False,
                              help_text=gettext_lazy("When the parcel goes with an event (optional)."))
    contents = forms.CharField(label=gettext_lazy("Contents"), required=False,
                               help_text=gettext_lazy("What is in it, as the gifts ledger will list it."))
    declared_value = forms.CharField(label=gettext_lazy("Declared value (EUR, excluding VAT)"), required=False,
                                     help_text=gettext_lazy("Counted as a benefit in the gifts ledger."))
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"), choices=Carrier.choices)
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), required=False, help_text=gettext_lazy(
        "Colissimo, Chronopost and lettre suivie numbers are followed through La Poste once the organisation's "
        "key is set."))
    sent_on = forms.CharField(label=gettext_lazy("Sent on"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    address = forms.CharField(label=gettext_lazy("Address"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=gettext_lazy("Where it goes, as on the label. Left empty for a new parcel: "
                                                     "the contact's postal address."))

    def __init__(self, *args: Any, workspace: Workspace, parcel: Parcel | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parcel is not None:
            del self.fields["contact"]  # a parcel stays with its recipient: delete it and enter another
        else:
            self.fields["contact"].choices = [("", "—")] + [  # type: ignore[attr-defined]
                (str(pk), name) for pk, name in Contact.objects.filter(organisation=workspace.organisation_id)
                .order_by("name", "id").values_list("pk", "name")]
        self.fields["event"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in Event.objects.filter(workspace=workspace)
            .order_by("-starts_at", "-id").values_list("pk", "name")[:MOST_EVENTS_OFFERED]]

    @classmethod
    def of(cls, parcel: Parcel) -> ParcelForm:
        initial = {name: getattr(parcel, name) for name in parcels.EDITABLE if name != "event"}
        initial["event"] = str(parcel.event_id or "")
        initial["sent_on"] = parcel.sent_on.isoformat() if parcel.sent_on else ""
        return cls(initial=initial, workspace=parcel.workspace, parcel=parcel)

    def values(self, workspace: Workspace) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in parcels.EDITABLE}
        event = data.pop("event")
        data["event"] = Event.objects.filter(workspace=workspace, pk=event).first() if event else None
        return data


def _errors_to(form: forms.Form, exc: parcels.ParcelError) -> None:
    for field, found in exc.by_field().items():
        for message in found:
            form.add_error(field if field in form.fields else None, message)


@membership_view(Role.EDITOR)
def parcel_new(request: AuthedRequest, membership: Membership) -> HttpResponseBase:
    workspace = membership.workspace
    if request.method == "POST":
        form = ParcelForm(request.POST, workspace=workspace)
        if form.is_valid():
            contact = get_object_or_404(Contact, organisation=workspace.organisation_id,
                                        pk=form.cleaned_data["contact"])
            values = form.values(workspace)
            try:
                made = parcels.create_parcel(workspace, contact, now=timezone.now(), by=request.user,
                                             **values | {"address": values["address"] or None})
            except parcels.ParcelError as exc:
                _errors_to(form, exc)
            else:
                messages.success(request, _("Parcel for %(name)s added.") % {"name": contact.name})
                return redirect("web:parcel_edit", workspace.pk, made.pk)
    else:
        wanted = parse_id(request.GET.get("contact"))  # from a contact's page: them, at their address
        chosen = Contact.objects.filter(organisation=workspace.organisation_id, pk=wanted).first() if wanted else None
        initial = {"contact": str(chosen.pk), "address": parcels.address_of(chosen)} if chosen else {}
        form = ParcelForm(initial=initial, workspace=workspace)
    has_contacts = Contact.objects.filter(organisation=workspace.organisation_id).exists()
    return render(request, "parvis/relations/parcel_form.html",
                  {"workspace": workspace, "form": form, "has_contacts": has_contacts},
                  status=400 if form.errors else 200)


@membership_view(Role.VIEWER, min_role_post=Role.EDITOR)
def parcel_edit(request: AuthedRequest, membership: Membership, parcel_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    parcel = get_object_or_404(brand_parcels(workspace), pk=parcel_id)
    can_edit = membership.at_least(Role.EDITOR)
    form = ParcelForm(request.POST, workspace=workspace, parcel=parcel) if request.method == "POST" \
        else ParcelForm.of(parcel)
    if request.method == "POST" and form.is_valid():
        try:
            parcels.update_parcel(parcel, now=timezone.now(), **form.values(workspace))
        except parcels.ParcelError as exc:
            _errors_to(form, exc)
            parcel.refresh_from_db()  # what the page shows is what is saved
        else:
            messages.success(request, _("Parcel saved."))
            return redirect("web:parcel_edit", workspace.pk, parcel.pk)
    return render(request, "parvis/relations/parcel.html", {
        "workspace": workspace, "form": form, "can_edit": can_edit, **row(parcel),
        "statuses": ParcelStatus.choices, "can_ask": parcels.why_not_followed(parcel) is None,
        "steps": [{"at": tracking.when(step.get("at")), "label": step.get("label", "")}
                  for step in parcel.events if isinstance(step, dict)]},
        status=400 if form.errors else 200)


@require_POST
@workspace_view(Role.EDITOR)
def parcel_status(request: AuthedRequest, workspace: Workspace, parcel_id: int) -> HttpResponseBase:
    parcel = get_object_or_404(brand_parcels(workspace), pk=parcel_id)
    try:
        parcels.set_status(parcel, request.POST.get("status", ""), now=timezone.now())
    except parcels.ParcelError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Status set: %(status)s.") % {"status": parcel.get_status_display()})
    return redirect("web:parcel_edit", workspace.pk, parcel.pk)


@require_POST
@workspace_view(Role.EDITOR)
def parcel_refresh(request: AuthedRequest, workspace: Workspace, parcel_id: int) -> HttpResponseBase:
    parcel = get_object_or_404(brand_parcels(workspace), pk=parcel_id)
    if (problem := parcels.why_not_followed(parcel)) is not None:
        messages.error(request, str(problem))
    elif parcels.refresh(parcel, timezone.now()):
        messages.success(request, _("La Poste answered: the status is up to date."))
    else:
        parcel.refresh_from_db()
        messages.error(request, parcels.check_error_of(parcel) or _("La Poste could not be asked."))
    return redirect("web:parcel_edit", workspace.pk, parcel.pk)


@require_POST
@workspace_view(Role.EDITOR)
def parcel_delete(request: AuthedRequest, workspace: Workspace, parcel_id: int) -> HttpResponseBase:
    parcel = get_object_or_404(brand_parcels(workspace), pk=parcel_id)
    parcel.delete()  # its row in the gifts ledger goes with it (cascade)
    messages.success(request, _("Parcel deleted, with its line in the gifts ledger."))
    return redirect("web:parcels", workspace.pk)
