"""Status HTML (and other network text) turned into plain, storable text.

Mastodon serves a status as HTML: its own server sanitises it, but what another server
federated may be anything, so it is parsed as untrusted. The result is text, never
markup: tags are dropped (even broken or unterminated ones), entities are decoded (an
author who typed `<script>` gets the text `<script>` back, which the templates escape),
and characters no database or page should hold are removed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from parvis.networks.text import clean_text

# Elements whose content is code or metadata, never text for a person to read.
_SKIPPED = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object"})
# Elements that start a new paragraph when text came before them.
_BLOCKS = frozenset({
    "p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr",
})
_MANY_NEWLINES = re.compile(r"\n{3,}")
# An unterminated tag, comment or declaration left over at the end of the input.
_DANGLING_TAG = re.compile(r"<[A-Za-z/!?]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def _has_text(self) -> bool:
        return any(part.strip() for part in self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif self._skipping:
            return
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS and self._has_text():
            self.parts.append("\n" if tag == "li" else "\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)

    def close(self) -> None:
        # HTMLParser hands an unterminated trailing tag (`<img src=x onerror=...`) to
        # handle_data on close: it is broken markup, not something the author wrote.
        leftover = getattr(self, "rawdata", "")
        if _DANGLING_TAG.match(leftover):
            self.rawdata = ""
        super().close()


def html_to_text(content_html: str) -> str:
    """The text of a status's HTML content: paragraphs become blank lines, `<br>` a
    newline, links their visible text; no markup survives."""
    parser = _TextExtractor()
    parser.feed(content_html or "")
    parser.close()
    text = clean_text("".join(parser.parts)).replace("\r\n", "\n").replace("\r", "\n")
    return _MANY_NEWLINES.sub("\n\n", text).strip()
