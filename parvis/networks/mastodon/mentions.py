"""Which @mentions a Mastodon reply carries, decided in one place.

At ingestion, `reply_mentions` lists whom a reply to a status must mention: its author,
and for a private message every other participant (Mastodon delivers a direct message
only to the accounts it mentions, and notifies only those a reply mentions). They are
kept as the account's own server names them (`ReplyTarget.extra["mentions"]`): `user`
for an account on that server, `user@domain` for the others.

`missing` says which of them a text does not mention yet. An account of the same server
counts as mentioned written either way, `@fan1` or `@fan1@server` (its local domain or
web host): a reply whose text already names the author in full is never sent as
`@fan1 @fan1@server`. An account of another server must be written in full: Mastodon
resolves a bare `@user` to a local account of that name.

`complete` (the text sent, and counted against the limit) and `prefill` (what the reply
box starts with) both write the missing ones as Mastodon's own interface does: `@fan1`,
`@fan2@other.server`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from parvis.networks.base import ReplyTarget

# What an acct may look like before it is written into a reply as an @mention: it comes
# from the network, and must not smuggle anything else into the text.
ACCT_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[A-Za-z0-9.-]+(?::\d+)?)?$")
_END_OF_DOMAIN = r"(?![\w-]|\.\w)"  # a full stop after the domain is punctuation


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def reply_mentions(status: Any, me: str) -> list[str]:
    """Whom a reply to `status` must @mention, as the account's server names them: its
    author (unless it is the account itself); for a private message every participant
    too (they drop out of the conversation otherwise)."""
    account = status.get("account") or {}
    accts: list[str] = []
    if _id(account.get("id")) != me:
        accts.append(str(account.get("acct") or ""))
    if status.get("visibility") == "direct":
        accts += [str(m.get("acct") or "") for m in status.get("mentions") or [] if _id(m.get("id")) != me]
    return [a for a in dict.fromkeys(accts) if ACCT_RE.match(a)]


def wanted(target: ReplyTarget | None) -> list[str]:
    if target is None:
        return []
    accts = [str(a) for a in (target.extra or {}).get("mentions") or []]
    return [a for a in dict.fromkeys(accts) if ACCT_RE.match(a)]


def names(text: str, acct: str, own_domains: Collection[str] = ()) -> bool:
    """Whether `text` already @mentions exactly `acct` (see the module docstring)."""
    if "@" in acct:
        patterns = [rf"(?<![\w@])@{re.escape(acct)}{_END_OF_DOMAIN}"]
    else:
        patterns = [rf"(?<![\w@])@{re.escape(acct)}(?![\w@])"]
        patterns += [rf"(?<![\w@])@{re.escape(acct)}@{re.escape(domain)}{_END_OF_DOMAIN}"
                     for domain in own_domains if domain]
    return any(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)


def missing(text: str, target: ReplyTarget | None, own_domains: Collection[str] = ()) -> list[str]:
    return [acct for acct in wanted(target) if not names(text, acct, own_domains)]


def complete(text: str, target: ReplyTarget | None, own_domains: Collection[str] = ()) -> str:
    """The text actually sent for a reply: the @mentions it needs in front, unless the
    person already wrote them."""
    needed = missing(text, target, own_domains)
    return " ".join(f"@{acct}" for acct in needed) + f" {text}" if needed else text


def prefill(target: ReplyTarget | None) -> str:
    """What the reply box starts with: the mentions the reply will carry."""
    needed = wanted(target)
    return " ".join(f"@{acct}" for acct in needed) + " " if needed else ""
