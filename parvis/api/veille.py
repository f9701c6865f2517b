"""La veille through the API: the feeds a workspace follows (follow by any address, OPML
import and export), its folders, and the entries with each person's read and saved
marks. The same functions as the web pages do the work (`parvis.listening.actions`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.listening import actions, fetching, reading
from parvis.listening.feeds.discovery import DiscoveryError, discover
from parvis.listening.feeds.opml import OPMLError
from parvis.listening.models import Entry, Folder, Subscription

MAX_OPML_BYTES = 2 * 1024 * 1024
MAX_MARKS = 500  # ids at once (a form's fields stay under Django's limit of 1,000)


class FeedSerializer(ApiModelSerializer):
    url = serializers.URLField(source="source.url", read_only=True, help_text="The feed's address.")
    kind = serializers.CharField(source="source.kind", read_only=True, help_text=(
        "`feed`, `youtube`, `watch` (a network's public posts with a hashtag), or the key of the network "
        "whose account's public feed this is."))
    source_title = serializers.CharField(source="source.title", read_only=True,
                                         help_text="The title the feed gives itself.")
    site_url = serializers.CharField(source="source.site_url", read_only=True)
    folder = serializers.CharField(source="folder.name", read_only=True, allow_null=True, default=None)
    last_fetched_at = UtcDateTimeField(source="source.last_fetched_at", read_only=True, allow_null=True)
    last_error = serializers.CharField(source="source.last_error", read_only=True)
    paused_at = UtcDateTimeField(source="source.paused_at", read_only=True, allow_null=True)
    paused_reason = serializers.CharField(source="source.paused_reason", read_only=True,
                                          help_text="Why the feed is not fetched any more (410, failures).")
    next_fetch_at = UtcDateTimeField(source="source.next_fetch_at", read_only=True)
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = ["id", "url", "kind", "title", "source_title", "site_url", "folder", "tags", "full_text",
                  "created_at", "last_fetched_at", "last_error", "paused_at", "paused_reason", "next_fetch_at",
                  "unread"]
        read_only_fields = fields


    def get_unread(self, subscription: Subscription) -> int | None:
        """Entries the requester has not read (in lists; null elsewhere)."""
        counts = self.context.get("unread")
        return counts.get(subscription.pk, 0) if counts is not None else None


class FeedWriteSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=300,
                                  help_text="The workspace's own title (empty: the feed's).")
    folder = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                   help_text="A folder's name, made if new (empty: no folder).")
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20)
    full_text = serializers.BooleanField(required=False, help_text=(
        "Fetch the article's page for entries whose feed gives only a summary."))


class FollowSerializer(FeedWriteSerializer):
    address = serializers.CharField(max_length=2000, help_text=(
        "A feed's or a site's address, a YouTube channel, or a network account's handle or profile address "
        "(for the networks that publish public feeds). A site with several feeds: the first is followed, "
        "the others are listed in the answer's `alternatives`."))


class WatchSerializer(serializers.Serializer):
    network = serializers.CharField(help_text="A network whose public posts can be watched (its key).")
    kind = serializers.ChoiceField(
        choices=["hashtag", "search", "stream"], default="hashtag",
        help_text="`hashtag` (read on `instance`), `search` (words, searched through one of the workspace's "
                  "connected accounts of that network: the one on `instance` if given), or `stream` (words "
                  "matched in the stream of every new post of a network that offers one, where the server's "
                  "administrator turned it on).")
    instance = serializers.CharField(max_length=500, required=False, default="", allow_blank=True,
                                     help_text="The instance to read them on, e.g. piaille.fr (a hashtag needs one).")
    hashtag = serializers.CharField(max_length=200, required=False, default="", allow_blank=True,
                                    help_text="The hashtag (kind `hashtag`).")
    term = serializers.CharField(max_length=200, required=False, default="", allow_blank=True,
                                 help_text="The words (kinds `search` and `stream`; also accepted for a hashtag).")


class FollowedSerializer(serializers.Serializer):
    feed = FeedSerializer()
    created = serializers.BooleanField(help_text="False when the workspace followed it already.")
    alternatives = serializers.ListField(child=serializers.URLField(), help_text="Other feeds the site offers.")


class ImportSerializer(serializers.Serializer):
    opml = serializers.FileField(help_text="An OPML file (another reader's export), 2 MB at most.")


class ImportReportSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    already = serializers.IntegerField(help_text="Feeds the workspace followed already.")
    refused = serializers.ListField(child=serializers.DictField(child=serializers.CharField()),
                                    help_text="`{url, reason}` for each feed not followed.")


class FolderSerializer(ApiModelSerializer):
    class Meta:
        model = Folder
        fields = ["id", "name", "position"]
        extra_kwargs = {"name": {"max_length": 100}}


class EntrySerializer(ApiModelSerializer):
    feed = serializers.IntegerField(source="feed_id", read_only=True, help_text="The subscription's id.")
    read = serializers.BooleanField(source="is_read", read_only=True)
    saved = serializers.BooleanField(source="is_saved", read_only=True)

    class Meta:
        model = Entry
        fields = ["id", "feed", "url", "title", "author", "summary", "content", "full_text", "image", "language",
                  "published_at", "updated_at", "fetched_at", "read", "saved"]
        read_only_fields = fields
        extra_kwargs = {"summary": {"help_text": "Sanitised HTML."}, "content": {"help_text": "Sanitised HTML."}}


class EntryMarksSerializer(serializers.Serializer):
    entries = serializers.ListField(child=IdField(), min_length=1,
                                    max_length=MAX_MARKS)
    read = serializers.BooleanField(required=False)
    saved = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "read" not in attrs and "saved" not in attrs:
            raise ValidationError({"read": ["Give `read`, `saved` or both."]})
        return attrs


class EntriesMarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="Entries marked (the same article in other feeds included).")


def _feeds() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("source", "folder", "workspace")


def _apply(subscription: Subscription, data: dict[str, Any]) -> Subscription:
    fields = []
    if "title" in data:
        subscription.title = " ".join(data["title"].split())[:300]
        fields.append("title")
    if "folder" in data:
        subscription.folder = actions.folder_named(subscription.workspace, data["folder"])
        fields.append("folder")
    if "full_text" in data:
        subscription.full_text = data["full_text"]
        fields.append("full_text")
    if fields:
        subscription.save(update_fields=fields)
    if "tags" in data:
        actions.set_tags(subscription, data["tags"])
    return _feeds().get(pk=subscription.pk)


@extend_schema(tags=["veille"])
class FeedList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = FeedSerializer
    queryset = Subscription.objects.none()

    def get_queryset(self) -> QuerySet[Subscription]:
        return _feeds().filter(workspace=self.workspace).order_by("folder__name", "title", "source__title", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "unread": reading.unread_counts(self.user, self.workspace)}

    @extend_schema(responses={200: FeedSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=FollowSerializer, responses={201: FollowedSerializer, 200: FollowedSerializer,
                                                        **WRITE_ERRORS},
                   description="Follow a feed, found from any address (201; 200 if followed already).")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = FollowSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            found = discover(body.validated_data["address"])
        except DiscoveryError as exc:
            raise ValidationError({"address": [str(exc)]}) from exc
        subscription, created = actions.follow(workspace, found[0], self.user,
                                               folder=body.validated_data.get("folder", ""),
                                               title=body.validated_data.get("title", ""))
        subscription = _apply(subscription, {k: v for k, v in body.validated_data.items()
                                             if k in ("tags", "full_text")})
        answer = {"feed": subscription, "created": created, "alternatives": [f.url for f in found[1:]]}
        return Response(FollowedSerializer(answer).data, status=status.HTTP_201_CREATED if created else 200)


@extend_schema(tags=["veille"])
class FeedDetail(ObjectScoped, ApiView):
    serializer_class = FeedSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def feed(self, role: Role = Role.VIEWER) -> Subscription:
        return self.scoped(_feeds(), role)

    @extend_schema(responses={200: FeedSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(FeedSerializer(self.feed()).data)

    @extend_schema(request=FeedWriteSerializer, responses={200: FeedSerializer, **WRITE_ERRORS},
                   description="Change the title, folder, tags or full-text setting; fields left out are kept.")
    def patch(self, request: Request, pk: int) -> Response:
        subscription = self.feed(Role.EDITOR)
        body = FeedWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(FeedSerializer(_apply(subscription, dict(body.validated_data))).data)

    @extend_schema(responses={204: OpenApiResponse(description="No longer followed."), **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        actions.unfollow(self.feed(Role.EDITOR))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["veille"])
class FeedResume(ObjectScoped, ApiView):
    serializer_class = FeedSerializer
    pagination_class = None

    @extend_schema(operation_id="veille_feed_resume", request=None, responses={200: FeedSerializer, **WRITE_ERRORS},
                   description="Fetch a paused feed again at the next pass.")
    def post(self, request: Request, pk: int) -> Response:
        subscription = self.scoped(_feeds(), Role.EDITOR)
        fetching.resume(subscription.source)
        return Response(FeedSerializer(_feeds().get(pk=subscription.pk)).data)


@extend_schema(tags=["veille"])
class FeedImport(WorkspaceScoped, ApiView):
    serializer_class = ImportReportSerializer
    pagination_class = None
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="veille_feeds_import", request={"multipart/form-data": ImportSerializer},
                   responses={200: ImportReportSerializer, **WRITE_ERRORS},
                   description="Follow every feed of an OPML file, in its folders (fetched in the next minutes).")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["opml"]
        if upload.size and upload.size > MAX_OPML_BYTES:
            raise ValidationError({"opml": ["Larger than 2 MB: not a feed reader's export."]})
        try:
            report = actions.import_opml(workspace, upload.read(), self.user)
        except OPMLError as exc:
            raise ValidationError({"opml": [str(exc)]}) from exc
        return Response(ImportReportSerializer({
            "added": report.added, "already": report.already,
            "refused": [{"url": url, "reason": reason} for url, reason in report.refused]}).data)


@extend_schema(tags=["veille"])
class FeedExport(WorkspaceScoped, ApiView):
    pagination_class = None

    @extend_schema(operation_id="veille_feeds_export",
                   responses={(200, "text/x-opml"): OpenApiResponse(OpenApiTypes.BINARY, description="OPML 2.0"),
                              **READ_ERRORS})
    def get(self, request: Request, workspace_id: int) -> HttpResponse:
        return HttpResponse(actions.export_opml(self.workspace, timezone.now()),
                            content_type="text/x-opml; charset=utf-8")


@extend_schema(tags=["veille"])
class FolderList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = FolderSerializer
    queryset = Folder.objects.none()

    def get_queryset(self) -> QuerySet[Folder]:
        return Folder.objects.filter(workspace=self.workspace).order_by("position", "name", "pk")

    @extend_schema(responses={200: FolderSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=FolderSerializer, responses={201: FolderSerializer, **WRITE_ERRORS})
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = FolderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        name = " ".join(body.validated_data["name"].split())
        if not name:
            raise ValidationError({"name": ["A folder needs a name."]})
        if Folder.objects.filter(workspace=workspace, name=name).exists():
            raise ValidationError({"name": ["This workspace has a folder of that name already."]})
        folder = Folder.objects.create(workspace=workspace, name=name,
                                       position=body.validated_data.get("position", 0))
        return Response(FolderSerializer(folder).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["veille"])
class FolderDetail(ObjectScoped, ApiView):
    serializer_class = FolderSerializer
    pagination_class = None
    http_method_names = ["patch", "delete", "head", "options"]

    @extend_schema(request=FolderSerializer, responses={200: FolderSerializer, **WRITE_ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        folder = self.scoped(Folder.objects.all(), Role.EDITOR)
        body = FolderSerializer(folder, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        name = " ".join(body.validated_data.get("name", folder.name).split())
        if Folder.objects.filter(workspace_id=folder.workspace_id, name=name).exclude(pk=folder.pk).exists():
            raise ValidationError({"name": ["This workspace has a folder of that name already."]})
        body.save(name=name)
        return Response(body.data)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted; its feeds stay, without a folder."),
                              **WRITE_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        self.scoped(Folder.objects.all(), Role.EDITOR).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["veille"])
class EntryList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = EntrySerializer
    queryset = Entry.objects.none()

    def get_queryset(self) -> QuerySet[Entry]:
        filters = reading.ReadingFilters.from_query(self.request.query_params)
        filters.before = None  # the API pages by page number
        subscriptions = dict(reading.subscriptions_of(self.workspace, filters).values_list("source_id", "pk"))
        rows = reading.entries(self.user, self.workspace, filters)
        self.feed_of = subscriptions
        return rows

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        for entry in page or []:
            entry.feed_id = self.feed_of.get(entry.source_id)
        return page

    @extend_schema(parameters=[
        OpenApiParameter("show", str, enum=list(reading.SHOWS), description="unread (default), all or saved."),
        OpenApiParameter("folder", int, description="One folder's feeds."),
        OpenApiParameter("source", int, description="One feed (its subscription's id)."),
        OpenApiParameter("q", str, description="Words that must appear (accents and case ignored)."),
    ], responses={200: EntrySerializer(many=True), **READ_ERRORS},
        description="The entries of the workspace's feeds, newest first, with the requester's marks.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["veille"])
class EntryMarks(WorkspaceScoped, ApiView):
    serializer_class = EntriesMarkedSerializer
    pagination_class = None
    min_role_write = Role.VIEWER  # one's own read marks

    @extend_schema(operation_id="veille_entries_mark", request=EntryMarksSerializer,
                   responses={200: EntriesMarkedSerializer, **WRITE_ERRORS},
                   description="Mark entries read or unread, saved or not, for the requester.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = EntryMarksSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = reading.same_stories(workspace, body.validated_data["entries"])
        if "read" in body.validated_data:
            actions.mark_read(self.user, workspace, ids, read=body.validated_data["read"])
        if "saved" in body.validated_data:
            actions.mark_saved(self.user, workspace, ids, saved=body.validated_data["saved"])
        return Response(EntriesMarkedSerializer({"marked": len(ids)}).data)


@extend_schema(tags=["veille"])
class FeedWatch(WorkspaceScoped, ApiView):
    serializer_class = FollowedSerializer
    pagination_class = None

    @extend_schema(operation_id="veille_feeds_watch", request=WatchSerializer,
                   responses={201: FollowedSerializer, 200: FollowedSerializer, **WRITE_ERRORS},
                   description="Follow a network's public posts with a hashtag, read on an instance you choose, "
                               "or a search through a connected account (201; 200 if followed already). They "
                               "arrive as a feed's entries.")
    def post(self, request: Request, workspace_id: int) -> Response:
        from parvis.listening import watching

        workspace = self.workspace
        body = WatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            subscription, created = watching.watch(workspace, self.user, data["network"], data["kind"],
                                                   data["instance"], data["term"] or data["hashtag"])
        except watching.WatchError as exc:
            field = exc.field
            if field == "term":
                field = "hashtag" if data["kind"] == "hashtag" and not data["term"] else "term"
            raise ValidationError({field: [str(exc)]}) from exc
        answer = {"feed": _feeds().get(pk=subscription.pk), "created": created, "alternatives": []}
        return Response(FollowedSerializer(answer).data, status=status.HTTP_201_CREATED if created else 200)
