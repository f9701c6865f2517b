"""The inbox's moderation rules through the API: list them in the order they run, create
(switched off, last), read, change, switch on or off, move up or down, delete, and test
conditions on past items ("would have matched N items"). Managers and owners only.

The same functions as the web's rules page do the work (`parvis.inbox.rules`): the test
runs the very matching function the live run uses, so what it says is what the rule will
do once switched on. A refused rule is a 400 naming `name`, `conditions.<part>` or
`actions.<part>`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role, Workspace
from parvis.api.inbox import ItemSerializer
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.inbox import rules
from parvis.inbox.models import Rule

ACTION_PARTS = ("labels", "assign", "priority", "done", "hide", "notify")
MAX_VALUES = 200


def _texts(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=500), required=False, max_length=MAX_VALUES,
                                 help_text=help_text)


class ConditionsSerializer(serializers.Serializer):
    """Every condition given must hold; a list holds when any of its values does."""

    words = _texts("Whole words or phrases, accents and case ignored; a trailing * takes any ending.")
    languages = _texts("Language codes, like `fr`.")
    sentiments = _texts("`positive`, `neutral`, `negative`.")
    flags = _texts("`toxic`, `spam`.")
    networks = _texts("Network keys, like `mastodon`.")
    accounts = serializers.ListField(child=IdField(), required=False, max_length=MAX_VALUES, help_text=(
        "Accounts of this workspace."))
    authors = _texts("Handles, like `@camille@example.social`.")
    kinds = _texts("Item kinds, like `mention`, `comment`, `message`.")


class ActionsSerializer(serializers.Serializer):
    labels = serializers.ListField(child=IdField(), required=False, max_length=MAX_VALUES, help_text=(
        "Labels of this workspace to add."))
    assign = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text=(
        "A member's user id, or `on_duty` for whoever is on duty."))
    priority = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2, help_text=(
        "0 low, 1 normal, 2 high."))
    done = serializers.BooleanField(required=False)
    hide = serializers.BooleanField(required=False, help_text="Hide the item on the network too.")
    notify = serializers.BooleanField(required=False, help_text="Tell whoever is on duty at once.")


class RuleSerializer(ApiModelSerializer):
    conditions = ConditionsSerializer(read_only=True)
    actions = ActionsSerializer(read_only=True)
    created_at = UtcDateTimeField(read_only=True)
    updated_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = Rule
        fields = ["id", "name", "position", "enabled", "stop", "conditions", "actions", "matched", "created_by",
                  "created_at", "updated_at"]
        read_only_fields = fields


class RuleWriteSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=500)
    conditions = ConditionsSerializer(required=False)
    actions = ActionsSerializer(required=False)
    stop = serializers.BooleanField(required=False, help_text="No rule after this one runs on an item it matched.")
    enabled = serializers.BooleanField(required=False, help_text=(
        "On: it applies to new items. A new rule is off: test it on past items first."))


class MoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down"], help_text="`up`: runs earlier.")


class PreviewRequestSerializer(serializers.Serializer):
    conditions = ConditionsSerializer()


class PreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Past items the conditions match.")
    scanned = serializers.IntegerField(help_text="Past items read (the newest 50,000 at most).")
    since = UtcDateTimeField(help_text="From when past items were read.")
    days = serializers.IntegerField()
    sample = ItemSerializer(many=True, help_text="A few of the matched items, newest first.")


def _field(name: str) -> str:
    """A rules error's field as this API names it."""
    if name in rules.CONDITION_LISTS:
        return f"conditions.{name}"
    if name in ACTION_PARTS:
        return f"actions.{name}"
    return name


def _refused(exc: rules.RuleError) -> ValidationError:
    return ValidationError({_field(exc.field): [exc.message]})


def _preview(workspace: Workspace, conditions: dict[str, Any]) -> dict[str, Any]:
    try:
        cleaned = rules.clean_conditions(workspace, conditions)
    except rules.RuleError as exc:
        raise _refused(exc) from exc
    found = rules.preview(workspace, cleaned)
    return {"count": found.count, "scanned": found.scanned, "since": found.since, "days": rules.PREVIEW_DAYS,
            "sample": found.sample}


class RuleView(WorkspaceScoped, ObjectScoped, ApiView):
    serializer_class: type[serializers.Serializer] = RuleSerializer
    queryset = Rule.objects.none()
    min_role_read = min_role_write = Role.MANAGER

    def get_rule(self) -> Rule:
        return self.scoped(Rule.objects.select_related("workspace"), Role.MANAGER)

    def read(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data


def _save(workspace: Workspace, user: Any, data: dict[str, Any], rule: Rule | None = None) -> Rule:
    """Create or change a rule; parts left out keep their value."""
    try:
        with transaction.atomic():
            saved = rules.save_rule(
                workspace, user, data.get("name", rule.name if rule else ""),
                data.get("conditions", rule.conditions if rule else {}),
                data.get("actions", rule.actions if rule else {}), data.get("stop", rule.stop if rule else False),
                rule)
            if "enabled" in data and data["enabled"] != saved.enabled:
                saved.enabled = data["enabled"]
                saved.save(update_fields=["enabled", "updated_at"])
    except rules.RuleError as exc:
        raise _refused(exc) from exc
    return saved


@extend_schema(tags=["inbox settings"])
class RuleList(RuleView, generics.ListAPIView):
    def get_queryset(self) -> QuerySet[Rule]:
        workspace = self.workspace
        return Rule.objects.filter(workspace=workspace).order_by("position", "pk")

    @extend_schema(responses={200: RuleSerializer(many=True), **READ_ERRORS, 403: WRITE_ERRORS[403]},
                   description="The rules, in the order they run on each new item.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=RuleWriteSerializer, responses={201: RuleSerializer, **WRITE_ERRORS},
                   description="Create a rule, last in order and switched off unless `enabled` says so: "
                               "`name`, at least one condition and one action.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        rule = _save(workspace, self.user, self.read(RuleWriteSerializer))
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inbox settings"])
class RuleDetail(RuleView):
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(responses={200: RuleSerializer, **READ_ERRORS, 403: WRITE_ERRORS[403]})
    def get(self, request: Request, pk: int) -> Response:
        return Response(RuleSerializer(self.get_rule()).data)

    @extend_schema(request=RuleWriteSerializer, responses={200: RuleSerializer, **WRITE_ERRORS},
                   description="Change a rule, or switch it on or off (`enabled`); parts left out keep "
                               "their value, a part given replaces the whole part.")
    def patch(self, request: Request, pk: int) -> Response:
        rule = self.get_rule()
        return Response(RuleSerializer(_save(rule.workspace, self.user, self.read(RuleWriteSerializer), rule)).data)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted. Items it changed stay as they are."),
                              **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self.get_rule().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["inbox settings"])
class RuleMove(RuleView):
    serializer_class = MoveSerializer
    pagination_class = None

    @extend_schema(operation_id="inbox_rule_move", request=MoveSerializer,
                   responses={200: RuleSerializer, **WRITE_ERRORS},
                   description="Swap the rule with the one before (`up`) or after (`down`) it; at either "
                               "end, nothing moves.")
    def post(self, request: Request, pk: int) -> Response:
        rule = self.get_rule()
        rules.move(rule, self.read(MoveSerializer)["direction"])
        rule.refresh_from_db()
        return Response(RuleSerializer(rule).data)


@extend_schema(tags=["inbox settings"])
class RulePreview(RuleView):
    serializer_class = PreviewSerializer
    pagination_class = None

    @extend_schema(operation_id="inbox_rule_preview", request=PreviewRequestSerializer,
                   responses={200: PreviewSerializer, **WRITE_ERRORS},
                   description="Test conditions on the last 90 days of items, before saving a rule: how many "
                               "it would have matched, and a few of them. Nothing is changed.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        conditions = self.read(PreviewRequestSerializer)["conditions"]
        return Response(PreviewSerializer(_preview(workspace, conditions)).data)


@extend_schema(tags=["inbox settings"])
class RuleTest(RuleView):
    serializer_class = PreviewSerializer
    pagination_class = None

    @extend_schema(operation_id="inbox_rule_test", responses={200: PreviewSerializer, **READ_ERRORS,
                                                              403: WRITE_ERRORS[403]},
                   description="This saved rule on the last 90 days of items: how many it would have "
                               "matched, and a few of them. Nothing is changed.")
    def get(self, request: Request, pk: int) -> Response:
        rule = self.get_rule()
        return Response(PreviewSerializer(_preview(rule.workspace, rule.conditions)).data)
