"""What a scheduled publication shows while approval holds it: "Awaiting approval", not
"Scheduled". One rule for every place a publication's state is shown (the list, its page,
the calendar, the API), the same rule the engine applies (`engine.released_filter`):
the engine does not publish it until its post is approved.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import Workspace
from parvis.publishing.models import ApprovalState, EditorialSettings, Post, PostKind, State

AWAITING_APPROVAL = "awaiting_approval"
AWAITING_APPROVAL_LABEL = _("Awaiting approval")


def awaiting_approval(post: Post, state: str, workspace: Workspace | None = None) -> bool:
    """A publication in `state` of `post` is scheduled, but held until the post is
    approved. `workspace`: the post's, when the caller has it (saves a query)."""
    if state != State.SCHEDULED or post.kind != PostKind.POST or post.approval_state == ApprovalState.APPROVED:
        return False
    return EditorialSettings.of(workspace or post.workspace).requires_approval


def state_label(post: Post, state: str, workspace: Workspace | None = None) -> str:
    if awaiting_approval(post, state, workspace):
        return str(AWAITING_APPROVAL_LABEL)
    return str(State(state).label)
