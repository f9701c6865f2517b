from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from parvis.publishing.actions import Upload, save_post
from parvis.publishing.models import Post, Publication
from parvis.publishing.validation import PostInput


def schedule(workspace: Any, author: Any, accounts: list[Any], text: str, *, delay: float = -1,
             uploads: tuple[Upload, ...] = (), options: dict[str, dict[str, Any]] | None = None) -> Post:
    """A post due `delay` seconds from now (past-due by default, so it runs at once), with
    its post options per network (`{"wordpress": {"title": …}}`), cleaned by their forms."""
    when = timezone.now() + timedelta(seconds=delay)
    post = save_post(workspace, author, PostInput(text=text, accounts=accounts, mode="schedule",
                                                  scheduled_at=timezone.now() + timedelta(minutes=5),
                                                  options=dict(options or {})),
                     uploads)
    post.publications.update(due_at=when, next_attempt_at=when)
    return post


def pub(post: Post) -> Publication:
    return post.publications.get()
