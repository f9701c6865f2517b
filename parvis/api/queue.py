"""An account's posting queue through the API: its weekly slots (wall-clock times in the
workspace zone), whether it is paused, the publications waiting in it, moving one of them,
and a shuffle.

Reading needs any role; changing slots or pausing needs a manager (as in the web UI);
moving and shuffling need an editor. An account of another workspace answers 404."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import ObjectScoped
from parvis.api.serializers import IdField, PublicationSerializer, UtcDateTimeField
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, ApiView, Conflict
from parvis.networks.models import SocialAccount
from parvis.publishing import queue


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
                      "example": "09:00"})
class WallClockTimeField(serializers.TimeField):
    """`09:00`: a time of day in the workspace's zone, to the minute. Not the schema's
    `format: time`, which is RFC 3339's time with an offset: a slot has none, it follows
    the workspace's zone through DST changes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class SlotSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday.")
    time = WallClockTimeField(help_text="Wall-clock time in the workspace zone, `09:00`.")


class QueueSerializer(serializers.Serializer):
    account = serializers.IntegerField(read_only=True)
    timezone = serializers.CharField(read_only=True, help_text="The zone the slots are read in.")
    paused = serializers.BooleanField(required=False)
    slots = SlotSerializer(many=True, required=False, help_text="Replaces every slot; queued publications "
                                                                "move to the new times, in order.")
    queued = PublicationSerializer(many=True, read_only=True, help_text="Waiting in the queue, in order.")
    next_free = serializers.ListField(child=UtcDateTimeField(), read_only=True,
                                      help_text="The next three free slots.")


def _queue_body(account: SocialAccount) -> dict[str, Any]:
    return {
        "account": account.pk, "timezone": account.workspace.timezone, "paused": queue.queue_of(account).paused,
        "slots": [{"weekday": d, "time": t} for d, t in sorted(queue.slots_of(account))],
        "queued": list(queue.queued(account).select_related("account", "post__workspace__editorial")),
        "next_free": queue.next_free_slots(account, 3),
    }


class QueueMixin(ObjectScoped, ApiView):
    serializer_class = QueueSerializer
    queryset = SocialAccount.objects.none()

    def get_account(self, min_role: Role) -> SocialAccount:
        return self.scoped(SocialAccount.objects.select_related("workspace"), min_role)


@extend_schema(tags=["accounts"])
class AccountQueueDetail(QueueMixin):
    http_method_names = ["get", "put", "head", "options"]

    @extend_schema(responses={200: QueueSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(QueueSerializer(_queue_body(self.get_account(Role.VIEWER))).data)

    @extend_schema(request=QueueSerializer, responses={200: QueueSerializer, **WRITE_ERRORS},
                   description="Change the slots and/or pause or resume the queue (managers). On "
                               "resume, queued publications whose time went by take the next free slots.")
    def put(self, request: Request, pk: int) -> Response:
        account = self.get_account(Role.MANAGER)
        body = QueueSerializer(data=request.data)
        body.is_valid(raise_exception=True)  # `slots[0].time`: named by parvis.api.errors
        data = body.validated_data
        if "slots" in data:
            queue.set_slots(account, [(s["weekday"], s["time"]) for s in data["slots"]], self.user)
        if "paused" in data:
            queue.set_paused(account, data["paused"], self.user)
        return Response(QueueSerializer(_queue_body(account)).data)


@extend_schema(tags=["accounts"])
class AccountQueueShuffle(QueueMixin):
    @extend_schema(operation_id="accounts_queue_shuffle", request=None,
                   responses={200: QueueSerializer, **WRITE_ERRORS},
                   description="Deal the queued publications over the same times in a random order.")
    def post(self, request: Request, pk: int) -> Response:
        account = self.get_account(Role.EDITOR)
        queue.shuffle(account, self.user)
        return Response(QueueSerializer(_queue_body(account)).data)


class QueueMoveSerializer(serializers.Serializer):
    publication = IdField(help_text="A publication waiting in this account's queue.")
    direction = serializers.ChoiceField(choices=["up", "down"], help_text="`up` is sooner.")


@extend_schema(tags=["accounts"])
class AccountQueueMove(QueueMixin):
    serializer_class = QueueMoveSerializer  # type: ignore[assignment]

    @extend_schema(operation_id="accounts_queue_move", request=QueueMoveSerializer,
                   responses={200: QueueSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Swap a queued publication's time with its neighbour's (editors). 409 "
                               "when it is already first (`up`) or last (`down`).")
    def post(self, request: Request, pk: int) -> Response:
        account = self.get_account(Role.EDITOR)
        body = QueueMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        publication = queue.queued(account).filter(pk=body.validated_data["publication"]).first()
        if publication is None:
            raise ValidationError({"publication": [_("This publication is not waiting in this account's queue.")]})
        if not queue.move(publication, body.validated_data["direction"], self.user):
            raise Conflict("direction", _("This publication is already at that end of the queue."))
        return Response(QueueSerializer(_queue_body(account)).data)
