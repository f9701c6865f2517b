"""Response times through the API: how fast a workspace's items got a first response
over a period, overall, per person and per day, and how many are overdue now. Any member
reads them, as on the web page; the same functions compute them (`parvis.inbox.metrics`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import User, Workspace
from parvis.api.fields import DayField, ZoneField, check_range
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ErrorsSerializer
from parvis.api.views import READ_ERRORS, ApiView
from parvis.inbox import metrics
from parvis.publishing.validation import parse_timezone

DEFAULT_DAYS, MAX_DAYS = 30, 366


class PeriodQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DAYS, help_text=(
        f"The last N days, today included (default {DEFAULT_DAYS}). Ignored when `since` is given."))
    since = DayField(required=False, help_text="The first day of the period (in `tz`).")
    until = DayField(required=False, help_text="The last day of the period (in `tz`), included. Default: today.")
    tz = ZoneField(required=False, help_text="The zone days are cut in. Default: yours, else the workspace's.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return check_range(attrs)


class PersonFiguresSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField()
    answered = serializers.IntegerField()
    median_minutes = serializers.FloatField()


class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    median_minutes = serializers.FloatField(allow_null=True, help_text="Null: no item of that day was answered.")


class ResponseTimesSerializer(serializers.Serializer):
    since = serializers.DateField(help_text="The period's first day, in `timezone`.")
    until = serializers.DateField(help_text="The period's last day, in `timezone`, included.")
    timezone = serializers.CharField()
    target_minutes = serializers.IntegerField(help_text="The workspace's response target.")
    items = serializers.IntegerField(help_text="Items received in the period.")
    answered = serializers.IntegerField(help_text="…that got a first response (a reply, or marked done).")
    within_target = serializers.IntegerField()
    within_target_share = serializers.FloatField(allow_null=True, help_text="From 0 to 1; null: none answered.")
    overdue = serializers.IntegerField(help_text="Items of the period with no response, past the target.")
    median_minutes = serializers.FloatField(allow_null=True)
    p90_minutes = serializers.FloatField(allow_null=True)
    overdue_now = serializers.IntegerField(help_text="Items overdue now, whenever they came.")
    people = PersonFiguresSerializer(many=True, help_text="Who gave the first responses, the most first.")
    daily = DaySerializer(many=True, help_text="The median of each day of the period.")


def _period(data: dict[str, Any], zone: ZoneInfo, now: datetime) -> tuple[date, date]:
    until = data.get("until") or now.astimezone(zone).date()
    if not data.get("since"):
        return until - timedelta(days=data.get("days", DEFAULT_DAYS) - 1), until
    if until < data["since"]:
        raise ValidationError({"until": [_("The end date is before the start date.")]})
    if (until - data["since"]).days >= MAX_DAYS:
        raise ValidationError({"since": [_("A period is %(max)d days at most.") % {"max": MAX_DAYS}]})
    return data["since"], until


def response_times(workspace: Workspace, first: date, last: date, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    since = datetime.combine(first, time(0), tzinfo=zone)
    until = min(datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone), now)
    found = metrics.figures([workspace], since, until if until > since else since, now=now)
    return {
        "since": first, "until": last, "timezone": zone.key,
        "target_minutes": int(metrics.target(workspace).total_seconds() // 60),
        "items": found.items, "answered": found.answered, "within_target": found.within_target,
        "within_target_share": found.within_target_share, "overdue": found.overdue,
        "median_minutes": found.median_minutes, "p90_minutes": found.p90_minutes,
        "overdue_now": metrics.overdue(workspace, now).count(), "people": list(found.by_person.values()),
        "daily": [{"day": day, "median_minutes": value}
                  for day, value in metrics.daily_medians_between(workspace, first, last, zone)],
    }


@extend_schema(tags=["inbox settings"])
class ResponseTimes(WorkspaceScoped, ApiView):
    serializer_class = ResponseTimesSerializer
    pagination_class = None

    @extend_schema(parameters=[PeriodQuerySerializer],
                   responses={200: ResponseTimesSerializer, 400: ErrorsSerializer, **READ_ERRORS},
                   description="First-response times of the items received in a period (default: the last "
                               "30 days), against the workspace's target.")
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user: User = self.user
        zone = (parse_timezone(data.get("tz", "")) or parse_timezone(user.timezone)
                or parse_timezone(workspace.timezone) or ZoneInfo("UTC"))
        now = timezone.now()
        first, last = _period(data, zone, now)
        return Response(ResponseTimesSerializer(response_times(workspace, first, last, zone, now)).data)
