"""Workflows on posts: save (draft, now, scheduled), cancel, retry. Shared by the web UI
and the API, so that both validate and scope the same way."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.audit import record
from parvis.accounts.models import User, Workspace
from parvis.networks.models import SocialAccount
from parvis.publishing import events, library
from parvis.publishing.approval import after_edit, publish_now_errors, snapshot
from parvis.publishing.dispatcher import default_enqueue
from parvis.publishing.models import EDITABLE_STATES, EditorialSettings, MediaAsset, Post, PostMedia, Publication, State
from parvis.publishing.plan import LOCKED_STATES
from parvis.publishing.queue import reserve_slots
from parvis.publishing.types import FieldError, MediaInfo, PostInput, PostValidationError, Upload
from parvis.publishing.validation import validate_post

MAX_UPLOADS = 10  # more than any network accepts; the rest is refused early


def inspect_uploads(uploads: Sequence[Upload]) -> list[MediaInfo]:
    infos, errors = [], []
    for upload in uploads:
        try:
            info = library.inspect_upload(upload)  # image or video, by content; size; SHA-256
        except PostValidationError as exc:
            errors += exc.errors
            continue
        infos.append(info)
    if errors:
        raise PostValidationError(errors)
    return infos


def client_key_of(raw: str | None) -> str:
    """The composer's key for a new post, if it is one (a UUID); else no key."""
    try:
        return str(uuid.UUID(str(raw or "")))
    except ValueError:
        return ""


def post_of_client_key(workspace: Workspace, key: str) -> Post | None:
    """The post a form with this key already made (sent twice: a double tap, a draft kept
    offline and sent again)."""
    return Post.objects.filter(workspace=workspace, client_key=key).first() if key else None


def _enqueue_now(publication_ids: list[int]) -> None:
    for pk in publication_ids:
        default_enqueue(pk)


def _state_for(mode: str) -> State:
    return State.DRAFT if mode == "draft" else State.SCHEDULED


@transaction.atomic
def save_post(
    workspace: Workspace, author: User, data: PostInput, uploads: Sequence[Upload] = (),
    post: Post | None = None, keep_media: Sequence[int] | None = None, client_key: str = "",
) -> Post:
    """Create or update a post and its publications. Nothing is written unless the whole
    post is valid for every chosen account. A new post with a `client_key` another post
    of the workspace already has is refused by the database (IntegrityError): see
    `post_of_client_key`."""
    current = post.media.select_related("asset") if post else PostMedia.objects.none()
    kept = list(current.filter(pk__in=keep_media) if keep_media is not None else current)
    # Library media chosen in the composer or through the API come in as MediaInfo with
    # an asset id; what they are (and their rights) is read again from this workspace.
    picked = [m for m in data.media if m.asset_id is not None]
    chosen = list(zip(library.assets_in(workspace, [m.asset_id or 0 for m in picked], "media"),
                      [m.alt_text for m in picked], strict=True))
    new_media = inspect_uploads(uploads)
    library.recognise(workspace, new_media)
    data.media = ([library.media_info(m.asset, m.alt_text) for m in kept]
                  + [library.media_info(asset, alt) for asset, alt in chosen] + new_media)
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
    if publish_now_errors(workspace, data.mode):
        raise PostValidationError(publish_now_errors(workspace, data.mode))
    # What the post was (and what approvers saw), to log the edit and to tell whether it
    # needs a new approval.
    before = snapshot(post) if post is not None else None
    validate_post(data)

    now = timezone.now()
    due = now if data.mode == "now" else data.scheduled_at
    # "queue": each account's next free slot; the post's own time is the earliest of them.
    slots = reserve_slots(data.accounts, post, now) if data.mode == "queue" else {}
    due = min(slots.values()) if slots else due
    if post is None:
        post = Post(workspace=workspace, author=author, client_key=client_key)
    post.text, post.variants, post.language = data.text, data.variants, data.language
    post.options = data.options
    post.is_draft = data.mode == "draft"
    post.scheduled_at = due
    post.schedule_timezone = data.timezone_name or workspace.timezone
    post.campaign = data.campaign
    post.save()
    post.labels.set(data.labels)
    _save_media(post, kept, uploads, new_media, chosen=chosen, user=author)
    if before is not None and EditorialSettings.of(workspace).requires_approval:
        after_edit(post, before, author)  # logs the edit itself, with the review it needs
    elif before is not None and before != (after := snapshot(post)):
        record(workspace, "post.edited", actor=author, target=post, summary=post.text[:80],
               before=before, after=after)

    state = _state_for(data.mode)
    targets = {a.pk for a in data.accounts}
    post.publications.filter(state__in=EDITABLE_STATES).exclude(account_id__in=targets).delete()
    to_enqueue = []
    for account in data.accounts:
        publication, _created = Publication.objects.get_or_create(post=post, account=account)
        publication.state = state
        publication.due_at = slots.get(account.pk, due)
        publication.next_attempt_at = publication.due_at if state == State.SCHEDULED else None
        publication.in_queue = data.mode == "queue"
        publication.enqueued_at = None
        publication.attempts = 0
        publication.error = publication.error_kind = ""
        publication.error_text = None
        publication.save()
        if data.mode == "now":
            to_enqueue.append(publication.pk)
    if to_enqueue:
        transaction.on_commit(lambda: _enqueue_now(to_enqueue))
    return post


def _save_media(post: Post, kept: list[PostMedia], uploads: Sequence[Upload], infos: list[MediaInfo], *,
                chosen: Sequence[tuple[MediaAsset, str]] = (), user: User | None = None) -> None:
    """Kept media first, then the library media chosen, then the uploads, which go into
    the library (the same file uploaded twice is stored once)."""
    post.media.exclude(pk__in=[m.pk for m in kept]).delete()
    for position, media in enumerate(kept):
        media.position = position
        media.save(update_fields=["position"])
    added = [(library.add_asset(post.workspace, user, upload, upload.alt_text, info=info).asset, upload.alt_text)
             for upload, info in zip(uploads, infos, strict=True)]
    for offset, (asset, alt_text) in enumerate([*chosen, *added]):
        # The asset's own alt text applies unless this post says something else.
        own = "" if alt_text.strip() == asset.alt_text else alt_text.strip()
        PostMedia.objects.create(post=post, asset=asset, position=len(kept) + offset, alt_text=own)


def cancel_publication(publication: Publication) -> bool:
    """Cancel unless it is already being published or published. Returns whether it was.
    One waiting to be checked may be cancelled too: the person decides it should not go
    out (whether or not it is there; parvis sends nothing more)."""
    cancellable = (*EDITABLE_STATES, State.TO_CHECK)
    return bool(Publication.objects.filter(pk=publication.pk, state__in=cancellable).update(
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
        error="", error_text=None, error_kind="", updated_at=now)
    if done:
        transaction.on_commit(lambda: _enqueue_now([publication.pk]))
    return bool(done)


# -- "to check": a person says whether the post went out --------------------------------

def confirm_published(publication: Publication, actor: User, url: str = "") -> bool:
    """"It is there": the person saw the post on the network. `url` (optional) is its
    address, for the links; without it, parvis knows the post is out but not where."""
    now = timezone.now()
    with transaction.atomic():
        done = Publication.objects.filter(pk=publication.pk, state=State.TO_CHECK).update(
            state=State.PUBLISHED, published_at=now, remote_url=url, next_attempt_at=None,
            error="", error_text=None, error_kind="", updated_at=now)
        if done:
            publication.refresh_from_db()
            events.published(publication)
            record(publication.post.workspace, "publication.confirmed", actor=actor, target=publication.post,
                   summary=str(publication.account), after=url)
    return bool(done)


def send_again(publication: Publication, actor: User) -> bool:
    """"Send it again": the person looked and the post is not there. A fresh round of
    attempts that does not look first (the person just did)."""
    now = timezone.now()
    with transaction.atomic():
        done = Publication.objects.filter(pk=publication.pk, state=State.TO_CHECK).update(
            state=State.SCHEDULED, next_attempt_at=now, enqueued_at=None, attempts=0, may_exist=False,
            error="", error_text=None, error_kind="", updated_at=now)
        if done:
            record(publication.post.workspace, "publication.sent_again", actor=actor, target=publication.post,
                   summary=str(publication.account))
            transaction.on_commit(lambda: _enqueue_now([publication.pk]))
    return bool(done)


# -- rescheduling (the calendar's drag and drop) ---------------------------------------

MOVABLE_STATES = (State.SCHEDULED, State.DRAFT)


def _saved_media(post: Post) -> list[MediaInfo]:
    return [library.media_info(m.asset, m.alt_text) for m in post.media.select_related("asset")]


def input_for_saved_post(post: Post, accounts: list[SocialAccount], mode: str,
                         when: datetime | None) -> PostInput:
    """The post as saved, as the composer would send it: what `save_post` validates."""
    return PostInput(
        text=post.text, accounts=accounts, mode=mode, scheduled_at=when,
        timezone_name=post.schedule_timezone or post.workspace.timezone, variants=dict(post.variants or {}),
        media=_saved_media(post), language=post.language, workspace=post.workspace,
        campaign=post.campaign, labels=list(post.labels.all()), options=dict(post.options or {}),
    )


@transaction.atomic
def reschedule_post(post: Post, new_time_utc: datetime, actor: User) -> Post:
    """Move a post's scheduled (or draft) publications to another time, checked exactly
    as the composer checks a save: a past time, the charter, media rights… refuse it and
    nothing moves. Publications already out, failed or cancelled keep their time."""
    post = Post.objects.select_related("workspace", "campaign").get(pk=post.pk)
    publications = list(post.publications.select_related("account"))
    if any(p.state in LOCKED_STATES for p in publications):
        raise PostValidationError([FieldError(
            "post", _("This post is being published or was published: it can no longer be moved."),
            "not_editable")])
    movable = [p for p in publications if p.state in MOVABLE_STATES]
    if not movable:
        raise PostValidationError([FieldError(
            "post", _("Nothing to move: this post has no scheduled publication."), "not_movable")])
    mode = "draft" if post.is_draft else "schedule"
    validate_post(input_for_saved_post(post, [p.account for p in movable], mode, new_time_utc))
    # The time is part of what approvers validate: moving it is an edit like any other.
    reviewed = snapshot(post) if EditorialSettings.of(post.workspace).requires_approval else None

    before = post.scheduled_at
    moved = Publication.objects.filter(pk__in=[p.pk for p in movable], state__in=MOVABLE_STATES).update(
        due_at=new_time_utc, next_attempt_at=new_time_utc if mode == "schedule" else None,
        enqueued_at=None, in_queue=False, updated_at=timezone.now())
    if moved != len(movable):
        # The engine took one in the meantime: moving the others alone would split the post.
        raise PostValidationError([FieldError(
            "post", _("This post started publishing meanwhile: it was not moved."), "not_editable")])
    post.scheduled_at = new_time_utc
    post.save(update_fields=["scheduled_at", "updated_at"])
    if reviewed is not None:
        after_edit(post, reviewed, actor)
    record(post.workspace, "post.rescheduled", actor=actor, target=post, summary=post.text[:80],
           before=before.isoformat() if before else "", after=new_time_utc.isoformat())
    return post
