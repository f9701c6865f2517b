"""Relations: the gifts ledger of a brand (law 2023-451) — per person and calendar year,
the benefits they received and their total, with a warning once it reaches the
written-contract threshold; fees and other benefits entered, changed and deleted here
(parcels' and invitations' rows follow their source); and the posts by contacts about the
brand that lack the advertising mention. Members read; editors and above change."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.relations import gifts
from parvis.relations.models import Contact, Gift, Mention

PER_PAGE = 50
MOST_MENTIONS = 100  # the newest flagged posts; each is also on its contact's timeline


def brand_gifts(workspace: Workspace) -> Any:
    return Gift.objects.filter(workspace=workspace).select_related("contact", "parcel", "guest")


def source_of(gift: Gift, workspace: Workspace) -> str:
    """Where a linked benefit is changed: its parcel, or its invitation's event."""
    if gift.parcel_id is not None:
        return reverse("web:parcel_edit", args=[workspace.pk, gift.parcel_id])
    if gift.guest_id is not None and gift.guest is not None:
        return reverse("web:event", args=[workspace.pk, gift.guest.event_id])
    return ""


class GiftForm(forms.Form):
    # Left to `gifts` to check (not required here), so that every wrong field is named at once.
    contact = forms.ChoiceField(label=gettext_lazy("Contact"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[
        (Gift.Kind.FEE.value, Gift.Kind.FEE.label), (Gift.Kind.OTHER.value, Gift.Kind.OTHER.label)])
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  help_text=gettext_lazy("Such as “Recipe video, 3 posts” or “Two nights at the "
                                                         "hotel”."))
    value = forms.CharField(label=gettext_lazy("Value (EUR, excluding VAT)"), required=False)
    given_on = forms.CharField(label=gettext_lazy("Given on"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, workspace: Workspace, gift: Gift | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if gift is not None:
            del self.fields["contact"]  # a benefit stays with its person: delete it and enter another
        else:
            self.fields["contact"].choices = [("", "—")] + [  # type: ignore[attr-defined]
                (str(pk), name) for pk, name in Contact.objects.filter(organisation=workspace.organisation_id)
                .order_by("name", "id").values_list("pk", "name")]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in gifts.GIFT_FIELDS}


def _errors_to(form: forms.Form, exc: gifts.GiftError) -> None:
    for field, found in exc.by_field().items():
        for message in found:
            form.add_error(field if field in form.fields else None, message)


@membership_view(Role.VIEWER, min_role_post=Role.EDITOR)
def gift_ledger(request: AuthedRequest, membership: Membership) -> HttpResponseBase:
    workspace, now = membership.workspace, timezone.now()
    today = gifts.local_today(workspace, now)
    year = gifts.ledger_year(request.GET.get("year"), today)
    if year is None:
        raise Http404
    form = GiftForm(request.POST or None, workspace=workspace, initial={"given_on": today.isoformat()})
    if request.method == "POST" and form.is_valid():
        contact = get_object_or_404(Contact, organisation=workspace.organisation_id, pk=form.cleaned_data["contact"])
        try:
            made = gifts.add_gift(workspace, contact, now=now, by=request.user, **form.values())
        except gifts.GiftError as exc:
            _errors_to(form, exc)
        else:
            messages.success(request, _("Benefit added for %(name)s.") % {"name": contact.name})
            return redirect(f"{reverse('web:gifts', args=[workspace.pk])}?year={made.given_on.year}")
    benefits: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for gift in brand_gifts(workspace).filter(given_on__year=year).order_by("given_on", "id"):
        benefits[gift.contact_id].append({"gift": gift, "source": source_of(gift, workspace),
                                          "linked": gift.parcel_id is not None or gift.guest_id is not None})
    page = Paginator(gifts.ledger(workspace, year), PER_PAGE).get_page(request.GET.get("page"))
    missing = Mention.objects.filter(workspace=workspace, disclosure=Mention.Disclosure.MISSING) \
        .select_related("contact").order_by("-published_at", "-id")
    return render(request, "parvis/relations/gifts.html", {
        "workspace": workspace, "year": year, "page": page,
        "rows": [{"row": r, "benefits": benefits.get(r.contact.pk, [])} for r in page.object_list],
        "threshold": gifts.contract_threshold(workspace.organisation), "form": form,
        "previous_year": year - 1 if year - 1 >= today.year - gifts.OLDEST_YEARS else None,
        "next_year": year + 1 if year + 1 <= today.year + 1 else None,
        "missing": missing[:MOST_MENTIONS], "missing_count": missing.count(),
        "can_edit": membership.at_least(Role.EDITOR), "can_set": membership.at_least(Role.MANAGER)},
        status=400 if form.errors else 200)


@membership_view(Role.EDITOR)
def gift_edit(request: AuthedRequest, membership: Membership, gift_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    gift = get_object_or_404(brand_gifts(workspace), pk=gift_id)
    refused = gifts.why_not_editable(gift)
    form = GiftForm(request.POST if request.method == "POST" else None, workspace=workspace, gift=gift,
                    initial={name: getattr(gift, name) for name in gifts.GIFT_FIELDS} | {
                        "given_on": gift.given_on.isoformat()})
    if request.method == "POST" and refused is None and form.is_valid():
        try:
            gifts.edit_gift(gift, now=timezone.now(), **form.values())
        except gifts.GiftError as exc:
            _errors_to(form, exc)
        else:
            messages.success(request, _("Benefit saved."))
            return redirect(f"{reverse('web:gifts', args=[workspace.pk])}?year={gift.given_on.year}")
    return render(request, "parvis/relations/gift_form.html", {
        "workspace": workspace, "gift": gift, "form": form, "refused": refused,
        "source": source_of(gift, workspace)},
        status=400 if form.errors or (refused is not None and request.method == "POST") else 200)


@require_POST
@workspace_view(Role.EDITOR)
def gift_delete(request: AuthedRequest, workspace: Workspace, gift_id: int) -> HttpResponseBase:
    gift = get_object_or_404(brand_gifts(workspace), pk=gift_id)
    year = gift.given_on.year
    try:
        gifts.delete_gift(gift)
    except gifts.GiftError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Benefit deleted."))
    return redirect(f"{reverse('web:gifts', args=[workspace.pk])}?year={year}")
