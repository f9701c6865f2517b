"""Collecting a contest's entries from the networks, and the filters that exclude some.

Invariant: one `Entry` per person and network (their stable id, never their handle,
which may change between two pages), and every action counted once, however often a
page is read. Each action is kept in `Entry.seen` under a key naming it (publication,
way, the action's own id), so that a collection resumed after a crash or a rate limit
(from `Contest.collect_cursor`, saved after each page) adds nothing twice.

A follow counts only when made between the opening and the close: one made before the
opening (or not dated) is never stored, so someone who followed the brand before the
contest is no entrant for that follow (the rules say so); one after the close is kept,
and `LATE` excludes it like any late action.

A collection is one pass over every publication of the post and every way; a pass that
started after the close is the final one: the contest is then closed and the filters
applied. A rate limit (TRANSIENT with `retry_after`) keeps the cursor and plans the
next collection (`collect_at`, claimed by `dispatch_contest_collections`).

The filters only read what is stored (and cache the follow checks on the entries), so
running them again gives the same result.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from parvis.core.due import claim_due
from parvis.core.texts import Text
from parvis.networks import registry
from parvis.networks.base import CONTEST_WAYS, ErrorKind, NetworkError, Participant
from parvis.publishing.models import Publication
from parvis.relations.contests import contest_connector, publications_of, staff_handles
from parvis.relations.models import Contest, Entry

COLLECT_EVERY = timedelta(hours=6)  # while open: the CM sees entries come in
RETRY_AFTER = timedelta(minutes=5)  # a transient failure that gave no delay
LEASE = timedelta(minutes=15)  # a collection job lost with its worker is queued again after this
MAX_PAGES = 200  # per job: a huge contest goes on in the next job, from its cursor
FOLLOW_BATCH = 100
STARTED = "_started"  # in collect_cursor: when the current pass began
MENTION = re.compile(r"(?<![\w@/])@([\w.-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")
HASHTAG = re.compile(r"(?<![\w&])#(\w+)")



@dataclass(frozen=True)
class Collected:
    """One job's work: how many actions were new, and whether the pass is over."""

    new: int
    finished: bool
    final: bool = False
    retry_at: datetime | None = None


# -- claiming (the sweep) ---------------------------------------------------------------------

def claim_due_collections(now: datetime, limit: int = 20) -> list[int]:
    due = Contest.objects.filter(status=Contest.Status.OPEN, collect_at__lte=now)
    return claim_due(due, now=now, requeue_after=LEASE, order_by=["collect_at", "pk"], limit=limit,
                     field="collect_taken_at")


def collect_claimed(contest_id: int, now: datetime | None = None) -> Collected | None:
    """The job: collect a claimed contest (None if it is no longer open)."""
    contest = Contest.objects.filter(pk=contest_id, status=Contest.Status.OPEN).select_related("workspace").first()
    if contest is None:
        return None
    return collect(contest, now or timezone.now())


# -- collecting ---------------------------------------------------------------------------------

def _key(publication: Publication, participant: Participant) -> str:
    """The action's name: a reply by its own id, and a follow too when the network gives
    one (a person who followed again is seen again); else one per person, post and way."""
    own = participant.remote_id if participant.way == "reply" or participant.remote_id else ""
    if participant.way == "reply" and not own:
        own = f"{participant.at.isoformat() if participant.at else ''}:{participant.text[:200]}"
    return f"{publication.pk}:{participant.way}:{own}" if own else f"{publication.pk}:{participant.way}"


def _merge(contest: Contest, publication: Publication, participants: Iterable[Participant], now: datetime) -> int:
    """Store one page: new people become entries, known ones gain their new actions."""
    network = publication.account.network
    by_id: dict[str, list[Participant]] = {}
    for participant in participants:
        if participant.stable_id:
            by_id.setdefault(str(participant.stable_id)[:300], []).append(participant)
    if not by_id:
        return 0
    known = {e.stable_id: e for e in Entry.objects.select_for_update().filter(
        contest=contest, network=network, stable_id__in=list(by_id))}
    new = 0
    for stable_id, actions in by_id.items():
        entry = known.get(stable_id) or Entry(contest=contest, network=network, stable_id=stable_id, seen={},
                                              ways=[], actions=0, first_at=now)
        latest = actions[-1]
        # The handle and name as last read: people rename themselves, their id stays.
        entry.handle, entry.display_name = latest.handle[:300], latest.display_name[:300]
        entry.bot = entry.bot or any(a.bot for a in actions)
        created = [a.created_at for a in actions if a.created_at is not None]
        entry.account_created_at = created[-1] if created else entry.account_created_at
        for action in actions:
            key = _key(publication, action)
            if key in entry.seen:
                continue
            entry.seen[key] = {"way": action.way, "at": action.at.isoformat() if action.at else None,
                               "text": action.text if action.way == "reply" else "",
                               "remote_id": action.remote_id, "post": publication.remote_id,
                               "account": publication.account_id}
            new += 1
        entry.actions = len(entry.seen)
        entry.ways = [way for way in CONTEST_WAYS if any(s["way"] == way for s in entry.seen.values())]
        times = [datetime.fromisoformat(s["at"]) for s in entry.seen.values() if s["at"]]
        entry.first_at = min(times) if times else (entry.first_at if entry.pk else now)
        entry.save()
    return new


def _streams(contest: Contest) -> list[tuple[str, Publication, Any, str]]:
    """(cursor key, publication, connector, way) for each publication and way read."""
    if contest.post is None:
        return []
    out = []
    for publication in publications_of(contest.post):
        connector = contest_connector(publication.account)
        if connector is None:
            continue
        offered = set(connector.contest_ways())
        out += [(f"{publication.pk}:{way}", publication, connector, way) for way in contest.ways if way in offered]
    return out


def collect(contest: Contest, now: datetime, max_pages: int = MAX_PAGES) -> Collected:
    """Read the participants from where the last collection stopped. The cursor is
    saved with each page, in the page's transaction: a crash loses at most a page that
    is read again, and counted once."""
    cursor: dict[str, Any] = dict(contest.collect_cursor or {})
    if STARTED not in cursor:
        cursor = {STARTED: now.isoformat()}
    new = pages = 0
    for key, publication, connector, way in _streams(contest):
        state = cursor.get(key) or {"cursor": None, "done": False}
        while not state["done"]:
            if pages >= max_pages:
                _save_cursor(contest, cursor, collect_at=now)
                return Collected(new, finished=False, retry_at=now)
            try:
                page = connector.participants(publication.remote_id, way, state["cursor"])
            except NetworkError as problem:
                if problem.kind != ErrorKind.TRANSIENT:
                    raise
                retry_at = now + (timedelta(seconds=problem.retry_after) if problem.retry_after else RETRY_AFTER)
                _save_cursor(contest, cursor, collect_at=retry_at)
                return Collected(new, finished=False, retry_at=retry_at)
            pages += 1
            state = {"cursor": page.cursor, "done": page.cursor is None}
            cursor[key] = state
            with transaction.atomic():
                taken = [p for p in page.participants if p.way == way and not _before_opening(contest, p)]
                new += _merge(contest, publication, taken, now)
                _save_cursor(contest, cursor)
    return _pass_done(contest, cursor, now, new)


def _before_opening(contest: Contest, participant: Participant) -> bool:
    """A follow from before the opening: the person already followed the brand, which is
    no entry. The networks date every follow; one without a date cannot be placed in
    the contest's time, so it does not count either."""
    return participant.way == "follow" and (participant.at is None or participant.at < contest.opens_at)


def _save_cursor(contest: Contest, cursor: dict[str, Any], collect_at: datetime | None = None) -> None:
    contest.collect_cursor = cursor
    fields = ["collect_cursor"]
    if collect_at is not None:
        contest.collect_at, contest.collect_taken_at = collect_at, None
        fields += ["collect_at", "collect_taken_at"]
    Contest.objects.filter(pk=contest.pk).update(**{name: getattr(contest, name) for name in fields})


def _pass_done(contest: Contest, cursor: dict[str, Any], now: datetime, new: int) -> Collected:
    """A whole pass read: the final one if it began after the close (close and filter),
    else the next one is planned."""
    final = datetime.fromisoformat(cursor[STARTED]) >= contest.closes_at
    if final:
        try:
            apply_filters(contest)
        except NetworkError as problem:  # the follow checks: their answers so far are kept
            if problem.kind != ErrorKind.TRANSIENT:
                raise
            retry = now + (timedelta(seconds=problem.retry_after) if problem.retry_after else RETRY_AFTER)
            _save_cursor(contest, cursor, collect_at=retry)
            return Collected(new, finished=False, retry_at=retry)
    contest.collected_at = now
    contest.collect_cursor = {}
    contest.collect_taken_at = None
    contest.collect_at = None if final else min(now + COLLECT_EVERY, contest.closes_at)
    fields = ["collected_at", "collect_cursor", "collect_taken_at", "collect_at"]
    if final:
        contest.status = Contest.Status.CLOSED
        fields.append("status")
    Contest.objects.filter(pk=contest.pk, status=Contest.Status.OPEN).update(
        **{name: getattr(contest, name) for name in fields})
    return Collected(new, finished=True, final=final)


# -- the filters --------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Case and accents set aside: "#Noël" and "#NOEL" are one hashtag."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _bare(handle: str) -> str:
    return fold(handle.strip().lstrip("@"))


def hashtags(text: str) -> set[str]:
    return {fold(tag) for tag in HASHTAG.findall(text)}


def mentions(text: str, network: str, brand: set[str]) -> set[str]:
    """The distinct accounts a reply mentions, the brand's aside (bare, folded)."""
    pattern = registry.get(network).mention_re if network in registry.NETWORKS else None
    found = [match.group(1) for match in (pattern or MENTION).finditer(text)]
    return {_bare(handle) for handle in found} - brand


def _brand(contest: Contest) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per network: the brand's account ids, and their handles (bare, folded)."""
    ids: dict[str, set[str]] = {}
    handles: dict[str, set[str]] = {}
    for account in contest.workspace.social_accounts.all():
        ids.setdefault(account.network, set()).add(account.remote_id)
        names = handles.setdefault(account.network, set())
        names.add(_bare(account.handle))
        names.add(_bare(account.handle).split("@")[0])  # "@brand@server" is also written "@brand"
    return ids, handles


def _on_time(contest: Contest, seen: dict[str, Any]) -> bool:
    at = seen.get("at")
    return at is None or datetime.fromisoformat(at) <= contest.closes_at


def _late(contest: Contest, entry: Entry) -> bool:
    """Every action is timed, and after the close (an untimed one may have come before)."""
    return bool(entry.seen) and not any(_on_time(contest, s) for s in entry.seen.values())


def _qualifying_reply(contest: Contest, entry: Entry, brand: set[str]
                      ) -> tuple[dict[str, Any] | None, str, Text | None]:
    """The first reply in time that meets the hashtag and mentions rules; else the
    exclusion it leads to and why (the hashtag first: a reply without it is no entry)."""
    replies = sorted((s for s in entry.seen.values() if s["way"] == "reply" and _on_time(contest, s)),
                     key=lambda s: s["at"] or "")
    wanted = fold(contest.hashtag.lstrip("#"))
    if not (wanted or contest.mentions):
        return (replies[0] if replies else None), "", None
    if not replies:
        reason = Entry.Excluded.NO_HASHTAG if wanted else Entry.Excluded.MENTIONS
        return None, reason, Text.gettext("They did not reply, and the rules ask for a reply.")
    tagged = [reply for reply in replies if not wanted or wanted in hashtags(reply["text"])]
    if not tagged:
        return None, Entry.Excluded.NO_HASHTAG, Text.gettext("No reply carries the hashtag %(hashtag)s.",
                                                             hashtag=contest.hashtag)
    best = 0
    for reply in tagged:
        count = len(mentions(reply["text"], entry.network, brand))
        if count >= contest.mentions:
            return reply, "", None
        best = max(best, count)
    return None, Entry.Excluded.MENTIONS, Text.ngettext(
        "Their reply mentions %(count)d other account; the rules ask for %(wanted)d.",
        "Their reply mentions %(count)d other accounts; the rules ask for %(wanted)d.", "count",
        count=best, wanted=contest.mentions)


def _exclusion(contest: Contest, entry: Entry, own: tuple[set[str], set[str]], staff: set[str]
               ) -> tuple[str, Text | None]:
    ids, handles = own
    handle = _bare(entry.handle)
    if entry.stable_id in ids or handle in handles:
        return Entry.Excluded.OWN_ACCOUNT, Text.gettext("%(handle)s is one of the brand's accounts.",
                                                        handle=entry.handle)
    listed = {_bare(s) for s in staff}
    # A bare "@name" on the list is someone on the brand's own server (written without it).
    local, _at, domain = handle.partition("@")
    home = {h.partition("@")[2] for h in handles if "@" in h}
    if handle in listed or _bare(entry.stable_id) in listed or (domain in home and local in listed):
        return Entry.Excluded.STAFF, Text.gettext("%(handle)s is on the staff list.", handle=entry.handle)
    if contest.exclude_bots and entry.bot:
        return Entry.Excluded.BOT, Text.gettext("The network marks %(handle)s as an automated account.",
                                                handle=entry.handle)
    if contest.exclude_new_accounts and entry.account_created_at and entry.account_created_at > contest.opens_at:
        return Entry.Excluded.NEW_ACCOUNT, Text.gettext("Account created on %(created)s, after the opening.",
                                                        created=entry.account_created_at)
    if _late(contest, entry):
        return Entry.Excluded.LATE, Text.gettext("Took part on %(at)s, after the close.", at=entry.first_at)
    return "", None


def apply_filters(contest: Contest) -> int:
    """Decide each entry's exclusion, with its reason and a detail; how many remain.
    The follow rule is checked last, with the network, for the entries still in."""
    own = _brand(contest)
    staff = staff_handles(contest)
    entries = list(contest.entries.all())
    to_follow: list[Entry] = []
    for entry in entries:
        reason, detail = _exclusion(contest, entry, (own[0].get(entry.network, set()),
                                                     own[1].get(entry.network, set())), staff)
        reply, text_reason, why = _qualifying_reply(contest, entry, own[1].get(entry.network, set()))
        entry.text = reply["text"] if reply else ""
        entry.reply_remote_id = reply["remote_id"] if reply else ""
        if not reason and text_reason:
            reason, detail = text_reason, why
        if not reason and contest.must_follow and entry.follows is None:
            to_follow.append(entry)
        entry.excluded, entry.excluded_detail = reason, detail.as_json() if detail else None
    try:
        _check_follows(contest, to_follow)
    finally:
        for entry in entries:
            if not entry.excluded and contest.must_follow and entry.follows is False:
                entry.excluded = Entry.Excluded.NOT_FOLLOWING
                entry.excluded_detail = Text.gettext("%(handle)s does not follow the account.",
                                                     handle=entry.handle).as_json()
        Entry.objects.bulk_update(entries, ["text", "reply_remote_id", "excluded", "excluded_detail", "follows"])
    return sum(1 for e in entries if not e.excluded)


def _check_follows(contest: Contest, entries: list[Entry]) -> None:
    """Ask each network, in batches, whether the entrants follow one of the brand's
    accounts there (the post's). Answers are kept as they come: a rate limit half-way
    loses none of them."""
    if not entries or contest.post is None:
        return
    connectors: dict[str, list[Any]] = {}
    for publication in publications_of(contest.post):
        connector = contest_connector(publication.account)
        if connector is not None:
            connectors.setdefault(publication.account.network, []).append(connector)
    for network, accounts in connectors.items():
        waiting = [e for e in entries if e.network == network]
        for start in range(0, len(waiting), FOLLOW_BATCH):
            batch = waiting[start:start + FOLLOW_BATCH]
            answers = [connector.followers_among([e.stable_id for e in batch]) for connector in accounts]
            for entry in batch:
                entry.follows = any(bool(answer.get(entry.stable_id)) for answer in answers)
            Entry.objects.bulk_update(batch, ["follows"])


def exclusion_detail(entry: Entry) -> str:
    """Why the entry is out, in the reader's language ("" when it is in)."""
    return Text.from_json(entry.excluded_detail).render() if entry.excluded_detail else ""
