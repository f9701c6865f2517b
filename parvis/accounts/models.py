"""People, organisations, workspaces (one per client brand), roles and invitations."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parvis.core.timezones import known_timezones


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone (for example Europe/Paris)."),
            params={"value": value},
            code="invalid_timezone",
        )


class Role(models.TextChoices):
    """Roles in one workspace, from the most to the least powerful.

    Client approvers are not members: they are `ClientApprover` records with no password
    and no login, who reach only the client portal through a personal link. Keeping them
    out of `Membership` means no member-scoped page can ever show them anything.
    """

    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


ROLE_RANK = {Role.OWNER: 40, Role.MANAGER: 30, Role.EDITOR: 20, Role.VIEWER: 10}


class EmailUserManager(UserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:  # type: ignore[override]
        email = self.normalize_email(email).lower()
        extra.setdefault("username", email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:  # type: ignore[override]
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    email = models.EmailField(_("email"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES,
        help_text=_("Leave empty to follow the browser."),
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects = EmailUserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Organisation(models.Model):
    """The freelancer or the agency: it holds the workspaces of its clients."""

    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(User, through="OrganisationMember", related_name="organisations")

    def __str__(self) -> str:
        return self.name


class OrganisationMember(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    is_admin = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="unique_org_member")
        ]


class Workspace(models.Model):
    """One client brand: its accounts, its posts, its own time zone and language.

    Its editorial workflow (approval, crisis pause, calendar feed) lives in the publishing
    app's `EditorialSettings` (`workspace.editorial`), which owns that workflow."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="workspaces")
    name = models.CharField(_("name"), max_length=120)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )
    language = models.CharField(
        _("language"), max_length=8, default="fr", choices=settings.LANGUAGES
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(User, through="Membership", related_name="workspaces")
    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # With "all named approvers", each named approver must approve every post.
    is_named_approver = models.BooleanField(_("named approver"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The workspace switcher's own: pinned by this person, and when they last opened it
    # (written at most every `VISIT_EVERY`, so that browsing costs no write per page).
    favourite = models.BooleanField(_("favourite"), default=False)
    visited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="unique_workspace_member")
        ]

    def at_least(self, role: Role) -> bool:
        return ROLE_RANK.get(Role(self.role), 0) >= ROLE_RANK[role]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())

    def by_token(self, token: str) -> Invitation | None:
        return self.pending().filter(token_hash=hash_token(token)).first()


class Invitation(models.Model):
    """An emailed link that lets someone join a workspace with a role.

    Only a hash of the token is stored: a leaked database does not leak usable links.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    @classmethod
    def issue(cls, workspace: Workspace, email: str, role: str, invited_by: User) -> tuple[Invitation, str]:
        token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            workspace=workspace, email=email.lower(), role=role, invited_by=invited_by,
            token_hash=hash_token(token), expires_at=timezone.now() + timedelta(days=7),
        )
        return invitation, token

    def is_for(self, user: User) -> bool:
        return bool(user.email) and user.email.lower() == self.email.lower()


class Notification(models.Model):
    """An in-app notice (a failed publication, an account to reconnect, …)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(max_length=40)
    # As rendered for this person when it was sent; `texts` keeps parvis's own words
    # (`core.texts.Text` as JSON: "subject", "message") to show in their language of
    # today. Notices from before texts were kept have only `message`.
    message = models.TextField()
    texts = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    @property
    def shown_message(self) -> str:
        """The message in the reader's language (the active one)."""
        from parvis.core.texts import shown

        return shown(self.texts.get("message"), self.message)


class NotificationChoice(models.Model):
    """What one person gets of one kind of notice, by channel. No row: the defaults of
    `accounts.channels` (everything in the app and by email; push for what is urgent)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_choices")
    topic = models.CharField(max_length=20)
    app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    push = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="unique_notification_choice")]


class PushSubscription(models.Model):
    """One browser (a phone, a laptop) where a person accepted push notifications: the
    push service's address and the browser's keys (RFC 8291), as the browser gave them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    device = models.CharField(_("device"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ClientApprover(models.Model):
    """Someone at the client's company who validates posts, with no password: they reach
    the client portal through personal links (`PortalLink`) and see only this workspace's
    posts that were sent for review. Always a named approver."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="client_approvers")
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="unique_client_approver")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PortalLinkQuerySet(models.QuerySet["PortalLink"]):
    def valid(self) -> PortalLinkQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(),
                           approver__revoked_at__isnull=True)

    def by_token(self, token: str) -> PortalLink | None:
        return self.valid().select_related("approver", "approver__workspace").filter(
            token_hash=hash_token(token)).first()


class PortalLink(models.Model):
    """A personal, expiring, revocable link to the client portal. Only its hash is kept."""

    approver = models.ForeignKey(ClientApprover, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = PortalLinkQuerySet.as_manager()

    @classmethod
    def issue(cls, approver: ClientApprover, days: int = 30) -> tuple[PortalLink, str]:
        token = secrets.token_urlsafe(32)
        link = cls.objects.create(approver=approver, token_hash=hash_token(token),
                                  expires_at=timezone.now() + timedelta(days=days))
        return link, token


class AuditEntry(models.Model):
    """Who did what, when, with the text before and after: read and exported by managers."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    client = models.ForeignKey(ClientApprover, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    # Kept as text too: the log must still say who it was after the person is deleted.
    actor_label = models.CharField(max_length=255)
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    summary = models.TextField(blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    # What parvis wrote in summary/before/after, as `core.texts.Text` JSON by field
    # name: shown in the reader's language (the text fields then are a fallback).
    texts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "created_at"], name="audit_ws_created_idx")]


class PasswordResetRequest(models.Model):
    """One request for a password-reset email, kept an hour or so to cap how many a
    mailbox receives and how many one address may ask for (`accounts/reset_limits.py`).
    The email is kept hashed: the table must not become a list of who asked."""

    email_hash = models.CharField(max_length=64, db_index=True)
    address = models.CharField(max_length=45, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
