"""Business discovery on the fake Graph API (reference/ig-user/business_discovery): a
professional account reads another business or creator account's public profile and
media through a field of its own node,

    GET /{ig-user-id}?fields=business_discovery.username(<name>){followers_count,media.limit(5){...}}

answered as `{"business_discovery": {...}, "id": <ig-user-id>}`. The accounts read this
way are not the workspace's: a test seeds them with `add_discoverable_account` and their
posts with `add_discoverable_media`; they live apart from `instagram_accounts` and
`media`, so nothing else in the fake sees them.

What follows what, and the fake's own choices:
- only the Facebook-Login flavour offers it ("Available for the Instagram API with Facebook
  Login"); with an Instagram-Login token the field is refused as a nonexisting one
  ("(#100) Tried accessing nonexisting field (business_discovery) on node type (User)", the
  wording Graph uses for unknown fields);
- a username that is unknown, or a personal account, answers code 110 / 2207013 "Invalid
  user id" with the user title "Cannot find User" (the answer public clients report);
- `like_count` is left out of a media whose owner hid its likes (IG Media reference);
- the nested `media` edge takes `.limit(n)` (default 25, at most 100) and `.after(cursor)`,
  newest first; its `paging` has cursors and no `next` address, as nested edges answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from parvis.testing.fake_network import Request
from parvis.testing.meta_graph import (
    MetaBase,
    decode_cursor,
    encode_cursor,
    graph_error,
    graph_time,
    parse_fields,
)

DISCOVERY_RE = re.compile(r"business_discovery\.username\(([^)]*)\)")
MEDIA_EDGE_RE = re.compile(r"media((?:\.(?:limit|after)\([^)]*\))*)")


@dataclass
class DiscoverableMedia:
    id: str
    caption: str
    media_type: str  # IMAGE, VIDEO, CAROUSEL_ALBUM
    product_type: str  # FEED, REELS
    created: float
    shortcode: str
    like_count: int = 0
    comments_count: int = 0
    likes_hidden: bool = False


@dataclass
class DiscoverableAccount:
    """Another Instagram account (not connected to parvis), as business discovery shows it."""

    id: str
    username: str
    name: str
    account_type: str  # BUSINESS, MEDIA_CREATOR or PERSONAL (never shown: "Cannot find User")
    followers_count: int = 0
    follows_count: int = 0
    biography: str = ""
    website: str = ""
    media: list[DiscoverableMedia] = field(default_factory=list)

    @property
    def profile_picture_url(self) -> str:
        return f"https://scontent.cdninstagram.com/v/{self.id}.jpg"


class Discovery(MetaBase):
    @property
    def discoverable(self) -> dict[str, DiscoverableAccount]:
        """Username (lower case) -> the account business discovery finds under it."""
        return self.__dict__.setdefault("_discoverable", {})

    # -- test helpers ----------------------------------------------------------------------
    def add_discoverable_account(self, username: str, *, name: str = "", followers_count: int = 0,
                                 follows_count: int = 0, account_type: str = "BUSINESS") -> DiscoverableAccount:
        """Another business account (or `account_type="MEDIA_CREATOR"`, or `"PERSONAL"`, which
        business discovery does not show) that the workspace's accounts can read."""
        with self.lock:
            account = DiscoverableAccount(self.new_id(17_841_500_000_000_000), username, name or username,
                                          account_type, followers_count, follows_count)
            self.discoverable[username.lower()] = account
            return account

    def add_discoverable_media(self, account: DiscoverableAccount, caption: str, *, ago: float = 0.0,
                               like_count: int = 0, comments_count: int = 0, likes_hidden: bool = False,
                               media_type: str = "IMAGE", product_type: str = "FEED") -> DiscoverableMedia:
        """A post of `account`, published `ago` seconds before the fake's clock."""
        with self.lock:
            media = DiscoverableMedia(self.new_id(17_900_000_000_000_000), caption, media_type, product_type,
                                      self.now - ago, f"D{self._counter}", like_count, comments_count,
                                      likes_hidden)
            account.media.append(media)
            return media

    # -- rendering -------------------------------------------------------------------------
    def select(self, values: dict[str, Any], request: Request, default: str) -> dict[str, Any]:
        """An account asked for `business_discovery.username(<name>){...}`: answered apart
        under its plain name, the other fields as usual."""
        fields = request.query.get("fields", "")
        if values.get("__type__") != "IGUser" or "business_discovery." not in fields:
            return super().select(values, request, default)
        if self.auth(request).kind == "instagram":
            raise graph_error("(#100) Tried accessing nonexisting field (business_discovery) on node type (User)",
                              100)
        found: dict[str, Any] = {}
        for name, sub in parse_fields(fields).items():
            match = DISCOVERY_RE.fullmatch(name)
            if match:
                found["business_discovery"] = self.discovered(match.group(1), sub or "id")
        rest = ",".join(name + (f"{{{sub}}}" if sub else "") for name, sub in parse_fields(fields).items()
                        if not name.startswith("business_discovery."))
        return {**self.pick(values, rest or "id"), **found}

    def discovered(self, username: str, spec: str) -> dict[str, Any]:
        """The fields `spec` asks of the account named `username`; its `media` edge may carry
        modifiers in its name (`media.limit(5).after(<cursor>)`)."""
        account = self.discoverable.get(username.lower())
        if account is None or account.account_type == "PERSONAL":
            raise graph_error("Invalid user id", 110, 2207013, title="Cannot find User",
                              user_msg=f"The user with username: {username} cannot be found.", transient=False)
        values: dict[str, Any] = {
            "__type__": "IGUser", "id": account.id, "ig_id": int(account.id) % 10**10,
            "username": account.username, "name": account.name, "profile_picture_url": account.profile_picture_url,
            "followers_count": account.followers_count, "follows_count": account.follows_count,
            "media_count": len(account.media), "biography": account.biography, "website": account.website or None}
        plain, edges = [], {}
        for name, sub in parse_fields(spec).items():
            edge = MEDIA_EDGE_RE.fullmatch(name)
            if edge:
                edges["media"] = self.discovered_page(account, edge.group(1), sub)
            else:
                plain.append(name + (f"{{{sub}}}" if sub else ""))
        return {**self.pick(values, ",".join(plain) or "id"), **edges}

    def discovered_page(self, account: DiscoverableAccount, modifiers: str, sub: str) -> dict[str, Any]:
        media = sorted(account.media, key=lambda m: (m.created, m.id), reverse=True)
        limit_match = re.search(r"\.limit\((\d+)\)", modifiers)
        after_match = re.search(r"\.after\(([^)]*)\)", modifiers)
        limit = max(1, min(int(limit_match.group(1)), 100)) if limit_match else 25
        start = decode_cursor(after_match.group(1)) + 1 if after_match else 0
        chunk = media[start:start + limit]
        page: dict[str, Any] = {"data": [self.pick(self.discovered_media(account, m), sub or "id") for m in chunk]}
        if chunk:
            cursors = {"before": encode_cursor(start), "after": encode_cursor(start + len(chunk) - 1)}
            page["paging"] = {"cursors": cursors}
        return page

    @staticmethod
    def discovered_media(account: DiscoverableAccount, media: DiscoverableMedia) -> dict[str, Any]:
        return {"__type__": "IGMedia", "id": media.id, "caption": media.caption or None,
                "media_type": media.media_type, "media_product_type": media.product_type,
                "timestamp": graph_time(media.created), "permalink": f"https://www.instagram.com/p/{media.shortcode}/",
                "username": account.username, "comments_count": media.comments_count,
                "like_count": None if media.likes_hidden else media.like_count}
