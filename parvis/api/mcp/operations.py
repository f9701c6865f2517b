"""What each assistant tool does, as plain functions of the calling user and the tool's
arguments, returning the REST API's JSON.

Every function goes through the same scoped lookups, serializers and actions as the REST
views (parvis/api/views.py, inbox.py, pause.py): an object of another tenant is "not
found" exactly like a missing one, a role too low is refused, bad input is checked by the
API's own serializers so that the messages name the same fields. Nothing here knows about
MCP: errors are raised as the API raises them and translated at the boundary (tooling.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from parvis.accounts.models import Membership, Role, User
from parvis.accounts.scoping import workspace_for, workspaces_for
from parvis.api.inbox import (
    InboxItemDetail,
    ItemPatchSerializer,
    ItemSerializer,
    ReplyCreatedSerializer,
    ReplyWriteSerializer,
    SavedReplySerializer,
    _detail,
    _items,
    _read,
)
from parvis.api.pause import (
    OutcomeSerializer,
    PauseSerializer,
    PauseStatusSerializer,
    ResumeSerializer,
    _outcome,
)
from parvis.api.serializers import (
    AccountSerializer,
    PostSerializer,
    PostWriteSerializer,
    PublicationFilterSerializer,
    PublicationSerializer,
    WorkspaceSerializer,
)
from parvis.api.views import Conflict, _posts, _reload, _save
from parvis.inbox import saved_replies, triage
from parvis.inbox.models import Item
from parvis.inbox.queries import InboxFilters, in_order, inbox_items
from parvis.inbox.replies import send_reply
from parvis.publishing.actions import cancel_post as cancel_post_action
from parvis.publishing.models import Post, Publication, State
from parvis.publishing.pause import Decision, pause_status, pause_workspace, resume_workspace
from parvis.publishing.validation import PostValidationError

Json = dict[str, Any]
MAX_PAGE = 500  # the REST API's `?limit=` ceiling (api.views.Page)


def page(rows: QuerySet[Any], shape: Callable[[list[Any]], Any], limit: int, offset: int) -> Json:
    """One page of a list, like the REST API's limit/offset pages, with where to go on."""
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    count = rows.count()
    following = offset + limit if offset + limit < count else None
    return {"count": count, "offset": offset, "limit": limit, "next_offset": following,
            "results": shape(list(rows[offset:offset + limit]))}


# -- workspaces and accounts -------------------------------------------------------------

def list_workspaces(user: User) -> Json:
    role = Membership.objects.filter(workspace=OuterRef("pk"), user=user).values("role")[:1]
    found = workspaces_for(user).annotate(role=Subquery(role)).order_by("name", "pk")
    return {"workspaces": WorkspaceSerializer(found, many=True).data}


def list_accounts(user: User, workspace_id: int) -> Json:
    workspace = workspace_for(user, workspace_id)
    accounts = workspace.social_accounts.order_by("network", "handle", "pk")
    return {"accounts": AccountSerializer(accounts, many=True).data}


# -- posts -------------------------------------------------------------------------------

def create_post(user: User, workspace_id: int, body: Json) -> Json:
    """POST /workspaces/{id}/posts/: approval, pause, charter and per-network limits are
    checked by `save_post`, as for the API."""
    workspace = workspace_for(user, workspace_id, Role.EDITOR)
    serializer = PostWriteSerializer(data=body)
    serializer.is_valid(raise_exception=True)
    return PostSerializer(_save(serializer, workspace, user)).data


def _post(user: User, post_id: int, min_role: Role = Role.VIEWER) -> Post:
    post: Post = get_object_or_404(_posts().filter(workspace__memberships__user=user), pk=post_id)
    workspace_for(user, post.workspace_id, min_role)
    return post


def get_post(user: User, post_id: int) -> Json:
    return PostSerializer(_post(user, post_id)).data


def list_posts(user: User, workspace_id: int, filters: Json, limit: int, offset: int) -> Json:
    """The workspace's posts, newest first; `state` and `account` keep the posts with a
    publication in that state, or to that account (the publication filters' fields)."""
    workspace = workspace_for(user, workspace_id)
    checked = PublicationFilterSerializer(data={k: v for k, v in filters.items() if v is not None})
    checked.is_valid(raise_exception=True)
    wanted = checked.validated_data
    posts = _posts().filter(workspace=workspace)
    if wanted:
        publications = Publication.objects.filter(post__workspace=workspace)
        if "state" in wanted:
            publications = publications.filter(state=wanted["state"])
        if "account" in wanted:
            publications = publications.filter(account_id=wanted["account"])
        posts = posts.filter(pk__in=publications.values("post_id"))
    return page(posts.order_by("-created_at", "-pk"), lambda rows: PostSerializer(rows, many=True).data,
                limit, offset)


def update_post(user: User, post_id: int, body: Json) -> Json:
    """PATCH /posts/{id}/: fields left out keep their value; 409-like refusal when the
    post is being published or published."""
    post = _post(user, post_id, Role.EDITOR)
    serializer = PostWriteSerializer(data=body, partial=True)
    serializer.is_valid(raise_exception=True)
    return PostSerializer(_save(serializer, post.workspace, user, post)).data


def cancel_post(user: User, post_id: int) -> Json:
    post = _post(user, post_id, Role.EDITOR)
    if not cancel_post_action(post) and post.publications.exclude(state=State.CANCELLED).exists():
        raise Conflict("post", _("Nothing left to cancel: this post is being published or was published."))
    return PostSerializer(_reload(post)).data


def list_publications(user: User, workspace_id: int, filters: Json, post_id: int | None,
                      limit: int, offset: int) -> Json:
    """GET /workspaces/{id}/publications/ (by due time), optionally of one post."""
    workspace = workspace_for(user, workspace_id)
    checked = PublicationFilterSerializer(data={k: v for k, v in filters.items() if v is not None})
    checked.is_valid(raise_exception=True)
    found = Publication.objects.filter(post__workspace=workspace).select_related(
        "account", "post__workspace", "post__workspace__editorial")
    if "state" in checked.validated_data:
        found = found.filter(state=checked.validated_data["state"])
    if "account" in checked.validated_data:
        found = found.filter(account_id=checked.validated_data["account"])
    if post_id is not None:
        found = found.filter(post_id=post_id)
    return page(found.order_by("due_at", "pk"), lambda rows: PublicationSerializer(rows, many=True).data,
                limit, offset)


# -- inbox -------------------------------------------------------------------------------

def list_inbox_items(user: User, params: dict[str, str], limit: int, offset: int,
                     names: dict[str, str] | None = None) -> Json:
    """GET /inbox/items/ with the same filters (`view`, `workspace`, `account`, `assignee`,
    `q`, …), newest first; `names` renames the filters in errors (the caller's names)."""
    filters = InboxFilters.from_query(params)
    if filters.errors:
        raise ValidationError({(names or {}).get(name, name): [_("“%(value)s” is not a valid value for this filter.")
                                      % {"value": params.get(name, "")}] for name in filters.errors})
    # The page's ids first, then their rows (see queries.in_order), as the API does.
    ids = inbox_items(workspaces_for(user), filters, user.pk).values_list("pk", flat=True)
    return page(ids, lambda chunk: ItemSerializer(in_order(chunk, "author"), many=True).data, limit, offset)


def _item(user: User, item_id: int, min_role: Role = Role.VIEWER) -> Item:
    item: Item = get_object_or_404(_items().filter(workspace__memberships__user=user), pk=item_id)
    workspace_for(user, item.workspace_id, min_role)
    return item


def get_item(user: User, item_id: int) -> Json:
    return _detail(_item(user, item_id))


def reply_to_item(user: User, item_id: int, text: str) -> Json:
    """POST /inbox/items/{id}/reply/: queued through the exactly-once publishing."""
    item = _item(user, item_id, Role.EDITOR)
    data = _read(ReplyWriteSerializer, {"text": text})
    try:
        reply = send_reply(item, data["text"], user)
    except PostValidationError as exc:
        gone = [e for e in exc.errors if e.code == "deleted"]
        if gone:
            raise Conflict(gone[0].field, gone[0].message) from exc
        raise
    publication = reply.post.publications.get()
    return ReplyCreatedSerializer({
        "id": reply.pk, "item": item.pk, "post": reply.post_id, "publication": publication.pk,
        "state": publication.state, "due_at": publication.due_at,
    }).data


def triage_item(user: User, item_id: int, body: Json) -> Json:
    """PATCH /inbox/items/{id}/ for `assignee` and `status`: all or nothing."""
    item = _item(user, item_id, Role.EDITOR)
    data = _read(ItemPatchSerializer, body)
    with transaction.atomic():
        if "assignee" in data:
            triage.assign(item, InboxItemDetail._member(item, data["assignee"]))
        if "status" in data:
            triage.set_status(item, data["status"], user)
    return _detail(item)


def list_saved_replies(user: User, workspace_id: int, query: str) -> Json:
    workspace = workspace_for(user, workspace_id)
    found = saved_replies.search(workspace, query[:200])
    return {"saved_replies": SavedReplySerializer(found, many=True).data}


# -- crisis pause ------------------------------------------------------------------------

def pause(user: User, workspace_id: int, reason: str) -> Json:
    workspace = workspace_for(user, workspace_id, Role.MANAGER)
    data = _read(PauseSerializer, {"reason": reason})
    return PauseStatusSerializer(pause_workspace(workspace, user, data["reason"])).data


def get_pause(user: User, workspace_id: int) -> Json:
    workspace = workspace_for(user, workspace_id, Role.MANAGER)
    return PauseStatusSerializer(pause_status(workspace)).data


def resume(user: User, workspace_id: int, body: Json) -> Json:
    workspace = workspace_for(user, workspace_id, Role.MANAGER)
    checked = ResumeSerializer(data=body)
    checked.is_valid(raise_exception=True)
    data = checked.validated_data
    decisions = [Decision(d["publication"], d["action"], d.get("scheduled_at")) for d in data.get("decisions", [])]
    result = resume_workspace(workspace, user, decisions, data.get("default"))
    return {"outcomes": OutcomeSerializer([_outcome(p, a) for p, a in result.outcomes], many=True).data}
