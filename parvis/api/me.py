"""The person behind the token: their name, language and time zone, their email (which
is also their sign-in name: changing it takes their current password, as on the web),
and their notifications.

Their password stays web-only: it is for signing in to the web, the API uses tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts import channels
from parvis.accounts.actions import change_email, mark_read
from parvis.accounts.links import absolute_url
from parvis.accounts.models import Notification, User
from parvis.api.fields import ZoneField
from parvis.api.serializers import ApiModelSerializer, ErrorsSerializer, id_list
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView

ME_ERRORS: dict[int, Any] = {401: READ_ERRORS[401]}


class MeSerializer(ApiModelSerializer):
    language = serializers.ChoiceField(
        choices=[("", "—"), *settings.LANGUAGES], required=False, allow_blank=True,
        help_text="The language parvis speaks to you in (pages, emails, API messages without "
                  "Accept-Language); empty: follow the browser.")
    timezone = ZoneField(required=False, help_text="Your time zone, like Europe/Paris: times you read are "
                                                   "shown in it.")

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "language", "timezone"]
        read_only_fields = ["id", "email"]
        extra_kwargs = {"first_name": {"required": False}, "last_name": {"required": False}}


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The new email, also your sign-in name.")
    password = serializers.CharField(trim_whitespace=False, max_length=4096, write_only=True,
                                     help_text="Your current password.")


class NotificationSerializer(ApiModelSerializer):
    message = serializers.CharField(source="shown_message", read_only=True,
                                    help_text="In the request's language when parvis wrote it.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "workspace", "kind", "message", "url", "created_at", "read_at"]
        read_only_fields = fields

    def get_url(self, notification: Notification) -> str:
        """The web page it is about (empty when none)."""
        return absolute_url(notification.url) if notification.url else ""


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="`true`: only those not read yet; `false`: only those read.")


class MarkReadSerializer(serializers.Serializer):
    ids = id_list("Ids of your notifications to mark read (100 at most); left out: all of them. Ids of "
                  "others' are ignored.")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are now read.")


@extend_schema(tags=["me"])
class Me(ApiView):
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: MeSerializer, **ME_ERRORS})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(self.user).data)

    @extend_schema(request=MeSerializer, responses={200: MeSerializer, 400: ErrorsSerializer,
                                                    415: WRITE_ERRORS[415], **ME_ERRORS},
                   description="Change your name, language or time zone (fields left out keep their value).")
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(self.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user: User = self.user
        for name, value in serializer.validated_data.items():
            setattr(user, name, value)
        user.save(update_fields=list(serializer.validated_data))
        return Response(MeSerializer(user).data)


@extend_schema(tags=["me"])
class MeEmail(ApiView):
    serializer_class = EmailChangeSerializer

    @extend_schema(operation_id="me_email", request=EmailChangeSerializer,
                   responses={200: MeSerializer, 400: ErrorsSerializer, 415: WRITE_ERRORS[415], **ME_ERRORS},
                   description="Change your email, which is also your sign-in name. Takes your current "
                               "`password`, as on the web: a token alone cannot take over the account.")
    def post(self, request: Request) -> Response:
        body = EmailChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user: User = self.user
        if not user.check_password(body.validated_data["password"]):
            raise ValidationError({"password": [_("This is not your current password.")]})
        try:
            change_email(user, body.validated_data["email"])
        except DjangoValidationError as exc:
            raise ValidationError({"email": exc.messages}) from exc
        return Response(MeSerializer(user).data)


@extend_schema(tags=["me"])
class MyNotifications(ApiView, generics.ListAPIView):
    """Your notifications, newest first. Reading them here does not mark them read."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self) -> QuerySet[Notification]:
        query = NotificationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        found = self.user.notifications.order_by("-created_at", "-pk")
        unread = query.validated_data.get("unread")
        return found if unread is None else found.filter(read_at__isnull=unread)

    @extend_schema(parameters=[NotificationFilterSerializer],
                   responses={200: NotificationSerializer(many=True), 400: ErrorsSerializer, **ME_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["me"])
class MyNotificationsRead(ApiView):
    serializer_class = MarkReadSerializer

    @extend_schema(operation_id="me_notifications_read", request=MarkReadSerializer,
                   responses={200: MarkedSerializer, 400: ErrorsSerializer, 415: WRITE_ERRORS[415], **ME_ERRORS},
                   description="Mark notifications read: those of `ids`, or all of yours.")
    def post(self, request: Request) -> Response:
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"marked": mark_read(self.user, body.validated_data.get("ids"))})


class ChoiceSerializer(serializers.Serializer):
    topic = serializers.ChoiceField(choices=channels.TOPIC_KEYS,
                                    help_text="What the notices are about: " + ", ".join(
                                        f"`{t.key}` ({', '.join(t.kinds)})" for t in channels.TOPICS) + ".")
    app = serializers.BooleanField(help_text="Shown in the app (and in `me/notifications/`).")
    email = serializers.BooleanField(help_text="Sent by email.")
    push = serializers.BooleanField(help_text="Sent to the browsers where you turned push notifications on "
                                              "(on the web page of your notification choices).")


class ChoicesSerializer(serializers.Serializer):
    choices = ChoiceSerializer(many=True, help_text="One row per topic.")


@extend_schema(tags=["me"])
class MyNotificationChoices(ApiView):
    """Where each kind of notice reaches you. Outside a workspace's working hours, push only
    rings for urgent messages and crises, and for failed publications to whoever is on duty."""

    serializer_class = ChoicesSerializer
    http_method_names = ["get", "put", "head", "options"]

    def _table(self) -> dict[str, list[dict[str, Any]]]:
        chosen = channels.choices_of([self.user])[self.user.pk]
        return {"choices": [{"topic": t.key, **chosen[t.key]} for t in channels.TOPICS]}

    @extend_schema(operation_id="me_notification_choices", responses={200: ChoicesSerializer, **ME_ERRORS})
    def get(self, request: Request) -> Response:
        return Response(self._table())

    @extend_schema(operation_id="me_notification_choices_update", request=ChoicesSerializer,
                   responses={200: ChoicesSerializer, 400: ErrorsSerializer, 415: WRITE_ERRORS[415], **ME_ERRORS},
                   description="Change your choices for the topics given (the others keep theirs).")
    def put(self, request: Request) -> Response:
        body = ChoicesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        channels.set_choices(self.user, {row["topic"]: row for row in body.validated_data["choices"]})
        return Response(self._table())
