"""A post's text as the HTML body of a WordPress article.

The text is what a person typed, so everything in it is escaped: `<script>` stays text.
The only markup is ours: paragraphs at blank lines, `<br>` at single line breaks, links
made clickable (`rel="nofollow noopener"`), and the post's images as figures with their
alt text. (No HTML sanitiser is in the lock: escaping everything needs none.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from parvis.networks.text import find_links

_BLANK_LINE = re.compile(r"\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Figure:
    media_id: int
    url: str
    alt: str


def _linked(line: str) -> str:
    out, cursor = [], 0
    for span in find_links(line):
        out.append(escape(line[cursor:span.start]))
        url = escape(span.value, quote=True)
        out.append(f'<a href="{url}" rel="nofollow noopener">{escape(span.value)}</a>')
        cursor = span.end
    out.append(escape(line[cursor:]))
    return "".join(out)


def paragraphs(text: str) -> list[str]:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return [block.strip("\n") for block in _BLANK_LINE.split(normalised) if block.strip()]


def article_html(text: str, figures: list[Figure]) -> str:
    """The body: one `<p>` per paragraph, then the images."""
    parts = ["<p>" + "<br>\n".join(_linked(line) for line in block.split("\n")) + "</p>"
             for block in paragraphs(text)]
    parts += [f'<figure class="wp-block-image"><img src="{escape(f.url, quote=True)}" '
              f'alt="{escape(f.alt, quote=True)}" class="wp-image-{f.media_id}"/></figure>'
              for f in figures]
    return "\n\n".join(parts)
