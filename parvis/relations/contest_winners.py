"""After the draw: announcing the winners, telling each one, and replacing the silent.

A winner is told by private message when their network lets the brand write to them
(`send_direct`); otherwise publicly, by a reply to their entry or a post mentioning
them. A public message is an ordinary post of the workspace (`parvis.publishing`), so a
workspace that requires approval approves it like any other before it goes out.

`replace_silent_winners` (a sweep) marks NO_ANSWER a winner whose time to answer ran
out and promotes the next alternate in the draw's order, told in turn; when none is
left, the workspace's owners are told. Each step is a conditional UPDATE on the pick's
status: two dispatchers, or a crash and a rerun, never promote twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from parvis.accounts.actions import notify, owners_of
from parvis.accounts.models import User
from parvis.core.texts import Text
from parvis.networks import registry
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import save_post
from parvis.publishing.approval import submit_for_review
from parvis.publishing.models import EditorialSettings, Post, Publication
from parvis.publishing.types import PostInput
from parvis.relations.contests import ContestError, contest_connector, proof_url, publications_of
from parvis.relations.models import Contest, Winner

SWEEP_BATCH = 50
WINNING = (Winner.Status.DRAWN, Winner.Status.CONTACTED, Winner.Status.CONFIRMED)


def _shown(network: str, handle: str) -> str:
    return registry.get(network).shown_handle(handle) if network in registry.NETWORKS else handle


def _accounts(contest: Contest) -> list[SocialAccount]:
    if contest.post is None:
        return []
    return list({p.account_id: p.account for p in publications_of(contest.post)}.values())


# -- the announcement ---------------------------------------------------------------------------

def _announcement(contest: Contest, handles: list[str]) -> str:
    with override(contest.language):
        names = ", ".join(handles)
        if not names:
            return _("Thank you all for taking part in “%(contest)s”! The draw can be checked: %(url)s") % {
                "contest": contest.name, "url": proof_url(contest)}
        return _("Congratulations to %(winners)s, who won “%(contest)s”! Thank you all for taking part. "
                 "The draw can be checked: %(url)s") % {"winners": names, "contest": contest.name,
                                                        "url": proof_url(contest)}


def announce_draft(contest: Contest, by: User) -> Post:
    """A draft post congratulating the winners by handle, on the contest post's accounts;
    each network's version names its own winners (a handle means nothing elsewhere)."""
    if contest.status != Contest.Status.DRAWN:
        raise ContestError.one("status", _("Announce the winners once the contest is drawn."), "state")
    winners = list(contest.picks.filter(status__in=WINNING).select_related("entry"))
    accounts = _accounts(contest)
    everyone = [_shown(w.entry.network, w.entry.handle) for w in winners]
    variants = {}
    for network in {a.network for a in accounts}:
        own = [_shown(w.entry.network, w.entry.handle) for w in winners if w.entry.network == network]
        if own != everyone:
            variants[network] = _announcement(contest, own)
    data = PostInput(text=_announcement(contest, everyone), accounts=accounts, mode="draft", variants=variants,
                     language=contest.language)
    return save_post(contest.workspace, by, data)


# -- telling the winners ------------------------------------------------------------------------

def _message(winner: Winner, public: bool) -> str:
    contest, entry = winner.contest, winner.entry
    assert winner.answer_by is not None
    with override(contest.language):
        deadline = timezone.localtime(winner.answer_by, contest.workspace.tz).strftime("%d/%m/%Y %H:%M")
        if public:
            return _("%(handle)s, you won “%(contest)s”! Write to us in a private message by %(deadline)s to "
                     "receive your prize.") % {"handle": _shown(entry.network, entry.handle),
                                               "contest": contest.name, "deadline": deadline}
        return _("Hello %(handle)s, you won “%(contest)s” (%(prize)s)! Answer this message by %(deadline)s to "
                 "receive your prize; without an answer, it goes to the next person drawn.") % {
            "handle": _shown(entry.network, entry.handle), "contest": contest.name, "prize": contest.prize,
            "deadline": deadline}


def _public(winner: Winner, account: SocialAccount, by: User | None, now: datetime) -> tuple[str, Post]:
    """A reply to their entry (or a post mentioning them), through publishing: scheduled
    now, and sent for review first when the workspace requires approval."""
    contest, entry = winner.contest, winner.entry
    seen = next((s for s in entry.seen.values() if s.get("remote_id") == entry.reply_remote_id
                 and s.get("account") == account.pk), None) if entry.reply_remote_id else None
    text = _message(winner, public=True)
    author = by or contest.created_by
    post = save_post(contest.workspace, author, PostInput(  # type: ignore[arg-type]
        text=text, accounts=[account], mode="schedule", scheduled_at=max(now, timezone.now()),
        language=contest.language, timezone_name=contest.workspace.timezone))
    if seen is not None:
        target: dict[str, object] = {"remote_id": entry.reply_remote_id,
                                     "root_id": seen.get("post") or entry.reply_remote_id, "extra": {}}
        Publication.objects.filter(post=post, account=account).update(reply_to=target)
    if EditorialSettings.of(contest.workspace).requires_approval and author is not None:
        submit_for_review(post, author)
    return ("reply" if seen is not None else "mention"), post


def contact(winner: Winner, now: datetime, by: User | None) -> bool:
    """Tell one winner; False when the network could not be reached (tried again later)."""
    contest, entry = winner.contest, winner.entry
    accounts = [a for a in _accounts(contest) if a.network == entry.network]
    if not accounts:
        return False
    winner.answer_by = now + timedelta(days=contest.answer_days)
    via, post = "", None
    for account in accounts:
        connector: Any = contest_connector(account)
        if connector is None:
            continue
        try:
            sent = connector.send_direct(entry.stable_id, entry.handle, _message(winner, public=False))
        except NetworkError as problem:
            if problem.kind == ErrorKind.TRANSIENT:
                return False
            sent = None  # refused for good: a public message instead
        if sent is not None:
            via = "direct"
            break
    if not via:
        reply_account = next((a for a in accounts if any(
            s.get("account") == a.pk and s.get("remote_id") == entry.reply_remote_id for s in entry.seen.values())),
            accounts[0])
        via, post = _public(winner, reply_account, by, now)
    with transaction.atomic():
        done = Winner.objects.filter(pk=winner.pk, status=Winner.Status.DRAWN, contacted_at__isnull=True).update(
            status=Winner.Status.CONTACTED, contacted_at=now, answer_by=winner.answer_by, contacted_via=via,
            contact_post=post)
    if done:
        winner.status, winner.contacted_at, winner.contacted_via, winner.contact_post = (
            Winner.Status.CONTACTED, now, via, post)
    return bool(done)


def contact_winners(contest: Contest, now: datetime, by: User | None) -> int:
    """Tell every winner not told yet; how many were."""
    if contest.status != Contest.Status.DRAWN:
        raise ContestError.one("status", _("Contact the winners once the contest is drawn."), "state")
    todo = contest.picks.filter(status=Winner.Status.DRAWN, contacted_at__isnull=True).select_related(
        "entry", "contest", "contest__workspace")
    return sum(1 for winner in todo if contact(winner, now, by))


def mark_answered(winner: Winner, now: datetime | None = None) -> bool:
    """The winner answered in time: confirmed, and no longer replaced."""
    now = now or timezone.now()
    done = Winner.objects.filter(pk=winner.pk, status__in=(Winner.Status.DRAWN, Winner.Status.CONTACTED)).update(
        status=Winner.Status.CONFIRMED, answered_at=now)
    if done:
        winner.status, winner.answered_at = Winner.Status.CONFIRMED, now
    return bool(done)


# -- replacing the silent (a sweep) -------------------------------------------------------------

def replace_silent_winners(now: datetime) -> int:
    """Winners whose time ran out: NO_ANSWER, each replaced by the next alternate in the
    draw's order (told at once); the owners are told when no alternate is left."""
    silent = list(Winner.objects.filter(status=Winner.Status.CONTACTED, answer_by__lt=now)
                  .order_by("answer_by", "pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    replaced = sum(1 for pk in silent if _replace(pk, now))
    # An alternate promoted whose network could not be reached then: told now.
    untold = (Winner.objects.filter(status=Winner.Status.DRAWN, replaces__isnull=False, contacted_at__isnull=True)
              .select_related("entry", "contest", "contest__workspace").order_by("pk")[:SWEEP_BATCH])
    return replaced + sum(1 for winner in untold if contact(winner, now, None))


def _replace(pk: int, now: datetime) -> bool:
    with transaction.atomic():
        if not Winner.objects.filter(pk=pk, status=Winner.Status.CONTACTED, answer_by__lt=now).update(
                status=Winner.Status.NO_ANSWER):
            return False  # answered meanwhile, or another dispatcher took it
        silent = Winner.objects.select_related("contest", "contest__workspace", "entry").get(pk=pk)
        contest = Contest.objects.select_for_update().get(pk=silent.contest_id)
        following = (contest.picks.filter(status=Winner.Status.ALTERNATE).order_by("rank")
                     .select_related("entry", "contest", "contest__workspace").first())
        if following is not None:
            Winner.objects.filter(pk=following.pk).update(status=Winner.Status.DRAWN, replaces=silent)
            following.status, following.replaces = Winner.Status.DRAWN, silent
    if following is None:
        _tell_no_alternate(contest, silent)
        return True
    contact(following, now, None)  # outside the transaction: a network call; retried by contact_winners
    return True


def _tell_no_alternate(contest: Contest, silent: Winner) -> None:
    notify(owners_of(contest.workspace), contest.workspace, "contest_no_alternate",
           Text.gettext("Contest “%(contest)s”: no alternate left", contest=contest.name),
           Text.gettext("%(handle)s did not answer in time and every alternate has been called: choose what to do "
                        "with the prize.", handle=_shown(silent.entry.network, silent.entry.handle)))
