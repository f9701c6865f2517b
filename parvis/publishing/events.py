"""What publishing tells the outbox (`parvis.core.events`): the payloads of its events.

Ids and links only, plus the public facts an integration acts on (the post's text, the
address on the network); never credentials. Called inside the transaction of the change.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from parvis.accounts.links import absolute_url
from parvis.accounts.models import User, Workspace
from parvis.core.events import emit, emit_many
from parvis.core.texts import Text, for_storage
from parvis.publishing.models import ImportBatch, Post, Publication


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _user(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


def post_data(post: Post) -> dict[str, Any]:
    return {"workspace_id": post.workspace_id, "post": {
        "id": post.pk, "text": post.text, "revision": post.revision,
        "approval_state": post.approval_state, "author": _user(post.author),
        "link": absolute_url(reverse("web:post_edit", args=[post.workspace_id, post.pk])),
    }}


def publication_data(publication: Publication, reason: str | Text = "") -> dict[str, Any]:
    post, account = publication.post, publication.account
    data: dict[str, Any] = {"workspace_id": post.workspace_id, "publication": {
        "id": publication.pk, "post_id": post.pk, "state": publication.state,
        "account": {"id": account.pk, "network": account.network, "handle": account.handle},
        "remote_id": publication.remote_id or None, "remote_url": publication.remote_url or None,
        "published_at": _iso(publication.published_at), "attempts": publication.attempts,
        "link": absolute_url(reverse("web:publication", args=[post.workspace_id, publication.pk])),
    }}
    if reason:
        data["publication"]["error"] = for_storage(reason)[0]
    return data


def _publication_event(type_: str, publication: Publication, reason: str | Text = "") -> None:
    # A generator: the payload (links to build) is made only for a workspace that listens;
    # most have no webhook, and every publication passes here.
    emit_many(publication.post.workspace_id, type_, (publication_data(publication, reason) for _ in (0,)))


def published(publication: Publication) -> None:
    _publication_event("publication.published", publication)


def failed(publication: Publication, reason: str | Text) -> None:
    _publication_event("publication.failed", publication, reason)


def to_check(publication: Publication, reason: str | Text) -> None:
    _publication_event("publication.to_check", publication, reason)


def post_event(type_: str, post: Post, actor: str = "", comment: str = "") -> None:
    data = post_data(post)
    if actor:
        data["by"] = actor
    if comment:
        data["comment"] = comment
    emit(post.workspace_id, type_, data)


def pause_event(type_: str, workspace: Workspace, actor: User, reason: str) -> None:
    emit(workspace, type_, {"workspace_id": workspace.pk, "reason": reason, "by": _user(actor),
                            "link": absolute_url(reverse("web:workspace_pause", args=[workspace.pk]))})


def import_finished(batch: ImportBatch) -> None:
    """A batch done, or stopped by an error (status "failed", with the error; started
    again, it finishes later with another event)."""
    emit(batch.workspace_id, "import.finished", {"workspace_id": batch.workspace_id, "import": {
        "id": batch.pk, "filename": batch.filename, "status": batch.status,
        "rows": batch.processed_rows, "created_posts": batch.created_posts,
        "refused_rows": batch.processed_rows - batch.created_posts, "by": _user(batch.created_by),
        "finished_at": _iso(batch.finished_at), **({"error": batch.error} if batch.error else {}),
        "link": absolute_url(reverse("web:import_detail", args=[batch.workspace_id, batch.pk])),
    }})
