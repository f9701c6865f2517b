"""Matching monitors' queries against items, with the reason each one matched.

`compile_query(text)` parses a query once; `Query.match(item)` says whether it matches and
which words of which field made it (the spans point into the item's original text, for
highlighting). `MonitorSet` matches many queries at once and returns exactly what calling
`match` on each would, in the order of its mapping, but reads an item only once and
evaluates only the queries it could match:

- Every query requires some words (syntax.anchored): as a list of groups of "keys", each
  group a set of which at least one must occur in the item (a term's stems, a phrase's
  words, a prefix's first three letters). "a AND (b OR c)" requires {a} and {b, c};
  "a NOT b" requires {a}.
- An item's runs of word characters (with their # or @) are read with one regular
  expression; each distinct run is analysed once and remembered with the groups it
  satisfies, so an item costs a set intersection and a few look-ups, and only the queries
  whose every group is satisfied are evaluated, on tokens built then.

The prefilter is a superset by construction: a run's keys are every key any of its
tokens could have in the item's language, in any field a query reads (title, text, author).

Matching rules: a word matches a word with the same stem in the item's language (both
French and English stems when the language is neither or unknown), hashtags and mentions
included; "#x" / "@x" match only that hashtag or mention, unstemmed; a "phrase" matches
its words side by side, normalised but not stemmed; prefix* matches words that start with
it (normalised); NEAR/n matches when at most n other words separate its sides, in either
order, in the same field. Words without a field are looked for in the title and the text;
author: looks in the author's name; site: matches the item's domain and its subdomains;
lang: the item's language ("fr" matches "fr-CA"); network: the network's key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from parvis.listening.query import syntax
from parvis.listening.query.normalise import Token, analyse_run, fold, language, runs, tokens

K = TypeVar("K", bound=Hashable)

DEFAULT_SCOPE = ("title", "text")
_TAGS = ("#", "@")
_CACHE_LIMIT = 300_000  # distinct runs remembered by a MonitorSet before it starts over


@dataclass(frozen=True, slots=True)
class Item:
    title: str
    text: str
    author: str = ""
    site: str = ""  # a domain or an address: "www.lemonde.fr", "https://lemonde.fr/…"
    lang: str = ""  # BCP 47: "fr", "fr-CA", "en"; "" when unknown
    network: str = ""  # the network's key: "bluesky", "mastodon", "rss"…


class Span(NamedTuple):
    field: str  # "title", "text", "author", "site", "lang" or "network"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Match:
    """Why an item matched: the spans of the item's fields that made it, in order."""

    spans: tuple[Span, ...]

    def in_field(self, name: str) -> list[tuple[int, int]]:
        return [(span.start, span.end) for span in self.spans if span.field == name]


# A place a node matched: field, first and last word (-1 for a whole-value field), and the
# character spans to highlight (NEAR highlights its two sides, not the words between).
_Hit = tuple[str, int, int, tuple[tuple[int, int], ...]]


class _Words:
    """One field's tokens, and where each key occurs among them."""

    __slots__ = ("index", "tokens")

    def __init__(self, text: str, lang: str) -> None:
        self.tokens = tokens(text, lang)
        index: dict[str, list[int]] = {}
        for position, token in enumerate(self.tokens):
            for key in _token_keys(token):
                index.setdefault(key, []).append(position)
        self.index = index


def _token_keys(token: Token) -> list[str]:
    keys = [token.term]
    if token.stem_fr:
        keys.append("fr:" + token.stem_fr)
    if token.stem_en:
        keys.append("en:" + token.stem_en)
    if token.tag:
        keys.append(token.tag + token.term)
    return keys


def host(site: str) -> str:
    """The domain of an address or a domain, without "www.": what site: compares."""
    value = fold(site.strip())
    value = value.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    value = value.split(":", 1)[0].rstrip(".")
    return value[4:] if value.startswith("www.") else value


def _lang_tag(lang: str) -> str:
    return lang.strip().lower().replace("_", "-")


class _Prepared:
    """An item as queries read it: each field tokenised when first asked for."""

    __slots__ = ("_words", "item")

    def __init__(self, item: Item) -> None:
        self.item = item
        self._words: dict[str, _Words] = {}

    def words(self, field: str) -> _Words:
        found = self._words.get(field)
        if found is None:
            found = self._words[field] = _Words(getattr(self.item, field), self.item.lang)
        return found


class _Node(ABC):
    @abstractmethod
    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        """None when the node does not match; else where it did ([] for a NOT)."""


class _Term(_Node):
    def __init__(self, node: syntax.Term) -> None:
        tagged = node.word[0] in _TAGS
        self.keys = (node.word,) if tagged else ("fr:" + node.stem_fr, "en:" + node.stem_en)

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        out: list[_Hit] = []
        for field in scope:
            words = item.words(field)
            found: set[int] = set()
            for key in self.keys:
                found.update(words.index.get(key, ()))
            for position in sorted(found):
                token = words.tokens[position]
                out.append((field, position, position, ((token.start, token.end),)))
        return out or None


def _is(token: Token, word: str) -> bool:
    if word[0] in _TAGS:
        return token.tag == word[0] and token.term == word[1:]
    return token.term == word


class _Phrase(_Node):
    def __init__(self, node: syntax.Phrase) -> None:
        self.words = node.words

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        out: list[_Hit] = []
        last = len(self.words) - 1
        for field in scope:
            words = item.words(field)
            found = words.tokens
            for position in words.index.get(self.words[0], ()):
                end = position + last
                if end < len(found) and all(_is(found[position + i], self.words[i]) for i in range(1, last + 1)):
                    out.append((field, position, end, ((found[position].start, found[end].end),)))
        return out or None


class _Prefix(_Node):
    def __init__(self, node: syntax.Prefix) -> None:
        self.tag = node.start[0] if node.start[0] in _TAGS else ""
        self.start = node.start[len(self.tag) :]

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        out: list[_Hit] = []
        for field in scope:
            for position, token in enumerate(item.words(field).tokens):
                if token.term.startswith(self.start) and (not self.tag or token.tag == self.tag):
                    out.append((field, position, position, ((token.start, token.end),)))
        return out or None


class _And(_Node):
    def __init__(self, children: list[_Node]) -> None:
        # Negations last: they cannot add highlights, and a positive side that fails first
        # spares reading them.
        self.children = sorted(children, key=lambda child: isinstance(child, _Not))

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        out: list[_Hit] = []
        for child in self.children:
            found = child.hits(item, scope)
            if found is None:
                return None
            out.extend(found)
        return out


class _Or(_Node):
    def __init__(self, children: list[_Node]) -> None:
        self.children = children

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        out: list[_Hit] | None = None
        for child in self.children:  # every side, so that every reason is highlighted
            found = child.hits(item, scope)
            if found is not None:
                out = found if out is None else out + found
        return out


class _Not(_Node):
    def __init__(self, child: _Node) -> None:
        self.child = child

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        return [] if self.child.hits(item, scope) is None else None


class _Near(_Node):
    def __init__(self, distance: int, left: _Node, right: _Node) -> None:
        self.distance, self.left, self.right = distance, left, right

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        lefts = self.left.hits(item, scope)
        if lefts is None:
            return None
        rights = self.right.hits(item, scope)
        if rights is None:
            return None
        out: list[_Hit] = []
        for field, first, last, spans in lefts:
            for other_field, other_first, other_last, other_spans in rights:
                if other_field != field:
                    continue
                if other_first > last:
                    between = other_first - last - 1
                elif first > other_last:
                    between = first - other_last - 1
                else:
                    continue  # the same words: "a NEAR/3 a" needs two of them
                if between <= self.distance:
                    out.append((field, min(first, other_first), max(last, other_last), spans + other_spans))
        return out or None


class _TextField(_Node):
    def __init__(self, name: str, child: _Node) -> None:
        self.scope = (name,)
        self.child = child

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        return self.child.hits(item, self.scope)


class _ValueField(_Node):
    def __init__(self, name: str, value: str) -> None:
        self.name = name
        if name == "site":
            self.value = host(value)
        elif name == "lang":
            self.value = _lang_tag(value)
        else:
            self.value = fold(value.strip())

    def hits(self, item: _Prepared, scope: tuple[str, ...]) -> list[_Hit] | None:
        written: str = getattr(item.item, self.name)
        if self.name == "site":
            found = host(written)
            ok = bool(self.value) and (found == self.value or found.endswith("." + self.value))
        elif self.name == "lang":
            found = _lang_tag(written)
            ok = found == self.value or found.startswith(self.value + "-")
        else:
            ok = fold(written.strip()) == self.value
        return [(self.name, -1, -1, ((0, len(written)),))] if ok else None


def _compile(node: syntax.Node) -> _Node:
    if isinstance(node, syntax.Term):
        return _Term(node)
    if isinstance(node, syntax.Phrase):
        return _Phrase(node)
    if isinstance(node, syntax.Prefix):
        return _Prefix(node)
    if isinstance(node, syntax.And):
        return _And([_compile(child) for child in node.children])
    if isinstance(node, syntax.Or):
        return _Or([_compile(child) for child in node.children])
    if isinstance(node, syntax.Not):
        return _Not(_compile(node.child))
    if isinstance(node, syntax.Near):
        return _Near(node.distance, _compile(node.left), _compile(node.right))
    if isinstance(node, syntax.Field) and isinstance(node.child, syntax.Value):
        return _ValueField(node.name, node.child.text)
    if isinstance(node, syntax.Field):
        return _TextField(node.name, _compile(node.child))
    raise TypeError(f"a value outside a field: {node!r}")


def _cost(group: Set[str]) -> int:
    """How often a group may be satisfied, roughly: a prefix's three letters often, short
    words more often than long ones."""
    return sum(60 if key.startswith("p:") else max(1, 12 - len(key.split(":", 1)[-1])) for key in group)


def requirements(node: syntax.Node) -> list[frozenset[str]]:
    """Groups of keys: an item the node matches has at least one key of every group among
    its runs' keys (see MonitorSet). Empty for a node that needs no word (NOT, lang:…)."""
    if isinstance(node, syntax.Term):
        if node.word[0] in _TAGS:
            return [frozenset({node.word})]
        return [frozenset({"fr:" + node.stem_fr, "en:" + node.stem_en})]
    if isinstance(node, syntax.Phrase):
        return [frozenset({word}) for word in dict.fromkeys(node.words)]
    if isinstance(node, syntax.Prefix):
        return [frozenset({"p:" + node.start.lstrip("#@")[:3]})]
    if isinstance(node, syntax.And):
        return list(dict.fromkeys(group for child in node.children for group in requirements(child)))
    if isinstance(node, syntax.Near):
        return list(dict.fromkeys(requirements(node.left) + requirements(node.right)))
    if isinstance(node, syntax.Or):
        # One group for the whole OR: whichever side matched satisfied its own groups, so
        # the union of one group per side (its rarest) is satisfied too.
        union: set[str] = set()
        for child in node.children:
            groups = requirements(child)
            if not groups:
                return []
            union |= min(groups, key=_cost)
        return [frozenset(union)]
    if isinstance(node, syntax.Field) and node.name in syntax.TEXT_FIELDS:
        return requirements(node.child)
    return []


class Query:
    """A compiled query. For many items, a MonitorSet of one query is faster than calling
    `match` on each: it skips the items that contain none of the query's words without
    tokenising them."""

    __slots__ = ("_root", "node", "requirements", "text")

    def __init__(self, text: str, node: syntax.Node) -> None:
        self.text = text
        self.node = node
        self.requirements = requirements(node)
        self._root = _compile(node)

    def __repr__(self) -> str:
        return f"Query({self.text!r})"

    def match(self, item: Item) -> Match | None:
        return self._match(_Prepared(item))

    def _match(self, item: _Prepared) -> Match | None:
        found = self._root.hits(item, DEFAULT_SCOPE)
        if found is None:
            return None
        return Match(tuple(sorted({Span(field, start, end) for field, _, _, spans in found for start, end in spans})))


def compile_query(text: str) -> Query:
    """Parses and prepares `text`; raises syntax.QuerySyntaxError."""
    return Query(text, syntax.parse(text))


def _run_keys(run: str, family: str) -> list[str]:
    """Every key a token read from `run` can have in a text of that language family."""
    tag = run[0] if run[0] in _TAGS else ""
    term, stem_fr, stem_en = analyse_run(run[len(tag) :])
    keys = [term, "p:" + term[:3]]
    if family != "en":
        keys.append("fr:" + stem_fr)
    if family != "fr":
        keys.append("en:" + stem_en)
    if tag:
        keys.append(tag + term)
    return keys


class MonitorSet(Generic[K]):
    """Many queries matched at once; `match` returns what each query's own `match` would,
    for the queries that match, in the mapping's order. Not safe to share between threads
    (it remembers the runs it has read)."""

    def __init__(self, queries: Mapping[K, Query]) -> None:
        self._keys = list(queries)
        self._queries = list(queries.values())
        self._index: dict[str, list[int]] = {}  # key -> the groups it satisfies
        self._group_query: list[int] = []
        self._needed: list[int] = []  # per query, how many of its groups must be satisfied
        for number, query in enumerate(self._queries):
            if not query.requirements:
                raise ValueError(f"{query!r} needs no word")  # compile_query refuses those
            self._needed.append(len(query.requirements))
            for group in query.requirements:
                for key in group:
                    self._index.setdefault(key, []).append(len(self._group_query))
                self._group_query.append(number)
        # Per language family ("fr", "en", ""), as the stems a run has depend on it: the
        # runs read so far, and the groups each satisfies (for those that satisfy any).
        self._seen: dict[str, set[str]] = {family: set() for family in ("fr", "en", "")}
        self._satisfies: dict[str, dict[str, tuple[int, ...]]] = {family: {} for family in self._seen}

    def __len__(self) -> int:
        return len(self._queries)

    def _learn(self, runs: Iterable[str], family: str) -> None:
        seen, satisfies = self._seen[family], self._satisfies[family]
        if len(seen) > _CACHE_LIMIT:
            seen.clear()
            satisfies.clear()
        index = self._index
        for run in runs:
            groups = {group for key in _run_keys(run, family) for group in index.get(key, ())}
            if groups:
                satisfies[run] = tuple(groups)
            seen.add(run)

    def candidates(self, item: Item) -> list[int]:
        """The positions of the queries whose every required group the item satisfies."""
        found = set(runs(item.title))
        found.update(runs(item.text))
        if item.author:
            found.update(runs(item.author))
        family = language(item.lang)
        unseen = found - self._seen[family]
        if unseen:
            self._learn(unseen, family)
        satisfies = self._satisfies[family]
        groups: set[int] = set()
        for run in found & satisfies.keys():
            groups.update(satisfies[run])
        if not groups:
            return []
        counts: dict[int, int] = {}
        group_query = self._group_query
        for group in groups:
            number = group_query[group]
            counts[number] = counts.get(number, 0) + 1
        needed = self._needed
        return sorted(number for number, count in counts.items() if count == needed[number])

    def match(self, item: Item) -> list[tuple[K, Match]]:
        numbers = self.candidates(item)
        if not numbers:
            return []
        prepared = _Prepared(item)
        out: list[tuple[K, Match]] = []
        for number in numbers:
            found = self._queries[number]._match(prepared)
            if found is not None:
                out.append((self._keys[number], found))
        return out
