"""Rows the analytics tests start from: published posts, and a connector whose figures
the test writes (the network clients themselves are tested at the HTTP level in their
packages, `tests/test_metrics.py` or `test_connector.py`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from parvis.networks.base import NetworkError
from parvis.publishing.models import Post, Publication, State


class ScriptedMetrics:
    """Answers `fetch_metrics` / `fetch_account_metrics` from dictionaries the test
    fills (per remote id), or raises the error it sets."""

    def __init__(self) -> None:
        self.posts: dict[str, dict[str, int]] = {}
        self.account: dict[str, int] = {}
        self.error: NetworkError | None = None
        self.asked: list[list[str]] = []

    def fetch_metrics(self, remote_ids: Any) -> dict[str, dict[str, int]]:
        self.asked.append(list(remote_ids))
        if self.error:
            raise self.error
        return {rid: dict(self.posts[rid]) for rid in remote_ids if rid in self.posts}

    def fetch_account_metrics(self) -> dict[str, int]:
        if self.error:
            raise self.error
        return dict(self.account)


def published(account: Any, when: datetime, text: str = "Notre nouvelle fournée", remote_id: str = "") -> Publication:
    post = Post.objects.create(workspace=account.workspace, text=text, scheduled_at=when)
    return Publication.objects.create(post=post, account=account, state=State.PUBLISHED, published_at=when,
                                      due_at=when, remote_id=remote_id or uuid.uuid4().hex,
                                      remote_url=f"https://example.test/p/{uuid.uuid4().hex[:8]}")
