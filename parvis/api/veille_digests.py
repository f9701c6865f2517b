"""La veille's digests through the API: the requester's own schedule per workspace, their
digests (as made, entries and hits resolved), and sharing an article with the team."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.listening import actions, digests, reading
from parvis.listening.models import Digest, DigestSchedule


class ScheduleSerializer(serializers.Serializer):
    times = serializers.ListField(child=serializers.CharField(max_length=5), max_length=digests.MAX_TIMES,
                                  help_text="Local times (the requester's time zone), e.g. [\"07:30\", \"13:00\"]; "
                                            "empty: no digest.")
    by_email = serializers.BooleanField(default=True)
    time_zone = serializers.CharField(read_only=True, help_text="The requester's time zone.")


class DigestStorySerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    source_title = serializers.CharField(help_text="The feed it was read in.")
    sources = serializers.IntegerField(help_text="Followed sources that carry the story (the same link, or "
                                                 "a near-duplicate text).")
    unread = serializers.IntegerField(help_text="Of the story's entries, those the requester has not read.")
    published_at = UtcDateTimeField()


class DigestMonitorSerializer(serializers.Serializer):
    monitor = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    hits = serializers.ListField(child=serializers.IntegerField(), help_text="The newest hits' ids.")


class DigestCompetitorSerializer(serializers.Serializer):
    competitor = serializers.IntegerField()
    name = serializers.CharField()
    posts = serializers.IntegerField(help_text="Its posts first read since the previous digest.")
    top_url = serializers.CharField(allow_blank=True, help_text="Its most engaging one among them.")
    top_text = serializers.CharField(allow_blank=True)
    top_interactions = serializers.IntegerField(allow_null=True)


class DigestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    since = UtcDateTimeField()
    made_at = UtcDateTimeField()
    emailed = serializers.BooleanField()
    stories = DigestStorySerializer(many=True)
    monitors = DigestMonitorSerializer(many=True)
    competitors = DigestCompetitorSerializer(many=True, help_text="Competitors' moves since the previous digest.")


class ShareSerializer(serializers.Serializer):
    entry = IdField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class SharedSerializer(serializers.Serializer):
    told = serializers.IntegerField(help_text="Members told (each as they chose to hear of la veille).")


def _digest_data(digest: Digest) -> dict[str, Any]:
    shown = digests.resolve(digest)
    return {"id": digest.pk, "since": digest.since, "made_at": digest.made_at, "emailed": digest.emailed,
            "stories": [{"entry": e.pk, "title": e.title, "url": e.url, "source_title": e.source.title, "sources": n,
                         "unread": unread, "published_at": e.published_at} for e, n, unread in shown.stories],
            "monitors": [{"monitor": m.pk, "name": m.name, "count": count, "hits": [h.pk for h in hits]}
                         for m, count, hits in shown.monitors],
            "competitors": [{"competitor": c.pk, "name": c.name, "posts": n, "top_url": top.url if top else "",
                             "top_text": top.text if top else "", "top_interactions": top.interactions if top else None}
                            for c, n, top in shown.competitors]}


@extend_schema(tags=["veille"])
class DigestScheduleView(WorkspaceScoped, ApiView):
    serializer_class = ScheduleSerializer
    pagination_class = None
    min_role_write = Role.VIEWER  # one's own digest

    def _answer(self, schedule: DigestSchedule | None) -> Response:
        return Response(ScheduleSerializer({"times": schedule.times if schedule and schedule.active else [],
                                            "by_email": schedule.by_email if schedule else True,
                                            "time_zone": self.user.timezone}).data)

    @extend_schema(responses={200: ScheduleSerializer, **READ_ERRORS})
    def get(self, request: Request, workspace_id: int) -> Response:
        return self._answer(DigestSchedule.objects.filter(person=self.user, workspace=self.workspace).first())

    @extend_schema(request=ScheduleSerializer, responses={200: ScheduleSerializer, **WRITE_ERRORS})
    def put(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            schedule = digests.save_schedule(self.user, workspace, body.validated_data["times"],
                                             body.validated_data["by_email"],
                                             active=bool(body.validated_data["times"]))
        except digests.DigestError as exc:
            raise ValidationError({"times": [str(exc)]}) from exc
        return self._answer(schedule)


@extend_schema(tags=["veille"])
class DigestList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = DigestSerializer
    queryset = Digest.objects.none()

    def get_queryset(self) -> QuerySet[Digest]:
        return Digest.objects.filter(person=self.user, workspace=self.workspace).order_by("-made_at", "-id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([_digest_data(d) for d in page or []])

    @extend_schema(responses={200: DigestSerializer(many=True), **READ_ERRORS},
                   description="The requester's digests for the workspace, newest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["veille"])
class DigestDetail(ObjectScoped, ApiView):
    serializer_class = DigestSerializer
    pagination_class = None

    @extend_schema(responses={200: DigestSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        digest = self.scoped(Digest.objects.filter(person=self.user))
        return Response(DigestSerializer(_digest_data(digest)).data)


@extend_schema(tags=["veille"])
class EntryShare(WorkspaceScoped, ApiView):
    serializer_class = SharedSerializer
    pagination_class = None
    min_role_write = Role.VIEWER

    @extend_schema(operation_id="veille_entry_share", request=ShareSerializer,
                   responses={200: SharedSerializer, **WRITE_ERRORS},
                   description="Tell the workspace's other members about an entry, with an optional note.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ShareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = reading.followed_entry(workspace, body.validated_data["entry"])
        if entry is None:
            raise ValidationError({"entry": ["No such entry in this workspace's feeds."]})
        told = actions.share(self.user, workspace, entry, body.validated_data.get("note", ""))
        return Response(SharedSerializer({"told": told}).data)
