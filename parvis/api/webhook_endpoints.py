"""Outgoing webhook endpoints through the API: list, create (the secret is in the answer,
once), read, change, delete, rotate the secret, send a test ping, see deliveries and their
attempts, send a delivery again. Owners and managers only (403 for editors and viewers,
404 for outsiders), like the pages in the workspace settings."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.inbox import _read
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, UtcDateTimeField
from parvis.api.views import WRITE_ERRORS, ApiView
from parvis.api.webhooks import actions, delivery
from parvis.api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from parvis.core.events import EVENT_TYPES

EVENT_CHOICES = list(EVENT_TYPES)


class EndpointSerializer(ApiModelSerializer):
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES),
                                        help_text="The events sent to this endpoint.")
    disabled_reason = serializers.CharField(source="shown_disabled_reason", read_only=True,
                                            help_text="Why parvis switched it off (empty otherwise).")
    previous_secret_until = UtcDateTimeField(source="previous_until", read_only=True, allow_null=True,
                                             help_text="After a rotation, the old secret also signs until then.")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "event_types", "active", "failing_since", "disabled_at",
                  "disabled_reason", "previous_secret_until", "created_at", "updated_at"]
        read_only_fields = fields


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text=(
        "The signing secret (`whsec_…`), shown this once: parvis keeps it encrypted and never shows it again."))

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointWriteSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="Where to POST the events (https://…).")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), allow_empty=False)
    active = serializers.BooleanField(required=False, default=True)


class EndpointPatchSerializer(EndpointWriteSerializer):
    url = serializers.CharField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), allow_empty=False,
                                        required=False)
    active = serializers.BooleanField(required=False, help_text="Switching it back on clears a failure streak.")


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text="The new secret, shown this once.")
    previous_secret_until = UtcDateTimeField(read_only=True, help_text="Until then both secrets sign every message.")


class AttemptSerializer(ApiModelSerializer):
    error = serializers.CharField(source="shown_error", read_only=True)
    response = serializers.CharField(read_only=True, help_text="The first 1,000 characters of the answer, as text.")

    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "ok", "response", "error"]
        read_only_fields = fields


class DeliverySerializer(ApiModelSerializer):
    endpoint = serializers.IntegerField(source="endpoint_id", read_only=True)
    webhook_id = serializers.CharField(source="msg_id", read_only=True, help_text="The webhook-id header.")
    payload = serializers.SerializerMethodField(help_text="The body sent, as JSON.")
    attempts = AttemptSerializer(source="attempt_log", many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "endpoint", "webhook_id", "event_type", "state", "next_attempt_at", "created_at",
                  "finished_at", "payload", "attempts"]
        read_only_fields = fields

    def get_payload(self, obj: WebhookDelivery) -> dict[str, Any]:
        return json.loads(obj.body)


class WebhookView(WorkspaceScoped, ApiView):
    """Webhook endpoints are for managers only, reading included (they carry a signing secret)."""

    min_role_read = min_role_write = Role.MANAGER

    def endpoint(self, pk: int) -> WebhookEndpoint:
        return get_object_or_404(WebhookEndpoint, pk=pk, workspace=self.workspace)


@extend_schema(tags=["webhooks"])
class EndpointList(WebhookView, generics.ListAPIView):
    serializer_class = EndpointSerializer
    queryset = WebhookEndpoint.objects.none()

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.filter(workspace=self.workspace)

    @extend_schema(responses={200: EndpointSerializer(many=True), **WRITE_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=EndpointWriteSerializer, responses={201: EndpointCreatedSerializer, **WRITE_ERRORS},
                   description="Create an endpoint. The answer holds its signing secret, once.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        data = _read(EndpointWriteSerializer, request.data)
        endpoint, secret = actions.create_endpoint(workspace, self.user, data["url"], data["description"],
                                                   data["event_types"], data["active"])
        body = EndpointCreatedSerializer(endpoint).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["webhooks"])
class EndpointDetail(WebhookView):
    serializer_class = EndpointSerializer
    queryset = WebhookEndpoint.objects.none()
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(responses={200: EndpointSerializer, **WRITE_ERRORS})
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(EndpointSerializer(self.endpoint(pk)).data)

    @extend_schema(request=EndpointPatchSerializer, responses={200: EndpointSerializer, **WRITE_ERRORS},
                   description="Fields left out keep their value.")
    def patch(self, request: Request, workspace_id: int, pk: int) -> Response:
        endpoint = self.endpoint(pk)
        data = _read(EndpointPatchSerializer, request.data)
        actions.update_endpoint(endpoint, data.get("url", endpoint.url),
                                data.get("description", endpoint.description),
                                data.get("event_types", endpoint.event_types), data.get("active", endpoint.active))
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def delete(self, request: Request, workspace_id: int, pk: int) -> Response:
        self.endpoint(pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["webhooks"])
class EndpointRotateSecret(WebhookView):
    serializer_class = SecretSerializer
    queryset = WebhookEndpoint.objects.none()

    @extend_schema(request=None, responses={200: SecretSerializer, **WRITE_ERRORS},
                   description="A new signing secret; the old one keeps signing beside it for 24 hours.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        endpoint = self.endpoint(pk)
        secret = actions.rotate_secret(endpoint)
        return Response(SecretSerializer({"secret": secret, "previous_secret_until": endpoint.previous_until}).data)


@extend_schema(tags=["webhooks"])
class EndpointPing(WebhookView):
    serializer_class = DeliverySerializer
    queryset = WebhookEndpoint.objects.none()

    @extend_schema(request=None, responses={202: DeliverySerializer, **WRITE_ERRORS},
                   description="Send a `webhook.ping` message now (once, no retries), to test the receiver.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        made = delivery.ping(self.endpoint(pk))
        return Response(DeliverySerializer(made).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["webhooks"])
class DeliveryList(WebhookView, generics.ListAPIView):
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        endpoint = self.endpoint(self.kwargs["pk"])
        return WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log")

    @extend_schema(responses={200: DeliverySerializer(many=True), **WRITE_ERRORS},
                   description="The endpoint's deliveries, newest first, each with its attempts.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["webhooks"])
class DeliverySendAgain(WebhookView):
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.none()

    @extend_schema(request=None, responses={202: DeliverySerializer, **WRITE_ERRORS},
                   description="A new delivery of the same message (same body and webhook-id), sent now.")
    def post(self, request: Request, workspace_id: int, pk: int, delivery_id: int) -> Response:
        endpoint = self.endpoint(pk)
        original = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint=endpoint)
        return Response(DeliverySerializer(delivery.send_again(original)).data, status=status.HTTP_202_ACCEPTED)
