"""LinkedIn's "little text format" as the loopback fake reads it (post commentary and
comment text).

Reserved characters (backslash, ``| { } @ [ ] ( ) < > # * _ ~``) must be backslash-escaped
to be shown as plain text. LinkedIn does not refuse a text with an unescaped one: it
answers success and silently cuts the shown text at that character. The fake does the
same, so a connector that forgets to escape is caught by what the post shows.

Kept as elements: mentions ``@[Name](urn:li:organization:123)`` (shown as ``Name``), the
hashtag template ``{hashtag|\\#|tag}`` and a plain ``#tag`` (both shown as ``#tag``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RESERVED = frozenset("\\|{}@[]()<>#*_~")

_MENTION = re.compile(r"@\[(?P<name>[^\]\\\[]*)\]\((?P<urn>urn:li:(?:person|organization):[A-Za-z0-9_-]+)\)")
_HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\#\|(?P<tag>[^{}|\\]+)\}")
_HASHTAG = re.compile(r"#(?P<tag>\w+)")


@dataclass(frozen=True)
class LittleText:
    stored: str  # the little text LinkedIn keeps: the text sent, up to the cut
    shown: str  # what a reader sees
    mentions: tuple[str, ...]  # URNs
    hashtags: tuple[str, ...]
    cut: bool  # an unescaped reserved character ended the text early


def read_little_text(text: str) -> LittleText:
    shown: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 < len(text) and text[i + 1] in RESERVED:
                shown.append(text[i + 1])
                i += 2
                continue
            break
        element = _element_at(text, i)
        if element is not None:
            end, piece, mention, hashtag = element
            shown.append(piece)
            mentions.extend(mention)
            hashtags.extend(hashtag)
            i = end
            continue
        if char in RESERVED:
            break
        shown.append(char)
        i += 1
    return LittleText(text[:i], "".join(shown), tuple(mentions), tuple(hashtags), i < len(text))


def _element_at(text: str, i: int) -> tuple[int, str, list[str], list[str]] | None:
    """A mention or a hashtag starting at `i`: (end, shown piece, mentions, hashtags)."""
    if (match := _MENTION.match(text, i)) is not None:
        return match.end(), match["name"], [match["urn"]], []
    if (match := _HASHTAG_TEMPLATE.match(text, i)) is not None:
        return match.end(), "#" + match["tag"], [], [match["tag"]]
    if (match := _HASHTAG.match(text, i)) is not None:
        return match.end(), match.group(), [], [match["tag"]]
    return None


def escape_little_text(text: str) -> str:
    """Plain text made safe for the little format (a test helper; connectors have their own)."""
    return "".join("\\" + char if char in RESERVED else char for char in text)
