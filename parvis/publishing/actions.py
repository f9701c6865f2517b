"""Workflows on posts: save (draft, now, scheduled), cancel, retry. Shared by the web UI
and the API, so that both validate and scope the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import User, Workspace
from parvis.publishing.dispatcher import default_enqueue
from parvis.publishing.models import EDITABLE_STATES, Post, PostMedia, Publication, State
from parvis.publishing.validation import (
    FieldError,
    MediaInfo,
    PostInput,
    PostValidationError,
    inspect_image,
    validate_post,
)

MAX_UPLOADS = 10  # more than any network accepts; the rest is refused early


@dataclass
class Upload:
    """A new image for a post: a file-like object, its name and size, its alt text."""

    name: str
    stream: IO[bytes]
    size: int
    alt_text: str = ""


def inspect_uploads(uploads: Sequence[Upload]) -> list[MediaInfo]:
    infos, errors = [], []
    for upload in uploads:
        try:
            info = inspect_image(upload.name, upload.stream, upload.size)
        except PostValidationError as exc:
            errors += exc.errors
            continue
        info.alt_text = upload.alt_text
        infos.append(info)
    if errors:
        raise PostValidationError(errors)
    return infos


def _enqueue_now(publication_ids: list[int]) -> None:
    for pk in publication_ids:
        default_enqueue(pk)


def _state_for(mode: str) -> State:
    return State.DRAFT if mode == "draft" else State.SCHEDULED


@transaction.atomic
def save_post(
    workspace: Workspace, author: User, data: PostInput, uploads: Sequence[Upload] = (),
    post: Post | None = None, keep_media: Sequence[int] | None = None,
) -> Post:
    """Create or update a post and its publications. Nothing is written unless the whole
    post is valid for every chosen account."""
    kept = list(post.media.filter(pk__in=keep_media)) if post and keep_media is not None else (
        list(post.media.all()) if post else [])
    new_media = inspect_uploads(uploads)
    data.media = [MediaInfo(m.original_name, m.mime_type, m.size, m.width, m.height, m.alt_text)
                  for m in kept] + new_media
    data.workspace = workspace
    if any(a.workspace_id != workspace.pk for a in data.accounts):
        raise PostValidationError([FieldError("accounts", _("Unknown account."), "invalid")])
    if data.campaign is not None and data.campaign.workspace_id != workspace.pk:
        raise PostValidationError([FieldError("campaign", _("Unknown campaign."), "invalid")])
    if any(label.workspace_id != workspace.pk for label in data.labels):
        raise PostValidationError([FieldError("labels", _("Unknown label."), "invalid")])
    if post is not None:
        locked = post.publications.exclude(state__in=EDITABLE_STATES + (State.CANCELLED,))
        if locked.exists():
            raise PostValidationError([FieldError(
                "post", _("This post is being published or was published: it can no longer be edited."),
                "not_editable")])
    validate_post(data)

    now = timezone.now()
    due = now if data.mode == "now" else data.scheduled_at
    if post is None:
        post = Post(workspace=workspace, author=author)
    post.text, post.variants, post.language = data.text, data.variants, data.language
    post.is_draft = data.mode == "draft"
    post.scheduled_at = due
    post.schedule_timezone = data.timezone_name or workspace.timezone
    post.campaign = data.campaign
    post.save()
    post.labels.set(data.labels)
    _save_media(post, kept, uploads, new_media)

    state = _state_for(data.mode)
    targets = {a.pk for a in data.accounts}
    post.publications.filter(state__in=EDITABLE_STATES).exclude(account_id__in=targets).delete()
    to_enqueue = []
    for account in data.accounts:
        publication, _created = Publication.objects.get_or_create(post=post, account=account)
        publication.state = state
        publication.due_at = due
        publication.next_attempt_at = due if state == State.SCHEDULED else None
        publication.enqueued_at = None
        publication.attempts = 0
        publication.error = publication.error_kind = ""
        publication.save()
        if data.mode == "now":
            to_enqueue.append(publication.pk)
    if to_enqueue:
        transaction.on_commit(lambda: _enqueue_now(to_enqueue))
    return post


def _save_media(post: Post, kept: list[PostMedia], uploads: Sequence[Upload], infos: list[MediaInfo]) -> None:
    post.media.exclude(pk__in=[m.pk for m in kept]).delete()
    for position, media in enumerate(kept):
        media.position = position
        media.save(update_fields=["position"])
    for offset, (upload, info) in enumerate(zip(uploads, infos, strict=True)):
        upload.stream.seek(0)
        media = PostMedia(post=post, position=len(kept) + offset, original_name=info.name,
                          mime_type=info.mime_type, size=info.size, width=info.width,
                          height=info.height, alt_text=info.alt_text)
        media.file.save(info.name, File(upload.stream, name=info.name), save=False)
        media.save()


def cancel_publication(publication: Publication) -> bool:
    """Cancel unless it is already being published or published. Returns whether it was."""
    return bool(Publication.objects.filter(pk=publication.pk, state__in=EDITABLE_STATES).update(
        state=State.CANCELLED, next_attempt_at=None, updated_at=timezone.now()))


def cancel_post(post: Post) -> int:
    return post.publications.filter(state__in=EDITABLE_STATES).update(
        state=State.CANCELLED, next_attempt_at=None, updated_at=timezone.now())


def retry_publication(publication: Publication) -> bool:
    """Put a failed publication back in line now. A fresh round of attempts, with the same
    idempotency key and `may_exist` kept: if it went out after all, nothing is posted twice."""
    now = timezone.now()
    done = Publication.objects.filter(pk=publication.pk, state=State.FAILED).update(
        state=State.SCHEDULED, next_attempt_at=now, enqueued_at=None, attempts=0,
        error="", error_kind="", updated_at=now)
    if done:
        transaction.on_commit(lambda: _enqueue_now([publication.pk]))
    return bool(done)
