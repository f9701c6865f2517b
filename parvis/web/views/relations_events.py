"""Relations: a brand's events as the CM runs them — the list (upcoming, then past), the
form, the event's page with its guest list grouped by decision (each decision with its
reason), the invitations sent, the printable door list, what happened after (who came,
who posted, the thank-you), and the invitation memory. Members read; editors and above
change. The rules are `relations.events`', `rsvp`'s, `mailing`'s and `checkin`'s; the
views pass the fields on and show each EventError on its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view, workspaces_for
from parvis.core.ids import parse_id
from parvis.relations import checkin, events, mailing
from parvis.relations.events import EventError
from parvis.relations.models import Contact, ContactList, Decision, Event, Guest, Mention, Reason

MOST_CONTACTS_OFFERED = 100  # the add form's select: a search narrows a large address book
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows
WHEN_FIELDS = ("starts_at", "ends_at", "answer_by")


def brand_events(workspace: Workspace) -> QuerySet[Event]:
    return Event.objects.filter(workspace=workspace)


def _event(workspace: Workspace, event_id: int) -> Event:
    return get_object_or_404(brand_events(workspace).select_related("workspace"), pk=event_id)


def _local(**attrs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"], required=False,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
                               **attrs)


class EventForm(forms.Form):
    """Every field optional here: `events.check_event` says what is missing, in the same
    words as the API."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=events.NAME_LENGTH, required=False)
    starts_at = _local(label=gettext_lazy("Starts at"))
    ends_at = _local(label=gettext_lazy("Ends at"))
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=gettext_lazy("Sent with the invitation."))
    capacity = forms.IntegerField(label=gettext_lazy("Capacity (people, plus-ones included)"), required=False,
                                  help_text=gettext_lazy("Left empty: no limit."))
    plus_ones = forms.IntegerField(label=gettext_lazy("Plus-ones allowed per guest"), required=False, initial=0)
    answer_by = _local(label=gettext_lazy("Answers due by"), help_text=gettext_lazy("Optional."))
    offer_hours = forms.IntegerField(label=gettext_lazy("Hours to accept a freed place"), required=False,
                                     initial=48)
    remind_hours = forms.IntegerField(label=gettext_lazy("Reminder (hours before)"), required=False, initial=48)
    hashtags = forms.CharField(label=gettext_lazy("Hashtags and mentions to look for"), required=False,
                               max_length=events.HASHTAGS_LENGTH,
                               help_text=gettext_lazy("To find who posted about it, e.g. #Printemps2026 @brand."))
    value_per_guest = forms.DecimalField(label=gettext_lazy("Value per guest (EUR)"), required=False,
                                         max_digits=12, decimal_places=2,
                                         help_text=gettext_lazy("Meal and gifts: recorded in the gifts ledger for "
                                                                "each guest who comes."))

    @classmethod
    def of(cls, event: Event) -> EventForm:
        tz = event.workspace.tz
        initial = {name: getattr(event, name) for name in cls.base_fields}
        for name in WHEN_FIELDS:  # shown as the brand's wall-clock time
            value = initial[name]
            initial[name] = value.astimezone(tz).replace(tzinfo=None) if value else None
        return cls(initial=initial)

    def read(self, workspace: Workspace) -> bool:
        # A typed date and time is the brand's, whoever types it and wherever they are.
        with timezone.override(workspace.tz):
            return self.is_valid()

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        defaults = {"plus_ones": 0, "offer_hours": Event._meta.get_field("offer_hours").default,
                    "remind_hours": Event._meta.get_field("remind_hours").default}
        for name, default in defaults.items():
            if data.get(name) is None:
                data[name] = default
        return data


@membership_view(Role.VIEWER)
def event_list(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    upcoming, past = events.listing(workspace, timezone.now())
    return render(request, "parvis/relations/events.html", {
        "workspace": workspace, "upcoming": upcoming, "past": past, "can_edit": membership.at_least(Role.EDITOR)})


def _save(form: EventForm, workspace: Workspace, event: Event | None, request: AuthedRequest) -> Event | None:
    if not form.read(workspace):
        return None
    try:
        if event is None:
            return events.create_event(workspace, form.values(), request.user, timezone.now())
        return events.update_event(event, form.values())
    except EventError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None


@membership_view(Role.EDITOR)
def event_new(request: AuthedRequest, membership: Membership) -> HttpResponseBase:
    workspace = membership.workspace
    form = EventForm(request.POST or None)
    if request.method == "POST" and (saved := _save(form, workspace, None, request)):
        messages.success(request, _("“%(name)s” created: add the guests.") % {"name": saved.name})
        return redirect("web:event", workspace.pk, saved.pk)
    return render(request, "parvis/relations/event_form.html", {"workspace": workspace, "form": form},
                  status=400 if form.errors else 200)


@membership_view(Role.EDITOR)
def event_edit(request: AuthedRequest, membership: Membership, event_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    event = _event(workspace, event_id)
    form = EventForm(request.POST) if request.method == "POST" else EventForm.of(event)
    if request.method == "POST" and _save(form, workspace, event, request):
        messages.success(request, _("“%(name)s” saved.") % {"name": event.name})
        return redirect("web:event", workspace.pk, event.pk)
    return render(request, "parvis/relations/event_form.html",
                  {"workspace": workspace, "form": form, "event": _event(workspace, event_id)},
                  status=400 if form.errors else 200)


def _groups(event: Event) -> list[tuple[str, str, list[Guest]]]:
    """The guest list by decision, in the order a CM works: (decision, title, guests)."""
    guests = list(Guest.objects.filter(event=event).select_related("contact").order_by("contact__name", "pk"))
    by: dict[str, list[Guest]] = {value: [] for value in Decision.values}
    for guest in guests:
        by[guest.decision].append(guest)
    # The waitlist in its order; a guest whose offer lapsed (no rank) after the others.
    by[Decision.WAITLIST].sort(key=lambda g: (g.waitlist_rank is None, g.waitlist_rank or 0))
    titles = {Decision.INVITED: _("Invited"), Decision.WAITLIST: _("Waiting list"),
              Decision.CONSIDERED: _("Considered"), Decision.NOT_THIS_TIME: _("Not this time")}
    return [(str(value), str(title), by[value]) for value, title in titles.items()]


def _candidates(workspace: Workspace, event: Event, query: str) -> QuerySet[Contact]:
    found = Contact.objects.filter(organisation=workspace.organisation_id).exclude(guest_entries__event=event)
    for word in query.split()[:5]:
        found = found.filter(Q(name__icontains=word) | Q(outlet__icontains=word) | Q(email__icontains=word)
                             | Q(city__icontains=word))
    return found.order_by("name", "pk")[:MOST_CONTACTS_OFFERED]


def _event_page(request: AuthedRequest, membership: Membership, event: Event, status: int = 200,
                error: dict[str, Any] | None = None) -> HttpResponse:
    workspace = membership.workspace
    query = request.GET.get("q", "")[:100]
    summary = events.places_summary(event)
    context = {
        "workspace": workspace, "event": event, "groups": _groups(event), "summary": summary,
        "coming": events.coming_places(event), "awaiting": len(events.awaiting_invitation(event)),
        "candidates": _candidates(workspace, event, query), "query": query,
        "lists": ContactList.objects.filter(organisation=workspace.organisation_id),
        "decisions": Decision.choices, "reasons": Reason.choices, "error": error or {},
        "over": event.ends_at < timezone.now(),
        "can_edit": membership.at_least(Role.EDITOR),
    }
    return render(request, "parvis/relations/event.html", context, status=status)


@membership_view(Role.VIEWER)
def event_page(request: AuthedRequest, membership: Membership, event_id: int) -> HttpResponse:
    return _event_page(request, membership, _event(membership.workspace, event_id))


@require_POST
@membership_view(Role.EDITOR)
def event_add_guests(request: AuthedRequest, membership: Membership, event_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    event = _event(workspace, event_id)
    now = timezone.now()
    try:
        if request.POST.get("list"):
            list_id = parse_id(request.POST["list"])
            group = None if list_id is None else ContactList.objects.filter(
                organisation=workspace.organisation_id, pk=list_id).first()
            if group is None:
                raise EventError(_("Choose a list."), "list")
            added = events.add_list(event, group, request.user, now)
        else:
            ids = [pk for pk in (parse_id(raw) for raw in request.POST.getlist("contacts")) if pk is not None]
            chosen = list(Contact.objects.filter(organisation=workspace.organisation_id, pk__in=ids))
            if not chosen or len(chosen) != len(set(ids)):
                raise EventError(_("Choose contacts of the agency."), "contacts")
            added = events.add_contacts(event, chosen, request.user, now)
    except EventError as exc:
        return _event_page(request, membership, event, 400, {"form": "add", "field": exc.field,
                                                             "message": str(exc)})
    messages.success(request, ngettext("%(count)d contact added to the list, as considered.",
                                       "%(count)d contacts added to the list, as considered.", len(added))
                     % {"count": len(added)})
    return redirect("web:event", workspace.pk, event.pk)


@require_POST
@membership_view(Role.EDITOR)
def event_decide(request: AuthedRequest, membership: Membership, event_id: int, guest_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    event = _event(workspace, event_id)
    guest = get_object_or_404(Guest.objects.select_related("contact"), event=event, pk=guest_id)
    try:
        events.decide(guest, request.POST.get("decision", ""), request.POST.get("reason", ""),
                      request.POST.get("note", ""), by=request.user, now=timezone.now())
    except EventError as exc:
        return _event_page(request, membership, event, 400, {"form": "decide", "guest": guest.pk,
                                                             "field": exc.field, "message": str(exc)})
    messages.success(request, _("%(name)s: %(decision)s.") % {"name": guest.contact.name,
                                                              "decision": guest.get_decision_display()})
    return redirect(reverse("web:event", args=[workspace.pk, event.pk]) + f"#guest-{guest.pk}")


@require_POST
@workspace_view(Role.EDITOR)
def event_invite(request: AuthedRequest, workspace: Workspace, event_id: int) -> HttpResponseBase:
    event = _event(workspace, event_id)
    waiting = events.awaiting_invitation(event)
    if not waiting:
        messages.info(request, _("Every invited guest has had their invitation."))
        return redirect("web:event", workspace.pk, event.pk)
    done = mailing.send_invitations(event, waiting, request.user, timezone.now())
    if done.sent:
        messages.success(request, ngettext("%(count)d invitation sent.", "%(count)d invitations sent.",
                                           len(done.sent)) % {"count": len(done.sent)})
    for _guest, problem in done.problems:
        messages.error(request, problem)
    return redirect("web:event", workspace.pk, event.pk)


@workspace_view(Role.VIEWER)
def event_door_list(request: AuthedRequest, workspace: Workspace, event_id: int) -> HttpResponse:
    event = _event(workspace, event_id)
    rows = checkin.door_list(event)
    return render(request, "parvis/relations/event_door_list.html", {
        "workspace": workspace, "event": event, "rows": rows, "people": sum(1 + len(r.companions) for r in rows)})


class ThanksForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=mailing.SUBJECT_LENGTH, required=False)
    body = forms.CharField(label=gettext_lazy("Message"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=gettext_lazy("Sent to each guest who came and has not been thanked yet."))


@membership_view(Role.VIEWER, min_role_post=Role.EDITOR)
def event_after(request: AuthedRequest, membership: Membership, event_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    event = _event(workspace, event_id)
    form = ThanksForm(request.POST or None, initial={
        "subject": _("Thank you for coming: %(event)s") % {"event": event.name}})
    if request.method == "POST" and form.is_valid():
        try:
            done = mailing.send_thanks(event, checkin.to_thank(event), form.cleaned_data["subject"],
                                       form.cleaned_data["body"], request.user, timezone.now())
        except EventError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            if done.sent:
                messages.success(request, ngettext("%(count)d thank-you sent.", "%(count)d thank-yous sent.",
                                                   len(done.sent)) % {"count": len(done.sent)})
            elif not done.problems:
                messages.info(request, _("Nobody left to thank: everyone who came has been thanked."))
            for _guest, problem in done.problems:
                messages.error(request, problem)
            return redirect("web:event_after", workspace.pk, event.pk)
    after = checkin.after_event(event)
    return render(request, "parvis/relations/event_after.html", {
        "workspace": workspace, "event": event, "after": after, "form": form,
        "to_thank": len(checkin.to_thank(event)), "missing": Mention.Disclosure.MISSING,
        "present": Mention.Disclosure.PRESENT, "can_edit": membership.at_least(Role.EDITOR)},
        status=400 if form.errors else 200)


@membership_view(Role.VIEWER)
def event_memory(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    remembered = events.memory(workspace.organisation)
    seen = workspaces_for(request.user).filter(organisation=workspace.organisation_id)
    last = events.last_events([entry.contact.pk for entry in remembered], seen)
    labels = dict(Reason.choices)
    rows = [{"entry": entry, "last": last.get(entry.contact.pk, []),
             "reasons": [(labels.get(reason, reason), times) for reason, times in entry.reasons.items()]}
            for entry in remembered]
    return render(request, "parvis/relations/event_memory.html", {"workspace": workspace, "rows": rows})
