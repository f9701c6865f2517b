"""Posts nobody approved in time: a warning beforehand, a visible failure at the time.

The engine already refuses to publish an unapproved post (`engine.released_filter`);
without these sweeps (listed in `settings.PARVIS_SWEEPS`) it would simply wait, silently.
Both sweeps claim their rows with a conditional UPDATE, so two dispatchers running them at
once tell people only once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts import audit
from parvis.accounts.models import ClientApprover, Workspace
from parvis.core.texts import Text, reader_datetime
from parvis.publishing.approval import NOT_APPROVED, Written, notify_approvers
from parvis.publishing.approvers import ClientEmail
from parvis.publishing.models import ApprovalState, Post, PostKind, Publication, State


def _unapproved(workspace: Workspace) -> Q:
    # Posts of the editorial plan only: a reply from the inbox answers someone now and is
    # never held by approval (`engine.released_filter`), so it is nobody's to warn about
    # or to fail here.
    return (Q(post__workspace=workspace, post__kind=PostKind.POST)
            & ~Q(post__approval_state=ApprovalState.APPROVED))


def _held_only_by_approval() -> Q:
    # A crisis pause or a paused queue holds a publication too; those are someone else's
    # decision, and failing the post then would lose it. Only approval is judged here.
    return Q(post__workspace__editorial__paused_at__isnull=True) & (Q(in_queue=False) | Q(account__queue__paused=False))


def warn_unapproved_soon(now: datetime) -> int:
    """Tell the author and the approvers, once, that a scheduled post is still not
    approved `approval_notice_hours` before its time."""
    told = 0
    for workspace in Workspace.objects.filter(editorial__requires_approval=True).select_related("editorial"):
        horizon = now + timedelta(hours=workspace.editorial.approval_notice_hours)
        post_ids = set(Publication.objects.filter(
            _unapproved(workspace), state=State.SCHEDULED, due_at__gt=now, due_at__lte=horizon,
            post__approval_notice_sent_at__isnull=True).values_list("post_id", flat=True))
        for post_id in post_ids:
            told += _warn(post_id, now)
    return told


@transaction.atomic
def _warn(post_id: int, now: datetime) -> int:
    if not Post.objects.filter(pk=post_id, approval_notice_sent_at__isnull=True).update(approval_notice_sent_at=now):
        return 0  # another dispatcher got there first
    post = Post.objects.select_related("workspace", "author").get(pk=post_id)
    first = post.publications.filter(state=State.SCHEDULED).order_by("due_at").first()
    due = first.due_at if first and first.due_at else now
    workspace = post.workspace

    def when() -> str:  # for a client approver, in their language and the brand's zone
        with timezone.override(workspace.tz):
            return f"{reader_datetime(due)} ({workspace.timezone})"

    def member() -> Written:
        # `due` as a date: each reader gets it in their own zone and language.
        return (Text.gettext("A scheduled post is still not approved"),
                Text.gettext("“%(text)s” is due %(when)s and is still “%(state)s”. Unless it is approved by then, "
                             "it will not be published.", text=post.text[:80], when=due,
                             state=Text.label(ApprovalState(post.approval_state).label)))

    def client(c: ClientApprover) -> ClientEmail:
        return ClientEmail(_("Approval needed soon for %(workspace)s") % {"workspace": workspace.name},
                           _("Hello %(name)s,\n\nThis post is due %(when)s and still awaits your approval:"
                             "\n\n“%(text)s”") % {"name": c.name, "when": when(), "text": post.text[:80]})

    notify_approvers(post, "approval_reminder", member, client, with_author=True)
    return 1


def fail_unapproved_due(now: datetime) -> int:
    """At its time, a scheduled publication of a post nobody approved fails visibly
    (invariant 2), with a reason; its author and the approvers are told."""
    failed_posts: dict[int, int] = {}
    for workspace in Workspace.objects.filter(editorial__requires_approval=True):
        due = Publication.objects.filter(_unapproved(workspace) & _held_only_by_approval(),
                                         state=State.SCHEDULED, next_attempt_at__lte=now)
        for publication_id, post_id in due.values_list("pk", "post_id"):
            if _fail(publication_id, workspace):
                failed_posts[post_id] = failed_posts.get(post_id, 0) + 1
    for post_id, count in failed_posts.items():
        _tell_failed(post_id, count)
    return sum(failed_posts.values())


def _reason(post: Post | None) -> Text:
    state = ApprovalState(post.approval_state).label if post else ApprovalState.NONE.label
    return Text.gettext("Not approved in time: the post was still “%(state)s” when it was due. Approve it, "
                        "then retry or reschedule.", state=Text.label(state))


def _fail(publication_id: int, workspace: Workspace) -> bool:
    post = Post.objects.filter(publications=publication_id).first()
    reason = _reason(post)
    # Conditional on the same gate the engine uses: a post approved a moment ago wins.
    return bool(Publication.objects.filter(
        _unapproved(workspace), pk=publication_id, state=State.SCHEDULED,
    ).update(state=State.FAILED, next_attempt_at=None, enqueued_at=None,
             error=reason.render_in(workspace.language), error_text=reason.as_json(), error_kind=NOT_APPROVED))


@transaction.atomic
def _tell_failed(post_id: int, count: int) -> None:
    post = Post.objects.select_related("workspace", "author").get(pk=post_id)
    workspace = post.workspace
    audit.record(workspace, "publication.not_approved", target=post,
                 summary=_reason(post), before=Text.label(ApprovalState(post.approval_state).label))

    def member() -> Written:
        return (Text.gettext("A post was not published: not approved"),
                Text.ngettext("“%(text)s” was not published on %(n)d account: nobody approved it in time. "
                              "Approve it, then retry or reschedule it.",
                              "“%(text)s” was not published on %(n)d accounts: nobody approved it in time. "
                              "Approve it, then retry or reschedule it.", "n", text=post.text[:80], n=count))

    def client(c: ClientApprover) -> ClientEmail:
        return ClientEmail(_("A post of %(workspace)s was not published") % {"workspace": workspace.name},
                           _("Hello %(name)s,\n\nThis post was due but was not approved, so it was not "
                             "published:\n\n“%(text)s”\n\nIf you approve it now, the team can publish it.")
                           % {"name": c.name, "text": post.text[:80]})

    notify_approvers(post, "approval_missed", member, client, with_author=True)
