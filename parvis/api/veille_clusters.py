"""La veille's stories (clusters) through the API: near-duplicate entries of the feeds and
watched networks a workspace follows, grouped as on the web page (`listening.clusters`).
A story is marked read through `entries/marks/` with its entries' ids."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ErrorsSerializer, UtcDateTimeField
from parvis.api.views import READ_ERRORS, ApiView
from parvis.core.ids import parse_id
from parvis.listening import clusters


class ClusterEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    source_title = serializers.CharField(help_text="The feed (or watched hashtag) it was read in.")
    network = serializers.BooleanField(help_text="A network's public post watched by la veille (else a feed's "
                                                 "article).")
    read = serializers.BooleanField(help_text="Read by the requester.")
    published_at = UtcDateTimeField()


class ClusterSerializer(serializers.Serializer):
    lead = ClusterEntrySerializer(help_text="The entry that stands for the story: the earliest article of a feed.")
    sources = serializers.IntegerField(help_text="Distinct followed sources that carry the story.")
    new = serializers.IntegerField(help_text="Of the story's entries, those the requester has not read.")
    first_seen = UtcDateTimeField()
    last_seen = UtcDateTimeField()
    entries = ClusterEntrySerializer(many=True, help_text="All its entries, newest first.")


def _entry(item: clusters.Item) -> dict[str, Any]:
    e = item.entry
    return {"id": e.pk, "title": e.title, "url": e.url, "source_title": item.source, "network": item.network,
            "read": item.read, "published_at": e.published_at}


def _cluster(story: clusters.Story) -> dict[str, Any]:
    return {"lead": _entry(story.lead), "sources": story.sources, "new": story.new, "first_seen": story.first_seen,
            "last_seen": story.last_seen, "entries": [_entry(i) for i in story.items]}


@extend_schema(tags=["veille"])
class ClusterList(WorkspaceScoped, ApiView):
    serializer_class = ClusterSerializer

    @extend_schema(operation_id="veille_clusters_list", parameters=[
        OpenApiParameter("window", str, enum=list(clusters.WINDOWS),
                         description="today (since midnight in the requester's time zone), 48h (default) or 7d."),
        OpenApiParameter("folder", int, description="One folder's feeds only."),
    ], responses={200: ClusterSerializer(many=True), 400: ErrorsSerializer, **READ_ERRORS},
        description="The stories of the workspace's feeds and watched networks in the window: the same link or "
                    "a near-duplicate text from several sources grouped, the most covered first, then the newest.")
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        window = request.query_params.get("window", clusters.DEFAULT_WINDOW)
        if window not in clusters.WINDOWS:
            raise ValidationError({"window": [f"One of {', '.join(clusters.WINDOWS)}."]})
        raw_folder = request.query_params.get("folder")
        folder = parse_id(raw_folder) if raw_folder not in (None, "") else None
        if raw_folder not in (None, "") and folder is None:
            raise ValidationError({"folder": ["A folder's id."]})
        since = clusters.window_start(window, self.user, timezone.now())
        found = clusters.workspace_stories(workspace, self.user, since=since, folder=folder)
        page = self.paginate_queryset(found)
        return self.get_paginated_response([_cluster(s) for s in page or []])
