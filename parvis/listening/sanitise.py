"""What a feed or an article page says is untrusted: it is sanitised once, before it is
stored, so that no page ever shows unsanitised feed markup.

Kept: text structure (paragraphs, lists, quotes, code, tables), links and pictures, with
every relative address made absolute against the article's own. Dropped: scripts,
styles, frames, forms, event handlers, `javascript:` and `data:` addresses, classes and
ids (they would pick up parvis's own styles). Links open apart and tell the site nothing
(`noopener noreferrer nofollow`); pictures load lazily without a referrer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import nh3

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
})
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
# Whole elements whose content is not text for a reader.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "form",
                                  "select", "textarea", "button", "svg", "math", "template"})
_SPACE = re.compile(r"\s+")


def _absolute(base: str) -> Callable[[str, str, str], str | None]:
    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            return value
        try:
            address = urljoin(base, value.strip()) if base else value.strip()
            scheme = urlsplit(address).scheme.lower()
        except ValueError:  # "http://[::1" and the like: not an address
            return None
        if scheme in ("http", "https") or (scheme == "mailto" and tag == "a"):
            return address
        return None  # javascript:, data:, relative with no base: dropped

    return rewrite


def clean_html(markup: str, base_url: str = "") -> str:
    """`markup` as HTML that is safe to show in a parvis page."""
    if not markup:
        return ""
    return nh3.clean(
        markup, tags=set(TAGS), clean_content_tags=set(DROPPED_WITH_CONTENT), attributes=ATTRIBUTES,
        attribute_filter=_absolute(base_url), url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow", strip_comments=True,
        set_tag_attribute_values={"img": {"loading": "lazy", "referrerpolicy": "no-referrer"}},
    ).strip()


def plain_text(markup: str) -> str:
    """The text of `markup`, without tags, entities resolved, spaces collapsed."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return _SPACE.sub(" ", markup).strip()
    stripped = nh3.clean(markup, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    return _SPACE.sub(" ", html.unescape(stripped)).strip()


def excerpt(markup: str, limit: int = 280) -> str:
    """The start of `markup`'s text, cut at a word, for a preview or a post."""
    text = plain_text(markup)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"
