"""Crisis pause through the API: status and held publications, pause, resume with a
decision per held publication. Managers only (403 for editors and viewers, 404 for
outsiders), like the switch in the web UI."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import IdField, PublicationSerializer, UtcDateTimeField
from parvis.api.views import CONFLICT, WRITE_ERRORS, ApiView, Conflict
from parvis.publishing.models import Publication
from parvis.publishing.pause import (
    ACTIONS,
    DEFAULTS,
    Decision,
    PauseConflict,
    pause_status,
    pause_workspace,
    resume_workspace,
)


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that says its own offset: on resume, an instant must not depend on
    whose zone the server happens to assume."""

    default_error_messages = {
        "naive": gettext_lazy("Give the time with its offset, like 2026-03-02T09:00:00+01:00."),
    }

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return value.astimezone(dt.UTC)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class MissedPublicationSerializer(PublicationSerializer):
    next_attempt_at = UtcDateTimeField(read_only=True, help_text="When it would have gone out.")
    text = serializers.CharField(source="post.text", read_only=True)

    class Meta(PublicationSerializer.Meta):
        fields = [*PublicationSerializer.Meta.fields, "next_attempt_at", "text"]
        read_only_fields = fields


class PauseStatusSerializer(serializers.Serializer):
    paused = serializers.BooleanField(read_only=True)
    paused_at = UtcDateTimeField(read_only=True, allow_null=True)
    paused_by = UserRefSerializer(read_only=True, allow_null=True)
    reason = serializers.CharField(read_only=True)
    in_flight = serializers.IntegerField(read_only=True, help_text=(
        "Publications already being published: they finish even while paused."))
    missed = MissedPublicationSerializer(many=True, read_only=True, help_text=(
        "Scheduled publications that fell due while paused and are held, oldest first."))


class PauseSerializer(serializers.Serializer):
    # Blank is checked by the pause itself, with the same message as in the web UI.
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DecisionSerializer(serializers.Serializer):
    publication = IdField()
    action = serializers.ChoiceField(choices=ACTIONS)
    scheduled_at = OffsetDateTimeField(required=False, allow_null=True, help_text=(
        "Required with `reschedule`: ISO 8601 with its offset."))


class ResumeSerializer(serializers.Serializer):
    default = serializers.ChoiceField(choices=DEFAULTS, required=False, allow_null=True, help_text=(
        "What happens to every held publication not in `decisions` (required if there is any)."))
    decisions = DecisionSerializer(many=True, required=False)


class OutcomeSerializer(serializers.Serializer):
    publication = serializers.IntegerField()
    action = serializers.ChoiceField(choices=ACTIONS)
    due_at = UtcDateTimeField(allow_null=True)


class PauseView(WorkspaceScoped, ApiView):
    pagination_class = None  # the outcomes of a resume are one answer, not a page of a list
    min_role_read = min_role_write = Role.MANAGER
    def manage(self, workspace_id: int) -> Any:
        return self.workspace

    def read(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)  # nested errors are named by parvis.api.errors
        return body.validated_data


@extend_schema(tags=["workspaces"])
class WorkspacePause(PauseView):
    serializer_class = PauseStatusSerializer

    @extend_schema(responses={200: PauseStatusSerializer, **WRITE_ERRORS},
                   description="Whether publishing is paused, by whom, why, and what it holds.")
    def get(self, request: Request, workspace_id: int) -> Response:
        return Response(PauseStatusSerializer(pause_status(self.manage(workspace_id))).data)

    @extend_schema(request=PauseSerializer, responses={200: PauseStatusSerializer, **WRITE_ERRORS,
                                                              409: CONFLICT},
                   description="Pause all publishing of the workspace (`reason` required). Every "
                               "scheduled publication is held; those already being published "
                               "finish. 409 when already paused.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.manage(workspace_id)
        data = self.read(PauseSerializer)
        try:
            status = pause_workspace(workspace, self.user, data["reason"])
        except PauseConflict as exc:
            raise Conflict(exc.field, exc.message) from exc
        return Response(PauseStatusSerializer(status).data)


@extend_schema(tags=["workspaces"])
class WorkspaceResume(PauseView):
    serializer_class = OutcomeSerializer

    @extend_schema(request=ResumeSerializer, responses={200: OutcomeSerializer(many=True),
                                                               **WRITE_ERRORS, 409: CONFLICT},
                   description="Lift the pause and, in the same transaction, decide on every held "
                               "publication: `publish_now`, `reschedule` (to `scheduled_at`) or "
                               "`drop`; `default` for the rest. Publications due later are "
                               "untouched. 409 when not paused.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.manage(workspace_id)
        data = self.read(ResumeSerializer)
        decisions = [Decision(d["publication"], d["action"], d.get("scheduled_at"))
                     for d in data.get("decisions", [])]
        try:
            result = resume_workspace(workspace, self.user, decisions, data.get("default"))
        except PauseConflict as exc:
            raise Conflict(exc.field, exc.message) from exc
        return Response(OutcomeSerializer([_outcome(p, a) for p, a in result.outcomes], many=True).data)


def _outcome(publication: Publication, action: str) -> dict[str, Any]:
    return {"publication": publication.pk, "action": action, "due_at": publication.due_at}
