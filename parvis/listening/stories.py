"""Stories: near-duplicate items across feeds and networks, grouped under one key.

The invariant: an item joins the story of the nearest item seen before it, within the
last `window`, whose fingerprint differs from its own by at most `max_distance` bits; an
item with no such neighbour starts a story of its own, keyed by its own key. Nothing else
is compared, so grouping a stream costs one index lookup per item, not a scan.

The fingerprint is a 64-bit SimHash of the normalised words (`words`): casefold, accents
removed, URLs (and so their tracking parameters) dropped, punctuation and French and
English stop words dropped; an outlet's name after a title ("… | Le Monde", "… - The
Verge") and a label before it ("MISE À JOUR :", "VIDÉO.") dropped too. Each remaining
word is one feature (single words: 2-word shingles and 3-character grams were measured on
the tuning set of `tests/test_stories.py` and did no better, see there), weighted:

- a title word weighs TITLE_WEIGHT: the title says what the story is, and outlets copying
  a dispatch change the summary (truncated, an update appended) more than the title;
- a word of the text weighs 1 / (1 + position / TEXT_DECAY): the opening of a text
  matters most, so a summary cut after 20 words stays near its full version.

What it finds, measured on a test set written apart from the one the settings were tuned
on: the same text republished with light edits (an outlet's suffix, "MISE À JOUR", a
tracking parameter in a link, a truncated summary) and, less often, a post quoting a
title. It does not find the same news written independently by two outlets (they share
a few names, not their wording) nor across languages: SimHash compares words.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections.abc import Hashable, Iterable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import numpy as np

from parvis.listening.query.normalise import fold

K = TypeVar("K", bound=Hashable)

BITS = 64
MASK = (1 << BITS) - 1
MAX_DISTANCE = 6  # tuning set: light edits at 0–4 bits, different stories at ≥ 20
WINDOW = timedelta(days=3)
TITLE_WEIGHT = 6.0
TEXT_DECAY = 10.0

# Small, folded (no accents) lists: the words every text has, which say nothing of its story.
_FRENCH = """
a ai aie aient ainsi alors apres as au aucun aupres aussi autre autres aux avaient avais avait avant avec avez
avoir avons c ca car ce ceci cela celle celles celui ces cet cette ceux chaque chez ci comme comment contre d
dans de deja depuis des doit donc dont du elle elles en encore entre es est et etaient etait ete etre eu eux
fait font il ils j je jusqu l la le les leur leurs lors lui m ma mais me meme mes moi moins mon n ne ni nos
notre nous on ont ou par pas peu peut plus pour pourquoi qu quand que quel quelle quels qui quoi s sa sans se
selon sera seront ses si soit son sont sous sur t ta te tes toi ton tous tout toute toutes tres tu un une va
vers vont vos votre vous y
"""
_ENGLISH = """
about after again all also am an and any are as at be because been before being both but by can could did do
does doing don down during each few for from further had has have having he her here hers him his how i if in
into is it its just ll me more most my no nor not now of off on once only or other our out over own re same
she should so some such than that the their them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your says said
"""
STOP_WORDS_FR = frozenset(_FRENCH.split())
STOP_WORDS_EN = frozenset(_ENGLISH.split())
STOP_WORDS = STOP_WORDS_FR | STOP_WORDS_EN

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"\w+")
# Labels outlets put in front of a title or a text; matched on the folded text.
_LABEL = re.compile(
    r"^\s*(?:(?:mise a jour|maj|mis a jour|update|updated|video|photos?|en direct|direct|live|info|exclusif"
    r"|exclusive|breaking|urgent|alerte|interview|enquete|tribune|podcast|replay|infographie|audio)"
    r"\s*[:.|–—-]\s*)+"
)
# "… | Le Monde", "… - Ouest-France", "… – France Info": at most four words, each
# capitalised or a number after a dash (so "Grève - un TGV sur deux" keeps its end).
_SUFFIX = re.compile(r"\s(?:\|\s?(?P<any>[^|]{1,40})|[-–—]\s(?P<name>[\w'’.&-]+(?: [\w'’.&-]+){0,3}))\s*$")

_hashes: dict[str, bytes] = {}
_CACHE_LIMIT = 200_000  # distinct words; a stream's vocabulary keeps growing


def _without_suffix(title: str) -> str:
    found = _SUFFIX.search(title)
    if found is None:
        return title
    name = found.group("name")
    if name is not None and not all(w[:1].isupper() or w[:1].isdigit() for w in name.split()):
        return title
    head = title[: found.start()]
    return head if len(head.split()) >= 3 else title  # "Orange | Le Monde" keeps its only word


def words(text: str) -> list[str]:
    """The words of `text` that may tell one story from another, in order, folded."""
    folded = fold(_URL.sub(" ", text))
    folded = _LABEL.sub("", folded)
    return [w for w in _WORD.findall(folded) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]


def _hash(feature: str) -> bytes:
    digest = _hashes.get(feature)
    if digest is None:
        # blake2b, not hash(): the fingerprint is stored and compared across processes.
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        if len(_hashes) >= _CACHE_LIMIT:
            _hashes.clear()
        _hashes[feature] = digest
    return digest


def _weights(title: str, text: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for word in words(_without_suffix(title.strip())):
        weights[word] = weights.get(word, 0.0) + TITLE_WEIGHT
    for position, word in enumerate(words(text)):
        weights[word] = weights.get(word, 0.0) + 1.0 / (1.0 + position / TEXT_DECAY)
    return weights


def fingerprint(title: str, text: str) -> int:
    """The 64-bit SimHash of an item, as a signed integer (a BigIntegerField holds it)."""
    weights = _weights(title, text)
    if not weights:
        # Nothing but stop words, emoji or links: identical texts still share a story,
        # and different ones do not all share the fingerprint of an empty text.
        raw = (title + "\n" + text).strip()
        if not raw:
            return 0
        weights = {raw: 1.0}
    digests = np.frombuffer(b"".join(_hash(f) for f in weights), dtype=np.uint8).reshape(len(weights), 8)
    bits = np.unpackbits(digests, axis=1)  # one row of 64 bits per feature, the first byte first
    votes = np.fromiter(weights.values(), dtype=np.float64, count=len(weights)) @ (bits * 2.0 - 1.0)
    return int.from_bytes(np.packbits(votes > 0).tobytes(), "big", signed=True)


def distance(a: int, b: int) -> int:
    """Hamming distance of two fingerprints (signed or not: only the 64 bits count)."""
    return ((a ^ b) & MASK).bit_count()


def bands(max_distance: int) -> list[tuple[int, int]]:
    """(shift, mask) of `max_distance + 1` slices covering the 64 bits. Two fingerprints
    within `max_distance` bits are equal on at least one slice (pigeonhole)."""
    count = max_distance + 1
    widths = [BITS // count + (1 if n < BITS % count else 0) for n in range(count)]
    out, shift = [], 0
    for width in widths:
        out.append((shift, (1 << width) - 1))
        shift += width
    return out


class StoryIndex(Generic[K]):
    """Incremental grouping of a stream into stories (see the module's docstring).

    Each entry is indexed under each of its bands; a new fingerprint is compared only with
    the entries sharing one of its bands, which holds every one within `max_distance`.
    Entries older than `window` before the newest time seen are dropped."""

    def __init__(self, *, max_distance: int = MAX_DISTANCE, window: timedelta = WINDOW) -> None:
        if not 0 <= max_distance < BITS:
            raise ValueError("max_distance must be in [0, 63]")
        self.max_distance = max_distance
        self.window = window
        self._bands = bands(max_distance)
        # Per band: slice value -> (entry ids, their fingerprints), in the order added.
        self._tables: list[dict[int, tuple[list[int], list[int]]]] = [{} for _ in self._bands]
        self._entries: dict[int, tuple[int, K, datetime]] = {}  # id -> (unsigned fingerprint, story, at)
        self._expiry: list[tuple[datetime, int]] = []  # heap of (at, id)
        self._newest: datetime | None = None
        self._next_id = 0
        self.compared = 0  # fingerprints compared, for the benchmark

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, key: K, fingerprint: int, at: datetime) -> K:
        """The story `key` belongs to: that of the nearest earlier entry, else `key`."""
        if self._newest is None or at > self._newest:
            self._newest = at
            self._expire(at - self.window)
        value = fingerprint & MASK
        slices = [(value >> shift) & mask for shift, mask in self._bands]
        story, best, best_id = key, self.max_distance + 1, -1
        horizon = at - self.window
        for table, part in zip(self._tables, slices, strict=True):
            bucket = table.get(part)
            if bucket is None:
                continue
            ids, values = bucket
            self.compared += len(values)
            # Every distance at C speed, then Python only for the few within reach.
            found = list(map(int.bit_count, map(value.__xor__, values)))
            if min(found) > self.max_distance:
                continue
            for position, bits in enumerate(found):
                if bits > self.max_distance or bits > best:
                    continue
                entry_id = ids[position]
                _value, other_story, other_at = self._entries[entry_id]
                if other_at < horizon:  # only for an item older than the newest seen
                    continue
                # The nearest; between equals, the latest (the story as it now reads).
                if bits < best or entry_id > best_id:
                    story, best, best_id = other_story, bits, entry_id
        entry_id = self._next_id
        self._next_id += 1
        self._entries[entry_id] = (value, story, at)
        heapq.heappush(self._expiry, (at, entry_id))
        for table, part in zip(self._tables, slices, strict=True):
            bucket = table.get(part)
            if bucket is None:
                table[part] = ([entry_id], [value])
            else:
                bucket[0].append(entry_id)
                bucket[1].append(value)
        return story

    def _expire(self, horizon: datetime) -> None:
        while self._expiry and self._expiry[0][0] < horizon:
            _at, entry_id = heapq.heappop(self._expiry)
            value = self._entries.pop(entry_id)[0]
            for table, (shift, mask) in zip(self._tables, self._bands, strict=True):
                part = (value >> shift) & mask
                ids, values = table[part]
                if len(ids) == 1:
                    del table[part]
                    continue
                position = ids.index(entry_id)  # the oldest are first: found at once
                del ids[position], values[position]


def group(
    items: Iterable[tuple[K, int, datetime]], *, max_distance: int = MAX_DISTANCE, window: timedelta = WINDOW
) -> dict[K, K]:
    """{key: story key} for a batch of (key, fingerprint, time), taken in time order."""
    index: StoryIndex[K] = StoryIndex(max_distance=max_distance, window=window)
    ordered = sorted(enumerate(items), key=lambda pair: (pair[1][2], pair[0]))
    return {key: index.add(key, value, at) for _n, (key, value, at) in ordered}
