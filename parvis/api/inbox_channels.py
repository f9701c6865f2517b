"""The inbox's notification channels through the API (Slack, Mattermost, Matrix, ntfy):
list, create, read, change, delete, and send a test. Managers and owners only.

Secrets are write-only. A token is never returned, only whether one is saved; nor is a
channel's address, which for Slack and Mattermost *is* the credential (and an ntfy
topic's name is its only lock): only its scheme and host are. A change that leaves
`url` or `token` out keeps the saved one. The same function as the web form saves
(`parvis.inbox.webhooks.save_webhook`), with the same checks and messages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts import channels as channel_topics
from parvis.accounts.actions import absolute_url
from parvis.accounts.models import Role, Workspace
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.inbox import webhooks
from parvis.inbox.models import Webhook


class ChannelSerializer(ApiModelSerializer):
    address = serializers.SerializerMethodField()
    topics = serializers.ListField(child=serializers.CharField(), read_only=True,
                                   help_text="What the channel carries (topics of notices).")
    room = serializers.SerializerMethodField()
    has_token = serializers.SerializerMethodField()
    last_status = serializers.CharField(source="shown_last_status", read_only=True, help_text=(
        "What the last delivery got (HTTP status or why it was refused), in the request's language."))
    last_sent_at = UtcDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Webhook
        fields = ["id", "name", "format", "address", "room", "has_token", "urgent_only", "topics", "enabled",
                  "last_status", "last_sent_at"]
        read_only_fields = fields

    def get_address(self, hook: Webhook) -> str:
        """The address's scheme and host only: the rest may be the credential."""
        parts = urlsplit(hook.url)
        return f"{parts.scheme}://{parts.hostname}" if parts.scheme and parts.hostname else ""

    def get_room(self, hook: Webhook) -> str:
        """Matrix: the room's id (not a secret); empty otherwise."""
        return str((hook.secret or {}).get("room", ""))

    def get_has_token(self, hook: Webhook) -> bool:
        """Whether an access token is saved (it is never returned)."""
        return bool((hook.secret or {}).get("token"))


class ChannelWriteSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    format = serializers.ChoiceField(choices=Webhook.Format.choices, required=False)
    url = serializers.CharField(required=False, allow_blank=True, max_length=500, write_only=True, help_text=(
        "Slack and Mattermost: the incoming webhook's URL. Matrix: the homeserver. ntfy: the topic's URL. "
        "Write-only."))
    room = serializers.CharField(required=False, allow_blank=True, max_length=300, help_text=(
        "Matrix only: the room's id, starting with !"))
    token = serializers.CharField(required=False, allow_blank=True, max_length=500, write_only=True, help_text=(
        "Matrix: required, the token of the account that posts. ntfy: optional. Write-only; left out or empty "
        "keeps the saved one."))
    forget_token = serializers.BooleanField(required=False, default=False, help_text="Remove the saved token.")
    urgent_only = serializers.BooleanField(required=False, help_text="Urgent items only (high priority, or a crisis).")
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=channel_topics.TOPIC_KEYS), required=False,
        help_text="What the channel carries (one or more): " + ", ".join(f"`{t.key}`" for t in channel_topics.TOPICS)
        + ". New channels: `inbox` and `crisis`.")
    enabled = serializers.BooleanField(required=False)


class TestResultSerializer(serializers.Serializer):
    delivered = serializers.BooleanField()
    status = serializers.CharField(help_text="What the server answered, or why it was not sent.")
    channel = ChannelSerializer()


def _save(workspace: Workspace, data: dict[str, Any], hook: Webhook | None = None) -> Webhook:
    current = data.get
    saved_secret = (hook.secret or {}) if hook is not None else {}
    try:
        return webhooks.save_webhook(
            workspace, current("name", hook.name if hook else ""),
            current("format", hook.format if hook else ""), current("url", hook.url if hook else ""),
            {"room": current("room", saved_secret.get("room", "")), "token": data.get("token", "")},
            current("urgent_only", hook.urgent_only if hook else False),
            current("enabled", hook.enabled if hook else True), hook, forget_token=data.get("forget_token", False),
            topics=data.get("topics"))
    except webhooks.WebhookError as exc:
        raise ValidationError({field: [message] for field, message in exc.errors.items()}) from exc


class ChannelView(WorkspaceScoped, ObjectScoped, ApiView):
    serializer_class: type[serializers.Serializer] = ChannelSerializer
    queryset = Webhook.objects.none()
    min_role_read = min_role_write = Role.MANAGER

    def get_channel(self) -> Webhook:
        return self.scoped(Webhook.objects.select_related("workspace"), Role.MANAGER)

    def body(self) -> dict[str, Any]:
        body = ChannelWriteSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data


@extend_schema(tags=["inbox settings"])
class ChannelList(ChannelView, generics.ListAPIView):
    def get_queryset(self) -> QuerySet[Webhook]:
        workspace = self.workspace
        return Webhook.objects.filter(workspace=workspace).order_by("name", "pk")

    @extend_schema(responses={200: ChannelSerializer(many=True), **READ_ERRORS, 403: WRITE_ERRORS[403]},
                   description="The workspace's notification channels (managers).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ChannelWriteSerializer, responses={201: ChannelSerializer, **WRITE_ERRORS},
                   description="Add a channel: `name`, `format` and `url` are required, Matrix also needs "
                               "`room` and `token`. Send a test to check it.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        hook = _save(workspace, self.body())
        return Response(ChannelSerializer(hook).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inbox settings"])
class ChannelDetail(ChannelView):
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(responses={200: ChannelSerializer, **READ_ERRORS, 403: WRITE_ERRORS[403]})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ChannelSerializer(self.get_channel()).data)

    @extend_schema(request=ChannelWriteSerializer, responses={200: ChannelSerializer, **WRITE_ERRORS},
                   description="Change a channel; fields left out keep their value (the address and the "
                               "token too). Changing `format` drops the saved secrets of the old one.")
    def patch(self, request: Request, pk: int) -> Response:
        hook = self.get_channel()
        return Response(ChannelSerializer(_save(hook.workspace, self.body(), hook)).data)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted."), **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self.get_channel().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["inbox settings"])
class ChannelTest(ChannelView):
    serializer_class = TestResultSerializer
    pagination_class = None

    @extend_schema(operation_id="inbox_channel_test", request=None,
                   responses={200: TestResultSerializer, **WRITE_ERRORS},
                   description="Send a test message now and say what the server answered. A refused or "
                               "failed delivery is still a 200: `delivered` is false and `status` says why.")
    def post(self, request: Request, pk: int) -> Response:
        hook = self.get_channel()
        delivered = webhooks.send_test(hook, absolute_url(reverse("web:inbox_workspace", args=[hook.workspace_id])))
        hook.refresh_from_db(fields=["last_status", "last_status_text", "last_sent_at"])
        return Response(TestResultSerializer({"delivered": delivered, "status": hook.shown_last_status,
                                              "channel": hook}).data)
