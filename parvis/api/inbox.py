"""The unified inbox through the API: the filtered list of items, one item with its
conversation and author, triage (status, assignee, priority, labels, snooze), notes,
corrections of what the models found, replies, actions on the network, and saved replies.

The same functions as the web pages do the work (`queries`, `triage`, `replies`,
`saved_replies`); this module reads bodies and shapes answers. Reading needs any role;
everything that changes an item or answers it needs an editor (403 otherwise); an item
of a workspace the caller is not in answers 404, like a missing one.

Errors: 400 `{"errors": {field: [...]}}` for bad input; 409 when the item's state refuses
(a reply to a message deleted on the network); 502 when the network refuses or fails an
action (like, block, …), with its message under `action`: the request was valid, the
upstream said no, and nothing was recorded in parvis.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role, User
from parvis.accounts.scoping import workspaces_for
from parvis.api.pause import OffsetDateTimeField
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, ErrorsSerializer, IdField, UtcDateTimeField, id_list
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, ApiView, Conflict
from parvis.inbox import actions, saved_replies, triage
from parvis.inbox.models import Author, Correction, Item, Kind, Note, Priority, Reply, SavedReply, Status
from parvis.inbox.queries import VIEWS, InboxFilters, conversation, in_order, inbox_items
from parvis.inbox.replies import send_reply
from parvis.networks.base import Moderation, NetworkError
from parvis.publishing.models import Label, Publication
from parvis.publishing.validation import PostValidationError

DELETE_OURS = "delete"  # not a moderation: deletes one of our own replies from the network
ACTION_CHOICES = [*(m.value for m in Moderation), DELETE_OURS]


class NetworkRefused(Conflict):
    """502: the network refused or failed the action. Same body shape as a 400."""

    status_code = status.HTTP_502_BAD_GATEWAY


NETWORK_REFUSED = OpenApiResponse(ErrorsSerializer, description="The network refused or failed the action; "
                                                                "its message is under `action`.")


# -- serializers -------------------------------------------------------------------------

@extend_schema_field(OpenApiTypes.STR)
class InlineChoiceField(serializers.ChoiceField):
    """A choice whose values are listed in its description instead of a named enum in the
    schema: `status`, `kind` and `action` already name other choice sets in this API, and
    the schema must build without naming collisions."""

    def __init__(self, **kwargs: Any) -> None:
        values = ", ".join(f"`{c[0] if isinstance(c, tuple | list) else c}`" for c in kwargs["choices"])
        kwargs["help_text"] = f"{kwargs.get('help_text', '')} One of: {values}.".strip()
        super().__init__(**kwargs)


class AuthorBriefSerializer(ApiModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "network", "handle", "display_name", "url", "avatar_url"]
        read_only_fields = fields


class AuthorSerializer(ApiModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "network", "handle", "display_name", "url", "avatar_url", "bio", "followers",
                  "first_seen_at", "last_seen_at", "muted_at", "blocked_at", "reported_at"]
        read_only_fields = fields


class ItemSerializer(ApiModelSerializer):
    """Text, names and bios are the network's, untrusted: escape them when showing them."""

    author = AuthorBriefSerializer(read_only=True)
    labels: serializers.PrimaryKeyRelatedField[Label] = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    kind = InlineChoiceField(choices=Kind.choices, read_only=True)
    status = InlineChoiceField(choices=Status.choices, read_only=True)

    class Meta:
        model = Item
        fields = ["id", "workspace", "account", "thread", "network", "kind", "in_inbox", "private", "text", "url",
                  "created_at", "edited_at", "deleted_at", "author", "language", "sentiment", "toxic", "spam",
                  "corrected", "status", "priority", "assignee", "labels", "snoozed_until", "first_response_at",
                  "done_at", "liked_at", "boosted_at", "hidden_at"]
        read_only_fields = fields


class ConversationItemSerializer(ApiModelSerializer):
    author = AuthorBriefSerializer(read_only=True)
    kind = InlineChoiceField(choices=Kind.choices, read_only=True)

    class Meta:
        model = Item
        fields = ["id", "kind", "in_inbox", "author", "text", "url", "created_at", "edited_at", "deleted_at"]
        read_only_fields = fields


class NoteSerializer(ApiModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = fields


class CorrectionSerializer(ApiModelSerializer):
    class Meta:
        model = Correction
        fields = ["id", "item", "field", "before", "after", "by", "created_at"]
        read_only_fields = fields


class ReplySerializer(ApiModelSerializer):
    publication = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = ["id", "item", "post", "publication", "state", "author", "created_at"]
        read_only_fields = fields

    @staticmethod
    def _publication(reply: Reply) -> Publication | None:
        # Prefetched by the views: a reply has exactly one publication.
        found = list(reply.post.publications.all())
        return found[0] if found else None

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="The publication that sends it."))
    def get_publication(self, reply: Reply) -> int | None:
        publication = self._publication(reply)
        return publication.pk if publication else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=(
        "The publication's state: `scheduled` until the worker sends it, then `published` or `failed`.")))
    def get_state(self, reply: Reply) -> str | None:
        publication = self._publication(reply)
        return publication.state if publication else None


class ItemDetailSerializer(ItemSerializer):
    author = AuthorSerializer(read_only=True)  # type: ignore[assignment]
    conversation = ConversationItemSerializer(many=True, read_only=True, source="conversation_items",
                                              help_text="Every post of the thread, oldest first.")
    notes = NoteSerializer(many=True, read_only=True)
    replies = ReplySerializer(many=True, read_only=True)

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "conversation", "notes", "replies"]
        read_only_fields = fields


class ItemPatchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    assignee = IdField(required=False, allow_null=True, help_text="A member's user id; null to unassign.")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, help_text="0 low, 1 normal, 2 high.")
    labels = id_list("Ids of labels of the item's workspace; replaces its labels.")
    snoozed_until = OffsetDateTimeField(required=False, allow_null=True,
                                        help_text="ISO 8601 with its offset, in the future; null wakes it.")


class NoteWriteSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text="Internal: never sent to the network.")


class CorrectionWriteSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["sentiment", "toxic", "spam"])
    value = serializers.CharField(allow_blank=True, help_text=(
        "`negative`, `neutral` or `positive` for sentiment; `true` or `false` for toxic and spam."))


class ReplyWriteSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ReplyCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The reply.")
    item = serializers.IntegerField()
    post = serializers.IntegerField()
    publication = serializers.IntegerField(help_text="Follow it at /api/v1/publications/{id}/.")
    state = serializers.CharField()
    due_at = UtcDateTimeField()


class ActionSerializer(serializers.Serializer):
    action = InlineChoiceField(choices=ACTION_CHOICES, help_text=(
        "What the network offers for this item: like, boost, hide (and their un-), mute, block, report "
        "(the author); `delete` for one of our own replies."))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000,
                                   help_text="With `report`: sent to the network's moderators.")


class SavedReplySerializer(ApiModelSerializer):
    class Meta:
        model = SavedReply
        fields = ["id", "title", "body", "crisis", "uses", "created_at", "updated_at"]
        read_only_fields = fields


class SavedReplyWriteSerializer(serializers.Serializer):
    # Lengths and required fields are checked by the shared rules, with the web page's messages.
    title = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True, help_text=(
        "Variables: {name}, {handle}, {brand}, {me}, {account}; any other {word} is refused."))
    crisis = serializers.BooleanField(required=False, help_text="Part of the crisis FAQ (pinned during a pause).")


# -- helpers -----------------------------------------------------------------------------

def _read(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The validated body, or a 400 naming every bad or unknown field."""
    body = serializer_class(data=data)
    errors = dict(body.errors) if not body.is_valid() else {}
    if hasattr(data, "keys"):
        for name in sorted(set(data.keys()) - set(body.fields)):
            errors[name] = [_("Unknown field.")]
    if errors:
        raise ValidationError(errors)
    return body.validated_data


def _triage_failed(exc: triage.TriageError, rename: dict[str, str] | None = None) -> APIException:
    """A refusal by the network (the TriageError wraps a NetworkError) is a 502; anything
    else is bad input, named with the body's field."""
    field = (rename or {}).get(exc.field, exc.field)
    if isinstance(exc.__cause__, NetworkError):
        return NetworkRefused(field, exc.message)
    return ValidationError({field: [exc.message]})


def _items() -> QuerySet[Item]:
    return Item.objects.select_related("author", "account", "workspace", "thread")


def _detail(item: Item) -> dict[str, Any]:
    fresh = (_items().prefetch_related(
        "labels", "notes",
        Prefetch("replies", queryset=Reply.objects.select_related("post").prefetch_related("post__publications")))
        .get(pk=item.pk))
    fresh.conversation_items = list(conversation(fresh))  # type: ignore[attr-defined]
    return ItemDetailSerializer(fresh).data


# -- items -------------------------------------------------------------------------------

FILTER_PARAMETERS = [
    OpenApiParameter("view", OpenApiTypes.STR, enum=list(VIEWS), description="Default `open` (not snoozed)."),
    OpenApiParameter("workspace", OpenApiTypes.INT),
    OpenApiParameter("account", OpenApiTypes.INT),
    OpenApiParameter("network", OpenApiTypes.STR),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=["reply", "mention", "quote", "message"]),
    OpenApiParameter("assignee", OpenApiTypes.STR, description="A user id, `me` or `none`."),
    OpenApiParameter("label", OpenApiTypes.INT),
    OpenApiParameter("language", OpenApiTypes.STR, description="ISO 639-1 (`fr`)."),
    OpenApiParameter("sentiment", OpenApiTypes.STR, enum=["negative", "neutral", "positive"]),
    OpenApiParameter("priority", OpenApiTypes.INT, enum=list(Priority.values)),
    OpenApiParameter("flag", OpenApiTypes.STR, enum=["toxic", "spam"]),
    OpenApiParameter("q", OpenApiTypes.STR, description="Full-text search: every word, case and accents ignored."),
]


@extend_schema(tags=["inbox"])
class InboxItemList(ApiView, generics.ListAPIView):
    serializer_class = ItemSerializer
    queryset = Item.objects.none()

    def get_queryset(self) -> QuerySet[Item]:
        filters = InboxFilters.from_query(self.request.query_params)
        if filters.errors:
            params = self.request.query_params
            raise ValidationError({name: [_("“%(value)s” is not a valid value for this filter.")
                                          % {"value": params.get(name, "")}] for name in filters.errors})
        return inbox_items(workspaces_for(self.user), filters, self.user.pk)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The page's ids first, then their rows (see queries.in_order), as the web list does.
        ids = self.paginate_queryset(self.get_queryset().values_list("pk", flat=True))
        rows = in_order(ids or [], "author")
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: ItemSerializer(many=True), 400: ErrorsSerializer,
                                                            **READ_ERRORS},
                   description="Items addressed to the brands of your workspaces, newest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ItemObjectMixin(ObjectScoped, ApiView):
    serializer_class = ItemDetailSerializer
    queryset = Item.objects.none()

    def get_item(self, min_role: Role = Role.VIEWER) -> Item:
        return self.scoped(_items(), min_role)  # 403 for a viewer acting


@extend_schema(tags=["inbox"])
class InboxItemDetail(ItemObjectMixin):
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: ItemDetailSerializer, **READ_ERRORS},
                   description="One item with its author, its whole conversation, notes and replies.")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(self.get_item()))

    @extend_schema(request=ItemPatchSerializer, responses={200: ItemDetailSerializer, **WRITE_ERRORS},
                   description="Triage: fields left out keep their value. All or nothing: one bad "
                               "field changes nothing.")
    def patch(self, request: Request, pk: int) -> Response:
        item = self.get_item(Role.EDITOR)
        data = _read(ItemPatchSerializer, request.data)
        try:
            with transaction.atomic():
                self._apply(item, data)
        except triage.TriageError as exc:
            raise _triage_failed(exc) from exc
        return Response(_detail(item))

    def _apply(self, item: Item, data: dict[str, Any]) -> None:
        if "priority" in data:
            triage.set_priority(item, int(data["priority"]))
        if "assignee" in data:
            triage.assign(item, self._member(item, data["assignee"]))
        if "labels" in data:
            triage.set_labels(item, actions.workspace_labels(item, data["labels"]))
        if "snoozed_until" in data:
            triage.snooze(item, data["snoozed_until"])
        if "status" in data:
            triage.set_status(item, data["status"], self.user)

    @staticmethod
    def _member(item: Item, user_id: int | None) -> User | None:
        # Looked up among the workspace's members only: another id must not reveal who it is.
        return None if user_id is None else actions.workspace_member(item, user_id)


@extend_schema(tags=["inbox"])
class InboxItemNotes(ItemObjectMixin):
    @extend_schema(operation_id="inbox_items_notes_create", request=NoteWriteSerializer,
                   responses={201: NoteSerializer, **WRITE_ERRORS},
                   description="Add an internal note (never sent to the network).")
    def post(self, request: Request, pk: int) -> Response:
        item = self.get_item(Role.EDITOR)
        data = _read(NoteWriteSerializer, request.data)
        try:
            note = triage.add_note(item, data["text"], self.user)
        except triage.TriageError as exc:
            raise _triage_failed(exc, {"note": "text"}) from exc
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inbox"])
class InboxItemCorrections(ItemObjectMixin):
    @extend_schema(operation_id="inbox_items_corrections_create", request=CorrectionWriteSerializer,
                   responses={201: CorrectionSerializer, **WRITE_ERRORS},
                   description="Correct the sentiment or a flag. Kept for retraining; a later analysis "
                               "does not undo it.")
    def post(self, request: Request, pk: int) -> Response:
        item = self.get_item(Role.EDITOR)
        data = _read(CorrectionWriteSerializer, request.data)
        try:
            correction = triage.correct(item, data["field"], data["value"], self.user)
        except triage.TriageError as exc:
            # The function names the corrected field when the value is wrong: that is `value` here.
            raise _triage_failed(exc, {data["field"]: "value"}) from exc
        return Response(CorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inbox"])
class InboxItemReply(ItemObjectMixin):
    @extend_schema(operation_id="inbox_items_reply", request=ReplyWriteSerializer,
                   responses={201: ReplyCreatedSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Reply on the network, threaded under the item, through the same "
                               "exactly-once publishing as posts (follow the publication). 400 names the "
                               "field (`text`: empty or over the network's limit); 409 when the message "
                               "was deleted on the network.")
    def post(self, request: Request, pk: int) -> Response:
        item = self.get_item(Role.EDITOR)
        data = _read(ReplyWriteSerializer, request.data)
        try:
            reply = send_reply(item, data["text"], self.user)
        except PostValidationError as exc:
            gone = [e for e in exc.errors if e.code == "deleted"]
            if gone:
                raise Conflict(gone[0].field, gone[0].message) from exc
            raise
        publication = reply.post.publications.get()
        return Response(ReplyCreatedSerializer({
            "id": reply.pk, "item": item.pk, "post": reply.post_id, "publication": publication.pk,
            "state": publication.state, "due_at": publication.due_at,
        }).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inbox"])
class InboxItemActions(ItemObjectMixin):
    @extend_schema(operation_id="inbox_items_actions", request=ActionSerializer,
                   responses={200: ItemDetailSerializer, **WRITE_ERRORS, 502: NETWORK_REFUSED},
                   description="Act on the network. 400 when the network does not offer the action; "
                               "502 when it refuses or fails it (nothing is recorded then).")
    def post(self, request: Request, pk: int) -> Response:
        item = self.get_item(Role.EDITOR)
        data = _read(ActionSerializer, request.data)
        try:
            if data["action"] == DELETE_OURS:
                triage.delete_our_reply(item)
            else:
                triage.moderate(item, data["action"], self.user, data["reason"])
        except triage.TriageError as exc:
            raise _triage_failed(exc) from exc
        return Response(_detail(item))


# -- saved replies -----------------------------------------------------------------------

@extend_schema(tags=["inbox"])
class SavedReplyList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = SavedReplySerializer
    queryset = SavedReply.objects.none()

    def get_queryset(self) -> list[SavedReply]:  # type: ignore[override]
        return saved_replies.search(self.workspace, self.request.query_params.get("q", "")[:200])

    @extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR, description=(
        "Words in the title or text, case and accents ignored."))],
        responses={200: SavedReplySerializer(many=True), **READ_ERRORS},
        description="The workspace's saved replies by title; the crisis ones first while publishing "
                    "is paused for a crisis.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=SavedReplyWriteSerializer, responses={201: SavedReplySerializer, **WRITE_ERRORS})
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        data = _read(SavedReplyWriteSerializer, request.data)
        saved = saved_replies.create_saved_reply(workspace, self.user, saved_replies.SavedReplyInput(
            title=data.get("title", ""), body=data.get("body", ""), crisis=data.get("crisis", False)))
        return Response(SavedReplySerializer(saved).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inbox"])
class SavedReplyDetail(WorkspaceScoped, ApiView):
    serializer_class = SavedReplySerializer
    queryset = SavedReply.objects.none()
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_saved(self) -> SavedReply:
        return get_object_or_404(SavedReply, pk=self.kwargs["pk"], workspace=self.workspace)

    @extend_schema(responses={200: SavedReplySerializer, **READ_ERRORS})
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(SavedReplySerializer(self.get_saved()).data)

    @extend_schema(request=SavedReplyWriteSerializer, responses={200: SavedReplySerializer, **WRITE_ERRORS},
                   description="Fields left out keep their value.")
    def patch(self, request: Request, workspace_id: int, pk: int) -> Response:
        saved = self.get_saved()
        data = _read(SavedReplyWriteSerializer, request.data)
        updated = saved_replies.update_saved_reply(saved, self.user, saved_replies.SavedReplyInput(
            title=data.get("title", saved.title), body=data.get("body", saved.body),
            crisis=data.get("crisis", saved.crisis)))
        return Response(SavedReplySerializer(updated).data)

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def delete(self, request: Request, workspace_id: int, pk: int) -> Response:
        saved = self.get_saved()
        saved_replies.delete_saved_reply(saved, self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
