"""Posting queues, as in Buffer: each account has weekly slots ("Tue 09:00") read in the
workspace's time zone; "add to queue" gives a publication the account's next free slot.

Slots are wall-clock times: a Tue 09:00 slot is 09:00 in Paris in winter and in summer,
so its UTC instant is worked out date by date. On the night clocks go forward a slot in
the skipped hour (02:30) goes out at the first time that exists after it (03:00); on the
night they go back, an hour that happens twice is taken the first time (fold=0).

A slot is free when no publication of the account (other than a cancelled one) is due at
that very instant. Every change that moves queued publications locks the account's queue
row first, so that two people adding to the same queue cannot get the same slot.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.audit import record
from parvis.accounts.models import User
from parvis.core.texts import Text
from parvis.networks.models import SocialAccount
from parvis.publishing.models import AccountQueue, Post, Publication, QueueSlot, State
from parvis.publishing.validation import FieldError, PostValidationError

# Far enough for any sensible queue; stops the search if every slot is somehow taken.
SEARCH_WEEKS = 520


def queue_of(account: SocialAccount, lock: bool = False) -> AccountQueue:
    """The account's queue, created empty on first use. `lock` (inside a transaction)
    serialises everything that hands out or moves its slots."""
    queue, _created = AccountQueue.objects.get_or_create(account=account)
    if lock:
        queue = AccountQueue.objects.select_for_update().get(pk=queue.pk)
    return queue


def slots_of(account: SocialAccount) -> list[tuple[int, time]]:
    return list(QueueSlot.objects.filter(queue__account=account).values_list("weekday", "time"))


def wall_clock_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at `at` in `tz`, as a UTC instant: a time skipped by a spring-forward change
    becomes the first time that exists after it; a repeated one is taken the first time."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant
    # In the gap: fold=1 reads it with the offset after the change, fold=0 with the one
    # before; the change itself (the first valid time) lies between those two readings.
    low = int(naive.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    high = int(instant.timestamp())
    after = first.replace(fold=1).utcoffset()
    while low < high:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == after:
            high = middle
        else:
            low = middle + 1
    return datetime.fromtimestamp(low, UTC)


def slot_instants(slots: Sequence[tuple[int, time]], tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Every slot instant strictly after `after`, in order."""
    if not slots:
        return
    by_day: dict[int, list[time]] = {}
    for weekday, at in slots:
        by_day.setdefault(weekday, []).append(at)
    # Start a day early: a slot late on the previous local day can still be after `after`.
    day = after.astimezone(tz).date() - timedelta(days=1)
    for _offset in range(SEARCH_WEEKS * 7):
        for at in sorted(by_day.get(day.weekday(), [])):
            instant = wall_clock_instant(day, at, tz)
            if instant > after:
                yield instant
        day += timedelta(days=1)


def _taken(account: SocialAccount, after: datetime, ignoring: Iterable[int] = ()) -> set[datetime]:
    rows = (Publication.objects.filter(account=account, due_at__gt=after)
            .exclude(state=State.CANCELLED).exclude(pk__in=list(ignoring)))
    return {due for due in rows.values_list("due_at", flat=True) if due is not None}


def next_free_slots(account: SocialAccount, n: int = 1, after: datetime | None = None,
                    ignoring: Iterable[int] = ()) -> list[datetime]:
    """The next `n` free slot instants of the account after `after` (default: now);
    fewer (none) if it has no slots. `ignoring`: publications whose times count as free
    (the ones being moved)."""
    after = after or timezone.now()
    taken = _taken(account, after, ignoring)
    free: list[datetime] = []
    for instant in slot_instants(slots_of(account), account.workspace.tz, after):
        if len(free) >= n:
            break
        if instant not in taken:
            free.append(instant)
    return free


def set_slots(account: SocialAccount, slots: Iterable[tuple[int, time]], actor: User | None = None) -> list[QueueSlot]:
    """Replace the account's weekly slots. Publications already queued move to the new
    slots, keeping their order (what the queue promises is an order and a rhythm)."""
    wanted = sorted({(int(weekday), at.replace(second=0, microsecond=0)) for weekday, at in slots})
    if any(not 0 <= weekday <= 6 for weekday, _at in wanted):
        raise PostValidationError([FieldError("slots", _("A slot's day must be Monday to Sunday."), "invalid")])
    with transaction.atomic():
        queue = queue_of(account, lock=True)
        before = _describe(slots_of(account))
        queue.slots.all().delete()
        made = QueueSlot.objects.bulk_create(QueueSlot(queue=queue, weekday=d, time=t) for d, t in wanted)
        if wanted:
            _reflow(account, list(queued(account)))
        record(account.workspace, "queue.slots", actor=actor, target=queue,
               summary=Text.gettext("Queue slots of %(account)s changed.", account=account.shown_handle),
               before=before, after=_describe(wanted))
    return made


# "9", "9h", "9h30", "09:30", "18 h 00": how people write a time in French and English.
TIME_WRITTEN = re.compile(r"^([01]?\d|2[0-3])(?:[:h.]([0-5]\d)?)?$", re.IGNORECASE)


def parse_times(raw: str) -> list[time]:
    """The times of "09:00, 12h30 et 18h" (separated by commas, semicolons, spaces or
    "and"/"et"), or a PostValidationError on `bulk_times` naming the one not understood."""
    # "18 h 00" and "18 h" are one time each.
    joined = re.sub(r"\s*([:h.])\s*(?=\d{2}(?![\dh:.]))", r"\1", raw.strip(), flags=re.IGNORECASE)
    joined = re.sub(r"(\d)\s+h\b", r"\1h", joined, flags=re.IGNORECASE)
    parts = [p for p in re.split(r"(?:[,;/\s]|\bet\b|\band\b)+", joined, flags=re.IGNORECASE) if p]
    times = []
    for part in parts:
        found = TIME_WRITTEN.match(part)
        if found is None:
            raise PostValidationError([FieldError("bulk_times", _(
                "“%(time)s” is not a time like 09:00 or 9h30.") % {"time": part}, "invalid")])
        times.append(time(int(found.group(1)), int(found.group(2) or 0)))
    if not times:
        raise PostValidationError([FieldError("bulk_times", _("Give one or more times, like 09:00, 12:30, 18:00."),
                                              "required")])
    return sorted(set(times))


def add_slots(account: SocialAccount, weekdays: Iterable[int], times: Iterable[time],
              actor: User | None = None) -> list[QueueSlot]:
    """Several posting times at once ("weekdays at 09:00, 12:30 and 18:00"), added to the
    account's slots (those already there are kept, none is doubled)."""
    days = sorted(set(weekdays))
    if not days:
        raise PostValidationError([FieldError("bulk_days", _("Choose at least one day."), "required")])
    wanted = set(slots_of(account)) | {(d, t) for d in days for t in times}
    return set_slots(account, wanted, actor)


def week_summary(slots: Sequence[tuple[int, time]]) -> list[tuple[list[int], list[time]]]:
    """The slots as people say them: the days that share the same times, grouped
    ([Mon…Fri] at 09:00, 12:30, 18:00; [Sat] at 10:00), in the week's order."""
    by_day: dict[int, tuple[time, ...]] = {}
    for day, at in sorted(slots):
        by_day[day] = (*by_day.get(day, ()), at)
    groups: dict[tuple[time, ...], list[int]] = {}
    for day, times in sorted(by_day.items()):
        groups.setdefault(times, []).append(day)
    return sorted(((days, list(times)) for times, days in groups.items()), key=lambda group: group[0][0])


def _describe(slots: Sequence[tuple[int, time]]) -> str:
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return ", ".join(f"{names[d]} {t:%H:%M}" for d, t in sorted(slots))


def queued(account: SocialAccount) -> QuerySet[Publication]:
    """The account's queue in order: scheduled publications put there by "add to queue"."""
    return (Publication.objects.filter(account=account, in_queue=True, state=State.SCHEDULED)
            .select_related("post__workspace").prefetch_related("post__media__asset").order_by("due_at", "pk"))


def missing_slots(accounts: Sequence[SocialAccount]) -> list[FieldError]:
    """One error per account that has no slot to queue into."""
    with_slots = set(QueueSlot.objects.filter(queue__account__in=accounts).values_list("queue__account_id", flat=True))
    return [FieldError("accounts", _(
        "%(account)s has no queue slots: add posting times on its Queue page, or schedule the post.")
        % {"account": f"{a.network_label} ({a.handle})"}, "no_queue_slots") for a in accounts if a.pk not in with_slots]


def reserve_slots(accounts: Sequence[SocialAccount], post: Post | None,
                  now: datetime | None = None) -> dict[int, datetime]:
    """For `save_post` in "queue" mode: the slot each account's publication gets, by
    account id. Must run inside the saving transaction (it locks the queues). A
    publication already waiting in its queue keeps its place when the post is edited."""
    now = now or timezone.now()
    missing = missing_slots(accounts)
    if missing:
        raise PostValidationError(missing)
    chosen: dict[int, datetime] = {}
    for account in sorted(accounts, key=lambda a: a.pk):  # one lock order: no deadlock
        queue_of(account, lock=True)
        current = None
        if post is not None and post.pk is not None:
            current = Publication.objects.filter(post=post, account=account, in_queue=True,
                                                 state=State.SCHEDULED, due_at__gt=now).first()
        if current is not None and current.due_at is not None:
            chosen[account.pk] = current.due_at
            continue
        free = next_free_slots(account, 1, now)
        if not free:
            raise PostValidationError([FieldError("accounts", _(
                "The queue of %(account)s is full for the next ten years.")
                % {"account": account.handle}, "queue_full")])
        chosen[account.pk] = free[0]
    return chosen


def _move(publication: Publication, due: datetime) -> None:
    publication.due_at = publication.next_attempt_at = due
    publication.enqueued_at = None
    publication.save(update_fields=["due_at", "next_attempt_at", "enqueued_at", "updated_at"])


def _sync_posts(post_ids: Iterable[int]) -> None:
    """A post's `scheduled_at` is its earliest publication: keep it so after moves."""
    for post_id in set(post_ids):
        earliest = (Publication.objects.filter(post_id=post_id).exclude(state=State.CANCELLED)
                    .aggregate(first=Min("due_at"))["first"])
        Post.objects.filter(pk=post_id).update(scheduled_at=earliest, updated_at=timezone.now())


def _assign(publications: Sequence[Publication], times: Sequence[datetime]) -> None:
    for publication, due in zip(publications, times, strict=True):
        if publication.due_at != due:
            _move(publication, due)
    _sync_posts(p.post_id for p in publications)


def _reflow(account: SocialAccount, publications: Sequence[Publication], now: datetime | None = None) -> None:
    """Give `publications`, in this order, the next free slots after now."""
    if not publications:
        return
    times = next_free_slots(account, len(publications), now, ignoring=[p.pk for p in publications])
    if len(times) == len(publications):
        _assign(publications, times)


def move(publication: Publication, direction: str, actor: User | None = None) -> bool:
    """Swap a queued publication's time with its neighbour's ("up" is sooner). False when
    it is already first (or last), or no longer in the queue."""
    account = publication.account
    with transaction.atomic():
        queue = queue_of(account, lock=True)
        line = list(queued(account))
        index = next((i for i, p in enumerate(line) if p.pk == publication.pk), None)
        other = None if index is None else index + (-1 if direction == "up" else 1)
        if index is None or other is None or not 0 <= other < len(line) or direction not in ("up", "down"):
            return False
        first, second = line[index], line[other]
        _assign([first, second], [second.due_at, first.due_at])  # type: ignore[list-item]
        record(account.workspace, "queue.move", actor=actor, target=queue,
               summary=Text.gettext("Queued post moved up in the queue of %(account)s.", account=account.shown_handle)
               if direction == "up" else
               Text.gettext("Queued post moved down in the queue of %(account)s.", account=account.shown_handle))
    return True


def set_order(account: SocialAccount, publication_ids: Sequence[int], actor: User | None = None) -> None:
    """Put the queue in this order; the set of times stays the same. The list must name
    every queued publication once."""
    with transaction.atomic():
        queue = queue_of(account, lock=True)
        line = list(queued(account))
        by_id = {p.pk: p for p in line}
        if sorted(publication_ids) != sorted(by_id):
            raise PostValidationError([FieldError("order", _(
                "The order must list every publication of this queue once."), "invalid")])
        _assign([by_id[pk] for pk in publication_ids], [p.due_at for p in line])  # type: ignore[misc]
        record(account.workspace, "queue.reorder", actor=actor, target=queue,
               summary=Text.gettext("Queue of %(account)s reordered.", account=account.shown_handle))


def shuffle(account: SocialAccount, actor: User | None = None, rng: random.Random | None = None) -> int:
    """Deal the queued publications over the same times in a random order."""
    with transaction.atomic():
        queue = queue_of(account, lock=True)
        line = list(queued(account))
        times = [p.due_at for p in line]
        (rng or random.SystemRandom()).shuffle(line)
        _assign(line, times)  # type: ignore[arg-type]
        record(account.workspace, "queue.shuffle", actor=actor, target=queue,
               summary=Text.gettext("Queue of %(account)s shuffled.", account=account.shown_handle))
    return len(line)


def set_paused(account: SocialAccount, paused: bool, actor: User | None = None,
               now: datetime | None = None) -> int:
    """Pause or resume the queue. While paused the engine holds its publications back
    (`engine.released_filter`). On resume, those whose slot went by during the pause take
    the next free slots, in their order, instead of all going out at once. Returns how
    many were moved."""
    now = now or timezone.now()
    with transaction.atomic():
        queue = queue_of(account, lock=True)
        if queue.paused == paused:
            return 0
        queue.paused = paused
        queue.save(update_fields=["paused"])
        missed = [] if paused else list(queued(account).filter(due_at__lte=now))
        _reflow(account, missed, now)
        record(account.workspace, "queue.pause" if paused else "queue.resume", actor=actor, target=queue,
               summary=Text.gettext("Queue of %(account)s paused.", account=account.shown_handle) if paused
               else Text.gettext("Queue of %(account)s resumed.", account=account.shown_handle))
    return len(missed)
