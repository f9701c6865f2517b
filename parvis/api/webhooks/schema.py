"""The payloads of outgoing webhooks, in the OpenAPI document (OpenAPI 3.1 `webhooks`).

Every message is `{"type": …, "timestamp": …, "data": {…}}`, signed per Standard Webhooks
(headers webhook-id, webhook-timestamp, webhook-signature). These serializers only
describe what `parvis.publishing.events` and `parvis.inbox.events` emit; the tests hold
the two to agree."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from parvis.core.events import EVENT_TYPES

S = serializers


class WebhookUserRef(S.Serializer):
    id = S.IntegerField()
    name = S.CharField()


class WebhookAccountRef(S.Serializer):
    id = S.IntegerField()
    network = S.CharField()
    handle = S.CharField()


class PublicationData(S.Serializer):
    id = S.IntegerField()
    post_id = S.IntegerField()
    state = S.CharField()
    account = WebhookAccountRef()
    remote_id = S.CharField(allow_null=True)
    remote_url = S.CharField(allow_null=True, help_text="The post's address on the network.")
    published_at = S.DateTimeField(allow_null=True)
    attempts = S.IntegerField()
    link = S.URLField(help_text="The publication's page in parvis.")
    error = S.CharField(required=False, help_text="publication.failed and publication.to_check: why, in words.")


class PublicationEvent(S.Serializer):
    workspace_id = S.IntegerField()
    publication = PublicationData()


class PostData(S.Serializer):
    id = S.IntegerField()
    text = S.CharField()
    revision = S.IntegerField()
    approval_state = S.CharField()
    author = WebhookUserRef(allow_null=True)
    link = S.URLField()


class PostEvent(S.Serializer):
    workspace_id = S.IntegerField()
    post = PostData()
    by = S.CharField(required=False, help_text="Who sent, approved or asked for changes.")
    comment = S.CharField(required=False)


class AuthorData(S.Serializer):
    handle = S.CharField()
    display_name = S.CharField()


class ItemData(S.Serializer):
    id = S.IntegerField()
    account_id = S.IntegerField()
    network = S.CharField()
    kind = S.CharField(help_text="mention, reply, comment, dm…")
    private = S.BooleanField()
    text = S.CharField(help_text="As written on the network: untrusted text.")
    url = S.CharField(allow_null=True)
    author = AuthorData()
    created_at = S.DateTimeField()
    status = S.CharField()
    priority = S.IntegerField()
    sentiment = S.CharField(allow_null=True)
    assignee_id = S.IntegerField(allow_null=True)
    link = S.URLField()


class ItemEvent(S.Serializer):
    workspace_id = S.IntegerField()
    item = ItemData()


class ItemAssignedEvent(ItemEvent):
    assignee = WebhookUserRef(allow_null=True)


class ItemOverdueEvent(ItemEvent):
    target_minutes = S.IntegerField()


class AlertData(S.Serializer):
    id = S.IntegerField()
    started_at = S.DateTimeField()
    window_end = S.DateTimeField()
    count = S.IntegerField()
    usual = S.FloatField()
    link = S.URLField()


class CrisisEvent(S.Serializer):
    workspace_id = S.IntegerField()
    alert = AlertData()


class PauseEvent(S.Serializer):
    workspace_id = S.IntegerField()
    reason = S.CharField()
    by = WebhookUserRef(allow_null=True)
    link = S.URLField()


class ImportData(S.Serializer):
    id = S.IntegerField()
    filename = S.CharField()
    status = S.CharField()
    rows = S.IntegerField()
    created_posts = S.IntegerField()
    refused_rows = S.IntegerField()
    by = WebhookUserRef(allow_null=True)
    finished_at = S.DateTimeField(allow_null=True)
    error = S.CharField(required=False, help_text="Status failed: why the import stopped.")
    link = S.URLField()


class ImportEvent(S.Serializer):
    workspace_id = S.IntegerField()
    import_ = ImportData()

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["import"] = fields.pop("import_")
        return fields


class PingEvent(S.Serializer):
    workspace_id = S.IntegerField()
    endpoint_id = S.IntegerField()


DATA: dict[str, type[S.Serializer]] = {
    "publication.published": PublicationEvent, "publication.failed": PublicationEvent,
    "publication.to_check": PublicationEvent,
    "post.submitted": PostEvent, "post.approved": PostEvent, "post.changes_requested": PostEvent,
    "inbox.item.received": ItemEvent, "inbox.item.assigned": ItemAssignedEvent,
    "inbox.item.overdue": ItemOverdueEvent, "crisis.alert": CrisisEvent,
    "pause.started": PauseEvent, "pause.ended": PauseEvent, "import.finished": ImportEvent,
    "webhook.ping": PingEvent,
}
HEADERS = ("Signed per Standard Webhooks: `webhook-id` (the same for every retry), `webhook-timestamp` "
           "(Unix seconds), `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, several "
           "separated by spaces during a secret rotation). Any 2xx answer is a delivery; 410 switches the "
           "endpoint off; anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h.")


def _message(type_: str, data: type[S.Serializer]) -> type[S.Serializer]:
    name = "".join(part.title() for part in type_.replace("_", ".").split(".")) + "Webhook"
    fields = {"type": S.ChoiceField(choices=[type_]), "timestamp": S.DateTimeField(), "data": data()}
    return type(name, (S.Serializer,), fields)


def _webhook(type_: str) -> OpenApiWebhook:
    meaning = str(EVENT_TYPES[type_]) if type_ in EVENT_TYPES else "A test sent from the endpoint's page."
    return OpenApiWebhook(name=type_, decorator=extend_schema(
        operation_id=type_.replace(".", "_"), summary=meaning, description=HEADERS,
        request=_message(type_, DATA[type_]),
        responses={200: OpenApiResponse(description="Any 2xx: received.")}))


WEBHOOKS = [_webhook(type_) for type_ in DATA]
