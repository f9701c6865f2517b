"""Finding links and #hashtags in post text; each network's own mention syntax and way
of counting is in its package (`info.py`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# A URL with a scheme; trailing punctuation belongs to the sentence, not the link.
URL_RE = re.compile(r"https?://[^\s<>\"'\u200b]+", re.IGNORECASE)
TRAILING_PUNCT = ".,;:!?)]}»\"'…"
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


def outside(spans: list[Span], start: int) -> bool:
    return not any(span.start <= start < span.end for span in spans)


def clean_text(value: Any) -> str:
    """Network text without control characters (newlines and tabs are kept); "" when
    the value is not a string (untrusted JSON may hold anything)."""
    return _CONTROLS.sub("", value) if isinstance(value, str) else ""


def byte_offset(text: str, char_index: int) -> int:
    return len(text[:char_index].encode("utf-8"))
