"""What the account can do to an inbound post or its author on Mastodon.

Favourites and boosts act on a status (``POST /api/v1/statuses/:id/favourite`` ...);
Mastodon makes each idempotent (favouriting twice leaves one favourite), so a retry after
a timeout is safe. Mute and block act on the author's account, also idempotently. A
report (``POST /api/v1/reports``) files one report per call and is never forwarded to the
author's server. Mastodon has no way for an account to hide a reply (HIDE/UNHIDE are not
offered).

A refusal of the server for this post or account (403 "This action is not allowed") is a
permanent error about the action, not a reason to ask for a reconnection: only a 403
about the token's scope is.

Known difference of mastodon-mock (0.6.x) from Mastodon: a direct or followers-only
status can be boosted there (Mastodon answers 403); boosting one is refused here before
asking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, InboundItem, Moderation, NetworkError, RemoteAuthor
from parvis.networks.mastodon.client import api_detail, call, http_status
from parvis.networks.mastodon.content import clean_text

if TYPE_CHECKING:
    from mastodon import Mastodon

REPORT_COMMENT_MAX = 1000  # Mastodon rejects longer report comments

MODERATIONS = frozenset({
    Moderation.LIKE, Moderation.UNLIKE, Moderation.BOOST, Moderation.UNBOOST,
    Moderation.MUTE, Moderation.BLOCK, Moderation.REPORT,
})
_ON_STATUS = {
    Moderation.LIKE: "status_favourite", Moderation.UNLIKE: "status_unfavourite",
    Moderation.BOOST: "status_reblog", Moderation.UNBOOST: "status_unreblog",
}


class MastodonModeration:
    """Moderation actions for one account, through its Mastodon.py client."""

    def __init__(self, client: Mastodon) -> None:
        self.client = client

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor,
                 reason: str = "") -> None:
        if action not in MODERATIONS:
            raise NetworkError(
                Text.gettext("Mastodon does not offer this action (%(action)s).", action=action.value),
                ErrorKind.PERMANENT,
            )
        if action in _ON_STATUS:
            if item is None:
                raise NetworkError(Text.gettext("This action needs a post."), ErrorKind.PERMANENT)
            if action is Moderation.BOOST and item.extra.get("visibility") in ("direct", "private"):
                # Mastodon refuses it too; never risk making a private message public.
                raise NetworkError(Text.gettext("A private post cannot be boosted."), ErrorKind.PERMANENT)
            self._act(getattr(self.client, _ON_STATUS[action]), item.remote_id)
        elif action is Moderation.MUTE:
            self._act(self.client.account_mute, author.remote_id)
        elif action is Moderation.BLOCK:
            self._act(self.client.account_block, author.remote_id)
        else:
            # Mastodon only takes the reported account's own statuses as evidence.
            evidence = [item.remote_id] if item and item.author.remote_id == author.remote_id else None
            self._act(
                self.client.report, author.remote_id, status_ids=evidence,
                comment=clean_text(reason).strip()[:REPORT_COMMENT_MAX] or None,
                # Forwarding sends the report (and the brand's name) to the author's
                # server's moderators: a choice to offer a person, not a default.
                forward=False,
            )

    def _act(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            call(self.client, fn, *args, write=True, **kwargs)
        except NetworkError as exc:
            # Mastodon answers 403 "This action is not allowed" for what this post or
            # account refuses (boosting a private post...): that is no reason to ask for
            # a reconnection, unlike a token lacking a scope.
            detail = api_detail(exc)
            if http_status(exc) == 403 and "scope" not in detail.lower():
                raise NetworkError(
                    Text.gettext("Mastodon does not allow this action here (%(detail)s).", detail=detail),
                    ErrorKind.PERMANENT,
                ) from exc
            raise


__all__ = ["MODERATIONS", "REPORT_COMMENT_MAX", "MastodonModeration"]
