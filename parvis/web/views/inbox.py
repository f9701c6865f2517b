"""The inbox pages: one list across the person's workspaces (or one of them), the open
item beside it (conversation, author, notes, triage controls, network actions, the reply
box), and the "new since" poll. What those controls post is in inbox_actions.py.

Thin on purpose: reading is `inbox.queries`; these views parse the request, call it and
render. Everyone in a workspace reads its inbox; editors and above act on it (the same
line as publishing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_in, workspace_view, workspaces_for
from parvis.core.ids import parse_id
from parvis.inbox import crisis, explain, triage
from parvis.inbox.explain import Explanation
from parvis.inbox.models import ADDRESSED_KINDS, Correction, Item, Kind, Priority, Sentiment, Status
from parvis.inbox.queries import VIEWS, InboxFilters, author_history, conversation, in_order, inbox_items
from parvis.inbox.replies import reply_target
from parvis.networks import registry
from parvis.networks.base import Moderation, ReplyTarget
from parvis.networks.models import SocialAccount
from parvis.publishing.languages import language_name
from parvis.publishing.models import Label, State
from parvis.web.templatetags.parvis_tags import web_link
from parvis.web.views.inbox_saved_views import strip_context
from parvis.web.zones import viewer_tz

PAGE_SIZE = 50
# The languages offered in the filter: those the language model tells apart that CMs meet
# most. A code found on items but missing here still filters (typed in the URL).
LANGUAGES = ("fr", "en", "de", "es", "it", "pt", "nl", "pl", "ca", "sv", "da", "ro")
# The network actions in the order the pane shows them; the second of a pair undoes the first.
ACTION_ORDER = (Moderation.LIKE, Moderation.BOOST, Moderation.HIDE, Moderation.MUTE, Moderation.BLOCK,
                Moderation.REPORT)
SENDING_STATES = (State.DRAFT, State.SCHEDULED, State.PUBLISHING, State.PROCESSING)



def initials(name: str) -> str:
    """Two letters for the avatar: from the display name's words, else the handle."""
    words = [w for w in name.replace("@", " ").replace(".", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _decorate(items: list[Item]) -> list[Item]:
    """What rows show that is derived (no query: `author` is already joined)."""
    for item in items:
        item.initials = initials(item.author.display_name or item.author.handle)  # type: ignore[attr-defined]
        item.link = web_link(item.url)  # type: ignore[attr-defined]
    return items


# -- the list --------------------------------------------------------------------------

def _filters_from(params: QueryDict, workspace: Workspace | None) -> InboxFilters:
    filters = InboxFilters.from_query(params)
    if workspace is not None:
        filters.workspace = workspace.pk
    return filters


def list_query(filters: InboxFilters) -> str:
    """The list's filters as a query string, carried by item links and forms so that the
    list beside an item (and a reload) stays the one the person was working through."""
    return urlencode(filters.as_query())


def _page(items: QuerySet[Item], before: str) -> tuple[list[Item], int | None]:
    """A keyset page (newest first) below the item `before`; and the cursor of the next
    page. Keyset, not OFFSET: page 200 of 100,000 items costs what page 1 does."""
    cursor = parse_id(before)
    if cursor is not None:
        anchor = Item.objects.filter(pk=cursor).values_list("created_at", flat=True).first()
        if anchor is not None:
            items = items.filter(Q(created_at__lt=anchor) | Q(created_at=anchor, pk__lt=cursor))
    ids = list(items.values_list("pk", flat=True)[:PAGE_SIZE + 1])
    rows = in_order(ids, "author", "account", "assignee", "workspace")
    more = len(rows) > PAGE_SIZE
    rows = _decorate(rows[:PAGE_SIZE])
    return rows, rows[-1].pk if more and rows else None


def _options(workspaces: list[Workspace]) -> dict[str, Any]:
    ids = [w.pk for w in workspaces]
    accounts = list(SocialAccount.objects.filter(workspace_id__in=ids).select_related("workspace"))
    return {
        "workspace_choices": list(workspaces), "accounts": accounts,
        "networks": sorted({(a.network, a.network_label) for a in accounts}),
        "kinds": [(k.value, Kind(k.value).label) for k in ADDRESSED_KINDS],
        "views": [(v, _view_label(v)) for v in VIEWS],
        "labels": Label.objects.filter(workspace_id__in=ids).select_related("workspace"),
        "members": User.objects.filter(memberships__workspace_id__in=ids).distinct().order_by("first_name", "email"),
        "languages": [(code, language_name(code)) for code in LANGUAGES],
        "sentiments": Sentiment.choices, "priorities": Priority.choices,
    }


def _newest(rows: list[Item], workspaces: list[Workspace], paged: bool) -> int:
    """Where the "new since" poll starts. On the first page, the newest row shown; deeper
    in the list, the newest item of these workspaces (what page 1 shows is not new)."""
    if rows and not paged:
        return max(row.pk for row in rows)
    return Item.objects.filter(workspace__in=workspaces).aggregate(newest=Max("pk"))["newest"] or 0


def _view_label(view: str) -> str:
    return {"open": pgettext("status", "Open"), "pending": _("Pending"), "done": _("Done"), "snoozed": _("Snoozed"),
            "all": _("All")}[view]


def list_context(request: AuthedRequest, workspace: Workspace | None) -> dict[str, Any]:
    user = request.user
    workspaces = list(workspaces_for(user))  # read once: the list, the filters and the alerts use it
    filters = _filters_from(request.GET, workspace)
    rows, next_before = _page(inbox_items(workspaces, filters, user.pk), request.GET.get("before", ""))
    options = _options(workspaces)
    return {
        "filters": filters, "list_query": list_query(filters), "rows": rows, "next_before": next_before,
        "paged": bool(request.GET.get("before")),
        "newest_id": _newest(rows, workspaces, bool(request.GET.get("before"))),
        "filtered": bool({k for k in filters.as_query() if k not in ("view", "workspace")}),
        "no_accounts": not options["accounts"], "first_workspace": options["workspace_choices"][:1],
        "tz": viewer_tz(request, workspace.timezone if workspace else user.timezone),
        "workspace": workspace, "filter_errors": filters.errors, **options,
        "crisis_alerts": _crisis_alerts(user, [workspace] if workspace else workspaces),
        **strip_context(request, workspace, filters),
    }


def _crisis_alerts(user: User, workspaces: list[Workspace]) -> list[dict[str, Any]]:
    """The crisis alerts of the workspaces shown, with what this person's role lets them
    do about each (pause: managers; acknowledge: editors and up)."""
    memberships = {m.workspace_id: m for m in Membership.objects.filter(user=user, workspace__in=workspaces)}
    return [{"workspace": alert.workspace, "alert": alert,
             "can_pause": memberships[alert.workspace_id].at_least(Role.MANAGER),
             "can_acknowledge": memberships[alert.workspace_id].at_least(Role.EDITOR)}
            for alert in crisis.active_alerts(workspaces) if alert.workspace_id in memberships]


@login_required
@require_GET
def inbox_all(request: AuthedRequest) -> HttpResponse:
    """Every workspace the person belongs to, in one inbox (and only those)."""
    return _render_list(request, None)


@login_required
@require_GET
@workspace_view()
def inbox_workspace(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    return _render_list(request, workspace)


def _render_list(request: AuthedRequest, workspace: Workspace | None) -> HttpResponse:
    context = list_context(request, workspace)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "inbox-list":
        return render(request, "parvis/inbox/_list.html", context)
    return render(request, "parvis/inbox/index.html", context)


@login_required
@require_GET
def inbox_new(request: AuthedRequest) -> HttpResponse:
    """Rows that arrived after `after` (an item id) and match the list's filters; nothing
    (204, htmx leaves the page alone) when there are none."""
    user = request.user
    after = parse_id(request.GET.get("after", ""))
    if after is None:
        return HttpResponse(status=204)
    filters = InboxFilters.from_query(request.GET)
    items = inbox_items(workspaces_for(user), filters, user.pk).filter(pk__gt=after)
    rows = _decorate(list(items.select_related("author", "account", "assignee", "workspace")
                          .prefetch_related("labels")[:PAGE_SIZE]))
    if not rows:
        return HttpResponse(status=204)
    tz = viewer_tz(request, user.timezone)
    return render(request, "parvis/inbox/_rows.html", {"rows": rows, "list_query": list_query(filters), "tz": tz})


# -- one item --------------------------------------------------------------------------

def items_shown() -> QuerySet[Item]:
    """An open item with everything its pane and its list row show, in one go."""
    return Item.objects.select_related("author", "account", "assignee", "workspace", "thread").prefetch_related(
        "labels")


def item_for(user: User, workspace_id: int, item_id: int, min_role: Role = Role.VIEWER) -> tuple[Item, Membership]:
    """The item, in a workspace the person belongs to (else 404, as if it did not
    exist); 403 when their role there is too low for `min_role`."""
    membership = membership_in(user, workspace_id)
    item = get_object_or_404(items_shown(), pk=item_id, workspace_id=membership.workspace_id, in_inbox=True)
    if not membership.at_least(min_role):
        raise PermissionDenied
    return item, membership


@dataclass(frozen=True)
class ActionButton:
    action: str
    label: str
    on: bool  # already done (the button undoes it)
    needs_reason: bool = False


def _network_actions(item: Item) -> list[ActionButton]:
    try:
        offered = triage.available_actions(item)
    except Exception:  # noqa: BLE001 - a connector that cannot be built offers nothing; the pane still opens
        return []
    labels = {Moderation.LIKE: (_("Like"), _("Unlike")), Moderation.BOOST: (_("Boost"), _("Unboost")),
              Moderation.HIDE: (_("Hide reply"), _("Show reply")), Moderation.MUTE: (_("Mute author"), ""),
              Moderation.BLOCK: (_("Block author"), ""), Moderation.REPORT: (_("Report author"), "")}
    buttons = []
    for action in ACTION_ORDER:
        if action not in offered:
            continue
        if action == Moderation.HIDE and item.kind not in triage.HIDEABLE_KINDS:
            continue
        undo = triage.TOGGLES.get(action)
        if undo and getattr(item, undo[1]) is not None:
            buttons.append(ActionButton(undo[0].value, labels[action][1], True))
        else:
            buttons.append(ActionButton(action.value, labels[action][0], False, action == Moderation.REPORT))
    return buttons


def _max_chars(item: Item) -> int | None:
    try:
        return item.account.checking_connector.limits().max_chars
    except Exception:  # noqa: BLE001 - the limit is a hint here; send_reply checks it for real
        return None


def _reply_prefill(item: Item) -> str:
    """The reply box starts with the @mentions the reply will carry, on a network whose
    replies need them, as its connector decides them (Mastodon: the author, and a private
    message's participants; the connector adds them anyway if they are taken out)."""
    if not registry.get(item.account.network).replies_need_mentions:
        return ""
    connector: Any = item.account.checking_connector
    return str(connector.reply_prefill(ReplyTarget(**reply_target(item))))  # type: ignore[arg-type]


def _replies(item: Item, in_conversation: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Replies written here, with where they are: sending, sent or failed. A sent reply
    already shown in the conversation (read back from the network) is not shown twice."""
    out = []
    for reply in item.replies.select_related("post", "author").prefetch_related("post__publications"):
        publication = next(iter(reply.post.publications.all()), None)
        if publication is not None and publication.remote_id and publication.remote_id in in_conversation:
            continue
        state = publication.state if publication else State.DRAFT
        out.append({"reply": reply, "text": reply.post.text, "publication": publication,
                    "sending": state in SENDING_STATES, "sent": state == State.PUBLISHED,
                    "failed": state in (State.FAILED, State.CANCELLED),
                    "error": publication.shown_error if publication else ""})
    return out


def _corrections(item: Item) -> dict[str, Correction]:
    """The first correction per field: its `before` is what the model said."""
    first: dict[str, Correction] = {}
    for correction in item.corrections.select_related("by"):
        first.setdefault(correction.field, correction)
    return first


def pane_context(request: AuthedRequest, item: Item, membership: Membership, *,
                  errors: dict[str, str] | None = None, draft: str | None = None) -> dict[str, Any]:
    tz = viewer_tz(request, item.workspace.timezone)
    convo = _decorate(list(conversation(item)))
    history = [i for i in author_history(item.author, 11) if i.pk != item.pk][:10]
    for i in history:
        i.author = item.author  # the same person: no query per row
    history = _decorate(history)
    replies = _replies(item, frozenset(i.remote_id for i in convo))
    corrections = _corrections(item)
    source = request.GET if request.method == "GET" else QueryDict(request.POST.get("list", ""))
    return {
        "item": _decorate([item])[0], "workspace": item.workspace, "author": item.author,
        "author_link": web_link(item.author.url),
        "conversation": convo, "history": history, "notes": item.notes.select_related("author"),
        "replies": replies, "reply_pending": any(r["sending"] for r in replies),
        "pane_labels": Label.objects.filter(workspace_id=item.workspace_id),
        "item_labels": {label.pk for label in item.labels.all()},  # prefetched by items_shown
        "pane_members": Membership.objects.filter(workspace_id=item.workspace_id).select_related("user")
        .order_by("user__first_name", "user__email"),
        "actions": _network_actions(item), "max_chars": _max_chars(item),
        "can_act": membership.at_least(Role.EDITOR), "tz": tz, "statuses": Status.choices,
        "priorities": Priority.choices, "sentiments": Sentiment.choices, "corrections": corrections,
        "errors": errors or {}, "draft": _reply_prefill(item) if draft is None else draft,
        "list_query": list_query(InboxFilters.from_query(source)),
        "network_label": registry.get(item.network).label,
        "snoozed": item.is_snoozed, "flag_rows": _flag_rows(item, corrections),
        "sentiment_note": explain.sentiment(item.sentiment, item.sentiment_score),
        "analysis_source": explain.source(item.analysed_with),
    }


def _flag_rows(item: Item, corrections: dict[str, Correction]) -> list[tuple[str, str, bool, float | None,
                                                                              Correction | None, Explanation]]:
    return [("toxic", _("Insult or toxic"), item.toxic, item.toxic_score, corrections.get("toxic"),
             explain.flag("toxic", item.toxic, item.toxic_score)),
            ("spam", _("Spam"), item.spam, item.spam_score, corrections.get("spam"),
             explain.flag("spam", item.spam, item.spam_score))]


@login_required
@require_GET
def inbox_item(request: AuthedRequest, workspace_id: int, item_id: int) -> HttpResponse:
    """htmx gets the pane alone (the list stays); a link opened directly gets the whole
    page: the list (with the filters of the link) and the item beside it."""
    item, membership = item_for(request.user, workspace_id, item_id)
    pane = pane_context(request, item, membership)
    if request.headers.get("HX-Request"):
        return render(request, "parvis/inbox/_item.html", pane)
    context = {**list_context(request, None), **pane, "open_item": item}
    context["workspace"] = None  # the list is across workspaces; the pane names the item's
    return render(request, "parvis/inbox/index.html", context)


@login_required
@require_GET
def inbox_replies(request: AuthedRequest, workspace_id: int, item_id: int) -> HttpResponse:
    """The replies block alone: polled while a reply is on its way."""
    item, _membership = item_for(request.user, workspace_id, item_id)
    replies = _replies(item)
    return render(request, "parvis/inbox/_replies.html", {
        "item": item, "replies": replies, "reply_pending": any(r["sending"] for r in replies),
        "tz": viewer_tz(request, item.workspace.timezone)})
