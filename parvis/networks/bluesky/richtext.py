"""Bluesky rich text: links, mentions and hashtags become facets with UTF-8 byte offsets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grapheme

from parvis.networks.bluesky.info import MENTION_RE
from parvis.networks.text import HASHTAG_RE, Span, byte_offset, find_links, outside


def build_facets(text: str, resolve_handle: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Facets for `text`. A mention whose handle does not resolve stays plain text (the
    network would show it as text anyway), rather than failing the post."""
    facets = []
    for span in find_spans(text):
        if span.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": span.value}
        elif span.kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.value}
        else:
            did = resolve_handle(span.value)
            if not did:
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        facets.append({
            "index": {"byteStart": byte_offset(text, span.start), "byteEnd": byte_offset(text, span.end)},
            "features": [feature],
        })
    return facets


def find_spans(text: str) -> list[Span]:
    links = find_links(text)
    spans = list(links)
    for match in MENTION_RE.finditer(text):
        if outside(links, match.start()):
            spans.append(Span(match.start(), match.end(), "mention", match.group(1).lower()))
    for match in HASHTAG_RE.finditer(text):
        tag = match.group(1)
        if outside(links, match.start()) and not tag.isdigit() and grapheme.length(tag) <= 64:
            spans.append(Span(match.start(), match.end(), "tag", tag))
    return sorted(spans, key=lambda s: s.start)
