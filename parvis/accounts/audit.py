"""The audit log: one call per thing worth knowing later (who did what, when, what the
text was before and after). Written in the same transaction as the change it describes."""

from __future__ import annotations

from django.db import models

from parvis.accounts.models import AuditEntry, ClientApprover, User, Workspace


def record(
    workspace: Workspace, action: str, *, actor: User | None = None, client: ClientApprover | None = None,
    target: models.Model | None = None, summary: str = "", before: str = "", after: str = "",
) -> AuditEntry:
    if client is not None:
        label = str(client)
    elif actor is not None:
        label = f"{actor} <{actor.email}>" if str(actor) != actor.email else actor.email
    else:
        label = "parvis"
    return AuditEntry.objects.create(
        workspace=workspace, actor=actor, client=client, actor_label=label, action=action,
        target_type=target._meta.model_name or "" if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary, before=before, after=after,
    )
