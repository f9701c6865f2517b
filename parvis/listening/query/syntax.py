"""The monitors' query language: a tokenizer and a recursive-descent parser to a small AST.

    query   := or
    or      := and (("OR" | "OU") and)*
    and     := near (["AND" | "ET"] near)*         adjacent operands are ANDed
    near    := unary (("NEAR/n" | "PRES/n") unary)*  n in 1..50; bare NEAR means NEAR/5
    unary   := ("NOT" | "SAUF" | "-") unary | primary
    primary := "(" or ")" | text-field ":" unary | value-field ":" value | "phrase" | prefix* | word

Precedence: NOT > NEAR > AND > OR (a field binds tightest: "title:a b" is title:a AND b,
"title:-a" is title:(NOT a)). Operators are recognised only in upper case, so "et",
"ou" and "or" (gold) in lower case are words; to look for the word "OR" itself, write it
in lower case or in quotes. Fields: title: author: (French titre: auteur:) apply to a word,
a phrase or a group; site: lang: network: (langue: réseau:) take one value; a space after
the colon is allowed, and "Attention:" followed by a space is a word. Quotes: "…", “…”,
«…». Words are normalised as texts are (normalise.py): a word that normalises to several
words ("Saint-Étienne", "aujourd'hui") is a phrase of them; one that normalises to
nothing ("&", "!") is ignored.

NEAR/n matches when at most n other words separate its two sides, in either order. A query
must look for at least one word: every item it can match contains one of its words, which
is also what lets MonitorSet skip it for items that contain none ("-promo", "NOT a OR b"
and "lang:fr" alone are refused).

Errors are `QuerySyntaxError(message, position)`: a message for people, and the offset of
the character in the query it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from parvis.listening.query.normalise import fold, tokens

MAX_LENGTH = 2000
MAX_DEPTH = 30  # nested parentheses and NOTs: the parser recurses
DEFAULT_NEAR = 5
MAX_NEAR = 50
TEXT_FIELDS = ("title", "author")
VALUE_FIELDS = ("site", "lang", "network")
FIELD_ALIASES = {
    "title": "title", "titre": "title", "author": "author", "auteur": "author", "site": "site",
    "lang": "lang", "langue": "lang", "network": "network", "reseau": "network",
}
_OPERATORS = {"AND": "and", "ET": "and", "OR": "or", "OU": "or", "NOT": "not", "SAUF": "not"}
_NEAR = re.compile(r"(NEAR|PRES|PRÈS)(?:/(.*))?")
_FIELD = re.compile(r"([^\W\d_]+):(.*)", re.DOTALL)
_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}
_WORD_END = frozenset("()") | frozenset(_QUOTES)


class QuerySyntaxError(ValueError):
    """The query cannot be read; `message` is for people, `position` is the offset of the
    character it is about."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Term:
    """One word, stemmed. `word` is normalised, with "#" or "@" in front for a term that
    matches only hashtags or mentions (which are not stemmed)."""

    word: str
    stem_fr: str = ""
    stem_en: str = ""


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words side by side, in order, not stemmed (each as Term.word)."""

    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Prefix:
    start: str  # normalised, at least 3 letters; "#" or "@" in front as for Term


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Near:
    distance: int
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Value:
    text: str  # as written, for site:, lang: and network:


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # one of TEXT_FIELDS + VALUE_FIELDS
    child: Node


Node = Term | Phrase | Prefix | And | Or | Not | Near | Field | Value


def describe(node: Node) -> str:
    """A compact, unambiguous rendering: how the query was understood (tests, the lab)."""
    if isinstance(node, Term):
        return node.word
    if isinstance(node, Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, Prefix):
        return node.start + "*"
    if isinstance(node, And | Or):
        name = "AND" if isinstance(node, And) else "OR"
        return f"({name} " + " ".join(describe(child) for child in node.children) + ")"
    if isinstance(node, Not):
        return f"(NOT {describe(node.child)})"
    if isinstance(node, Near):
        return f"(NEAR/{node.distance} {describe(node.left)} {describe(node.right)})"
    if isinstance(node, Field):
        return f"{node.name}:{describe(node.child)}"
    return node.text


def anchored(node: Node) -> bool:
    """Whether every item the node matches contains at least one of its words."""
    if isinstance(node, Term | Phrase | Prefix):
        return True
    if isinstance(node, And):
        return any(anchored(child) for child in node.children)
    if isinstance(node, Or):
        return all(anchored(child) for child in node.children)
    if isinstance(node, Near):
        return True
    if isinstance(node, Field):
        return node.name in TEXT_FIELDS and anchored(node.child)
    return False


def positional(node: Node) -> bool:
    """Whether the node's matches have a place among the words (what NEAR measures)."""
    if isinstance(node, Term | Phrase | Prefix | Near):
        return True
    if isinstance(node, Or):
        return all(positional(child) for child in node.children)
    if isinstance(node, Field):
        return node.name in TEXT_FIELDS and positional(node.child)
    return False


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: str  # word, phrase, prefix, value, field, (, ), and, or, not, near
    text: str  # as written
    position: int
    distance: int = 0  # of a "near"
    name: str = ""  # of a "field": its canonical name


def _near_distance(text: str, position: int) -> int | None:
    found = _NEAR.fullmatch(text)
    if found is None:
        return None
    if found.group(2) is None:
        return DEFAULT_NEAR
    number = found.group(2)
    if not number.isascii() or not number.isdigit() or not 1 <= int(number) <= MAX_NEAR:
        raise QuerySyntaxError(_("NEAR/n takes a number from 1 to 50"), position)
    return int(number)


def _lex(query: str) -> list[_Lexeme]:
    out: list[_Lexeme] = []
    i, size = 0, len(query)
    while i < size:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            out.append(_Lexeme(ch, ch, i))
            i += 1
        elif ch in _QUOTES:
            close = query.find(_QUOTES[ch], i + 1)
            if close < 0:
                raise QuerySyntaxError(_("This quote is never closed"), i)
            out.append(_Lexeme("phrase", query[i + 1 : close], i))
            i = close + 1
        elif ch == "-" and i + 1 < size and not query[i + 1].isspace() and query[i + 1] != "-":
            out.append(_Lexeme("not", "-", i))
            i += 1
        else:
            end = i
            while end < size and not query[end].isspace() and query[end] not in _WORD_END:
                end += 1
            word = query[i:end]
            field = _FIELD.fullmatch(word)
            if field is not None:
                name = FIELD_ALIASES.get(fold(field.group(1)))
                follows = query[end] if end < size else ""
                if name is not None:
                    written = field.group(1) + ":"
                    out.append(_Lexeme("field", written, i, name=name))
                    i += len(written)
                    if name in VALUE_FIELDS:
                        i = _lex_value(query, i, written, out)
                    continue  # a text field's operand is read as usual
                if field.group(2) or follows == "(" or follows in _QUOTES:
                    raise QuerySyntaxError(
                        _("Unknown field “%(name)s”: use title:, author:, site:, lang: or network:")
                        % {"name": field.group(1)}, i)
                # "Attention:" followed by a space is a word
            if word in _OPERATORS:
                out.append(_Lexeme(_OPERATORS[word], word, i))
            elif (distance := _near_distance(word, i)) is not None:
                out.append(_Lexeme("near", word, i, distance))
            elif word.endswith("*") and len(word) > 1:
                out.append(_Lexeme("prefix", word[:-1], i))
            else:
                out.append(_Lexeme("word", word, i))
            i = end
    return out


def _lex_value(query: str, i: int, written: str, out: list[_Lexeme]) -> int:
    """Reads the one value of site:, lang: or network: (bare or quoted; a space may come
    after the colon); returns where reading goes on."""
    size = len(query)
    start = i
    while i < size and query[i].isspace():
        i += 1
    if i < size and query[i] in _QUOTES:
        close = query.find(_QUOTES[query[i]], i + 1)
        if close < 0:
            raise QuerySyntaxError(_("This quote is never closed"), i)
        value, at, i = query[i + 1 : close].strip(), i + 1, close + 1
    else:
        at = i
        while i < size and not query[i].isspace() and query[i] not in _WORD_END:
            i += 1
        value = query[at:i]
    if not value:
        raise QuerySyntaxError(_("Nothing after “%(word)s”") % {"word": written}, start - len(written))
    out.append(_Lexeme("value", value, at))
    return i


def _words(text: str) -> list[str]:
    return [token.tag + token.term for token in tokens(text)]


def _combine(kind: type[And] | type[Or], children: list[Node | None]) -> Node | None:
    kept: list[Node] = []
    for child in children:
        if child is None:
            continue
        # a AND (b AND c) is a AND b AND c: flatter trees evaluate faster and read better
        kept.extend(child.children if isinstance(child, And | Or) and type(child) is kind else [child])
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else kind(tuple(kept))


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.lexemes = _lex(query)
        self.index = 0
        self.depth = 0

    def peek(self) -> _Lexeme | None:
        return self.lexemes[self.index] if self.index < len(self.lexemes) else None

    def take(self) -> _Lexeme:
        lexeme = self.lexemes[self.index]
        self.index += 1
        return lexeme

    def parse(self) -> Node:
        node = self.parse_or()
        extra = self.peek()
        if extra is not None:  # only a ")" stops parse_or early
            raise QuerySyntaxError(_("Unbalanced parenthesis"), extra.position)
        if node is None or not anchored(node):
            raise QuerySyntaxError(_("A monitor needs at least one word to look for"), 0)
        return node

    def parse_or(self) -> Node | None:
        children = [self.parse_and()]
        while (lexeme := self.peek()) is not None and lexeme.kind == "or":
            self.take()
            children.append(self.parse_and())
        return _combine(Or, children)

    def parse_and(self) -> Node | None:
        children = [self.parse_near()]
        while (lexeme := self.peek()) is not None and lexeme.kind not in ("or", ")"):
            if lexeme.kind == "and":
                self.take()
            children.append(self.parse_near())
        return _combine(And, children)

    def parse_near(self) -> Node | None:
        left = self.parse_unary()
        while (lexeme := self.peek()) is not None and lexeme.kind == "near":
            self.take()
            right = self.parse_unary()
            if left is None or right is None:
                left = left or right
                continue
            if not (positional(left) and positional(right)):
                raise QuerySyntaxError(_("NEAR joins words, phrases or groups of them with OR"), lexeme.position)
            left = Near(lexeme.distance, left, right)
        return left

    def parse_unary(self) -> Node | None:
        lexeme = self.peek()
        if lexeme is None or lexeme.kind != "not":
            return self.parse_primary()
        self.take()
        self.enter(lexeme)
        child = self.parse_unary()
        self.depth -= 1
        return None if child is None else Not(child)

    def enter(self, lexeme: _Lexeme) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(_("This query is nested too deeply"), lexeme.position)

    def parse_primary(self) -> Node | None:
        lexeme = self.peek()
        if lexeme is None or lexeme.kind in ("and", "or", "near", ")"):
            self.missing_operand(lexeme)
        assert lexeme is not None  # missing_operand raised otherwise
        self.take()
        if lexeme.kind == "(":
            self.enter(lexeme)
            inner = self.parse_or()
            self.depth -= 1
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QuerySyntaxError(_("Unbalanced parenthesis"), lexeme.position)
            self.take()
            return inner
        if lexeme.kind == "field":
            if lexeme.name in VALUE_FIELDS:
                return Field(lexeme.name, Value(self.take().text))
            self.enter(lexeme)
            child = self.parse_unary()  # title:-promo
            self.depth -= 1
            return None if child is None else Field(lexeme.name, child)
        if lexeme.kind == "prefix":
            return self.prefix(lexeme)
        words = _words(lexeme.text)
        if not words:
            return None
        if len(words) > 1 or lexeme.kind == "phrase":
            return Phrase(tuple(words))
        found = tokens(lexeme.text)[0]
        return Term(words[0], found.stem_fr, found.stem_en) if not found.tag else Term(words[0])

    def missing_operand(self, lexeme: _Lexeme | None) -> None:
        before = self.lexemes[self.index - 1] if self.index else None
        if before is not None and before.kind != "(":  # an operator or a field
            raise QuerySyntaxError(_("Nothing after “%(word)s”") % {"word": before.text}, before.position)
        if lexeme is None:
            if before is None:
                raise QuerySyntaxError(_("A monitor needs at least one word to look for"), 0)
            raise QuerySyntaxError(_("Unbalanced parenthesis"), before.position)
        if lexeme.kind == ")":
            if before is None:
                raise QuerySyntaxError(_("Unbalanced parenthesis"), lexeme.position)
            raise QuerySyntaxError(_("Nothing after “%(word)s”") % {"word": "("}, before.position)
        raise QuerySyntaxError(_("Nothing before “%(word)s”") % {"word": lexeme.text}, lexeme.position)

    def prefix(self, lexeme: _Lexeme) -> Node:
        words = _words(lexeme.text)
        if len(words) != 1 or len(words[0].lstrip("#@")) < 3:
            raise QuerySyntaxError(_("A prefix* needs one word of at least 3 letters before the *"), lexeme.position)
        return Prefix(words[0])


def parse(query: str) -> Node:
    """The AST of `query`; raises QuerySyntaxError."""
    if len(query) > MAX_LENGTH:
        raise QuerySyntaxError(_("This query is too long"), MAX_LENGTH)
    return _Parser(query).parse()
