"""Workflows on people and workspaces (named functions, side effects after commit)."""

from __future__ import annotations

import logging
import uuid
import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, tzinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parvis.accounts import channels
from parvis.accounts.links import absolute_url
from parvis.accounts.models import (
    Invitation,
    Membership,
    Notification,
    Organisation,
    OrganisationMember,
    PushSubscription,
    Role,
    User,
    Workspace,
)
from parvis.core.texts import Text, render

log = logging.getLogger(__name__)


@transaction.atomic
def create_organisation(name: str, owner: User) -> Organisation:
    organisation = Organisation.objects.create(name=name)
    OrganisationMember.objects.create(organisation=organisation, user=owner, is_admin=True)
    return organisation


@transaction.atomic
def create_workspace(
    organisation: Organisation, name: str, owner: User, timezone_name: str = "Europe/Paris",
    language: str = "fr",
) -> Workspace:
    workspace = Workspace(organisation=organisation, name=name, timezone=timezone_name, language=language)
    workspace.full_clean()
    workspace.save()
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


def create_own_workspace(user: User, name: str, timezone_name: str, language: str) -> Workspace:
    """A workspace someone creates for themselves: in the first organisation they administer,
    else in a new one of their own; they own it."""
    organisation = user.organisations.filter(organisationmember__is_admin=True).first()
    if organisation is None:
        organisation = create_organisation(user.get_full_name() or user.email, user)
    return create_workspace(organisation, name, user, timezone_name, language)


ACCEPT_PATH = "/invitations/{token}/"


def invite_member(inviter: Membership, email: str, role: str, accept_path: str = ACCEPT_PATH) -> Invitation:
    """`invite`, by a member of the workspace: only an owner may invite another owner
    (a ValidationError on `role`). Managers and owners invite; the caller checks that."""
    if role == Role.OWNER and not inviter.at_least(Role.OWNER):
        raise ValidationError({"role": [_("Only an owner can invite another owner.")]})
    return invite(inviter.workspace, email, role, inviter.user, accept_path)


def revoke_invitation(workspace: Workspace, invitation_id: int) -> bool:
    """Its link stops working. False when it was already used, revoked, or is not of `workspace`."""
    return bool(Invitation.objects.filter(workspace=workspace, pk=invitation_id, accepted_at__isnull=True,
                                          revoked_at__isnull=True).update(revoked_at=timezone.now()))


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read: those of `ids` (others' ids are ignored), or all."""
    unread = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def invite(workspace: Workspace, email: str, role: str, invited_by: User, accept_path: str) -> Invitation:
    """Create an invitation and email its link. `accept_path` has a `{token}` slot.

    The link goes only into the email: never into a page, a flash message or a log."""
    invitation, token = Invitation.issue(workspace, email, role, invited_by)
    link = absolute_url(accept_path.format(token=token))
    with translation.override(workspace.language):
        subject = _("%(name)s invites you to %(workspace)s on parvis") % {
            "name": invited_by, "workspace": workspace.name,
        }
        body = _(
            "%(name)s invites you to join the workspace “%(workspace)s” as %(role)s.\n\n"
            "Open this link within 7 days to accept:\n%(link)s\n"
        ) % {"name": invited_by, "workspace": workspace.name,
             "role": Role(role).label, "link": link}
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [invitation.email], fail_silently=False)
    )
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Only the invited person may accept: a link seen by someone else (forwarded, read
    over a shoulder) must not make them a member."""
    if not invitation.is_for(user):
        raise PermissionDenied("this invitation is for another email address")
    membership, created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    if not created and not membership.at_least(Role(invitation.role)):
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    OrganisationMember.objects.get_or_create(
        organisation=invitation.workspace.organisation, user=user
    )
    return membership


def change_email(user: User, email: str) -> None:
    """Give an account a new email, which is also its sign-in name."""
    email = email.strip().lower()
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exclude(pk=user.pk).exists():
        raise ValidationError(_("Another account already uses this email."), code="email_taken")
    user.email = user.username = email
    user.save(update_fields=["email", "username"])


def notify(
    users: Iterable[User], workspace: Workspace | None, kind: str, subject: str | Text,
    message: str | Text, url: str = "",
) -> None:
    """Tell people something in the app, by email and on their phones, each as they chose
    (`channels`). Email and push failures are logged, never raised: the caller's work
    must not fail for them.

    `subject` and `message` are `Text`s when parvis writes them: each person reads them
    in their own language (else the workspace's) and zone, in the app and in the email;
    a plain string is sent as it is (data, or written by a caller in the right language)."""
    recipients = list({u.pk: u for u in users}.values())
    topic = channels.topic_of(kind)
    chosen = channels.choices_of(recipients)
    texts = {name: value.as_json() for name, value in (("subject", subject), ("message", message))
             if isinstance(value, Text)}
    outgoing = []
    for user in recipients:
        with _reader(user, workspace):
            outgoing.append((user, chosen[user.pk][topic.key], render(subject), render(message)))
    Notification.objects.bulk_create(
        [Notification(user=u, workspace=workspace, kind=kind, message=body, texts=texts, url=url)
         for u, wants, _subject, body in outgoing if wants["app"]]
    )
    wanting = [u for u, wants, _title, _body in outgoing if wants["push"]]
    allowed = channels.may_ring(wanting, workspace, topic, timezone.now()) if wanting else set()
    ringing = [(u, title, body) for u, _wants, title, body in outgoing if u.pk in allowed]
    browsers: dict[int, list[int]] = {}
    ringing_ids = [u.pk for u, _title, _body in ringing]
    for user_id, pk in PushSubscription.objects.filter(user_id__in=ringing_ids).values_list("user_id", "pk"):
        browsers.setdefault(user_id, []).append(pk)
    pushes = [(pk, title, body) for u, title, body in ringing for pk in browsers.get(u.pk, [])]

    def send() -> None:
        from parvis.accounts.tasks import push_task

        for user, wants, title, body in outgoing:
            if not wants["email"]:
                continue
            try:
                send_mail(title, f"{body}\n\n{absolute_url(url) if url else ''}".strip(), None, [user.email])
            except Exception:  # noqa: BLE001 - any SMTP failure: keep going, log it
                log.exception("could not email notification %s to user %s", kind, user.pk)
        for subscription_id, title, body in pushes:
            push_task(subscription_id, {"title": title[:200], "body": body[:500], "url": url or "/", "tag": kind},
                      "high" if topic.urgent else "normal")

    transaction.on_commit(send)
    if workspace is not None and kind not in SENT_TO_CHAT_BY_CALLER:
        _to_chat(workspace, topic, kind, subject, message, url)


# Messages to answer and crisis alerts reach the chat channels from their own senders
# (`inbox.alerts`, `inbox.crisis`), with their urgency and their keys.
SENT_TO_CHAT_BY_CALLER = {"inbox_items", "inbox_crisis"}


def _to_chat(workspace: Workspace, topic: channels.Topic, kind: str, subject: str | Text, message: str | Text,
             url: str) -> None:
    """The team's chat channels that carry this topic get the notice too. The chat
    channels belong to the inbox app; imported here, when a notice is sent."""
    from parvis.inbox.alerts import to_webhooks

    to_webhooks(workspace, subject, message, url, urgent=topic.urgent, key=f"{kind}-{uuid.uuid4().hex}",
                topic=topic.key)


@contextmanager
def _reader(user: User, workspace: Workspace | None) -> Iterator[None]:
    """The person's language (else the workspace's, else the site's) and zone."""
    language = user.language or (workspace.language if workspace is not None else "") or settings.LANGUAGE_CODE
    try:
        zone: tzinfo = zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = workspace.tz if workspace is not None else UTC
    with translation.override(language), timezone.override(zone):
        yield


def owners_of(workspace: Workspace) -> list[User]:
    return [m.user for m in workspace.memberships.select_related("user")
            if m.role in (Role.OWNER, Role.MANAGER)]
