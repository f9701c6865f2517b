"""What happens to items a poll brought, in order. `polling` calls `after_store` once the
items are stored and the poller's next read is scheduled.

Two steps happen earlier, inside `ingest.store`, and stay there on purpose:

1. **analysis** (language, sentiment, flags: `analysis.analyse_items`) runs on new and
   edited items *before* they are written, so that an item is never stored, shown or
   matched by a rule without them;
2. **the `inbox.item.received` event** (`events.received`) is emitted in the storing
   transaction: the outbox's promise is that an event exists if and only if its change
   was committed.

Then `after_store` runs, on the items new in the inbox:

3. **rules**: each workspace's rules, in order (`rules.run_rules`), then the items a rule
   asked to hide are hidden on the network (`rules.hide_matched`);
4. **notifications**: the on-duty people and the workspace's chat webhooks are told
   about flagged or high-priority items (`alerts.tell_about`; outside working hours
   only urgent ones);
5. **crisis check**: an alert when the last hour is far above the usual level
   (`crisis.check_all`, which emits `crisis.alert` and tells the on-duty and relays).

The items are already stored: a step that fails is logged and the next ones still run,
and the poll is never lost. Notifications after failed rules still go out for items the
analysis marked high priority.
"""

from __future__ import annotations

import logging

from parvis.accounts.models import Workspace
from parvis.inbox import alerts, crisis, rules
from parvis.inbox.ingest import Stored

log = logging.getLogger(__name__)


def after_store(stored: Stored) -> None:
    new = list(stored.new_in_inbox)
    if not new:
        return
    # One query for the page's workspaces, shared by the rules, the notices and the
    # crisis check (an item stored in bulk knows only its workspace's id).
    workspaces = Workspace.objects.in_bulk({item.workspace_id for item in new})
    for item in new:
        item.workspace = workspaces[item.workspace_id]

    outcomes: list[rules.Outcome] = [rules.Outcome(item) for item in new]
    try:
        outcomes = rules.run_rules(new)
    except Exception:  # noqa: BLE001 - the items are stored; a failing rule must not lose the poll
        log.exception("inbox rules failed for %d item(s)", len(new))
    try:
        rules.hide_matched(outcomes)
    except Exception:  # noqa: BLE001 - as above; the items stay visible, and in the inbox
        log.exception("hiding items matched by a rule failed")
    try:
        alerts.tell_about(outcomes)
    except Exception:  # noqa: BLE001 - as above; the inbox still shows the items
        log.exception("telling about %d new item(s) failed", len(new))
    try:
        crisis.check_all(workspaces.values())
    except Exception:  # noqa: BLE001 - as above; the next poll checks again
        log.exception("crisis check failed for %d workspace(s)", len(workspaces))
