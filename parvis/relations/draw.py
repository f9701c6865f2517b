"""parvis-draw-v1: a contest draw anyone can verify.

The algorithm (this text is the spec; the known vectors in tests/test_draw.py come from a
second implementation of it, tests/draw_vectors.mjs):

a) Before the contest opens: S = 32 random bytes; publish C = hex(SHA-256(S)) with the
   close time, the number of winners n and alternates m, the entry rules, and which public
   value B will be used (free text, e.g. "the EuroMillions numbers of the first draw after
   the close, as 01-02-03-04-05/06-07"), or none.
b) At close: L = the eligible entrants' ids written `network:stable_id`, NFC-normalised,
   deduplicated, sorted by their UTF-8 bytes, each followed by "\\n", concatenated;
   H = SHA-256(L).
c) Draw: K = SHA-256(b"parvis-draw-v1\\n" ‖ H ‖ S ‖ B as UTF-8, empty if none);
   remaining = the sorted list; for i = 0 … n+m−1: x = the big-endian integer of
   SHA-256(K ‖ i as 4 big-endian bytes), j = x mod len(remaining), pick remaining[j] and
   remove it. The first n picks win, the next m are alternates, in that order. When n+m
   exceeds the number of entries, the draw stops when none remain: everyone is picked.
d) Publish a proof: the algorithm's name, C, S, B, the entries, H, K and the picks
   (`Proof.to_json`); `verify` recomputes everything from that file alone.

This module keeps to the standard library: `parvis draw verify` runs on a downloaded
proof without parvis's settings or database. Its sentences are translated by Django when
Django runs (the proof page, in the visitor's language), otherwise by the standard
library's gettext from the same catalogue, in the shell's language.
"""

from __future__ import annotations

import functools
import gettext as stdlib_gettext
import hashlib
import json
import re
import reprlib
import secrets
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ALGORITHM = "parvis-draw-v1"
KEY_PREFIX = b"parvis-draw-v1\n"
SEED_BYTES = 32
# Bounds the work a hostile proof can ask of the verifier (each pick shifts the list), and
# keeps i within its 4 bytes. A contest with more winners and alternates is not a contest.
MAX_PICKS = 10_000

_LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# What may not appear in an id: C0 and C1 controls (a "\n" would forge a line of L), line and
# paragraph separators, and lone surrogates (they have no UTF-8 form).
_CONTROLS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_SURROGATES = r"\ud800-\udfff"
_FORBIDDEN = _CONTROLS + _SURROGATES
_ENTRY = re.compile(rf"[a-z][a-z0-9_-]*:[^{_FORBIDDEN}]+")
_CONTROL_CHAR = re.compile(rf"[{_CONTROLS}]")
_SURROGATE_CHAR = re.compile(rf"[{_SURROGATES}]")
# Shown escaped as well, so that a hostile proof cannot reorder or rewrite a verdict line.
_UNSHOWABLE = re.compile(rf"[{_FORBIDDEN}\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_HEX32 = re.compile(r"[0-9a-fA-F]{64}")
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 80


@functools.cache
def _catalogue() -> stdlib_gettext.NullTranslations:
    # The language comes from LANGUAGE, LC_ALL, LC_MESSAGES or LANG, as for any command.
    return stdlib_gettext.translation("django", _LOCALE_DIR, fallback=True)


def gettext(message: str) -> str:
    """`message` in the reader's language. Django's gettext needs configured settings, which
    a verifier on someone's laptop does not have."""
    apps = sys.modules.get("django.apps")
    if apps is not None and apps.apps.ready:
        from django.utils.translation import gettext as django_gettext

        return django_gettext(message)
    return _catalogue().gettext(message)


def shown(value: object) -> str:
    """`value` for a sentence or a terminal: cut when long, invisible characters escaped."""
    text = value if isinstance(value, str) else _SHOWN.repr(value)
    if len(text) > 80:
        text = text[:79] + "…"
    return _UNSHOWABLE.sub(lambda found: f"\\u{ord(found[0]):04x}", text)


class DrawError(ValueError):
    """Input a draw cannot use: `field` names it (as a form or the API would), `code` says how."""

    def __init__(self, message: str, field: str, code: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


class EntryError(DrawError):
    """An entrant id that cannot be drawn; `entry` is that id."""

    def __init__(self, message: str, entry: object, code: str) -> None:
        super().__init__(message, "entries", code)
        self.entry = entry


# a) before the contest opens

def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment(seed: bytes) -> str:
    """C, published before the contest opens: hex(SHA-256(S))."""
    return hashlib.sha256(_exactly_32(seed, "seed")).hexdigest()


# b) at close

def _entry_error(entry: object) -> EntryError:
    if not isinstance(entry, str):
        return EntryError(gettext("Entry %(entry)s is not text.") % {"entry": shown(entry)}, entry, "type")
    if not entry:
        return EntryError(gettext("An entry is empty."), entry, "empty")
    if _CONTROL_CHAR.search(entry):
        return EntryError(gettext("Entry “%(entry)s” contains a line break or another control character.")
                          % {"entry": shown(entry)}, entry, "control")
    if _SURROGATE_CHAR.search(entry):
        return EntryError(gettext("Entry “%(entry)s” is not valid Unicode text.") % {"entry": shown(entry)}, entry,
                          "encoding")
    return EntryError(gettext("Entry “%(entry)s” is not written network:id (a network's key in lower case, "
                              "a colon, then the account's id).") % {"entry": shown(entry)}, entry, "format")


def canonical_id(entry: object) -> str:
    """The id NFC-normalised; EntryError naming it when it cannot be drawn."""
    if isinstance(entry, str):
        normal = unicodedata.normalize("NFC", entry)
        if _ENTRY.fullmatch(normal):
            return normal
    raise _entry_error(entry)


def canonical_entries(ids: Iterable[str]) -> list[str]:
    """The ids NFC-normalised, deduplicated (after NFC: "é" and "e"+U+0301 are one entrant)
    and sorted by their UTF-8 bytes; EntryError, a ValueError, naming the first bad id."""
    # Python orders text by code point, which is the order of the UTF-8 bytes (UTF-8 keeps
    # it; lone surrogates, the one exception, are refused above): sorting the text is
    # sorting the bytes, without encoding 100,000 ids. UTF-16 order (JavaScript's sort)
    # and locale collation differ from it; the vectors hold both cases.
    return sorted({canonical_id(entry) for entry in ids})


def entries_hash(entries: Sequence[str]) -> bytes:
    """H = SHA-256(L), L being `entries` (as canonical_entries gives them) one per line."""
    lines = "\n".join(entries) + "\n" if entries else ""
    return hashlib.sha256(lines.encode("utf-8")).digest()


# c) the draw

def draw_key(entries_hash: bytes, seed: bytes, public_value: str) -> bytes:
    """K = SHA-256(b"parvis-draw-v1\\n" ‖ H ‖ S ‖ B as UTF-8); B is "" when there is none."""
    try:
        public = public_value.encode("utf-8")
    except UnicodeEncodeError:
        raise DrawError(gettext("The public value is not valid Unicode text."), "public_value", "encoding") from None
    return hashlib.sha256(KEY_PREFIX + _exactly_32(entries_hash, "entries_hash") + _exactly_32(seed, "seed")
                          + public).digest()


def pick(entries: Sequence[str], key: bytes, winners: int, alternates: int) -> list[str]:
    """The winners then the alternates drawn from `entries` (sorted) with K. When there are
    fewer entries than winners + alternates, every entry is picked: the draw stops when none
    remain, so the list is shorter than winners + alternates (and the alternates, or even
    some winners, are missing)."""
    check_counts(winners, alternates)
    remaining = list(entries)
    picks = []
    for i in range(min(winners + alternates, len(remaining))):
        x = int.from_bytes(hashlib.sha256(key + i.to_bytes(4, "big")).digest(), "big")
        picks.append(remaining.pop(x % len(remaining)))
    return picks


def check_counts(winners: object, alternates: object) -> None:
    """DrawError unless 1 ≤ winners and 0 ≤ alternates, and together at most MAX_PICKS."""
    counted = _whole(winners, "winner_count", 1, MAX_PICKS)
    _whole(alternates, "alternate_count", 0, MAX_PICKS - counted)


# d) the proof

@dataclass(frozen=True)
class Proof:
    """Everything a verifier needs, in the JSON proof's order (the entries last: the long part)."""

    algorithm: str
    commitment: str  # C, hex
    closes_at: str  # ISO 8601 with its offset from UTC
    winner_count: int  # n
    alternate_count: int  # m
    rules: str
    public_value: str  # B, "" when none
    seed: str  # S, hex
    entries_hash: str  # H, hex
    key: str  # K, hex
    picks: tuple[str, ...]  # the winners, then the alternates
    entries: tuple[str, ...]  # canonical

    def winners(self) -> tuple[str, ...]:
        return self.picks[:self.winner_count]

    def alternates(self) -> tuple[str, ...]:
        return self.picks[self.winner_count:]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Proof:
        """The proof in `text`, its fields checked for type and form (not verified: see
        `verify`); DrawError naming the first bad field."""
        data = parse_json(text)
        if not isinstance(data, dict):
            raise DrawError(gettext("A proof is a JSON object."), "", "type")
        if _text(data, "algorithm") != ALGORITHM:
            raise _unknown_algorithm(data["algorithm"])
        _closes_at(data)
        winners, alternates = _counts(data)
        return cls(algorithm=ALGORITHM, commitment=_hex32(data, "commitment").hex(), closes_at=data["closes_at"],
                   winner_count=winners, alternate_count=alternates,
                   rules=_text(data, "rules"), public_value=_text(data, "public_value"),
                   seed=_hex32(data, "seed").hex(), entries_hash=_hex32(data, "entries_hash").hex(),
                   key=_hex32(data, "key").hex(), picks=tuple(_texts(data, "picks")),
                   entries=tuple(_texts(data, "entries")))


def make_proof(seed: bytes, entries: Iterable[str], public_value: str, winners: int, alternates: int,
               closes_at: datetime, rules: str) -> Proof:
    """The whole draw, from the entrants' ids in any order to the proof to publish."""
    check_counts(winners, alternates)
    if closes_at.utcoffset() is None:  # a naive time means a different instant in each reader's zone
        raise DrawError(gettext("The close time needs its time zone."), "closes_at", "naive")
    canonical = canonical_entries(entries)
    entries_digest = entries_hash(canonical)
    key = draw_key(entries_digest, seed, public_value)
    return Proof(algorithm=ALGORITHM, commitment=commitment(seed), closes_at=closes_at.isoformat(),
                 winner_count=winners, alternate_count=alternates, rules=rules, public_value=public_value,
                 seed=seed.hex(), entries_hash=entries_digest.hex(), key=key.hex(),
                 picks=tuple(pick(canonical, key, winners, alternates)), entries=tuple(canonical))


def parse_json(text: str | bytes) -> Any:
    """The JSON value of a proof file; DrawError when it is not JSON, or names a key twice
    (two readers could then see two different proofs)."""
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(pairs)
        if len(found) < len(pairs):
            twice = next(key for index, (key, _) in enumerate(pairs) if key in dict(pairs[:index]))
            raise DrawError(gettext("The key “%(key)s” appears twice.") % {"key": shown(twice)}, twice, "duplicate")
        return found

    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return json.loads(text, object_pairs_hook=unique)
    except UnicodeDecodeError:
        raise DrawError(gettext("The file is not UTF-8 text."), "", "encoding") from None
    except DrawError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, numbers too long, nesting too deep
        raise DrawError(gettext("The file is not valid JSON (%(error)s).") % {"error": shown(str(exc))}, "",
                        "json") from None


# Reading untrusted fields: each reader raises DrawError naming the field.

def _exactly_32(value: bytes, field: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise DrawError(gettext("“%(field)s” should be 32 bytes.") % {"field": field}, field, "length")
    return value


def _get(data: dict[str, Any], field: str) -> Any:
    if field not in data:
        raise DrawError(gettext("“%(field)s” is missing.") % {"field": field}, field, "missing")
    return data[field]


def _text(data: dict[str, Any], field: str) -> str:
    value = _get(data, field)
    if not isinstance(value, str):
        raise DrawError(gettext("“%(field)s” should be text.") % {"field": field}, field, "type")
    return value


def _texts(data: dict[str, Any], field: str) -> list[str]:
    value = _get(data, field)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DrawError(gettext("“%(field)s” should be a list of texts.") % {"field": field}, field, "type")
    return value


def _hex32(data: dict[str, Any], field: str) -> bytes:
    value = _get(data, field)
    if not isinstance(value, str) or not _HEX32.fullmatch(value):
        raise DrawError(gettext("“%(field)s” should be 64 hexadecimal digits.") % {"field": field}, field, "hex")
    return bytes.fromhex(value)


def _whole(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DrawError(gettext("“%(field)s” should be a whole number from %(low)s to %(high)s.")
                        % {"field": field, "low": low, "high": high}, field, "range")
    return value


def _closes_at(data: dict[str, Any]) -> datetime:
    value = _text(data, "closes_at")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.utcoffset() is None:
        raise DrawError(gettext("“closes_at” should be a date and time in ISO 8601 with its offset from UTC, "
                                "such as 2026-12-24T18:00:00+01:00."), "closes_at", "format")
    return when


def _unknown_algorithm(found: object) -> DrawError:
    return DrawError(gettext("The proof uses the algorithm “%(found)s”; this verifier knows only %(known)s.")
                     % {"found": shown(found), "known": ALGORITHM}, "algorithm", "unknown")


# Verifying: every check reads the fields it needs from the file and recomputes one link of
# the chain S → C, entries → H, (H, S, B) → K, (entries, K, n, m) → picks. A link is checked
# against the file's own value of the link before it, so that a tampered field fails its
# own check; the proof holds only when every link does.

@dataclass(frozen=True)
class Check:
    name: str  # algorithm, details, commitment, entries, entries_hash, key or picks
    ok: bool
    sentence: str  # what was checked and found, for a person


@dataclass(frozen=True)
class Verification:
    checks: tuple[Check, ...]

    @property
    def holds(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def _check_algorithm(data: dict[str, Any]) -> str:
    if _text(data, "algorithm") != ALGORITHM:
        raise _unknown_algorithm(data["algorithm"])
    return gettext("The algorithm is %(algorithm)s.") % {"algorithm": ALGORITHM}


def _check_details(data: dict[str, Any]) -> str:
    # Nothing binds these to the announcement but the announcement itself: shown to compare.
    closes_at = _closes_at(data)
    _text(data, "rules")
    winners, alternates = _counts(data)
    return gettext("To compare with what was announced before the contest: close time %(closes_at)s, "
                   "winners: %(winners)s, alternates: %(alternates)s.") % {
        "closes_at": closes_at.isoformat(), "winners": winners, "alternates": alternates}


def _counts(data: dict[str, Any]) -> tuple[int, int]:
    winners = _whole(_get(data, "winner_count"), "winner_count", 1, MAX_PICKS)
    return winners, _whole(_get(data, "alternate_count"), "alternate_count", 0, MAX_PICKS - winners)


def _check_commitment(data: dict[str, Any]) -> str:
    computed, claimed = commitment(_hex32(data, "seed")), _hex32(data, "commitment").hex()
    if computed != claimed:
        raise DrawError(gettext("The seed S does not match the commitment C published before the contest: "
                                "SHA-256(S) is %(computed)s, C is %(claimed)s.")
                        % {"computed": computed, "claimed": claimed}, "seed", "mismatch")
    return gettext("The seed S matches the commitment C published before the contest: SHA-256(S) = %(commitment)s.") \
        % {"commitment": computed}


def _check_entries(data: dict[str, Any]) -> str:
    entries = _texts(data, "entries")
    try:
        canonical = canonical_entries(entries) == entries
    except EntryError:
        canonical = False
    if not canonical:
        raise _first_uncanonical(entries)
    return gettext("The list of entries is canonical: NFC-normalised, without duplicates, sorted by their "
                   "UTF-8 bytes (number of entries: %(count)s).") % {"count": len(entries)}


def _first_uncanonical(entries: list[str]) -> DrawError:
    for position, entry in enumerate(entries, 1):
        where = {"position": position, "entry": shown(entry)}
        try:
            normal = canonical_id(entry)
        except EntryError as problem:
            return DrawError(gettext("At position %(position)s: %(problem)s")
                             % {"position": position, "problem": problem}, "entries", problem.code)
        if normal != entry:
            return DrawError(gettext("Entry %(position)s, “%(entry)s”, is not NFC-normalised.") % where,
                             "entries", "nfc")
        if position > 1 and entries[position - 2] == entry:
            return DrawError(gettext("Entry %(position)s, “%(entry)s”, is there twice.") % where,
                             "entries", "duplicate")
        if position > 1 and entries[position - 2] > entry:
            return DrawError(gettext("Entry %(position)s, “%(entry)s”, is out of order: the entries should be "
                                     "sorted by their UTF-8 bytes.") % where, "entries", "order")
    return DrawError(gettext("The list of entries is not canonical."), "entries", "canonical")  # not reached


def _check_entries_hash(data: dict[str, Any]) -> str:
    try:
        computed = entries_hash(_texts(data, "entries")).hex()
    except UnicodeEncodeError:
        raise DrawError(gettext("An entry is not valid Unicode text."), "entries", "encoding") from None
    claimed = _hex32(data, "entries_hash").hex()
    if computed != claimed:
        raise DrawError(gettext("The SHA-256 of the list of entries is %(computed)s, but the proof says "
                                "H = %(claimed)s.") % {"computed": computed, "claimed": claimed},
                        "entries_hash", "mismatch")
    return gettext("H, the SHA-256 of the list of entries, is %(hash)s, as the proof says.") % {"hash": computed}


def _check_key(data: dict[str, Any]) -> str:
    computed = draw_key(_hex32(data, "entries_hash"), _hex32(data, "seed"), _text(data, "public_value")).hex()
    claimed = _hex32(data, "key").hex()
    if computed != claimed:
        raise DrawError(gettext("K computed from H, S and the public value B is %(computed)s, but the proof "
                                "says K = %(claimed)s.") % {"computed": computed, "claimed": claimed}, "key",
                        "mismatch")
    if not data["public_value"]:
        return gettext("K, computed from H and S without a public value B, is %(key)s, as the proof says.") % {
            "key": computed}
    return gettext("K, computed from H, S and the public value B “%(public_value)s”, is %(key)s, as the proof "
                   "says.") % {"public_value": shown(data["public_value"]), "key": computed}


def _check_picks(data: dict[str, Any]) -> str:
    winners, alternates = _counts(data)
    expected = pick(_texts(data, "entries"), _hex32(data, "key"), winners, alternates)
    claimed = _texts(data, "picks")
    for position, (ours, theirs) in enumerate(zip(expected, claimed, strict=False), 1):
        if ours != theirs:
            raise DrawError(gettext("Pick %(position)s should be “%(expected)s”, but the proof says “%(claimed)s”.")
                            % {"position": position, "expected": shown(ours), "claimed": shown(theirs)},
                            "picks", "mismatch")
    if len(expected) != len(claimed):
        raise DrawError(gettext("The proof lists %(claimed)s picks, but the algorithm draws %(expected)s.")
                        % {"claimed": len(claimed), "expected": len(expected)}, "picks", "count")
    return gettext("The picks, winners then alternates, are exactly those the algorithm draws from K and the "
                   "entries.")


CHECKS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("algorithm", _check_algorithm), ("details", _check_details), ("commitment", _check_commitment),
    ("entries", _check_entries), ("entries_hash", _check_entries_hash), ("key", _check_key),
    ("picks", _check_picks))


def _run(name: str, check: Callable[[dict[str, Any]], str], data: dict[str, Any]) -> Check:
    try:
        return Check(name, True, check(data))
    except DrawError as problem:
        return Check(name, False, str(problem))
    except Exception as exc:
        # Whatever a hostile file found past the field checks gets a failed check, not a
        # traceback: the verifier's one answer is whether the proof holds.
        return Check(name, False, gettext("This check could not be made (%(error)s).")
                     % {"error": type(exc).__name__})


def verify(data: dict[str, Any]) -> Verification:
    """Recompute every link of the proof from `data` (a proof's JSON). Never raises: a
    missing or malformed field is a failed check naming it."""
    if not isinstance(data, dict):
        return Verification((Check("algorithm", False, gettext("A proof is a JSON object.")),))
    return Verification(tuple(_run(name, check, data) for name, check in CHECKS))
