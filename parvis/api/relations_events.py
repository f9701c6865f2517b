"""Relations' events through the API: a brand's events, their guest list and the
decisions on it (each with its reason: the invitation memory), the invitations sent, the
door list and the scans synced from the door phone, what happened after, the thank-you.

The rules are `relations.events`', `mailing`'s and `checkin`'s: an EventError becomes a
400 naming its field, and nothing is saved. The door phone's sync (`check-ins`) is called
from the web page with the session and its CSRF token, like every API call from the web.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.scoping import workspaces_for
from parvis.api.fields import id_field
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.relations import checkin, events, mailing
from parvis.relations.events import EventError
from parvis.relations.mailing import Sending
from parvis.relations.models import Answer, Contact, ContactList, Decision, Event, Guest, Mention, Reason

MOST_SCANS = 500  # one sync: a phone offline for a whole evening stays well under it



def _raise(exc: EventError) -> None:
    raise ValidationError({exc.field: [str(exc)]}) from exc


# -- serializers -----------------------------------------------------------------------------------

class EventSerializer(ApiModelSerializer):
    yes = serializers.IntegerField(read_only=True, help_text="Invited guests who said yes.")
    maybe = serializers.IntegerField(read_only=True)
    no = serializers.IntegerField(read_only=True)
    pending = serializers.IntegerField(read_only=True, help_text="Invited guests who have not answered.")
    waitlist = serializers.IntegerField(read_only=True, help_text="Guests on the waiting list.")
    places_taken = serializers.SerializerMethodField(help_text=(
        "People coming (invited guests who said yes and their named plus-ones), against `capacity`."))

    class Meta:
        model = Event
        fields = ["id", "name", "description", "starts_at", "ends_at", "place", "address", "capacity", "plus_ones",
                  "answer_by", "offer_hours", "remind_hours", "hashtags", "value_per_guest", "status", "yes",
                  "maybe", "no", "pending", "waitlist", "places_taken", "created_at"]
        read_only_fields = ["id", "status", "created_at"]
        extra_kwargs = {
            "capacity": {"help_text": "People, plus-ones included; null for no limit."},
            "hashtags": {"help_text": "Hashtags and mentions that find who posted about it: `#Printemps @brand`."},
            "value_per_guest": {"help_text": "What one guest's invitation is worth (EUR): recorded in the gifts "
                                             "ledger for each guest who comes."},
        }

    def get_places_taken(self, event: Event) -> int:
        return events.coming_places(event)


class GuestSerializer(ApiModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    note = serializers.CharField(source="reason_note", read_only=True)

    class Meta:
        model = Guest
        fields = ["id", "contact", "contact_name", "decision", "reason", "note", "waitlist_rank", "invited_at",
                  "offer_expires_at", "answer", "answered_at", "companions", "dietary", "photo_consent", "comment",
                  "checked_in_at", "arrived", "thanked_at"]
        read_only_fields = fields


class GuestsAddSerializer(serializers.Serializer):
    contacts = serializers.ListField(child=id_field(), required=False, max_length=10_000,
                                     help_text="Ids of the organisation's contacts.")
    list = id_field(required=False, help_text="Or a contact list's id: all its "
                                                                           "contacts.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("contacts") and not attrs.get("list"):
            raise serializers.ValidationError({"contacts": [_("Give contacts or a list.")]})
        return attrs


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False, allow_blank=True, help_text=(
        "Required when the decision is `not_now` (not this time); ignored otherwise."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=events.NOTE_LENGTH)


class SendingProblemSerializer(serializers.Serializer):
    guest = serializers.IntegerField()
    contact = serializers.IntegerField()
    message = serializers.CharField()


class SendingSerializer(serializers.Serializer):
    sent = serializers.ListField(child=serializers.IntegerField(), help_text="The guests emailed.")
    problems = SendingProblemSerializer(many=True, help_text="The guests not emailed, each with why.")


def _sending(done: Sending) -> dict[str, Any]:
    return {"sent": [guest.pk for guest in done.sent],
            "problems": [{"guest": guest.pk, "contact": guest.contact_id, "message": message}
                         for guest, message in done.problems]}


class DoorRowSerializer(serializers.Serializer):
    guest_id = serializers.IntegerField()
    name = serializers.CharField()
    outlet = serializers.CharField()
    answer = serializers.ChoiceField(choices=Answer.choices)
    companions = serializers.ListField(child=serializers.CharField())
    dietary = serializers.CharField()
    photo_consent = serializers.BooleanField(allow_null=True)
    arrived = serializers.IntegerField(help_text="People through the door, plus-ones included.")
    checked_in_at = UtcDateTimeField(allow_null=True)
    code_hash = serializers.CharField(help_text="SHA-256 (hex) of the guest's door code: a scan is matched offline "
                                                "by hashing it. The code itself is never sent.")


class DoorListSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    name = serializers.CharField()
    starts_at = UtcDateTimeField()
    plus_ones = serializers.IntegerField()
    downloaded_at = UtcDateTimeField()
    guests = DoorRowSerializer(many=True)


class ScanSerializer(serializers.Serializer):
    client_id = serializers.CharField(max_length=checkin.CLIENT_ID_LENGTH, help_text=(
        "Made on the phone, unique per scan: a scan synced again is counted once."))
    code = serializers.CharField(max_length=500, allow_blank=True, help_text="What the QR code held.")
    people = serializers.IntegerField(default=1, min_value=1, max_value=100, help_text=(
        "People let in: the guest and their plus-ones."))
    scanned_at = UtcDateTimeField(help_text="When it was scanned, on the phone.")


class ScansSerializer(serializers.Serializer):
    scans = ScanSerializer(many=True, help_text=f"At most {MOST_SCANS} per request.")

    def validate_scans(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > MOST_SCANS:
            raise serializers.ValidationError(_("At most %(max)d scans per request.") % {"max": MOST_SCANS})
        return value


class ScanResultSerializer(serializers.Serializer):
    client_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["in", "already", "refused", "duplicate"], help_text=(
        "`in`: counted now; `already`: came before (at `at`); `duplicate`: this scan was counted already; "
        "`refused`: see `message`."))
    message = serializers.CharField()
    guest = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    at = UtcDateTimeField(allow_null=True)


class PostedMentionSerializer(ApiModelSerializer):
    class Meta:
        model = Mention
        fields = ["id", "network", "url", "text", "published_at", "disclosure"]
        read_only_fields = fields
        extra_kwargs = {"disclosure": {"help_text": "`missing`: a benefit was given and the post does not say so "
                                                    "(French law 2023-451)."}}


class PostedSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact.pk")
    name = serializers.CharField(source="contact.name")
    came = serializers.BooleanField()
    mentions = PostedMentionSerializer(many=True)


class AfterSerializer(serializers.Serializer):
    came = GuestSerializer(many=True)
    absent = GuestSerializer(many=True, help_text="Said yes and did not come.")
    posted = PostedSerializer(many=True, help_text="Who posted from the start to a week after (linked mentions, "
                                                   "or the event's hashtags).")


class ThanksSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=mailing.SUBJECT_LENGTH, allow_blank=True)
    body = serializers.CharField(allow_blank=True)


class LastEventSerializer(serializers.Serializer):
    event = serializers.IntegerField(source="event_id")
    workspace = serializers.IntegerField(source="event.workspace_id")
    name = serializers.CharField(source="event.name")
    starts_at = UtcDateTimeField(source="event.starts_at")
    decision = serializers.ChoiceField(choices=Decision.choices)


class RememberedSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact.pk")
    name = serializers.CharField(source="contact.name")
    considered = serializers.IntegerField(help_text="Events whose list they were on.")
    not_this_time = serializers.IntegerField(help_text="Events where they were not invited this time.")
    reasons = serializers.DictField(child=serializers.IntegerField(), help_text=(
        "How many decisions gave each reason (`capacity`, `off_topic`, `budget`, `client`, `other`)."))
    last_events = LastEventSerializer(many=True, help_text="Their latest events, in the brands the caller is in.")


# -- views -----------------------------------------------------------------------------------------

class _Events(WorkspaceScoped, ApiView):
    def events(self) -> QuerySet[Event]:
        return events.with_answers(Event.objects.filter(workspace=self.workspace)).select_related("workspace")

    def event(self) -> Event:
        found = self.events().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise NotFound()
        return found

    def guests(self, event: Event) -> QuerySet[Guest]:
        return Guest.objects.filter(event=event).select_related("contact").order_by("contact__name", "pk")


@extend_schema(tags=["relations"])
class EventListView(_Events, generics.ListAPIView):
    serializer_class = EventSerializer
    queryset = Event.objects.none()

    def get_queryset(self) -> QuerySet[Event]:
        found = self.events()
        when = self.request.query_params.get("when", "")
        if when == "upcoming":
            return found.filter(ends_at__gte=timezone.now()).order_by("starts_at", "pk")
        if when == "past":
            found = found.filter(ends_at__lt=timezone.now())
        return found.order_by("-starts_at", "-pk")

    @extend_schema(operation_id="relations_events_list", parameters=[
        OpenApiParameter("when", str, enum=["upcoming", "past"], description=(
            "`upcoming`: not over yet, soonest first; `past`: over. Latest first otherwise."))],
        responses={200: EventSerializer(many=True), **READ_ERRORS},
        description="The brand's events with their invited guests' answers counted and the waiting list's length.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="relations_events_create", request=EventSerializer,
                   responses={201: EventSerializer, **WRITE_ERRORS},
                   description="A new draft event; it opens when its first invitations are sent. Each wrong field "
                               "is named (an end before the start, answers due after it, an unknown hashtag…).")
    def post(self, request: Request, workspace_id: int) -> Response:
        body = EventSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            made = events.create_event(self.workspace, body.validated_data, self.user, timezone.now())
        except EventError as exc:
            _raise(exc)
        return Response(EventSerializer(self.events().get(pk=made.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["relations"])
class EventDetail(_Events):
    serializer_class = EventSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(operation_id="relations_event_retrieve", responses={200: EventSerializer, **READ_ERRORS},
                   description="One event with its answers counted and the places taken.")
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(EventSerializer(self.event()).data)

    @extend_schema(operation_id="relations_event_update", request=EventSerializer,
                   responses={200: EventSerializer, **WRITE_ERRORS},
                   description="Change some fields; a capacity below the people already coming is refused.")
    def patch(self, request: Request, workspace_id: int, pk: int) -> Response:
        event = self.event()
        body = EventSerializer(event, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            events.update_event(event, body.validated_data)
        except EventError as exc:
            _raise(exc)
        return Response(EventSerializer(self.event()).data)

    @extend_schema(operation_id="relations_event_delete", responses={
        204: OpenApiResponse(description="Deleted with its guest list; the gifts recorded stay in the ledger."),
        **WRITE_ERRORS})
    def delete(self, request: Request, workspace_id: int, pk: int) -> Response:
        self.event().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["relations"])
class EventGuests(_Events, generics.ListAPIView):
    # JSON only: thousands of contact ids as form fields would pass Django's limit on fields.
    parser_classes = [JSONParser]
    serializer_class = GuestSerializer
    queryset = Guest.objects.none()

    def get_queryset(self) -> QuerySet[Guest]:
        found = self.guests(self.event())
        decision = self.request.query_params.get("decision", "")
        if decision in Decision.values:
            found = found.filter(decision=decision)
            if decision == Decision.WAITLIST:
                found = found.order_by("waitlist_rank", "pk")
        return found

    @extend_schema(operation_id="relations_event_guests_list", parameters=[
        OpenApiParameter("decision", str, enum=Decision.values, description="Only these guests (the waiting list "
                                                                            "in its order).")],
        responses={200: GuestSerializer(many=True), **READ_ERRORS},
        description="The guest list: each guest's decision (with its reason), invitation, answer, plus-ones, "
                    "dietary needs, photo consent and check-in.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="relations_event_guests_add", request=GuestsAddSerializer,
                   responses={201: GuestSerializer(many=True), **WRITE_ERRORS},
                   description="Add contacts, or a whole list, as considered (those on the list already are left "
                               "as they are); answers the guests added.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        event = self.event()
        body = GuestsAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        organisation = self.workspace.organisation_id
        try:
            if body.validated_data.get("list"):
                group = ContactList.objects.filter(organisation=organisation, pk=body.validated_data["list"]).first()
                if group is None:
                    raise ValidationError({"list": [_("No such list.")]})
                added = events.add_list(event, group, self.user, timezone.now())
            else:
                wanted = set(body.validated_data["contacts"])
                found = list(Contact.objects.filter(organisation=organisation, pk__in=wanted))
                if len(found) != len(wanted):
                    raise ValidationError({"contacts": [_("One of these contacts does not exist.")]})
                added = events.add_contacts(event, found, self.user, timezone.now())
        except EventError as exc:
            _raise(exc)
        rows = self.guests(event).filter(pk__in=[guest.pk for guest in added])
        return Response(GuestSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["relations"])
class EventGuestDetail(_Events):
    serializer_class = GuestSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "head", "options"]

    def guest(self) -> Guest:
        found = self.guests(self.event()).filter(pk=self.kwargs["guest_id"]).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(operation_id="relations_event_guest_retrieve", responses={200: GuestSerializer, **READ_ERRORS})
    def get(self, request: Request, workspace_id: int, pk: int, guest_id: int) -> Response:
        return Response(GuestSerializer(self.guest()).data)

    @extend_schema(operation_id="relations_event_guest_decide", request=DecisionSerializer,
                   responses={200: GuestSerializer, **WRITE_ERRORS},
                   description="Decide on a guest: invited, waiting list (the next rank), considered, or not this "
                               "time with its reason. Every decision is logged: the invitation memory counts them.")
    def patch(self, request: Request, workspace_id: int, pk: int, guest_id: int) -> Response:
        guest = self.guest()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            events.decide(guest, data["decision"], data.get("reason", ""), data.get("note", ""), by=self.user,
                          now=timezone.now())
        except EventError as exc:
            _raise(exc)
        return Response(GuestSerializer(self.guest()).data)


@extend_schema(tags=["relations"])
class EventInvite(_Events):
    serializer_class = SendingSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_event_invite", request=None,
                   responses={200: SendingSerializer, **WRITE_ERRORS},
                   description="Email their personal link to the invited guests not invited yet, each in their "
                               "language; a guest without an email address is a named problem.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        event = self.event()
        done = mailing.send_invitations(event, events.awaiting_invitation(event), self.user, timezone.now())
        return Response(SendingSerializer(_sending(done)).data)


@extend_schema(tags=["relations"])
class EventDoorList(_Events):
    serializer_class = DoorListSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_event_door_list", responses={200: DoorListSerializer, **READ_ERRORS},
                   description="Who is expected (invited, yes or maybe) and who came: what the door phone keeps to "
                               "check guests in offline, with each door code's hash and never the code.")
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(DoorListSerializer(checkin.door_sync_list(self.event(), timezone.now())).data)


@extend_schema(tags=["relations"])
class EventCheckIns(_Events):
    serializer_class = ScansSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_event_check_ins", request=ScansSerializer,
                   responses={200: ScanResultSerializer(many=True), **WRITE_ERRORS},
                   description="The door phone's scans, synced when it has the network (from the web page: the "
                               "session and its CSRF token). Each scan's `client_id` makes the sync idempotent; a "
                               "scan refused (a bad code, another event's) is a result, not an error.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        event = self.event()
        body = ScansSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scans = [{**scan, "scanned_at": scan["scanned_at"].isoformat()} for scan in body.validated_data["scans"]]
        results = checkin.sync_scans(event, scans, self.user)
        return Response(ScanResultSerializer([
            {"client_id": scan["client_id"], "status": result.status, "message": result.message,
             "guest": result.guest.pk if result.guest else None,
             "name": result.guest.contact.name if result.guest else None, "at": result.at}
            for scan, result in zip(scans, results, strict=True)], many=True).data)


@extend_schema(tags=["relations"])
class EventAfter(_Events):
    serializer_class = AfterSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_event_after", responses={200: AfterSerializer, **READ_ERRORS},
                   description="After the event: who came, who said yes and did not come, who posted about it "
                               "(with the advertising-mention check of each post).")
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(AfterSerializer(checkin.after_event(self.event())).data)


@extend_schema(tags=["relations"])
class EventThanks(_Events):
    serializer_class = ThanksSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_event_thanks", request=ThanksSerializer,
                   responses={200: SendingSerializer, **WRITE_ERRORS},
                   description="Email the thank-you to each guest who came and has not been thanked yet.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        event = self.event()
        body = ThanksSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            done = mailing.send_thanks(event, checkin.to_thank(event), body.validated_data["subject"],
                                       body.validated_data["body"], self.user, timezone.now())
        except EventError as exc:
            _raise(exc)
        return Response(SendingSerializer(_sending(done)).data)


@extend_schema(tags=["relations"])
class EventMemory(WorkspaceScoped, ApiView):
    serializer_class = RememberedSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_events_memory", responses={200: RememberedSerializer(many=True),
                                                                     **READ_ERRORS},
                   description="The invitation memory: the organisation's contacts put on events' lists and never "
                               "invited, most considered first, with how many times each reason was given.")
    def get(self, request: Request, workspace_id: int) -> Response:
        remembered = events.memory(self.workspace.organisation)
        seen = workspaces_for(self.user).filter(organisation=self.workspace.organisation_id)
        last = events.last_events([entry.contact.pk for entry in remembered], seen)
        rows = [{**entry.__dict__, "last_events": last.get(entry.contact.pk, [])} for entry in remembered]
        return Response(RememberedSerializer(rows, many=True).data)
