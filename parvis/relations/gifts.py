"""The gifts ledger: what each brand gave each person (invitations, parcels, fees, other
benefits), the yearly totals the influencer law counts, and the advertising mention it
asks of their posts.

The law (loi n° 2023-451 du 9 juin 2023, art. 8, as amended by ordonnance n° 2024-978):
the contract between an influencer and an advertiser must be written, on pain of being
void, once "la somme des rémunérations versées et de la valeur des avantages en nature
accordés à un influenceur par un annonceur au cours de la même année […] poursuivant un
même objectif promotionnel est supérieure ou égale à" 1 000 € HT (décret n° 2025-1137 du
28 novembre 2025, JORF 29 novembre 2025, in force since 1 January 2026). So:

* a total is per person × brand (the workspace stands for the advertiser) × calendar
  year, and reaching the threshold exactly is enough (≥). One brand's campaigns are not
  told apart: the total may be larger than one "objectif promotionnel" counts, so the
  warning comes early rather than late;
* the threshold is the organisation's setting (`RelationsSettings.contract_threshold`,
  1 000.00 by default), since decrees change it; values are entered excluding VAT (HT),
  in euros;
* invitations and parcels add their own rows (linked: they follow their source and are
  changed there); fees and other benefits are entered here.

The mention (art. 5 of the same law): the commercial intent "peut être explicitement
indiquée par le recours aux mentions « publicité » ou « collaboration commerciale » ou par
une mention équivalente adaptée…". parvis recognises the two named mentions only, in any
case and with or without accents, as words or as hashtags (#Publicité,
#CollaborationCommerciale); "collab commerciale", "#pub", "#ad", "sponsorisé" are not
recognised: whether an equivalent mention is enough is for a person to judge, so such a
post is flagged MISSING for someone to look at. A negated mention ("ceci n'est pas une
publicité") does not count. Only the post's text is read: a mention shown on the image or
in the video itself is not seen.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from parvis.accounts.models import Organisation, Workspace
from parvis.core.texts import Text, WordedError
from parvis.networks.text import URL_RE
from parvis.relations.models import Contact, Gift, Mention, Parcel, RelationsSettings

DEFAULT_THRESHOLD = Decimal("1000.00")
MOST_VALUE = Decimal("1000000")  # values are below a million euros (a typo otherwise)
CENT = Decimal("0.01")
ENTERED_KINDS = (Gift.Kind.FEE.value, Gift.Kind.OTHER.value)  # the others come from their parcel or invitation
DESCRIPTION_LENGTH = 300
OLDEST_YEARS = 10  # a date further back is a typo
GIFT_FIELDS = ("kind", "description", "value", "given_on")


@dataclass(frozen=True)
class Problem:
    field: str
    message: Text

    def __str__(self) -> str:
        return self.message.render()


class InputError(WordedError, ValueError):
    """Bad input: every problem found, each naming its field; the first is the message."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems

    @property
    def field(self) -> str:
        return self.problems[0].field

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for problem in self.problems:
            out.setdefault(problem.field, []).append(str(problem))
        return out


class GiftError(InputError):
    pass


# -- checking what people type -------------------------------------------------------------

def money(raw: Any, name: str, problems: list[Problem]) -> Decimal | None:
    """An amount in euros, 0 to 999 999.99, with at most two decimals ("12,50" is read
    as people write it in French)."""
    if isinstance(raw, str):
        raw = raw.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    if isinstance(raw, bool) or raw is None or raw == "":
        problems.append(Problem(name, Text.gettext("Enter an amount in euros.")))
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        problems.append(Problem(name, Text.gettext("Enter an amount in euros, such as 49.90.")))
        return None
    if not value.is_finite() or value < 0 or value >= MOST_VALUE:
        problems.append(Problem(name, Text.gettext("Enter an amount from 0 to 999,999.99 euros.")))
        return None
    if value != value.quantize(CENT):
        problems.append(Problem(name, Text.gettext("Enter the amount to the cent (two decimals at most).")))
        return None
    return value.quantize(CENT)


def day(raw: Any, name: str, today: date, problems: list[Problem], *, ahead: int) -> date | None:
    """A date from 1 January ten years ago up to `ahead` days from today."""
    if isinstance(raw, str):
        try:
            raw = date.fromisoformat(raw.strip())
        except ValueError:
            problems.append(Problem(name, Text.gettext("Enter a date, such as 2026-11-24.")))
            return None
    if isinstance(raw, datetime) or not isinstance(raw, date):
        problems.append(Problem(name, Text.gettext("Enter a date, such as 2026-11-24.")))
        return None
    if raw < date(today.year - OLDEST_YEARS, 1, 1):
        problems.append(Problem(name, Text.gettext("This date is more than ten years ago: check the year.")))
        return None
    if raw > today + timedelta(days=ahead):
        problems.append(Problem(name, Text.gettext("This date is too far in the future: check the year.")))
        return None
    return raw


def text(raw: Any, name: str, limit: int, problems: list[Problem], *, required: bool) -> str:
    """One line of text, controls removed; a required one may not be blank."""
    value = " ".join(unicodedata.normalize("NFC", raw).split()) if isinstance(raw, str) else ""
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc")
    if required and not value:
        problems.append(Problem(name, Text.gettext("This field is required.")))
    elif len(value) > limit:
        problems.append(Problem(name, Text.gettext("At most %(limit)s characters.", limit=limit)))
    return value


def local_today(workspace: Workspace, now: datetime) -> date:
    return timezone.localtime(now, workspace.tz).date()


# -- fees and other benefits ---------------------------------------------------------------

def add_gift(workspace: Workspace, contact: Contact, *, kind: str, description: str, value: Any, given_on: Any,
             now: datetime, by: Any = None) -> Gift:
    """A fee or another benefit entered by hand (GiftError names each bad field)."""
    problems: list[Problem] = []
    if contact.organisation_id != workspace.organisation_id:
        problems.append(Problem("contact", Text.gettext("This contact is not one of this organisation's.")))
    cleaned = _clean_gift({"kind": kind, "description": description, "value": value, "given_on": given_on},
                          local_today(workspace, now), problems)
    if problems:
        raise GiftError(problems)
    return Gift.objects.create(workspace=workspace, contact=contact, created_by=by, created_at=now, **cleaned)


def edit_gift(gift: Gift, *, now: datetime, **changes: Any) -> Gift:
    """Change a hand-entered benefit; one that comes from a parcel or an invitation is
    changed there (GiftError)."""
    unknown = set(changes) - set(GIFT_FIELDS)
    if unknown:
        raise TypeError(f"not a gift field: {sorted(unknown)}")
    _refuse_linked(gift)
    values = {name: getattr(gift, name) for name in GIFT_FIELDS} | changes
    problems: list[Problem] = []
    cleaned = _clean_gift(values, local_today(gift.workspace, now), problems)
    if problems:
        raise GiftError(problems)
    for name, value in cleaned.items():
        setattr(gift, name, value)
    gift.save(update_fields=list(cleaned))
    return gift


def delete_gift(gift: Gift) -> None:
    _refuse_linked(gift)
    gift.delete()


def why_not_editable(gift: Gift) -> GiftError | None:
    """The refusal edit_gift and delete_gift would raise for this benefit, or None."""
    try:
        _refuse_linked(gift)
    except GiftError as exc:
        return exc
    return None


def _refuse_linked(gift: Gift) -> None:
    if gift.parcel_id is not None or gift.guest_id is not None:
        raise GiftError([Problem("kind", Text.gettext("This benefit follows its parcel or invitation: change or "
                                                      "delete it there."))])


def _clean_gift(raw: dict[str, Any], today: date, problems: list[Problem]) -> dict[str, Any]:
    kind = raw.get("kind")
    if kind not in ENTERED_KINDS:
        problems.append(Problem("kind", Text.gettext("Choose a fee or another benefit.")))
    return {"kind": kind,
            "description": text(raw.get("description"), "description", DESCRIPTION_LENGTH, problems, required=True),
            "value": money(raw.get("value"), "value", problems),
            "given_on": day(raw.get("given_on"), "given_on", today, problems, ahead=366)}


def record_parcel(parcel: Parcel) -> Gift:
    """The parcel's row in the ledger, created or brought in line with the parcel: its
    declared value, given on the day it was sent (or, until then, the day it was entered)."""
    given_on = parcel.sent_on or timezone.localtime(parcel.created_at, parcel.workspace.tz).date()
    gift, _created = Gift.objects.update_or_create(
        parcel=parcel,
        defaults={"workspace": parcel.workspace, "contact": parcel.contact, "kind": Gift.Kind.PARCEL,
                  "description": parcel.contents[:DESCRIPTION_LENGTH], "value": parcel.declared_value,
                  "given_on": given_on},
        create_defaults={"workspace": parcel.workspace, "contact": parcel.contact, "kind": Gift.Kind.PARCEL,
                         "description": parcel.contents[:DESCRIPTION_LENGTH], "value": parcel.declared_value,
                         "given_on": given_on, "created_by": parcel.created_by, "created_at": parcel.created_at})
    return gift


# -- totals and the ledger -----------------------------------------------------------------

@dataclass(frozen=True)
class Total:
    contact_id: int
    workspace_id: int
    year: int
    total: Decimal
    gifts: int


@dataclass
class LedgerRow:
    contact: Contact
    total: Decimal = Decimal("0.00")
    gifts: int = 0
    by_kind: dict[str, Decimal] = field(default_factory=dict)
    needs_contract: bool = False


def contract_threshold(organisation: Organisation) -> Decimal:
    """The organisation's threshold for a written contract (the decree's, by default)."""
    found = (RelationsSettings.objects.filter(organisation=organisation)
             .values_list("contract_threshold", flat=True).first())
    return found if found is not None else DEFAULT_THRESHOLD


def totals(gifts: Iterable[Gift] | None = None, *, contact: Contact | None = None,
           workspace: Workspace | None = None, year: int | None = None) -> list[Total]:
    """Totals per person × brand × calendar year, summed exactly (in Python: SQLite adds
    decimals as floats); narrowed to a contact, a workspace, a year."""
    if gifts is None:
        rows = Gift.objects.all()
        if contact is not None:
            rows = rows.filter(contact=contact)
        if workspace is not None:
            rows = rows.filter(workspace=workspace)
        if year is not None:
            rows = rows.filter(given_on__year=year)
        gifts = rows.only("contact_id", "workspace_id", "given_on", "value")
    sums: dict[tuple[int, int, int], list[Decimal]] = defaultdict(list)
    for gift in gifts:
        sums[(gift.contact_id, gift.workspace_id, gift.given_on.year)].append(gift.value)
    return [Total(c, w, y, sum(values, Decimal("0.00")), len(values))
            for (c, w, y), values in sorted(sums.items())]


def ledger_year(raw: Any, today: date) -> int | None:
    """A year the ledger can be asked for (from ten years back to next year, when benefits
    may be entered ahead), None for anything else; no year asked is this one."""
    if raw in (None, ""):
        return today.year
    year: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        year = raw
    elif isinstance(raw, str) and re.fullmatch(r"[0-9]{4}", raw.strip()):
        year = int(raw.strip())
    return year if year is not None and today.year - OLDEST_YEARS <= year <= today.year + 1 else None


def ledger(workspace: Workspace, year: int) -> list[LedgerRow]:
    """One row per person who received something from this brand in `year`, largest
    total first; `needs_contract` once the total reaches the threshold."""
    threshold = contract_threshold(workspace.organisation)
    rows: dict[int, LedgerRow] = {}
    for gift in Gift.objects.filter(workspace=workspace, given_on__year=year).select_related("contact"):
        row = rows.setdefault(gift.contact_id, LedgerRow(gift.contact))
        row.total += gift.value
        row.gifts += 1
        row.by_kind[gift.kind] = row.by_kind.get(gift.kind, Decimal("0.00")) + gift.value
    for row in rows.values():
        row.needs_contract = row.total >= threshold
    return sorted(rows.values(), key=lambda r: (-r.total, r.contact.name.casefold(), r.contact.pk))


# -- the advertising mention ---------------------------------------------------------------

# On text folded to lower case without accents. A hashtag is the words joined.
_MENTION = re.compile(r"(?<![\w])#?(?:publicite|collaboration\s*commerciale)(?![\w])")
_NEGATION = re.compile(r"(?:\bpas\s+(?:de|d'une|d’une|une|un|en)|\bsans|\bnon|\bni)\s*$")


def folded(value: str) -> str:
    """Lower case, accents removed ("Publicité" and "PUBLICITE" read the same)."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def disclosure_for(post_text: str) -> Mention.Disclosure:
    """PRESENT when the text carries « Publicité » or « Collaboration commerciale » (not
    negated, not inside a link), MISSING otherwise."""
    plain = folded(URL_RE.sub(" ", post_text or ""))
    for match in _MENTION.finditer(plain):
        if not _NEGATION.search(plain[max(0, match.start() - 20):match.start()]):
            return Mention.Disclosure.PRESENT
    return Mention.Disclosure.MISSING


def benefit_before(mention: Mention) -> bool:
    """Whether this brand gave this person anything in the twelve months up to the post
    (its day included, in the brand's time zone): only then is the post advertising."""
    posted = timezone.localtime(mention.published_at, mention.workspace.tz).date()
    return Gift.objects.filter(contact_id=mention.contact_id, workspace_id=mention.workspace_id,
                               given_on__gte=year_before(posted), given_on__lte=posted).exists()


def year_before(moment: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    if (moment.month, moment.day) == (2, 29):
        return moment.replace(year=moment.year - 1, day=28)
    return moment.replace(year=moment.year - 1)


def check_mention(mention: Mention, save: bool = True) -> str:
    """Set the mention's `disclosure`: NOT_NEEDED without a benefit in the year before
    the post, else whether its text carries the mention. Returns it."""
    disclosure = disclosure_for(mention.text) if benefit_before(mention) else Mention.Disclosure.NOT_NEEDED
    mention.disclosure = disclosure
    if save and mention.pk:
        Mention.objects.filter(pk=mention.pk).update(disclosure=disclosure)
    return disclosure
