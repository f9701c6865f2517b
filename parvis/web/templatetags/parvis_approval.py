"""Approval in the publication pages: a scheduled publication that approval holds shows
"Awaiting approval" (see `publishing.approval_status`), and managers and owners get the
"publish without approval" override."""

from __future__ import annotations

from typing import Any

from django import template

from parvis.accounts.models import Workspace
from parvis.publishing import approval_status
from parvis.publishing.approvers import can_approve
from parvis.publishing.models import EditorialSettings, Publication

register = template.Library()


@register.filter
def awaiting_approval(publication: Publication, workspace: Workspace | None = None) -> bool:
    return approval_status.awaiting_approval(publication.post, publication.state, workspace)


@register.filter
def state_label(publication: Publication, workspace: Workspace | None = None) -> str:
    return approval_status.state_label(publication.post, publication.state, workspace)


@register.simple_tag(takes_context=True)
def may_override_approval(context: dict[str, Any], workspace: Workspace) -> bool:
    user = context["request"].user
    return bool(user.is_authenticated and EditorialSettings.of(workspace).requires_approval
                and can_approve(user, workspace))
