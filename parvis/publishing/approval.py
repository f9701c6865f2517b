"""Approval of posts with the team and the client.

A post of a workspace that requires approval goes NONE → IN_REVIEW (submitted) →
APPROVED, or → CHANGES_REQUESTED and back to IN_REVIEW when submitted again. Decisions
are `Approval` rows on one `revision`: editing the post bumps it, so older approvals stop
counting, and an approved post that is edited goes back to review. With "any approver"
one approval is enough; with "all named approvers" every named member and every active
client approver must approve the current revision.

The engine publishes only approved posts (`engine.released_filter`); the sweeps in
`approval_sweeps` warn before and fail at the time when nobody approved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts import audit
from parvis.accounts.actions import notify
from parvis.accounts.models import ClientApprover, Membership, Role, User, Workspace
from parvis.core.texts import Text
from parvis.networks import registry
from parvis.publishing import events
from parvis.publishing.approvers import (
    ClientEmail,
    active_clients,
    can_approve,
    email_clients,
    member_approvers,
    named_members,
)
from parvis.publishing.models import (
    Approval,
    ApprovalMode,
    ApprovalState,
    Comment,
    EditorialSettings,
    Post,
    PostKind,
    PostMedia,
    Publication,
    State,
)
from parvis.publishing.validation import FieldError

MAX_COMMENT = 5000
DECIDED = (ApprovalState.APPROVED, ApprovalState.CHANGES_REQUESTED)
NOT_APPROVED = "not_approved"  # `Publication.error_kind` of a post nobody approved in time


class ApprovalError(Exception):
    """A refused review action. `code`: "state" (the post's state does not allow it: 409
    in the API), "forbidden" (403) or "invalid" (bad input on `field`: 400)."""

    def __init__(self, field: str, message: str, code: str) -> None:
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


# -- what is reviewed ---------------------------------------------------------------------

def snapshot(post: Post) -> str:
    """What an approver validates, as text for the audit log: the text, each network's
    variant and post options, the images with their alt text, and the time. The last line
    is the time."""
    lines = [post.text]
    for network, text in sorted((post.variants or {}).items()):
        label = registry.NETWORKS[network].label if network in registry.NETWORKS else network
        lines += ["", f"[{label}]", text]
    for network, options in sorted((post.options or {}).items()):
        # What goes out with the post (a blog article's title, a first comment) is validated too.
        label = registry.NETWORKS[network].label if network in registry.NETWORKS else network
        lines += [f"[{label} {name}] {value}" for name, value in sorted(options.items()) if value not in ("", None, [])]
    # A fresh query: the caller's post may carry a prefetched, now stale, media list.
    for media in PostMedia.objects.filter(post=post).select_related("asset").order_by("position", "pk"):
        lines.append(f"[image] {media.asset.original_name} — alt: {media.effective_alt_text or '∅'}")
    lines.append(f"[time] {post.scheduled_at.isoformat() if post.scheduled_at else '—'}")
    return "\n".join(lines)


def review_url(post: Post) -> str:
    return reverse("web:post_review", args=[post.workspace_id, post.pk])


def portal_posts(client: ClientApprover) -> QuerySet[Post]:
    """Everything a client approver may see: their workspace's posts in review, and the
    ones they decided on whose content has not changed since (same revision)."""
    decided_by_them = Q(approval_state__in=DECIDED, approvals__client=client,
                        approvals__revision=F("revision"))
    return Post.objects.filter(workspace_id=client.workspace_id).filter(
        Q(approval_state=ApprovalState.IN_REVIEW) | decided_by_them).distinct()


def waiting_for(post: Post) -> list[str]:
    """Named approvers who have not yet approved the current revision ("all" mode)."""
    if EditorialSettings.of(post.workspace).approval_mode != ApprovalMode.ALL:
        return []
    done = post.approvals.filter(revision=post.revision, decision=Approval.Decision.APPROVED)
    users = set(done.values_list("user_id", flat=True))
    clients = set(done.values_list("client_id", flat=True))
    return ([str(u) for u in named_members(post.workspace) if u.pk not in users]
            + [str(c) for c in active_clients(post.workspace) if c.pk not in clients])


# -- telling people ----------------------------------------------------------------------

Written = tuple[Text, Text]  # subject and message, read by each person in their own language


def _tell_members(users: Iterable[User | None], post: Post, kind: str,
                  write: Callable[[], Written], exclude: User | None = None) -> None:
    """In-app + email, each person in their own language (else the workspace's)."""
    people = {u.pk: u for u in users if u is not None and (exclude is None or u.pk != exclude.pk)}
    if people:
        subject, message = write()
        notify(people.values(), post.workspace, kind, subject, message, review_url(post))


def _tell_clients(post: Post, write: Callable[[ClientApprover], ClientEmail],
                  exclude: ClientApprover | None = None) -> None:
    clients = [c for c in active_clients(post.workspace) if exclude is None or c.pk != exclude.pk]
    email_clients(clients, write)


def notify_approvers(post: Post, kind: str, write_member: Callable[[], Written],
                     write_client: Callable[[ClientApprover], ClientEmail], actor: User | None = None,
                     with_author: bool = False) -> None:
    members: list[User | None] = [*member_approvers(post.workspace)]
    if with_author:
        members.insert(0, post.author)
    _tell_members(members, post, kind, write_member, exclude=actor)
    if post.approval_state == ApprovalState.IN_REVIEW:  # clients only ever see posts in review
        _tell_clients(post, write_client)


def _excerpt(post: Post) -> str:
    return post.text[:80]


# -- the state machine -------------------------------------------------------------------

def _locked(post: Post) -> Post:
    return Post.objects.select_for_update(of=("self",)).select_related("workspace", "author").get(pk=post.pk)


def _sync(target: Post, source: Post) -> None:
    for field in ("approval_state", "revision", "submitted_at", "approval_notice_sent_at"):
        setattr(target, field, getattr(source, field))


def _label(user: User | None, client: ClientApprover | None) -> str:
    if client is not None:
        return str(client)
    return str(user) if user is not None else "parvis"


def _check_reviewer(post: Post, user: User | None, client: ClientApprover | None) -> None:
    if client is not None:
        if client.workspace_id != post.workspace_id or not client.is_active:
            raise ApprovalError("post", _("You cannot review this post."), "forbidden")
    elif user is None or not can_approve(user, post.workspace):
        raise ApprovalError("post", _("Only managers and owners of the workspace can approve posts."),
                            "forbidden")


def _require_review(post: Post) -> None:
    if post.approval_state != ApprovalState.IN_REVIEW:
        raise ApprovalError("post", _("This post is not in review (it is “%(state)s”).")
                            % {"state": ApprovalState(post.approval_state).label}, "state")


def _clean_comment(body: str, required: bool, field: str = "comment") -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if required and not body:
        message = (_("Say why it is published without approval.") if field == "reason"
                   else _("Write a comment: say what should change."))
        raise ApprovalError(field, message, "invalid")
    if len(body) > MAX_COMMENT:
        raise ApprovalError(field, _("A comment is at most %(n)d characters.") % {"n": MAX_COMMENT},
                            "invalid")
    return body


def _comment(post: Post, kind: str, body: str, user: User | None, client: ClientApprover | None) -> Comment:
    return Comment.objects.create(post=post, author=user if client is None else None, client=client,
                                  author_label=_label(user, client), body=body, kind=kind, internal=False)


@transaction.atomic
def submit_for_review(post: Post, actor: User, note: str = "") -> None:
    locked = _locked(post)
    if not EditorialSettings.of(locked.workspace).requires_approval:
        raise ApprovalError("post", _("This workspace does not require approval."), "state")
    if locked.approval_state not in (ApprovalState.NONE, ApprovalState.CHANGES_REQUESTED):
        raise ApprovalError("post", _("This post is already “%(state)s”.")
                            % {"state": ApprovalState(locked.approval_state).label}, "state")
    note = _clean_comment(note, required=False)
    locked.approval_state, locked.submitted_at = ApprovalState.IN_REVIEW, timezone.now()
    locked.save(update_fields=["approval_state", "submitted_at", "updated_at"])
    _comment(locked, "submitted", note, actor, None)
    audit.record(locked.workspace, "post.submitted", actor=actor, target=locked,
                 summary=Text.gettext("Sent for review (revision %(n)d)", n=locked.revision), after=snapshot(locked))
    _announce_review(locked, actor)
    events.post_event("post.submitted", locked, actor=str(actor), comment=note)
    _sync(post, locked)


def submit_after_save(post: Post, actor: User) -> str:
    """The composer's "save and send for review": submit, and say how it went."""
    if post.approval_state == ApprovalState.IN_REVIEW:
        return _("It is in review.")
    try:
        submit_for_review(post, actor)
    except ApprovalError as exc:
        return exc.message
    return _("Sent for review.")


def _announce_review(post: Post, actor: User) -> None:
    workspace = post.workspace

    def member() -> Written:
        return (Text.gettext("Post to review in %(workspace)s", workspace=workspace.name),
                Text.gettext("%(who)s sent a post for review: “%(text)s”", who=str(actor), text=_excerpt(post)))

    def client(c: ClientApprover) -> ClientEmail:
        return ClientEmail(_("A post of %(workspace)s awaits your approval") % {"workspace": workspace.name},
                           _("Hello %(name)s,\n\n%(who)s sent a post for your approval:\n\n“%(text)s”")
                           % {"name": c.name, "who": actor, "text": _excerpt(post)})

    notify_approvers(post, "approval_requested", member, client, actor=actor)


def _fully_approved(post: Post) -> bool:
    if EditorialSettings.of(post.workspace).approval_mode != ApprovalMode.ALL:
        return True
    users, clients = named_members(post.workspace), active_clients(post.workspace)
    if not users and not clients:
        return True  # nobody is named: any approver decides, rather than nobody ever
    return not waiting_for(post)


@transaction.atomic
def approve(post: Post, *, user: User | None = None, client: ClientApprover | None = None,
            comment: str = "") -> ApprovalState:
    """Record an approval of the current revision; returns the post's state after it."""
    locked = _locked(post)
    _check_reviewer(locked, user, client)
    _require_review(locked)
    comment = _clean_comment(comment, required=False)
    reviewer = Q(client=client) if client is not None else Q(user=user)
    already = locked.approvals.filter(reviewer, revision=locked.revision,
                                      decision=Approval.Decision.APPROVED).exists()
    if not already:
        Approval.objects.create(post=locked, revision=locked.revision, user=None if client else user,
                                client=client, decision=Approval.Decision.APPROVED)
        _comment(locked, "approved", comment, user, client)
    complete = _fully_approved(locked)
    newly_approved = complete and locked.approval_state != ApprovalState.APPROVED
    if complete:
        locked.approval_state = ApprovalState.APPROVED
        locked.save(update_fields=["approval_state", "updated_at"])
    if not already:
        audit.record(locked.workspace, "post.approved", actor=None if client else user, client=client,
                     target=locked, summary=Text.gettext("Approved revision %(n)d", n=locked.revision) if complete
                     else Text.gettext("Approved revision %(n)d (more approvals needed)", n=locked.revision),
                     after=comment)
    if complete:
        _tell_author(locked, "post_approved", user, lambda: (
            Text.gettext("Post approved"), Text.gettext("%(who)s approved your post “%(text)s”.",
                                                        who=_label(user, client), text=_excerpt(locked))))
    if newly_approved:
        events.post_event("post.approved", locked, actor=_label(user, client), comment=comment)
    _sync(post, locked)
    return ApprovalState(locked.approval_state)


def _tell_author(post: Post, kind: str, actor: User | None, write: Callable[[], Written]) -> None:
    _tell_members([post.author], post, kind, write, exclude=actor)


@transaction.atomic
def request_changes(post: Post, comment: str, *, user: User | None = None,
                    client: ClientApprover | None = None) -> None:
    locked = _locked(post)
    _check_reviewer(locked, user, client)
    _require_review(locked)
    comment = _clean_comment(comment, required=True)
    Approval.objects.create(post=locked, revision=locked.revision, user=None if client else user,
                            client=client, decision=Approval.Decision.CHANGES_REQUESTED)
    _comment(locked, "changes_requested", comment, user, client)
    locked.approval_state = ApprovalState.CHANGES_REQUESTED
    locked.save(update_fields=["approval_state", "updated_at"])
    audit.record(locked.workspace, "post.changes_requested", actor=None if client else user, client=client,
                 target=locked, summary=Text.gettext("Changes requested on revision %(n)d", n=locked.revision),
                 before=snapshot(locked), after=comment)
    who = _label(user, client)
    recipients = [locked.author, *(member_approvers(locked.workspace) if client else [])]
    _tell_members(recipients, locked, "changes_requested", lambda: (
        Text.gettext("Changes requested"), Text.gettext("%(who)s asks for changes on “%(text)s”: %(comment)s",
                                                        who=who, text=_excerpt(locked), comment=comment)), exclude=user)
    events.post_event("post.changes_requested", locked, actor=who, comment=comment)
    _sync(post, locked)


@transaction.atomic
def add_review_comment(post: Post, body: str, *, author: User | None = None,
                       client: ClientApprover | None = None) -> Comment:
    """A comment in the review thread: seen by the team and, in the portal, by the client
    approvers (never internal; internal notes are another feature's)."""
    locked = _locked(post)
    if client is not None:
        _check_reviewer(locked, None, client)
        _require_review(locked)  # the portal shows nothing else to comment on
    elif author is None or not Membership.objects.filter(
            workspace=locked.workspace, user=author, role__in=(Role.OWNER, Role.MANAGER, Role.EDITOR)).exists():
        raise ApprovalError("post", _("Only editors, managers and owners can comment."), "forbidden")
    body = _clean_comment(body, required=True)
    comment = _comment(locked, "comment", body, author, client)
    audit.record(locked.workspace, "post.comment", actor=author if client is None else None, client=client,
                 target=locked, summary=Text.gettext("Review comment"), after=body)
    who = _label(author, client)
    recipients = [locked.author, *(member_approvers(locked.workspace) if client else [])]
    _tell_members(recipients, locked, "review_comment", lambda: (
        Text.gettext("New comment on a post"),
        Text.gettext("%(who)s commented on “%(text)s”: %(comment)s", who=who, text=_excerpt(locked), comment=body),
    ), exclude=author)
    return comment


# -- edits -------------------------------------------------------------------------------

def publish_now_errors(workspace: Workspace, mode: str) -> list[FieldError]:
    """"Publish now" cannot wait for anyone's approval (and saving changes the time, which
    needs a new one): refuse it with a reason rather than fail the post a second later."""
    if EditorialSettings.of(workspace).requires_approval and mode == "now":
        return [FieldError("mode", _("This workspace requires approval: schedule the post and send it "
                                     "for review; it is published at its time once approved."),
                           "approval_required")]
    return []


def after_edit(post: Post, before: str, actor: User) -> bool:
    """Called by `save_post` after an existing post of a workspace requiring approval was
    saved, with `snapshot(post)` from before the edit. A change makes a new revision (old
    approvals stop counting); an approved or in-review post goes (back) to review.
    Returns whether anything changed. Runs inside `save_post`'s transaction."""
    after = snapshot(post)
    if after == before:
        return False
    locked = _locked(post)
    was = ApprovalState(locked.approval_state)
    locked.revision += 1
    fields = ["revision", "updated_at"]
    if before.rsplit("\n", 1)[-1] != after.rsplit("\n", 1)[-1]:
        locked.approval_notice_sent_at = None  # a new time deserves its own warning
        fields.append("approval_notice_sent_at")
    if was in (ApprovalState.APPROVED, ApprovalState.IN_REVIEW):
        locked.approval_state, locked.submitted_at = ApprovalState.IN_REVIEW, timezone.now()
        fields += ["approval_state", "submitted_at"]
    locked.save(update_fields=fields)
    summary = Text.gettext("Edited (revision %(n)d)", n=locked.revision)
    if was == ApprovalState.APPROVED:
        summary = Text.gettext("Edited after approval: back to review (revision %(n)d)", n=locked.revision)
        _comment(locked, "submitted", _("Edited after approval: sent back for review."), actor, None)
    audit.record(locked.workspace, "post.edited", actor=actor, target=locked, summary=summary,
                 before=before, after=after)
    if was == ApprovalState.APPROVED:
        _announce_review(locked, actor)
        events.post_event("post.submitted", locked, actor=str(actor))
    _sync(post, locked)
    return True


# -- publishing without approval ----------------------------------------------------------

def unapproved_warning(post: Post, mode: str) -> str:
    """What to tell the person who just scheduled (or queued) a post that approval will
    hold: "" when nothing holds it."""
    if mode not in ("schedule", "queue") or not EditorialSettings.of(post.workspace).requires_approval:
        return ""
    if post.approval_state == ApprovalState.APPROVED:
        return ""
    if post.approval_state == ApprovalState.IN_REVIEW:
        return _("It is published at its time only if it is approved by then.")
    return _("Not sent for review: this workspace requires approval, so it will not be published unless "
             "it is sent for review and approved before its time.")


def _held_by_approval(post: Post) -> list[Publication]:
    """The publications approval holds: scheduled ones, and those that already failed as
    not approved in time."""
    return list(post.publications.filter(
        Q(state=State.SCHEDULED) | Q(state=State.FAILED, error_kind=NOT_APPROVED)).order_by("pk"))


def _check_override(post: Post, actor: User) -> None:
    workspace = post.workspace
    if not can_approve(actor, workspace):
        raise ApprovalError("post", _("Only managers and owners can publish a post without approval."),
                            "forbidden")
    if not EditorialSettings.of(workspace).requires_approval or post.kind != PostKind.POST:
        raise ApprovalError("post", _("This post does not wait for approval."), "state")
    if post.approval_state == ApprovalState.APPROVED:
        raise ApprovalError("post", _("This post is already approved: it is published at its time."), "state")
    if EditorialSettings.of(workspace).is_paused:
        raise ApprovalError("post", _("Publishing is paused in this workspace: resume it first."), "state")


@transaction.atomic
def publish_without_approval(post: Post, actor: User, reason: str) -> list[int]:
    """A manager's or owner's override: publish now a post that approval holds (in review,
    not sent, changes requested, or failed as not approved in time). Recorded as an
    approval of the current revision by `actor`, with the reason in the review thread
    and the audit log; the author and the other approvers are told. Returns the ids of
    the publications queued."""
    locked = _locked(post)
    _check_override(locked, actor)
    reason = _clean_comment(reason, required=True, field="reason")
    held = _held_by_approval(locked)
    if not held:
        raise ApprovalError("post", _("Nothing of this post waits for approval."), "state")
    was = ApprovalState(locked.approval_state)
    now = timezone.now()
    ids = [p.pk for p in held]
    Publication.objects.filter(pk__in=ids).update(
        state=State.SCHEDULED, due_at=now, next_attempt_at=now, enqueued_at=None, in_queue=False, attempts=0,
        error="", error_text=None, error_kind="", updated_at=now)
    locked.approval_state, locked.scheduled_at = ApprovalState.APPROVED, now
    locked.save(update_fields=["approval_state", "scheduled_at", "updated_at"])
    Approval.objects.create(post=locked, revision=locked.revision, user=actor, decision=Approval.Decision.APPROVED)
    _comment(locked, "override", reason, actor, None)
    audit.record(locked.workspace, "post.approval_overridden", actor=actor, target=locked,
                 summary=Text.gettext("Published without approval (was “%(state)s”)", state=Text.label(was.label)),
                 before=snapshot(locked), after=reason)
    _tell_members([locked.author, *member_approvers(locked.workspace)], locked, "approval_overridden", lambda: (
        Text.gettext("Post published without approval"),
        Text.gettext("%(who)s published “%(text)s” without waiting for approval: %(reason)s",
                     who=str(actor), text=_excerpt(locked), reason=reason)), exclude=actor)
    transaction.on_commit(lambda: _enqueue(ids))
    _sync(post, locked)
    post.scheduled_at = now
    return ids


def _enqueue(ids: list[int]) -> None:
    from parvis.publishing.dispatcher import default_enqueue

    for pk in ids:
        default_enqueue(pk)
