"""UTM parameters on links, when the workspace's charter asks for them: the text a network
receives is the text as written, each http(s) link tagged with where it was posted
(utm_source = the network, utm_medium = social, utm_campaign = the post's campaign)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings

from parvis.accounts.models import Workspace
from parvis.networks.text import find_links
from parvis.publishing.models import Charter, Post
from parvis.publishing.types import PostInput

MEDIUM = "social"


def tag_url(url: str, source: str, campaign: str | None) -> str:
    """Add the missing utm_* parameters; the URL's own query and fragment are kept as they
    are, and a utm_* it already has wins (someone chose it on purpose)."""
    # Split by hand rather than urlsplit/urlunsplit, which would normalise the rest of
    # the URL (an empty "#", a "?" with nothing after it).
    head, hash_mark, fragment = url.partition("#")
    base, _question, query = head.partition("?")
    present = {key.lower() for key, _value in parse_qsl(query, keep_blank_values=True)}
    wanted = [("utm_source", source), ("utm_medium", MEDIUM)]
    if campaign:
        wanted.append(("utm_campaign", campaign))
    added = urlencode([(key, value) for key, value in wanted if key not in present])
    if not added:
        return url
    separator = "" if not query or query.endswith("&") else "&"
    return f"{base}?{query}{separator}{added}{hash_mark}{fragment}"


def add_utm(text: str, network: str, campaign_slug: str | None) -> str:
    """`text` with every http(s) link tagged. Links are found the way networks find them,
    so punctuation after a link ("voir https://x.fr/a." or "(https://x.fr/a)") stays out
    of it, and mentions and hashtags are never touched."""
    return replace_links(text, lambda url: tag_url(url, network, campaign_slug))


def _charter_flag(workspace: Workspace | None, name: str) -> bool:
    if workspace is None or workspace.pk is None:
        return False
    try:
        return bool(getattr(workspace.charter, name))
    except Charter.DoesNotExist:
        return False


def utm_enabled(workspace: Workspace | None) -> bool:
    return _charter_flag(workspace, "utm_enabled")


def short_links_enabled(workspace: Workspace | None) -> bool:
    """Links go through parvis's short links (they need the address people reach it at)."""
    return bool(settings.PARVIS_BASE_URL) and _charter_flag(workspace, "short_links")


def replace_links(text: str, replace: Callable[[str], str]) -> str:
    out, cursor = [], 0
    for span in find_links(text):
        out += [text[cursor:span.start], replace(span.value)]
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


def _shortener() -> Any:
    """The module that makes short links (settings.PARVIS_LINK_SHORTENER: analytics's),
    named in the settings so that publishing does not depend on the app above it."""
    return import_module(settings.PARVIS_LINK_SHORTENER)


def final_text(post: Post, network: str, utm: bool | None = None, *, short: bool | None = None,
               sending: bool = False) -> str:
    """What is sent to `network` for this post. `utm`, `short`: whether the workspace
    tags links and shortens them, when already read (the engine's claim); None reads the
    charter. Short links are made only when `sending`; a preview shows a link of their
    length instead (previews must not write)."""
    text = post.text_for(network)
    if short_links_enabled(post.workspace) if short is None else (short and bool(settings.PARVIS_BASE_URL)):
        # The UTM parameters are added when the short link is followed.
        shortener = _shortener()
        return replace_links(text, (lambda url: shortener.shorten(post, network, url)) if sending
                             else (lambda _url: shortener.placeholder()))
    if not (utm_enabled(post.workspace) if utm is None else utm):
        return text
    return add_utm(text, network, post.campaign.slug if post.campaign else None)


def final_input_text(data: PostInput, network: str) -> str:
    """The same, for a post being written or checked (not saved yet): what validation
    must measure, since the tagged (or shortened) links count towards the network's
    length limit."""
    text = data.variants.get(network) or data.text
    if short_links_enabled(data.workspace):
        placeholder = _shortener().placeholder()
        return replace_links(text, lambda _url: placeholder)
    if not utm_enabled(data.workspace):
        return text
    return add_utm(text, network, data.campaign.slug if data.campaign else None)
