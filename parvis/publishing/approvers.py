"""Who approves a workspace's posts, and the client approvers a manager looks after.

Approvers are the workspace's managers and owners, plus its active client approvers.
Client approvers have no password: each email they receive carries a fresh personal
portal link (`PortalLink`), which a manager can revoke, as they can revoke the person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parvis.accounts import audit
from parvis.accounts.actions import absolute_url
from parvis.accounts.models import ClientApprover, Membership, PortalLink, Role, User, Workspace
from parvis.core.texts import Text
from parvis.publishing.models import ApprovalMode, EditorialSettings
from parvis.publishing.validation import FieldError, PostValidationError

log = logging.getLogger(__name__)
APPROVER_ROLES = (Role.OWNER, Role.MANAGER)
LINK_DAYS = 30


def member_approvers(workspace: Workspace) -> list[User]:
    return [m.user for m in workspace.memberships.select_related("user").filter(role__in=APPROVER_ROLES)]


def active_clients(workspace: Workspace) -> list[ClientApprover]:
    return list(workspace.client_approvers.filter(revoked_at__isnull=True))


def named_members(workspace: Workspace) -> list[User]:
    """Members whose approval is required in "all named approvers" mode. Only managers and
    owners can approve, so a named viewer would block every post forever: not counted."""
    return [m.user for m in workspace.memberships.select_related("user").filter(
        is_named_approver=True, role__in=APPROVER_ROLES)]


def can_approve(user: User, workspace: Workspace) -> bool:
    return Membership.objects.filter(workspace=workspace, user=user, role__in=APPROVER_ROLES).exists()


def clients_with_links(workspace: Workspace) -> QuerySet[ClientApprover]:
    """The workspace's client approvers, active ones first, each with `valid_links` (not
    revoked, not expired, newest first), `last_link_at` and `last_used_at`."""
    links = PortalLink.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by("-created_at")
    return workspace.client_approvers.annotate(
        last_link_at=Max("links__created_at"), last_used_at=Max("links__last_used_at"),
    ).prefetch_related(Prefetch("links", queryset=links, to_attr="valid_links")).order_by(
        F("revoked_at").asc(nulls_first=True), "name", "pk")


def language_of(client: ClientApprover) -> str:
    return client.language or client.workspace.language


def portal_path(token: str) -> str:
    return reverse("web:portal", args=[token])


@dataclass
class ClientEmail:
    """What a client approver is told, written in their language. The portal link is
    added by `email_clients`, one fresh link per email."""

    subject: str
    message: str


def email_clients(clients: Iterable[ClientApprover], write: Callable[[ClientApprover], ClientEmail]) -> None:
    """Email each client approver a message (written by `write(client)` under their
    language) with a fresh personal portal link. Sent after commit; failures are logged,
    never raised, as with `notify`."""
    outgoing = []
    for client in clients:
        _link, token = PortalLink.issue(client, days=LINK_DAYS)
        with translation.override(language_of(client)):
            email = write(client)
            footer = _("Open your review page (personal link, valid %(days)d days, do not forward it):") % {
                "days": LINK_DAYS}
        body = f"{email.message}\n\n{footer}\n{absolute_url(portal_path(token))}\n"
        outgoing.append((client, email.subject, body))

    def send() -> None:
        for client, subject, body in outgoing:
            try:
                send_mail(subject, body, None, [client.email])
            except Exception:  # noqa: BLE001 - any SMTP failure: keep going, log it
                log.exception("could not email client approver %s", client.pk)

    transaction.on_commit(send)


# -- managing client approvers -----------------------------------------------------------

def _invalid(field: str, message: str) -> PostValidationError:
    return PostValidationError([FieldError(field, message, "invalid")])


@transaction.atomic
def add_client_approver(workspace: Workspace, actor: User, name: str, email: str, language: str = "") -> ClientApprover:
    """Add someone at the client's company and email them their first portal link. Adding
    a revoked person's address again brings them back."""
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise _invalid("name", _("Enter the person's name."))
    try:
        validate_email(email)
    except ValidationError:
        raise _invalid("email", _("Enter a valid email address.")) from None
    existing = workspace.client_approvers.filter(email=email).first()
    if existing is not None and existing.is_active:
        raise _invalid("email", _("%(email)s is already a client approver here.") % {"email": email})
    try:
        with transaction.atomic():
            client = existing or ClientApprover(workspace=workspace, email=email, created_by=actor)
            client.name, client.language, client.revoked_at = name, language, None
            client.save()
    except IntegrityError:  # the same address added twice at once
        raise _invalid("email", _("%(email)s is already a client approver here.") % {"email": email}) from None
    audit.record(workspace, "client_approver.added", actor=actor, target=client, summary=str(client))
    send_link(client, actor)
    return client


def send_link(client: ClientApprover, actor: User) -> None:
    workspace = client.workspace

    def write(c: ClientApprover) -> ClientEmail:
        return ClientEmail(
            _("Your review page for %(workspace)s") % {"workspace": workspace.name},
            _("Hello %(name)s,\n\n%(who)s invites you to review the posts planned for %(workspace)s: "
              "you can approve them, ask for changes or comment, without an account.")
            % {"name": c.name, "who": actor, "workspace": workspace.name})

    email_clients([client], write)
    audit.record(workspace, "client_approver.link_sent", actor=actor, target=client, summary=str(client))


@transaction.atomic
def revoke_link(link: PortalLink, actor: User) -> bool:
    done = PortalLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if done:
        audit.record(link.approver.workspace, "client_approver.link_revoked", actor=actor, target=link.approver,
                     summary=Text.gettext("Link of %(client)s created %(when)s", client=str(link.approver),
                                          when=link.created_at))
    return bool(done)


@transaction.atomic
def revoke_client(client: ClientApprover, actor: User) -> bool:
    """Revoke the person: every link they hold stops working at once (`PortalLink.valid`
    checks the approver too), and they no longer count as a named approver."""
    now = timezone.now()
    done = ClientApprover.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=now)
    if done:
        client.links.filter(revoked_at__isnull=True).update(revoked_at=now)
        audit.record(client.workspace, "client_approver.revoked", actor=actor, target=client, summary=str(client))
    return bool(done)


@transaction.atomic
def update_settings(workspace: Workspace, actor: User, *, requires_approval: bool, approval_mode: str,
                    approval_notice_hours: int, named: Iterable[Membership]) -> None:
    def describe(ws: Workspace, editorial: EditorialSettings) -> Text:
        names = ", ".join(sorted(u.email for u in named_members(ws))) or "—"
        return Text.gettext(
            "Posts need approval: %(required)s · approval by: %(mode)s · warning %(hours)d h before · "
            "named approvers: %(named)s",
            required=Text.gettext("yes") if editorial.requires_approval else Text.gettext("no"),
            mode=Text.label(ApprovalMode(editorial.approval_mode).label), hours=editorial.approval_notice_hours,
            named=names)

    # Read from the database: a bound ModelForm has already changed the settings in memory.
    before = describe(workspace, EditorialSettings.objects.get_or_create(workspace=workspace)[0])
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval, editorial.approval_mode = requires_approval, approval_mode
    editorial.approval_notice_hours = approval_notice_hours
    editorial.save(update_fields=["requires_approval", "approval_mode", "approval_notice_hours"])
    chosen = {m.pk for m in named}
    workspace.memberships.exclude(pk__in=chosen).update(is_named_approver=False)
    workspace.memberships.filter(pk__in=chosen, role__in=APPROVER_ROLES).update(is_named_approver=True)
    after = describe(workspace, editorial)
    if before != after:
        audit.record(workspace, "workspace.approval_settings", actor=actor, target=workspace,
                     summary=Text.gettext("Approval settings changed"), before=before, after=after)
