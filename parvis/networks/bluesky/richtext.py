"""Bluesky rich text: links, mentions and hashtags become facets with UTF-8 byte offsets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from parvis.networks.text import byte_offset, find_bluesky_spans


def build_facets(text: str, resolve_handle: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Facets for `text`. A mention whose handle does not resolve stays plain text (the
    network would show it as text anyway), rather than failing the post."""
    facets = []
    for span in find_bluesky_spans(text):
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
