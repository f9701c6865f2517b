"""Competitors: their public accounts read on a schedule, and their figures side by side
with the brand's.

A competitor's account on a network is read by that network's ProfileReader
(parvis.networks.public): its profile's public counts (one row a day in
`CompetitorCount`, append-only) and its latest own posts with their counts (updated in
place each read, with the followers of the moment). A competitor's blog is a feed the
workspace follows: its entries are its posts, without counts. The brand itself is a
`Competitor` with `is_brand`, made from the workspace's connected accounts and read the
same way, so that the two columns are measured alike.

Reading is leased (a dead worker's account is read again once the lease expires) and
scheduled: every PARVIS_COMPETITORS_INTERVAL seconds, backing off after failures; a
failure asking again cannot mend (an account that does not exist, a login to renew)
pauses the account with its reason, shown on the page.
"""

from __future__ import annotations

import re
import statistics
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, FloatField, Q
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import User, Workspace
from parvis.core.texts import WordedError
from parvis.listening.curation import STOP
from parvis.listening.feeds.discovery import DiscoveryError, discover
from parvis.listening.models import (
    BLOG,
    Competitor,
    CompetitorAccount,
    CompetitorCount,
    CompetitorPost,
    Entry,
)
from parvis.listening.query.normalise import analyse_run, fold
from parvis.listening.sanitise import plain_text
from parvis.listening.store import canonical_link
from parvis.networks import registry
from parvis.networks.models import AccountStatus, SocialAccount
from parvis.networks.public import PublicPost, ReadError, Timeline
from parvis.networks.text import find_links

LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(days=1)
POSTS_PER_READ = 40
BATCH = 20
HASHTAG = re.compile(r"(?<![\w&/])#([^\W_][\w]{1,79})", re.UNICODE)
KEYWORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)
TOPICS = 12


class CompetitorError(ValueError):
    """A competitor or account that cannot be saved; `field` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# -- who is watched --------------------------------------------------------------------------------

def networks() -> list[tuple[str, str]]:
    """(key, label) of what a competitor's account can be: the networks with a profile
    reader, and a blog."""
    found = [(key, info.label) for key, info in registry.NETWORKS.items() if info.profile_reader]
    return [*found, (BLOG, _("Blog or site (its feed)"))]


def add_competitor(workspace: Workspace, name: str, notes: str = "") -> Competitor:
    name = " ".join(name.split())[:120]
    if not name:
        raise CompetitorError("name", _("Enter the competitor's name."))
    if name.casefold() == workspace.name.casefold() or Competitor.objects.filter(
            workspace=workspace, name__iexact=name).exists():
        raise CompetitorError("name", _("This name is already in the list."))
    try:
        with transaction.atomic():
            return Competitor.objects.create(workspace=workspace, name=name, notes=notes.strip()[:5000])
    except IntegrityError as exc:  # the same name saved at the same moment
        raise CompetitorError("name", _("This name is already in the list.")) from exc


def _reading_account(workspace: Workspace, network: str) -> SocialAccount | None:
    return (SocialAccount.objects.filter(workspace=workspace, network=network, status=AccountStatus.ACTIVE)
            .order_by("pk").first())


def add_account(competitor: Competitor, network: str, typed: str, person: User | None = None) -> CompetitorAccount:
    """Follow one public account (or blog) of `competitor`. A blog is discovered and
    followed as a feed of the workspace (so it is fetched with the others)."""
    typed = typed.strip()
    if not typed:
        raise CompetitorError("handle", _("Enter the account's handle or address."))
    if network == BLOG:
        return _add_blog(competitor, typed, person)
    reader = registry.profile_reader(network) if network in registry.NETWORKS else None
    if reader is None:
        raise CompetitorError("network", _("Competitors cannot be followed on this network."))
    handle = reader.normalise(typed)
    if not handle:
        raise CompetitorError("handle", _("This is not an account of %(network)s.")
                              % {"network": registry.get(network).label})
    through = None
    if reader.needs_account:
        through = _reading_account(competitor.workspace, network)
        if through is None:
            raise CompetitorError("network", _("Connect an account of %(network)s to this workspace first: "
                                               "its public accounts are read through it.")
                                  % {"network": registry.get(network).label})
    return _save_account(competitor, network, handle, through=through)


def _save_account(competitor: Competitor, network: str, handle: str, **values: Any) -> CompetitorAccount:
    try:
        with transaction.atomic():
            account, _created = CompetitorAccount.objects.get_or_create(
                competitor=competitor, network=network, handle=handle[:300], defaults=values)
    except IntegrityError:
        account = CompetitorAccount.objects.get(competitor=competitor, network=network, handle=handle[:300])
    return account


def _add_blog(competitor: Competitor, typed: str, person: User | None) -> CompetitorAccount:
    from parvis.listening.actions import follow

    try:
        found = discover(typed)
    except DiscoveryError as exc:
        raise CompetitorError("handle", str(exc)) from exc
    subscription, _new = follow(competitor.workspace, found[0], person, folder=_("Competitors"),
                                title=competitor.name)
    return _save_account(competitor, BLOG, found[0].url, source=subscription.source,
                         name=subscription.source.title, url=subscription.source.site_url)


def sync_brand(workspace: Workspace) -> Competitor | None:
    """The brand's own column: the workspace's connected accounts on networks that have
    a profile reader. None when it has none."""
    accounts = [a for a in SocialAccount.objects.filter(workspace=workspace).order_by("pk")
                if a.network in registry.NETWORKS and registry.get(a.network).profile_reader]
    brand = Competitor.objects.filter(workspace=workspace, is_brand=True).first()
    if not accounts and brand is None:
        return None
    if brand is None:
        try:
            with transaction.atomic():
                brand = Competitor.objects.create(workspace=workspace, name=workspace.name[:120], is_brand=True)
        except IntegrityError:
            brand = Competitor.objects.get(workspace=workspace, is_brand=True)
    for social in accounts:
        reader = registry.profile_reader(social.network)
        handle = reader.normalise(social.handle) or reader.normalise(social.profile_url or "")
        if handle:
            _save_account(brand, social.network, handle, through=social)
    return brand


# -- reading ------------------------------------------------------------------------------------

def interval() -> timedelta:
    return timedelta(seconds=int(settings.PARVIS_COMPETITORS_INTERVAL))


def claim_due(now: datetime, limit: int = BATCH) -> list[int]:
    """Lease up to `limit` accounts due for a read (blogs are fetched as feeds)."""
    due = (CompetitorAccount.objects.exclude(network=BLOG)
           .filter(paused_at__isnull=True, next_read_at__lte=now)
           .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)))
    claimed = []
    for pk, lease in due.order_by("next_read_at").values_list("pk", "lease_expires_at")[:limit]:
        if CompetitorAccount.objects.filter(pk=pk, lease_expires_at=lease).update(lease_expires_at=now + LEASE):
            claimed.append(pk)
    return claimed


def read_account(account_id: int, now: datetime | None = None) -> CompetitorAccount | None:
    """Read one account now; its schedule, back-off or pause follows from the answer."""
    now = now or timezone.now()
    account = CompetitorAccount.objects.select_related("through").filter(pk=account_id).first()
    if account is None or account.network == BLOG or account.paused_at is not None:
        return account
    reader = registry.profile_reader(account.network) if account.network in registry.NETWORKS else None
    try:
        if reader is None:
            raise ReadError(_("Competitors can no longer be followed on this network."), transient=False)
        through = account.through
        if reader.needs_account and (through is None or through.status != AccountStatus.ACTIVE):
            through = _reading_account(account.competitor.workspace, account.network)
            if through is None:
                raise ReadError(_("No connected account of this network can read it: connect one."),
                                transient=False)
        timeline = reader.read(account.handle, account=through, limit=POSTS_PER_READ)
    except ReadError as exc:
        _failed(account, exc, now)
        return account
    record(account, timeline, now)
    return account


def _failed(account: CompetitorAccount, exc: ReadError, now: datetime) -> None:
    message = exc.message if isinstance(exc, WordedError) else str(exc)
    failures = account.failures + 1
    values: dict[str, Any] = {"failures": failures, "last_error": str(message)[:2000], "lease_expires_at": None}
    if not exc.transient:
        values.update(paused_at=now, paused_reason=str(message)[:2000])
    else:
        wait = max(timedelta(seconds=exc.retry_after or 0), min(MAX_BACKOFF, interval() * (2 ** min(failures, 6)) / 8))
        values["next_read_at"] = now + wait
    CompetitorAccount.objects.filter(pk=account.pk).update(**values)
    for key, value in values.items():
        setattr(account, key, value)


def record(account: CompetitorAccount, timeline: Timeline, now: datetime) -> None:
    """Store what a read gave: the profile, today's counts, the posts and their counts."""
    profile = timeline.profile
    wait = max(interval(), timedelta(seconds=timeline.retry_after or 0))
    with transaction.atomic():
        CompetitorAccount.objects.filter(pk=account.pk).update(
            remote_id=profile.remote_id[:300], name=profile.name[:300], url=profile.url[:2000],
            followers=profile.followers, following=profile.following, posts_count=profile.posts,
            last_read_at=now, next_read_at=now + wait, lease_expires_at=None, failures=0, last_error="")
        CompetitorCount.objects.update_or_create(
            account=account, day=now.date(),
            defaults={"followers": profile.followers, "following": profile.following, "posts": profile.posts})
        _store_posts(account, timeline.posts, profile.followers, now)
    account.refresh_from_db()


def _store_posts(account: CompetitorAccount, posts: list[PublicPost], followers: int | None, now: datetime) -> None:
    known = {p.remote_id: p for p in CompetitorPost.objects.filter(
        account=account, remote_id__in=[p.remote_id[:300] for p in posts])}
    new, changed = [], []
    for post in posts:
        values = {"likes": post.counts.get("likes"), "reposts": post.counts.get("reposts"),
                  "replies": post.counts.get("replies"), "quotes": post.counts.get("quotes")}
        row = known.get(post.remote_id[:300])
        if row is None:
            new.append(CompetitorPost(account=account, remote_id=post.remote_id[:300], url=post.url[:2000],
                                      text=plain_text(post.text)[:10000], published_at=post.created_at,
                                      followers=followers, counted_at=now, first_seen_at=now, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.followers, row.counted_at = followers, now
            changed.append(row)
    CompetitorPost.objects.bulk_create(new, ignore_conflicts=True)
    CompetitorPost.objects.bulk_update(changed, ["likes", "reposts", "replies", "quotes", "followers", "counted_at"])


def resume(account: CompetitorAccount, now: datetime | None = None) -> None:
    now = now or timezone.now()
    CompetitorAccount.objects.filter(pk=account.pk).update(paused_at=None, paused_reason="", failures=0,
                                                           next_read_at=now)


# -- figures ------------------------------------------------------------------------------------

@dataclass
class Post:
    """A post of the period, whatever it was read from (a network or a blog's feed)."""

    competitor_id: int
    network: str
    url: str
    text: str
    published_at: datetime
    interactions: int | None  # None: a blog, or no counts given
    rate: float | None  # interactions per 100 followers

    @cached_property
    def tags(self) -> set[str]:
        return set(hashtags(self.text))

    @cached_property
    def words(self) -> dict[str, str]:
        return keywords(self.text)


@dataclass
class Figures:
    competitor: Competitor
    posts: int = 0
    per_week: float = 0.0
    followers: int | None = None
    followers_change: int | None = None
    rate_mean: float | None = None  # the mean of the posts' rates, in %
    rate_median: float | None = None
    interactions_mean: float | None = None
    heatmap: list[list[int]] = field(default_factory=list)  # 7 weekdays × 24 hours, local time
    hashtags: list[tuple[str, int]] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    best: list[Post] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)


def posts_of(competitors: list[Competitor], start: datetime, end: datetime) -> dict[int, list[Post]]:
    """Every post of these competitors published in [start, end), newest first."""
    out: dict[int, list[Post]] = defaultdict(list)
    ids = [c.pk for c in competitors]
    rows = (CompetitorPost.objects.filter(account__competitor_id__in=ids, published_at__gte=start,
                                          published_at__lt=end).order_by("-published_at")
            .values_list("account__competitor_id", "account__network", "url", "text", "published_at", "likes",
                         "reposts", "replies", "quotes", "followers"))  # tuples: no model per post
    for owner, network, url, text, at, likes, reposts, replies, quotes, followers in rows[:20000]:
        # Every network says a post's likes unless its owner hid them (Instagram): such a
        # post's other counts alone would understate it, so it counts for none.
        interactions = likes + (reposts or 0) + (replies or 0) + (quotes or 0) if likes is not None else None
        rate = 100.0 * interactions / followers if interactions is not None and followers else None
        out[owner].append(Post(owner, network, url, text, at, interactions, rate))
    blogs = CompetitorAccount.objects.filter(competitor_id__in=ids, network=BLOG, source__isnull=False)
    by_source = {a.source_id: a.competitor_id for a in blogs}
    entries = (Entry.objects.filter(source_id__in=list(by_source), published_at__gte=start, published_at__lt=end)
               .only("source_id", "url", "title", "text", "published_at").order_by("-published_at"))
    for entry in entries[:5000]:
        owner = by_source[entry.source_id]
        out[owner].append(Post(owner, BLOG, entry.url, f"{entry.title}\n{entry.text}", entry.published_at,
                               None, None))
    for posts in out.values():
        posts.sort(key=lambda p: p.published_at, reverse=True)
    return out


def hashtags(text: str) -> list[str]:
    return [fold(tag) for tag in HASHTAG.findall(text)]


def keywords(text: str) -> dict[str, str]:
    """The words that may name a topic, by French stem (so plurals meet): stem → word."""
    found: dict[str, str] = {}
    for word in KEYWORD.findall(re.sub(r"https?://\S+|[#@]\w+", " ", text)):
        term, stem, _english = analyse_run(word)
        if term not in STOP and stem not in found:
            found[stem] = term
    return found


def figures(competitor: Competitor, posts: list[Post], start: datetime, end: datetime, zone: str) -> Figures:
    tz = zoneinfo.ZoneInfo(zone)
    shown = Figures(competitor, posts=len(posts))
    shown.per_week = round(len(posts) * 7 * 86400 / max(1.0, (end - start).total_seconds()), 1)
    shown.heatmap = [[0] * 24 for _day in range(7)]
    tags: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    forms: dict[str, str] = {}
    for post in posts:
        local = post.published_at.astimezone(tz)
        shown.heatmap[local.weekday()][local.hour] += 1
        tags.update(post.tags)
        for stem, word in post.words.items():
            topics[stem] += 1
            forms.setdefault(stem, word)
    shown.hashtags = tags.most_common(TOPICS)
    shown.topics = [(forms[s], n) for s, n in topics.most_common(TOPICS) if n > 1]
    rates = [p.rate for p in posts if p.rate is not None]
    counted = [p.interactions for p in posts if p.interactions is not None]
    if rates:
        shown.rate_mean, shown.rate_median = round(statistics.fmean(rates), 2), round(statistics.median(rates), 2)
    if counted:
        shown.interactions_mean = round(statistics.fmean(counted), 1)
    shown.best = sorted((p for p in posts if p.interactions is not None),
                        key=lambda p: p.interactions or 0, reverse=True)[:3]
    shown.networks = sorted({p.network for p in posts})
    shown.followers, shown.followers_change = _followers(competitor, start, end)
    return shown


def _followers(competitor: Competitor, start: datetime, end: datetime) -> tuple[int | None, int | None]:
    """The followers of all its accounts at the period's end, and the change since its
    start (from each account's first count when it has none from before the start)."""
    accounts = list(competitor.accounts.exclude(network=BLOG).values_list("pk", flat=True))
    rows = (CompetitorCount.objects.filter(account_id__in=accounts, day__lte=end.date(), followers__isnull=False)
            .order_by("day").values_list("account_id", "day", "followers"))
    at_end: dict[int, int] = {}
    at_start: dict[int, int] = {}
    for account_id, day, followers in rows:
        followers = followers or 0  # not null: filtered above
        at_end[account_id] = followers
        if day <= start.date() or account_id not in at_start:
            at_start[account_id] = followers
    if not at_end:
        return None, None
    return sum(at_end.values()), sum(at_end.values()) - sum(at_start.values())


@dataclass
class Gap:
    """A topic or hashtag competitors covered in the period and the brand did not."""

    label: str
    competitors: list[str]
    examples: list[Post]


def not_covered(brand_posts: list[Post], others: dict[Competitor, list[Post]], limit: int = 10) -> list[Gap]:
    """Hashtags, then topics, that competitors' posts carried and the brand's did not:
    those several competitors carried first, then those most posted about."""
    ours_tags = {t for p in brand_posts for t in p.tags}
    ours_topics = {s for p in brand_posts for s in p.words}
    found: dict[str, tuple[set[str], list[Post], int]] = {}
    for competitor, posts in others.items():
        for post in posts:
            labels = [f"#{t}" for t in post.tags if t not in ours_tags]
            labels += [w for s, w in post.words.items() if s not in ours_topics]
            for label in labels:
                names, examples, count = found.get(label, (set(), [], 0))
                names.add(competitor.name)
                if len(examples) < 2:
                    examples.append(post)
                found[label] = (names, examples, count + 1)
    tags = {label[1:] for label in found if label.startswith("#")}
    ranked = sorted(((label, *value) for label, value in found.items()
                     if (value[2] > 1 or label.startswith("#")) and fold(label) not in tags),  # "#galette" says it
                    key=lambda row: (-len(row[1]), not row[0].startswith("#"), -row[3], row[0]))
    return [Gap(label, sorted(names), examples) for label, names, examples, _n in ranked[:limit]]


@dataclass
class Board:
    """The competitors page: each column's figures, and what the brand did not cover."""

    start: datetime
    end: datetime
    columns: list[Figures]
    gaps: list[Gap]
    has_brand: bool


def board(workspace: Workspace, days: int = 7, now: datetime | None = None) -> Board:
    now = now or timezone.now()
    start = now - timedelta(days=days)
    competitors = list(Competitor.objects.filter(workspace=workspace).prefetch_related("accounts"))
    posts = posts_of(competitors, start, now)
    columns = [figures(c, posts.get(c.pk, []), start, now, workspace.timezone) for c in competitors]
    brand = next((c for c in competitors if c.is_brand), None)
    others = {c: posts.get(c.pk, []) for c in competitors if not c.is_brand}
    gaps = not_covered(posts.get(brand.pk, []) if brand else [], others)
    return Board(start, now, columns, gaps, brand is not None)


@dataclass
class Summary:
    """A competitor's figures over a period, for analytics' dashboard and the report."""

    competitor: Competitor
    posts: int
    per_week: float
    interactions_mean: float | None
    rate_mean: float | None  # % of followers, mean of the posts
    followers: int | None
    followers_change: int | None


def summaries(workspace: Workspace, start: datetime, end: datetime) -> list[Summary]:
    """Each competitor's (not the brand's column) figures over [start, end), in a few
    aggregate queries (the dashboard's budget allows no per-post work)."""
    interactions = (Coalesce("likes", 0) + Coalesce("reposts", 0) + Coalesce("replies", 0) + Coalesce("quotes", 0))
    found = CompetitorPost.objects.filter(
        account__competitor__workspace=workspace, account__competitor__is_brand=False,
        published_at__gte=start, published_at__lt=end).values("account__competitor_id").annotate(
        n=Count("pk"), mean=Avg(interactions),
        rate=Avg(Cast(interactions, FloatField()) * 100.0 / F("followers"), filter=Q(followers__gt=0)))
    rows: dict[int, dict[str, Any]] = {row["account__competitor_id"]: dict(row) for row in found}
    weeks = max(1.0, (end - start).total_seconds()) / (7 * 86400)
    out = []
    for competitor in Competitor.objects.filter(workspace=workspace, is_brand=False).prefetch_related("accounts"):
        row = rows.get(competitor.pk, {})
        followers, change = _followers(competitor, start, end)
        out.append(Summary(competitor, row.get("n", 0), round(row.get("n", 0) / weeks, 1),
                           round(row["mean"], 1) if row.get("mean") is not None else None,
                           round(row["rate"], 2) if row.get("rate") is not None else None, followers, change))
    return out


# -- for the digest and the composer ----------------------------------------------------------------

def moves(workspace: Workspace, since: datetime, now: datetime) -> list[dict[str, Any]]:
    """Per competitor, what it posted since `since` (first seen by parvis then): how many
    posts and its most engaging one, for the digest."""
    out = []
    rows = (CompetitorPost.objects.filter(account__competitor__workspace=workspace,
                                          account__competitor__is_brand=False,
                                          first_seen_at__gt=since, first_seen_at__lte=now,
                                          published_at__gt=since - timedelta(days=2))
            .select_related("account"))
    grouped: dict[int, list[CompetitorPost]] = defaultdict(list)
    for row in rows[:5000]:
        grouped[row.account.competitor_id].append(row)
    for competitor_id, posts in grouped.items():
        top = max(posts, key=lambda p: (p.interactions, p.published_at))
        out.append({"competitor": competitor_id, "posts": len(posts), "top": top.pk})
    out.sort(key=lambda m: -m["posts"])
    return out


@dataclass(frozen=True)
class SharedBy:
    competitor: str
    url: str
    at: datetime


def shared_by_competitors(workspace: Workspace, entry: Entry, limit: int = 3) -> list[SharedBy]:
    """The competitors' posts (or blog articles) that carry the article's link."""
    if not entry.url:
        return []
    key = canonical_link(entry.url)
    host_path = key.split("?", 1)[0].rstrip("/")
    if not host_path or "/" not in host_path:
        return []
    rows = (CompetitorPost.objects.filter(account__competitor__workspace=workspace,
                                          account__competitor__is_brand=False, text__icontains=host_path)
            .select_related("account__competitor").order_by("-published_at")[:limit * 5])
    found = [SharedBy(p.account.competitor.name, p.url, p.published_at) for p in rows
             if any(canonical_link(span.value) == key for span in find_links(p.text))]
    blogs = CompetitorAccount.objects.filter(competitor__workspace=workspace, competitor__is_brand=False,
                                             network=BLOG, source__isnull=False).select_related("competitor")
    by_source = {a.source_id: a.competitor.name for a in blogs}
    if by_source:
        same = Entry.objects.filter(source_id__in=list(by_source), story=entry.story).order_by("-published_at")
        for other in same[:limit]:
            found.append(SharedBy(by_source[other.source_id], other.url, other.published_at))
    return found[:limit]
