"""Post commentary and comment text in LinkedIn's "little text format".

LinkedIn reads `( ) [ ] { } < > @ | ~ _ * \\ #` as markup. An unescaped one is not
refused: the post goes out and its text is silently cut there. So every reserved
character of what a person wrote is escaped with a backslash, except the two elements
parvis writes on purpose and LinkedIn must read as such:

* mentions, written `@[Name](urn:li:organization:123)` (or a person's URN);
* hashtags, `#` directly followed by a word (`#café`); a `#` alone is escaped.
"""

from __future__ import annotations

import re

RESERVED = frozenset("\\|{}@[]()<>#*_~")

MENTION = re.compile(r"@\[(?P<name>[^\[\]\\]+)\]\((?P<urn>urn:li:(?:person|organization):[A-Za-z0-9_-]+)\)")
HASHTAG = re.compile(r"#\w+")


def escape(text: str) -> str:
    """`text` as little text: shown as written, mentions and hashtags kept."""
    out: list[str] = []
    i = 0
    while i < len(text):
        kept = MENTION.match(text, i) or HASHTAG.match(text, i)
        if kept is not None:
            out.append(kept.group())
            i = kept.end()
            continue
        char = text[i]
        out.append("\\" + char if char in RESERVED else char)
        i += 1
    return "".join(out)


def unescape(little: str) -> str:
    """Little text as a reader sees it: escapes removed, a mention shown as its name."""
    plain = MENTION.sub(lambda m: m["name"], little)
    return re.sub(r"\\(.)", r"\1", plain)
