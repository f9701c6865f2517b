"""The inbox's settings through the API: response target and crisis thresholds, the
workspace's model (retrain it on the corrections), crisis alerts and their
acknowledgement, working hours, and the on-duty rota with its relays.

The same functions as the web's settings pages do the work (`parvis.inbox.duty`,
`crisis`, `learning`). Settings are for managers and owners (403 otherwise); crisis
alerts are read by any member and acknowledged by editors and above, as in the inbox's
banner. Rota and hours are wall-clock times in the workspace's zone; a period whose end
is before its start runs past midnight.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role, User, Workspace
from parvis.accounts.scoping import member_of, workspace_for
from parvis.api.queue import WallClockTimeField
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.inbox import crisis, duty, learning
from parvis.inbox.models import Correction, CrisisAlert, DutySlot, InboxSettings, Weekday, WorkspaceModel

MAX_TARGET_MINUTES = 60 * 24 * 30
MAX_PERIODS = 70  # ten a day: more is a mistake, not a schedule


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return str(user.first_name or user.email)


# -- response target, crisis thresholds, the model ---------------------------------------

class InboxSettingsSerializer(ApiModelSerializer):
    response_target_minutes = serializers.IntegerField(min_value=1, max_value=MAX_TARGET_MINUTES, required=False,
                                                       help_text="An item with no response after this long is "
                                                                 "overdue.")
    crisis_alerts = serializers.BooleanField(required=False)
    crisis_min_items = serializers.IntegerField(min_value=1, max_value=100_000, required=False, help_text=(
        "A crisis: at least this many negative or toxic items in an hour…"))
    crisis_factor = serializers.FloatField(min_value=1.0, max_value=1000.0, required=False, help_text=(
        "…and this many times the usual level (the 95th percentile of the last 14 days' hours)."))
    corrections = serializers.SerializerMethodField()
    model_corrections = serializers.SerializerMethodField()
    model_trained_at = serializers.SerializerMethodField()

    class Meta:
        model = InboxSettings
        fields = ["response_target_minutes", "crisis_alerts", "crisis_min_items", "crisis_factor", "corrections",
                  "model_corrections", "model_trained_at"]

    def get_corrections(self, config: InboxSettings) -> int:
        """Corrections of the models' findings made in this workspace (what a retrain learns from)."""
        return Correction.objects.filter(workspace_id=config.workspace_id).count()

    def _model(self, config: InboxSettings) -> WorkspaceModel | None:
        return WorkspaceModel.objects.filter(workspace_id=config.workspace_id).defer("data").first()

    def get_model_corrections(self, config: InboxSettings) -> int | None:
        """How many corrections the workspace's own model learnt from; null: the shipped model."""
        model = self._model(config)
        return model.corrections if model is not None else None

    @staticmethod
    def _utc(value: Any) -> str | None:
        return UtcDateTimeField().to_representation(value) if value is not None else None

    def get_model_trained_at(self, config: InboxSettings) -> str | None:
        """When the workspace's own model was trained; null: the shipped model."""
        model = self._model(config)
        return self._utc(model.trained_at) if model is not None else None


class ManagerView(WorkspaceScoped, ApiView):
    pagination_class = None
    min_role_read = min_role_write = Role.MANAGER

    def manage(self) -> Workspace:
        return self.workspace

    def read(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> dict[str, Any]:
        body = serializer_class(data=self.request.data, **kwargs)
        body.is_valid(raise_exception=True)
        return body.validated_data


@extend_schema(tags=["inbox settings"])
class InboxSettingsDetail(ManagerView):
    serializer_class = InboxSettingsSerializer
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: InboxSettingsSerializer, **WRITE_ERRORS},
                   description="The response target, the crisis thresholds and the workspace's model.")
    def get(self, request: Request, workspace_id: int) -> Response:
        return Response(InboxSettingsSerializer(InboxSettings.of(self.manage())).data)

    @extend_schema(request=InboxSettingsSerializer, responses={200: InboxSettingsSerializer, **WRITE_ERRORS},
                   description="Change the response target or the crisis thresholds; fields left out keep "
                               "their value.")
    def patch(self, request: Request, workspace_id: int) -> Response:
        config = InboxSettings.of(self.manage())
        body = InboxSettingsSerializer(config, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        body.save()
        return Response(InboxSettingsSerializer(config).data)


@extend_schema(tags=["inbox settings"])
class InboxRetrain(ManagerView):
    serializer_class = InboxSettingsSerializer

    @extend_schema(operation_id="inbox_retrain", request=None,
                   responses={200: InboxSettingsSerializer, **WRITE_ERRORS},
                   description="Retrain the workspace's model on its corrections; new items are analysed "
                               "with it. With no correction, the shipped model is used again.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.manage()
        learning.retrain(workspace)
        return Response(InboxSettingsSerializer(InboxSettings.of(workspace)).data)


# -- crisis alerts ------------------------------------------------------------------------

class CrisisAlertSerializer(ApiModelSerializer):
    started_at = UtcDateTimeField(read_only=True)
    window_end = UtcDateTimeField(read_only=True)
    acknowledged_at = UtcDateTimeField(read_only=True, allow_null=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = CrisisAlert
        fields = ["id", "workspace", "started_at", "window_end", "count", "usual", "active", "acknowledged_at",
                  "acknowledged_by"]
        read_only_fields = fields

    def get_active(self, alert: CrisisAlert) -> bool:
        """Shown in the inbox's banner: the workspace's newest alert of the last hours, not acknowledged."""
        return alert.pk in self.context.get("active", ())


@extend_schema(tags=["inbox settings"])
class CrisisAlertList(ApiView, generics.ListAPIView):
    serializer_class = CrisisAlertSerializer
    queryset = CrisisAlert.objects.none()

    def get_queryset(self) -> QuerySet[CrisisAlert]:
        self.workspace = workspace_for(self.user, self.kwargs["workspace_id"])
        return CrisisAlert.objects.filter(workspace=self.workspace).order_by("-started_at", "-pk")

    def get_serializer_context(self) -> dict[str, Any]:
        active = crisis.active_alert(self.workspace) if hasattr(self, "workspace") else None
        return {**super().get_serializer_context(), "active": {active.pk} if active else set()}

    @extend_schema(responses={200: CrisisAlertSerializer(many=True), **READ_ERRORS},
                   description="The workspace's crisis alerts, newest first (any member).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["inbox settings"])
class CrisisAlertAcknowledge(ObjectScoped, ApiView):
    serializer_class = CrisisAlertSerializer
    pagination_class = None

    @extend_schema(operation_id="crisis_alert_acknowledge", request=None,
                   responses={200: CrisisAlertSerializer, **WRITE_ERRORS},
                   description="Say the alert was seen (editors and above): it leaves the inbox's banner. "
                               "The first acknowledgement counts.")
    def post(self, request: Request, pk: int) -> Response:
        alert = self.scoped(CrisisAlert.objects.all(), Role.EDITOR)
        crisis.acknowledge(alert, self.user)
        alert.refresh_from_db()
        return Response(CrisisAlertSerializer(alert).data)


# -- working hours ------------------------------------------------------------------------

class PeriodSerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 is Monday, 6 Sunday.")
    starts = WallClockTimeField(help_text="Like 09:00, in the workspace's zone.")
    ends = WallClockTimeField(help_text="Earlier than `starts`: runs past midnight.")


class HoursSerializer(serializers.Serializer):
    periods = PeriodSerializer(many=True, max_length=MAX_PERIODS, help_text=(  # type: ignore[call-arg]
        "The opening periods. None at all: the inbox counts as always open."))
    timezone = serializers.CharField(read_only=True, help_text="The workspace's zone the times are in.")
    working_now = serializers.BooleanField(read_only=True, help_text="Is it working time now?")


def _check_periods(periods: list[dict[str, Any]], name: str = "periods") -> list[tuple[int, time, time]]:
    """The periods as `duty` takes them, each checked by the same rule, errors by path."""
    checked = []
    for index, period in enumerate(periods):
        try:
            duty.check_period(period["weekday"], period["starts"], period["ends"])
        except duty.DutyError as exc:
            raise ValidationError({f"{name}[{index}].{exc.field}": [exc.message]}) from exc
        checked.append((period["weekday"], period["starts"], period["ends"]))
    return checked


def _hours(workspace: Workspace) -> dict[str, Any]:
    return {"periods": [{"weekday": h.weekday, "starts": h.starts, "ends": h.ends}
                        for h in workspace.inbox_hours.all()],
            "timezone": workspace.timezone, "working_now": duty.is_working_time(workspace, timezone.now())}


@extend_schema(tags=["inbox settings"])
class InboxHours(ManagerView):
    serializer_class = HoursSerializer
    http_method_names = ["get", "put", "head", "options"]

    @extend_schema(responses={200: HoursSerializer, **WRITE_ERRORS},
                   description="The working hours: outside them only urgent items notify.")
    def get(self, request: Request, workspace_id: int) -> Response:
        return Response(HoursSerializer(_hours(self.manage())).data)

    @extend_schema(request=HoursSerializer, responses={200: HoursSerializer, **WRITE_ERRORS},
                   description="Replace the working hours (`periods: []`: always open).")
    def put(self, request: Request, workspace_id: int) -> Response:
        workspace = self.manage()
        periods = _check_periods(self.read(HoursSerializer)["periods"])
        with transaction.atomic():
            duty.set_hours(workspace, periods)
        return Response(HoursSerializer(_hours(workspace)).data)


# -- the on-duty rota ----------------------------------------------------------------------

class DutySlotSerializer(ApiModelSerializer):
    user = IdField(source="user_id", help_text="A member of the workspace.")
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 is Monday, 6 Sunday.")
    starts = WallClockTimeField(help_text="Like 09:00, in the workspace's zone.")
    ends = WallClockTimeField(help_text="Earlier than `starts`: runs past midnight.")
    role = serializers.ChoiceField(choices=DutySlot.Role.choices, default=DutySlot.Role.ON_DUTY, help_text=(
        "`duty` answers; `relay` is called when nobody is on duty (and for urgent items at night)."))

    class Meta:
        model = DutySlot
        fields = ["id", "user", "weekday", "starts", "ends", "role"]
        read_only_fields = ["id"]


class RotaSerializer(serializers.Serializer):
    slots = DutySlotSerializer(many=True, read_only=True)
    timezone = serializers.CharField(read_only=True, help_text="The workspace's zone the times are in.")
    on_duty_now = PersonSerializer(many=True, read_only=True, help_text=(
        "Who is on duty now (no rota at all: the owners and managers)."))
    relays_now = PersonSerializer(many=True, read_only=True)


def _rota(workspace: Workspace) -> dict[str, Any]:
    now = timezone.now()
    return {"slots": DutySlot.objects.filter(workspace=workspace), "timezone": workspace.timezone,
            "on_duty_now": duty.on_duty(workspace, now), "relays_now": duty.relays(workspace, now)}


@extend_schema(tags=["inbox settings"])
class InboxRota(ManagerView):
    serializer_class = RotaSerializer

    @extend_schema(responses={200: RotaSerializer, **WRITE_ERRORS},
                   description="The weekly rota, and who is on duty and relay now.")
    def get(self, request: Request, workspace_id: int) -> Response:
        return Response(RotaSerializer(_rota(self.manage())).data)

    @extend_schema(request=DutySlotSerializer, responses={201: DutySlotSerializer, **WRITE_ERRORS},
                   description="Add a person to the rota for a weekly period.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.manage()
        data = self.read(DutySlotSerializer)
        user = member_of(workspace.pk, data["user_id"])
        try:
            if user is None:
                raise duty.DutyError("user", _("Choose a member of this workspace."))
            slot = duty.add_slot(workspace, user, data["weekday"], data["starts"], data["ends"], data["role"])
        except duty.DutyError as exc:
            raise ValidationError({exc.field: [exc.message]}) from exc
        return Response(DutySlotSerializer(slot).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inbox settings"])
class InboxRotaSlot(ObjectScoped, ManagerView):
    serializer_class = DutySlotSerializer
    http_method_names = ["delete", "options"]

    @extend_schema(responses={204: OpenApiResponse(description="Removed from the rota."), **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        slot = self.scoped(DutySlot.objects.all(), Role.MANAGER)
        slot.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
