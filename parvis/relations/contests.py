"""Contests on the brand's posts, from the form to the verifiable draw.

A contest is prepared as a draft (every field checked, the one at fault named), then
opened: the seed S of parvis-draw-v1 is drawn and kept encrypted, its commitment C goes
into the rules, and from then on nothing a participant relies on can change (the rules,
the close, the number of winners and alternates, the public value rule, the entry
conditions): an edit of one of them is refused naming it. Entries are collected by
`contest_entries`, the draw is `draw` below (the algorithm is `draw.py`'s, never redone
here), and the winners' side is `contest_winners`.

The draw sorts nothing itself: the eligible entrants' ids go to `draw.make_proof` in
whatever order the database gives them, and draw.py canonicalises them, so that SQLite
and PostgreSQL (whose collations differ) draw the same winners.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.audit import record
from parvis.accounts.links import absolute_url
from parvis.accounts.models import User, Workspace
from parvis.core.sweeps import Pace
from parvis.core.texts import Text
from parvis.networks import registry
from parvis.networks.base import CONTEST_WAYS
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Post, Publication, State
from parvis.publishing.types import FieldError
from parvis.relations import draw as parvis_draw
from parvis.relations.models import Contest, Entry, Winner

WAYS = CONTEST_WAYS  # "follow": following the post's account between the opening and the close
LANGUAGES = ("fr", "en")
MAX_WINNERS, MAX_ALTERNATES, MAX_MENTIONS = 100, 100, 10
ANSWER_DAYS = (1, 60)
MAX_STAFF = 500  # handles in the staff list
# A hashtag as people write it: letters, digits and "_" (accented letters too), not only
# digits; the "#" is optional when typed.
HASHTAG = re.compile(r"#?(?=\w*[^\W\d_])\w{1,99}")
HANDLE = re.compile(r"@?[^\s@]+(@[^\s@]+)?")
PROOF_URL_NAME = "contest_proof"  # the public proof page (web), by `proof_token`

TEXT_FIELDS = {"name": 200, "prize": 500, "organiser": 500, "public_value_rule": 300, "rules_text": 50_000}
# What a participant relies on: fixed once the contest is open (C is published with them).
FROZEN = ("post", "prize", "prize_value", "organiser", "language", "opens_at", "closes_at", "winners",
          "alternates", "public_value_rule", "ways", "must_follow", "hashtag", "mentions", "exclude_new_accounts",
          "exclude_bots", "staff", "answer_days", "rules_text")
FLAGS = ("must_follow", "exclude_new_accounts", "exclude_bots")


class ContestError(ValueError):
    """What cannot be done, each problem naming its field (as the web and the API answer)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @property
    def fields(self) -> list[str]:
        return [e.field for e in self.errors]

    @classmethod
    def one(cls, field: str, message: str, code: str = "invalid") -> ContestError:
        return cls([FieldError(field, message, code)])


# -- reading the form's values ----------------------------------------------------------------

def normalise_staff(text: str) -> str:
    """The staff list, one handle per line: "@" in front, lower case, blank lines and
    repeats dropped (ContestError naming `staff` for a line that is no handle)."""
    handles: list[str] = []
    for line in str(text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if not HANDLE.fullmatch(line) or len(line) > 300:
            raise ContestError.one("staff", _("“%(line)s” is not a handle: write one handle per line, such as "
                                              "@name.") % {"line": line[:80]})
        handle = "@" + line.lstrip("@").casefold()
        if handle not in handles:
            handles.append(handle)
    if len(handles) > MAX_STAFF:
        raise ContestError.one("staff", _("At most %(max)d staff handles.") % {"max": MAX_STAFF})
    return "\n".join(handles)


def staff_handles(contest: Contest) -> set[str]:
    return {line for line in contest.staff.splitlines() if line}


def _whole(values: Mapping[str, Any], field: str, low: int, high: int, errors: list[FieldError]) -> int | None:
    value = values[field]
    try:
        number = int(value) if not isinstance(value, bool) and str(value).strip().lstrip("-").isdigit() else None
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors.append(FieldError(field, _("Enter a whole number from %(low)d to %(high)d.")
                                 % {"low": low, "high": high}, "range"))
        return None
    return number


def _when(values: Mapping[str, Any], field: str, errors: list[FieldError]) -> datetime | None:
    value = values[field]
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        errors.append(FieldError(field, _("Enter a date and time."), "invalid"))
        return None
    return value


def _ways(value: Any, errors: list[FieldError]) -> list[str]:
    chosen = [value] if isinstance(value, str) else list(value or [])
    if not chosen:
        errors.append(FieldError("ways", _("Choose at least one way to enter."), "required"))
    elif any(way not in WAYS for way in chosen):
        errors.append(FieldError("ways", _("Choose among reply, repost, like and follow."), "invalid"))
    return [way for way in WAYS if way in chosen]  # in one order, whatever the form's


def _hashtag(value: Any, errors: list[FieldError]) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    if not HASHTAG.fullmatch(text):
        errors.append(FieldError("hashtag", _("A hashtag is # followed by letters, digits or _, without spaces, "
                                              "such as #GrandJeu."), "invalid"))
        return text
    return "#" + text.lstrip("#")


def _money(value: Any, errors: list[FieldError]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        errors.append(FieldError("prize_value", _("Enter an amount in euros, such as 49.90."), "invalid"))
        return None
    return amount.quantize(Decimal("0.01"))


# -- the post and its accounts ------------------------------------------------------------------

def contest_connector(account: SocialAccount) -> Any | None:
    """The account's connector when its network takes part in contests (a
    ContestConnector: `parvis.networks.base`), else None. Asked of the connector, never
    decided by the network's name."""
    connector = registry.connector_for(account)
    wanted = ("contest_ways", "participants", "followers_among", "send_direct")
    return connector if all(callable(getattr(connector, name, None)) for name in wanted) else None


def publications_of(post: Post) -> list[Publication]:
    """The post's publications that are on the network (published, with their id)."""
    return list(post.publications.filter(state=State.PUBLISHED).exclude(remote_id="")
                .select_related("account").order_by("pk"))


def _check_post(workspace: Workspace, post: Post | None, ways: list[str], mentions: int | None,
                errors: list[FieldError]) -> None:
    if post is None or post.workspace_id != workspace.pk:
        errors.append(FieldError("post", _("Choose one of this workspace's posts."), "invalid"))
        return
    offering = []
    for publication in publications_of(post):
        connector = contest_connector(publication.account)
        if connector is not None and set(ways) <= set(connector.contest_ways()):
            offering.append(publication)
    if not offering:
        errors.append(FieldError("post", _("The post must be published on at least one account whose network lets "
                                           "parvis read these ways of entering."), "no_network"))
    for publication in publications_of(post):
        info = registry.get(publication.account.network)
        if not info.contests_forbid_shares_and_tags:
            continue
        if "repost" in ways:
            errors.append(FieldError("ways", _("%(network)s forbids asking people to share a post to enter a "
                                               "contest.") % {"network": info.label}, "network_rules"))
        if mentions:
            errors.append(FieldError("mentions", _("%(network)s forbids asking people to tag friends to enter a "
                                                   "contest.") % {"network": info.label}, "network_rules"))


# -- saving -------------------------------------------------------------------------------------

def _defaults(contest: Contest | None) -> dict[str, Any]:
    current = contest or Contest()
    return {name: getattr(current, name) for name in (*TEXT_FIELDS, *FROZEN, *FLAGS)
            if name != "post"} | {"post": current.post if contest is not None else None}


def _cleaned(workspace: Workspace, values: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    for name, longest in TEXT_FIELDS.items():
        # The rules are a document: kept as written (a change of one space is a change).
        out[name] = str(values[name] or "") if name == "rules_text" else str(values[name] or "").strip()
        if len(out[name]) > longest:
            errors.append(FieldError(name, _("At most %(max)d characters.") % {"max": longest}, "too_long"))
    for name in ("name", "prize", "organiser"):
        if not out[name]:
            errors.append(FieldError(name, _("This field is required."), "required"))
    out["prize_value"] = _money(values["prize_value"], errors)
    out["language"] = str(values["language"] or "")
    if out["language"] not in LANGUAGES:
        errors.append(FieldError("language", _("Choose French or English."), "invalid"))
    out["opens_at"], out["closes_at"] = _when(values, "opens_at", errors), _when(values, "closes_at", errors)
    if out["opens_at"] and out["closes_at"] and out["closes_at"] <= out["opens_at"]:
        errors.append(FieldError("closes_at", _("The close must come after the opening."), "order"))
    out["winners"] = _whole(values, "winners", 1, MAX_WINNERS, errors)
    out["alternates"] = _whole(values, "alternates", 0, MAX_ALTERNATES, errors)
    out["mentions"] = _whole(values, "mentions", 0, MAX_MENTIONS, errors)
    out["answer_days"] = _whole(values, "answer_days", *ANSWER_DAYS, errors)
    out["ways"] = _ways(values["ways"], errors)
    out["hashtag"] = _hashtag(values["hashtag"], errors)
    for flag in FLAGS:
        out[flag] = bool(values[flag])
    try:
        out["staff"] = normalise_staff(values["staff"])
    except ContestError as problem:
        errors += problem.errors
    post = values["post"]
    if post is not None and not isinstance(post, Post):
        post = Post.objects.filter(pk=int(post) if str(post).isdigit() else 0).first()
    out["post"] = post
    if out["ways"]:
        _check_post(workspace, post, out["ways"], out["mentions"], errors)
    return out, errors


@transaction.atomic
def save_contest(workspace: Workspace, by: User | None, values: Mapping[str, Any],
                 contest: Contest | None = None) -> Contest:
    """Create a contest (`contest` None) or change one; only the fields in `values`
    change. Every field is checked before anything is written; ContestError names each
    field at fault. Once open, a change to what participants rely on is refused."""
    if contest is not None:
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        if contest.workspace_id != workspace.pk:
            raise ContestError.one("contest", _("Unknown contest."), "not_found")
    known = set(TEXT_FIELDS) | set(FROZEN) | set(FLAGS)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ContestError([FieldError(name, _("Unknown field."), "unknown") for name in unknown])
    merged = _defaults(contest) | dict(values)
    cleaned, errors = _cleaned(workspace, merged)
    if contest is not None and contest.status != Contest.Status.DRAFT:
        errors += [FieldError(name, _("The contest is open: this can no longer change."), "frozen")
                   for name in FROZEN if name in values and cleaned[name] != getattr(contest, name)]
    if errors:
        raise ContestError(errors)
    creating = contest is None
    if contest is None:
        contest = Contest(workspace=workspace, created_by=by, proof_token=secrets.token_hex(16))
    for name, value in cleaned.items():
        setattr(contest, name, value)
    if not contest.rules_text:
        from parvis.relations.contest_rules import draft_rules

        contest.rules_text = draft_rules(contest)
    contest.save()
    record(workspace, "contest.created" if creating else "contest.edited", actor=by, target=contest,
           summary=contest.name[:80])
    return contest


# -- opening ------------------------------------------------------------------------------------

@transaction.atomic
def open_contest(contest: Contest, now: datetime, by: User | None) -> Contest:
    """Draw S, keep it encrypted, put its commitment C in the rules: from now on the
    rules and the conditions are fixed, and entries are collected from `opens_at`."""
    from parvis.relations.contest_rules import with_commitment

    locked = Contest.objects.select_for_update().get(pk=contest.pk)
    if locked.status != Contest.Status.DRAFT:
        raise ContestError.one("status", _("This contest is already open."), "state")
    if locked.closes_at <= now:
        raise ContestError.one("closes_at", _("The close is already past."), "past")
    if locked.post is None:
        raise ContestError.one("post", _("Choose one of this workspace's posts."), "required")
    _cleaned_values, errors = _cleaned(locked.workspace, _defaults(locked))  # the post and its networks, as of now
    if errors:
        raise ContestError(errors)
    seed = parvis_draw.new_seed()
    locked.seed = {"hex": seed.hex()}
    locked.commitment = parvis_draw.commitment(seed)
    locked.committed_at = now
    locked.rules_text = with_commitment(locked)
    locked.status = Contest.Status.OPEN
    locked.collect_at = max(now, locked.opens_at)
    locked.collect_cursor = {}
    locked.save()
    record(locked.workspace, "contest.opened", actor=by, target=locked, summary=locked.commitment)
    contest.refresh_from_db()
    return contest


# -- the draw -----------------------------------------------------------------------------------

def eligible(contest: Contest) -> list[Entry]:
    return list(contest.entries.filter(excluded=""))


@transaction.atomic
def draw(contest: Contest, public_value: str, by: User | None, now: datetime | None = None) -> Contest:
    """Draw the winners then the alternates with parvis-draw-v1 from the eligible
    entries, keep the proof, and make the picks in their order (the first `winners`
    DRAWN, the next `alternates` ALTERNATE)."""
    locked = Contest.objects.select_for_update().get(pk=contest.pk)
    if locked.status == Contest.Status.DRAWN:
        raise ContestError.one("status", _("This contest was already drawn."), "state")
    if locked.status != Contest.Status.CLOSED:
        raise ContestError.one("status", _("The draw comes after the close and its last collection of entries."),
                               "state")
    public_value = str(public_value or "").strip()
    if locked.public_value_rule and not public_value:
        raise ContestError.one("public_value", _("The rules announced a public value: enter it (%(rule)s).")
                               % {"rule": locked.public_value_rule}, "required")
    if len(public_value) > 300:
        raise ContestError.one("public_value", _("At most %(max)d characters.") % {"max": 300}, "too_long")
    entries = eligible(locked)
    if not entries:
        raise ContestError.one("entries", _("No eligible entry to draw from."), "empty")
    try:
        proof = parvis_draw.make_proof(bytes.fromhex(locked.seed["hex"]), [e.draw_id for e in entries],
                                       public_value, locked.winners, locked.alternates, locked.closes_at,
                                       locked.rules_text)
    except parvis_draw.DrawError as problem:
        raise ContestError.one(problem.field, str(problem), problem.code) from None
    by_id: dict[str, Entry] = {}
    for entry in entries:
        by_id.setdefault(parvis_draw.canonical_id(entry.draw_id), entry)
    Winner.objects.bulk_create([
        Winner(contest=locked, entry=by_id[picked], rank=rank,
               status=Winner.Status.DRAWN if rank < locked.winners else Winner.Status.ALTERNATE)
        for rank, picked in enumerate(proof.picks)])
    locked.proof = json.loads(proof.to_json())
    locked.public_value = public_value
    locked.drawn_at = now or timezone.now()
    locked.status = Contest.Status.DRAWN
    locked.save(update_fields=["proof", "public_value", "drawn_at", "status"])
    record(locked.workspace, "contest.drawn", actor=by, target=locked,
           summary=Text.ngettext("Drawn among %(count)d entry", "Drawn among %(count)d entries", "count",
                                 count=len(proof.entries)))
    contest.refresh_from_db()
    return contest


def proof_url(contest: Contest) -> str:
    """The public proof page's address (it is in the rules before the contest opens)."""
    try:
        path = reverse(PROOF_URL_NAME, kwargs={"token": contest.proof_token})
    except NoReverseMatch:  # the page is the web app's; the address is the same
        path = f"/contests/{contest.proof_token}/proof/"
    return absolute_url(path)


def public_proof(contest: Contest) -> dict[str, Any]:
    """What the proof page shows and lets anyone download: before the draw, what was
    committed to (C, the close, n, m, the rules, the public value rule); after it, the
    whole proof `draw.verify` checks. Entrants appear by their network ids only, never
    by handle or name."""
    if contest.proof:
        return {**contest.proof, "public_value_rule": contest.public_value_rule}
    return {"algorithm": parvis_draw.ALGORITHM, "commitment": contest.commitment,
            "closes_at": contest.closes_at.isoformat(), "winner_count": contest.winners,
            "alternate_count": contest.alternates, "rules": contest.rules_text,
            "public_value_rule": contest.public_value_rule}


# -- forgetting the entrants -----------------------------------------------------------------

# What the rules promise: entrants' data is deleted within six months of the draw. The
# entry row stays with its pseudonymous network id, which the public proof holds.
KEEP_ENTRANTS = timedelta(days=183)
FORGOTTEN: dict[str, Any] = {"handle": "", "display_name": "", "text": "", "reply_remote_id": "", "seen": {},
                             "excluded_detail": None, "account_created_at": None}
_forgetting = Pace(3600.0)


def forget_entrants(now: datetime) -> int:
    """Once an hour: the entrants of contests drawn more than six months ago keep only
    their network id (the proof's), their handles, names and replies are forgotten."""
    if not _forgetting.take():
        return 0
    old = Entry.objects.filter(contest__drawn_at__lt=now - KEEP_ENTRANTS).exclude(
        handle="", display_name="", text="", seen={})
    return old.update(**FORGOTTEN)
