"""Finding links, @mentions and #hashtags in post text, the way networks count them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import grapheme

# A URL with a scheme; trailing punctuation belongs to the sentence, not the link.
URL_RE = re.compile(r"https?://[^\s<>\"'\u200b]+", re.IGNORECASE)
TRAILING_PUNCT = ".,;:!?)]}»\"'…"
# Bluesky handles are domain names: @alice.bsky.social
BSKY_MENTION_RE = re.compile(
    r"(?<![\w@/])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)
# Mastodon mentions: @user or @user@domain
MASTODON_MENTION_RE = re.compile(
    r"(?<![\w/])@([a-zA-Z0-9_]+(?:[a-zA-Z0-9_.-]+[a-zA-Z0-9_]+)?)(@[a-zA-Z0-9.-]+[a-zA-Z0-9])?"
)
HASHTAG_RE = re.compile(r"(?<![\w#&/])#([^\s#.,;:!?()\[\]{}\"'«»…]+)")
# C0/C1 controls except tab and newline: NUL breaks PostgreSQL text columns, the others
# corrupt pages and logs. Bidi overrides are kept: they are legitimate in RTL text and
# escaping in templates already keeps them from leaking across elements.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Span:
    start: int  # character (code point) offsets in the text
    end: int
    kind: str  # "link", "mention", "tag"
    value: str  # the URL, the handle (without @) or the tag (without #)


def _trim_url(url: str) -> str:
    while url and url[-1] in TRAILING_PUNCT:
        # keep a closing parenthesis that closes one opened inside the URL
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def find_links(text: str) -> list[Span]:
    spans = []
    for match in URL_RE.finditer(text):
        url = _trim_url(match.group(0))
        if len(url) > len("https://"):
            spans.append(Span(match.start(), match.start() + len(url), "link", url))
    return spans


def _outside(spans: list[Span], start: int) -> bool:
    return not any(span.start <= start < span.end for span in spans)


def find_bluesky_spans(text: str) -> list[Span]:
    links = find_links(text)
    spans = list(links)
    for match in BSKY_MENTION_RE.finditer(text):
        if _outside(links, match.start()):
            spans.append(Span(match.start(), match.end(), "mention", match.group(1).lower()))
    for match in HASHTAG_RE.finditer(text):
        tag = match.group(1)
        if _outside(links, match.start()) and not tag.isdigit() and grapheme.length(tag) <= 64:
            spans.append(Span(match.start(), match.end(), "tag", tag))
    return sorted(spans, key=lambda s: s.start)


def mastodon_countable_text(text: str, url_length: int) -> str:
    """The text as Mastodon measures it: each http(s) URL counts as `url_length`
    characters, and a remote mention `@user@domain` counts as `@user`."""
    out, cursor = [], 0
    for span in find_links(text):
        out.append(text[cursor:span.start])
        out.append("x" * url_length)
        cursor = span.end
    out.append(text[cursor:])
    joined = "".join(out)
    return MASTODON_MENTION_RE.sub(lambda m: "@" + m.group(1), joined)


def clean_text(value: Any) -> str:
    """Network text without control characters (newlines and tabs are kept); "" when
    the value is not a string (untrusted JSON may hold anything)."""
    return _CONTROLS.sub("", value) if isinstance(value, str) else ""


def byte_offset(text: str, char_index: int) -> int:
    return len(text[:char_index].encode("utf-8"))
