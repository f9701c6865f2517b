"""A workspace's own model: the shipped one, retrained on its people's corrections.

Corrections are kept (`Correction`), never overwritten, so a model can be rebuilt at any
time from them. Retraining runs in the background when asked (the inbox's settings
page, or the API) and takes seconds: only the small classifier heads are refitted on the
corrections plus an anchor of the shipped labelled set (the sentence encoder is fixed).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from django.utils import timezone

from parvis.accounts.models import Workspace
from parvis.inbox.models import Correction, WorkspaceModel


def examples(workspace: Workspace) -> list[Any]:
    """One labelled example per corrected text: every field people corrected on it, the
    latest correction of each field winning."""
    from parvis.inbox.understand import LabelledExample

    by_text: dict[str, dict[str, Any]] = {}
    for correction in Correction.objects.filter(workspace=workspace).order_by("created_at", "id"):
        labels = by_text.setdefault(correction.text, {})
        value: Any = correction.after if correction.field == "sentiment" else correction.after == "true"
        labels[correction.field] = value
    return [LabelledExample(text, labels.get("sentiment"), labels.get("toxic"), labels.get("spam"))
            for text, labels in by_text.items() if set(labels) & {"sentiment", "toxic", "spam"}]


def retrain(workspace: Workspace) -> WorkspaceModel | None:
    """Fit and store the workspace's model; None when there is nothing to learn from."""
    from parvis.inbox.understand import fit

    found = examples(workspace)
    if not found:
        WorkspaceModel.objects.filter(workspace=workspace).delete()
        _current.pop(workspace.pk, None)
        return None
    model = fit(found)
    stored, _created = WorkspaceModel.objects.update_or_create(
        workspace=workspace, defaults={"data": model.to_bytes(), "corrections": len(found),
                                       "trained_at": timezone.now()})
    _current.pop(workspace.pk, None)
    return stored


@lru_cache(maxsize=32)
def _load(workspace_id: int, trained_at: str) -> Any:
    """Decoded models, kept per (workspace, version): decoding costs more than a batch."""
    from parvis.inbox.understand import Model

    row = WorkspaceModel.objects.get(workspace_id=workspace_id)
    return Model.from_bytes(bytes(row.data))


# Which version of each workspace's model is current, as read by this process, for
# CHECK_EVERY seconds: ingestion asks for every page it analyses. A retrain in this process
# is seen at once; one in another process (the web page's button) within that delay.
CHECK_EVERY = 30.0
_current: dict[int, tuple[float, str | None]] = {}


def model_for(workspace_id: int) -> Any | None:
    """The workspace's own model, or None for the shipped one."""
    checked_at, trained = _current.get(workspace_id, (-CHECK_EVERY, None))
    if time.monotonic() - checked_at >= CHECK_EVERY:
        found = WorkspaceModel.objects.filter(workspace_id=workspace_id).values_list("trained_at", flat=True).first()
        trained = found.isoformat() if found else None
        _current[workspace_id] = (time.monotonic(), trained)
    if trained is None:
        return None
    try:
        return _load(workspace_id, trained)
    except WorkspaceModel.DoesNotExist:  # deleted since it was checked: the shipped one
        _current.pop(workspace_id, None)
        return None
