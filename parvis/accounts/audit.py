"""The audit log: one call per thing worth knowing later (who did what, when, what the
text was before and after). Written in the same transaction as the change it describes.

What parvis itself says in an entry is kept as a `Text` (source text and parameters)
beside its plain rendering, and translated for whoever reads the log or exports it; the
action is a stable code (`post.approved`) with a label per language (`ACTION_LABELS`).
Entries written before texts were kept show their stored text.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import AuditEntry, ClientApprover, User, Workspace
from parvis.core.texts import Text, shown

ACTION_LABELS: dict[str, Any] = {
    "post.submitted": _("Post sent for review"),
    "post.approved": _("Post approved"),
    "post.changes_requested": _("Changes requested"),
    "post.comment": _("Review comment"),
    "post.edited": _("Post edited"),
    "post.rescheduled": _("Post rescheduled"),
    "post.approval_overridden": _("Published without approval"),
    "publication.not_approved": _("Not approved in time"),
    "comment.internal": _("Internal comment"),
    "posts.imported": _("CSV import"),
    "workspace.approval_settings": _("Approval settings"),
    "workspace.pause": _("Publishing paused"),
    "workspace.resume": _("Publishing resumed"),
    "client_approver.added": _("Client approver added"),
    "client_approver.link_sent": _("Review link sent"),
    "client_approver.link_revoked": _("Review link revoked"),
    "client_approver.revoked": _("Client approver revoked"),
    "charter_changed": _("Editorial charter changed"),
    "mission.changed": _("Mission changed"),
    "campaign.created": _("Campaign created"),
    "campaign.updated": _("Campaign changed"),
    "campaign.archived": _("Campaign archived"),
    "campaign.restored": _("Campaign restored"),
    "label.created": _("Label created"),
    "label.updated": _("Label changed"),
    "label.deleted": _("Label deleted"),
    "media.added": _("Media added"),
    "media.updated": _("Media changed"),
    "media.deleted": _("Media deleted"),
    "queue.slots": _("Queue slots changed"),
    "queue.move": _("Queued post moved"),
    "queue.reorder": _("Queue reordered"),
    "queue.shuffle": _("Queue shuffled"),
    "queue.pause": _("Queue paused"),
    "queue.resume": _("Queue resumed"),
    "series.created": _("Recurring post created"),
    "series.edited": _("Recurring post changed"),
    "series.stopped": _("Recurring post stopped"),
    "saved_reply.created": _("Saved reply created"),
    "saved_reply.updated": _("Saved reply changed"),
    "saved_reply.deleted": _("Saved reply deleted"),
    "ics.created": _("Calendar feed created"),
    "ics.regenerated": _("Calendar feed regenerated"),
    "ics.revoked": _("Calendar feed revoked"),
}

TARGET_LABELS: dict[str, Any] = {
    "post": _("post"), "workspace": _("workspace"), "mediaasset": _("media"), "importbatch": _("CSV import"),
    "series": _("recurring post"), "campaign": _("campaign"), "label": _("label"), "charter": _("charter"),
    "accountqueue": _("queue"), "clientapprover": _("client approver"), "savedreply": _("saved reply"),
    "publication": _("publication"),
}


def action_label(action: str) -> str:
    """The action in the reader's language; a code nobody labelled yet shows as itself."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def target_label(target_type: str) -> str:
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type


def _plain(value: str | Text) -> str:
    return value.render() if isinstance(value, Text) else value


def record(
    workspace: Workspace, action: str, *, actor: User | None = None, client: ClientApprover | None = None,
    target: models.Model | None = None, summary: str | Text = "", before: str | Text = "",
    after: str | Text = "",
) -> AuditEntry:
    """`summary`, `before`, `after`: a `Text` for what parvis says (translated when read),
    a plain string for people's own words and data (a post's text, a reason)."""
    if client is not None:
        label = str(client)
    elif actor is not None:
        label = f"{actor} <{actor.email}>" if str(actor) != actor.email else actor.email
    else:
        label = "parvis"
    texts = {name: value.as_json() for name, value in (("summary", summary), ("before", before), ("after", after))
             if isinstance(value, Text)}
    return AuditEntry.objects.create(
        workspace=workspace, actor=actor, client=client, actor_label=label, action=action,
        target_type=target._meta.model_name or "" if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=_plain(summary), before=_plain(before), after=_plain(after), texts=texts,
    )


def shown_field(entry: AuditEntry, name: str) -> str:
    """`summary`, `before` or `after` of an entry, in the reader's language."""
    return shown(entry.texts.get(name), getattr(entry, name))
