"""parvis's own short links: a post's links, as sent to a network, point to
`<PARVIS_BASE_URL>/l/<code>`; a click is counted (no cookie, nothing about the person
kept: a count per link and day) and sent on to the link as written, with the UTM
parameters of the network and the post's campaign.

One code per post × network × link, made once: a publication retried (or reconciled
against what the network holds) sends exactly the same text.

Not every request is a click: link-card fetchers (every Mastodon server that shows the
post fetches its links), crawlers, HEAD requests and browsers' prefetches are sent on
without being counted.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from parvis.analytics.models import LinkClicks, ShortLink
from parvis.networks import registry
from parvis.publishing.utm import tag_url

ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 7  # 62^7 ≈ 3.5e12: not guessable by walking through them
CODE_RE = re.compile(rf"[A-Za-z0-9]{{{CODE_LENGTH}}}")
# User agents of crawlers, messaging apps' card fetchers and scripts (lower case, any
# part of the string); each network adds its own (NetworkInfo.link_preview_agents).
NOT_PEOPLE = ("bot", "crawler", "spider", "preview", "whatsapp", "telegram", "slack", "discord", "embedly",
              "curl/", "wget/", "python-", "httpx", "go-http-client", "headless")


def path_of(code: str) -> str:
    return f"/l/{code}"


def base_url() -> str:
    return settings.PARVIS_BASE_URL


def placeholder() -> str:
    """A link of a short link's length: what the composer measures before the post is
    saved (the code is made when the post is sent)."""
    return base_url() + path_of("x" * CODE_LENGTH)


def shorten(post: object, network: str, url: str) -> str:
    """The short address of `url` in `post` sent to `network` (made once)."""
    from parvis.publishing.models import Post

    assert isinstance(post, Post)
    found = (ShortLink.objects.filter(post=post, network=network, target_key=key_of(url))
             .values_list("code", flat=True).first())
    if found is None:
        found = _create(post, network, url)
    return base_url() + path_of(found)


def _create(post: object, network: str, url: str) -> str:
    from parvis.publishing.models import Post

    assert isinstance(post, Post)
    for _attempt in range(5):
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                ShortLink.objects.create(code=code, workspace_id=post.workspace_id, post=post, network=network,
                                         target=url, target_key=key_of(url))
            return code
        except IntegrityError:
            # Another worker made this post's link at the same moment (its code wins), or
            # the code was taken (drawn again).
            made = (ShortLink.objects.filter(post=post, network=network, target_key=key_of(url))
                    .values_list("code", flat=True))
            if made:
                return made[0]
    raise RuntimeError("no free short code after five draws")


def key_of(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def is_person(method: str, user_agent: str, purpose: str) -> bool:
    """Whether a request for a short link is someone following it."""
    if method != "GET" or "prefetch" in purpose.lower():
        return False
    agent = user_agent.lower()
    return bool(agent) and not any(word in agent for word in _not_people())


@cache
def _not_people() -> tuple[str, ...]:
    return NOT_PEOPLE + tuple(agent for info in registry.NETWORKS.values() for agent in info.link_preview_agents)


def follow(code: str, *, count: bool, now: datetime | None = None) -> str | None:
    """Where a short link leads (the link as written, with UTM), counting the click when
    `count`; None for a code that names nothing."""
    if not CODE_RE.fullmatch(code):
        return None
    link = (ShortLink.objects.filter(code=code).select_related("post__campaign")
            .only("pk", "target", "network", "post__campaign__slug").first())
    if link is None:
        return None
    if count:
        now = now or timezone.now()
        ShortLink.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1, last_click_at=now)
        _count_day(link.pk, now)
    campaign = link.post.campaign.slug if link.post.campaign else None
    return tag_url(link.target, link.network, campaign)


def _count_day(link_id: int, now: datetime) -> None:
    day = now.date()
    if LinkClicks.objects.filter(link_id=link_id, day=day).update(clicks=F("clicks") + 1):
        return
    try:
        with transaction.atomic():
            LinkClicks.objects.create(link_id=link_id, day=day, clicks=1)
    except IntegrityError:  # the day's row was made by a click at the same moment
        LinkClicks.objects.filter(link_id=link_id, day=day).update(clicks=F("clicks") + 1)
