"""Watching public posts of a network: a hashtag on an instance the CM chooses, a search
made through one of the workspace's connected accounts, or words met in Bluesky's
Jetstream. They become the entries of the watch's source, so that reading, monitors,
stories and digests treat them as they treat feeds. Fetched by the same dispatcher, with
the same lease, schedule, back-off and pause as feeds (fetching.py): only the reading
differs, through the network's PublicReader (parvis.networks.public). A stream watch is
not read by the dispatcher: the Jetstream reader (jetstream.py) stores its posts as they
come.

A search is made with an account of a workspace that follows the watch, chosen when it
is read: one watch shared by several workspaces is read once, with any of their accounts
(on the watched instance where the network's reader says that matters). With none left,
or one whose login is refused, the source is paused with the reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.models import User, Workspace
from parvis.core.http import check_url, normalise_base_url
from parvis.core.http.errors import GuardError
from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import WATCH, Entry, Source, Subscription, Watch
from parvis.listening.query import QuerySyntaxError, compile_query
from parvis.listening.store import store_entries
from parvis.networks import registry
from parvis.networks.models import AccountStatus, SocialAccount
from parvis.networks.public import PublicPost, ReadError

HASHTAG, SEARCH, STREAM = "hashtag", "search", "stream"
KIND_LABELS = {HASHTAG: gettext_lazy("Hashtag"), SEARCH: gettext_lazy("Search"),
               STREAM: gettext_lazy("Every new post (stream)")}


class WatchError(ValueError):
    """A watch that cannot be made; `field` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def networks_for(*kinds: str) -> list[tuple[str, str]]:
    """(key, label) of the networks whose public posts of one of these kinds can be watched."""
    streaming = registry.stream_network() if STREAM in kinds else None
    return [(key, info.label) for key, info in registry.NETWORKS.items()
            if key == streaming
            or (info.public_reader and set(kinds) & set(registry.public_reader(key).kinds))]


def stream_on() -> bool:
    """Whether a network's stream of new public posts is turned on (NetworkInfo.public_stream)."""
    return registry.stream_network() is not None


def stream_off(network: str) -> str:
    return _("This network's stream of new posts is not turned on on this server (an administrator sets "
             "%(setting)s).") % {"setting": registry.get(network).public_stream_setting}


def searching_accounts(workspace: Workspace) -> list[SocialAccount]:
    """The workspace's connected accounts a search can be made with."""
    networks = [key for key, info in registry.NETWORKS.items()
                if info.public_reader and SEARCH in registry.public_reader(key).account_kinds]
    return list(SocialAccount.objects.filter(workspace=workspace, network__in=networks, status=AccountStatus.ACTIVE)
                .order_by("network", "pk"))


def _same_server(url: str, base: str) -> bool:
    try:
        return normalise_base_url(url) == base
    except (GuardError, ValueError):
        return False


def watch(workspace: Workspace, person: User | None, network: str, kind: str, instance: str,
          term: str) -> tuple[Subscription, bool]:
    """The workspace follows this network's public posts of `kind`: a hashtag on
    `instance`, a search (words) through one of its connected accounts (on `instance` if
    given, else its first), or words in Bluesky's stream. (Its subscription, whether
    new.) The watch is shared like a feed."""
    if kind == STREAM:
        return _watch_stream(workspace, person, network, term)
    reader = registry.public_reader(network) if network in registry.NETWORKS else None
    if reader is None or kind not in reader.kinds:
        raise WatchError("network", _("This network's public posts cannot be watched."))
    if kind in reader.account_kinds:
        term = " ".join(term.split())[:200]
        if not term:
            raise WatchError("term", _("Enter words to search for."))
        base = _account_server(workspace, network, instance, getattr(reader, "account_on_instance", True))
        title = f"“{term}”"
    else:
        term = " ".join(term.split()).lstrip("#")[:200]
        if not term:
            raise WatchError("term", _("Enter a hashtag."))
        base = _instance(instance)
        title = f"#{term}"
    return _follow(workspace, person, reader.page_url(base, kind, term), title,
                   {"network": network, "kind": kind, "instance_url": base, "term": term})


def _instance(instance: str) -> str:
    try:
        base = normalise_base_url(instance if "://" in instance else f"https://{instance}")
        check_url(base)
    except GuardError as exc:
        raise WatchError("instance", exc.message) from exc
    except ValueError as exc:  # a malformed address ("http://[::1")
        raise WatchError("instance", _("This is not a web address.")) from exc
    return base


def _account_server(workspace: Workspace, network: str, instance: str, on_instance: bool) -> str:
    """The server a search is watched on: that of the workspace's connected account on
    `instance` (its first account's when none is typed)."""
    accounts = [account for account in SocialAccount.objects.filter(
        workspace=workspace, network=network, status=AccountStatus.ACTIVE).order_by("pk")]
    if instance.strip() and on_instance:
        base = _instance(instance)
        accounts = [account for account in accounts if _same_server(account.server_url, base)]
        if not accounts:
            raise WatchError("instance", _("Connect an account of this instance to search it."))
    if not accounts:
        raise WatchError("network", _("Connect an account of this network to search it."))
    return _instance(accounts[0].server_url)


def _watch_stream(workspace: Workspace, person: User | None, network: str, term: str) -> tuple[Subscription, bool]:
    info = registry.NETWORKS.get(network)
    if info is None or not info.public_stream:
        raise WatchError("network", _("This network's public posts cannot be watched."))
    if network != registry.stream_network():
        raise WatchError("kind", stream_off(network))
    term = " ".join(term.split())[:200]
    if not term:
        raise WatchError("term", _("Enter words to search for."))
    try:
        compile_query(term)  # matched as a monitor's query is
    except QuerySyntaxError as exc:
        raise WatchError("term", str(exc)) from exc
    _read_stream, address = registry.public_stream(network)
    base = normalise_base_url(address.replace("wss://", "https://", 1).replace("ws://", "http://", 1))
    # The network's search page shows what the words find; the fragment keeps the
    # stream's source apart from a search's for the same words.
    url = registry.public_reader(network).page_url(base, SEARCH, term) + "#jetstream"
    return _follow(workspace, person, url, f"“{term}”",
                   {"network": network, "kind": STREAM, "instance_url": base, "term": term})


def _follow(workspace: Workspace, person: User | None, url: str, title: str,
            fields: dict[str, Any]) -> tuple[Subscription, bool]:
    with transaction.atomic():
        source, _created = Source.objects.get_or_create(url=url[:2000], defaults={"kind": WATCH, "title": title})
        try:
            with transaction.atomic():
                Watch.objects.get_or_create(source=source, defaults=fields)
        except IntegrityError:
            pass  # made at the same moment by another workspace's request
        subscription, created = Subscription.objects.get_or_create(
            workspace=workspace, source=source, defaults={"created_by": person})
    return subscription, created


def _entry(post: PublicPost) -> ParsedEntry:
    name = post.author_name or post.author_handle
    first_line = post.text.strip().split("\n", 1)[0][:120]
    return ParsedEntry(guid=post.remote_id, link=post.url, title=f"{name} : {first_line}" if name else first_line,
                       author=post.author_handle or post.author_name,
                       summary="<p>" + escape(post.text).replace("\n", "<br>") + "</p>",
                       published=post.created_at, language=post.language)


def read(source: Source, now: datetime) -> list[Entry]:
    """Read what is new since the watch's cursor into the source's entries (new ones
    returned). Raises ReadError (the caller schedules, backs off or pauses)."""
    watched = source.watch
    if watched.kind == STREAM:
        if watched.network != registry.stream_network():
            raise ReadError(stream_off(watched.network), transient=False)
        return []  # its posts are stored by the stream's reader as they come
    reader = registry.public_reader(watched.network)
    extra: dict[str, Any] = {}
    if watched.kind in getattr(reader, "account_kinds", ()):
        extra["account"] = searching_account(watched, on_instance=getattr(reader, "account_on_instance", True))
    page = reader.read(watched.instance_url, watched.kind, watched.term, watched.cursor, **extra)
    new = store_entries(source, ParsedFeed("watch", title=source.title, entries=[_entry(p) for p in page.posts]),
                        now) if page.posts else []
    if page.cursor and page.cursor != watched.cursor:
        Watch.objects.filter(pk=watched.pk).update(cursor=page.cursor[:200])
    if page.retry_after:
        source.next_fetch_at = max(source.next_fetch_at, now + timedelta(seconds=page.retry_after))
    return new


def searching_account(watched: Watch, *, on_instance: bool = True) -> SocialAccount:
    """A connected account of the watch's network in a workspace that follows it (on the
    watched instance when `on_instance`); ReadError, worded for the CM, when none is."""
    accounts = (SocialAccount.objects.filter(network=watched.network, status=AccountStatus.ACTIVE,
                                             workspace__feed_subscriptions__source=watched.source_id)
                .order_by("pk").distinct())
    for account in accounts:
        if not on_instance or _same_server(account.server_url, watched.instance_url):
            return account
    raise ReadError(_("Connect an account of this network to search it."), transient=False)
