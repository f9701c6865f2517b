"""Telling the right people about new items — whoever is on duty, and outside working
hours only about urgent items (high priority, or during a crisis) — by notification and
through the workspace's chat webhooks. Called by `pipeline.after_store` after the rules,
and by `crisis` for its alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.actions import absolute_url, notify
from parvis.accounts.models import Workspace
from parvis.core.texts import Text, render
from parvis.inbox import crisis, duty, rules
from parvis.inbox.models import Item, Priority, Status, Webhook


def tell_about(outcomes: Sequence[rules.Outcome], now: datetime | None = None) -> None:
    """Tell the on-duty people about items a rule flagged for notification or marked
    high priority; outside working hours only urgent ones go out."""
    now = now or timezone.now()
    by_workspace: dict[int, list[Item]] = {}
    for outcome in outcomes:
        item = outcome.item
        if item.status == Status.DONE:
            continue
        if outcome.notify or item.priority == Priority.HIGH:
            by_workspace.setdefault(item.workspace_id, []).append(item)
    for items in by_workspace.values():
        workspace = items[0].workspace
        in_crisis = crisis.active_alert(workspace, now) is not None
        urgent = [i for i in items if in_crisis or i.priority == Priority.HIGH]
        working = duty.is_working_time(workspace, now)
        told = items if working else urgent
        if told:
            _tell(workspace, told, urgent=bool(urgent), now=now)


def _tell(workspace: Workspace, items: list[Item], urgent: bool, now: datetime) -> None:
    people = duty.who_to_tell(workspace, now, urgent=urgent)
    subject = Text.ngettext("%(count)d message to answer on %(workspace)s",
                            "%(count)d messages to answer on %(workspace)s", "count",
                            count=len(items), workspace=workspace.name)
    # What people wrote is data; only "and N more" is parvis's.
    shown = "\n".join(f"{item.author.display_name or item.author.handle}: {item.text[:140]}" for item in items[:5])
    message: str | Text = shown if len(items) <= 5 else Text.gettext(
        "%(items)s\nand %(count)d more", items=shown, count=len(items) - 5)
    url = reverse("web:inbox") + f"?workspace={workspace.pk}"
    if people:
        notify(people, workspace, "inbox_items", subject, message, url)
    to_webhooks(workspace, subject, message, url, urgent=urgent, key=f"items-{items[0].pk}")


def to_webhooks(workspace: Workspace, title: str | Text, text: str | Text, url: str, *, urgent: bool,
                key: str, topic: str = "inbox") -> None:
    """Queue the message to each enabled webhook of the workspace that carries `topic`
    (a key of `accounts.channels.TOPICS`), after the commit. A chat room or a push topic
    is a team's: it reads the workspace's language."""
    from parvis.inbox.tasks import webhook_task

    title, text = render(title, workspace.language), render(text, workspace.language)
    hooks = Webhook.objects.filter(workspace=workspace, enabled=True)
    if not urgent:
        hooks = hooks.filter(urgent_only=False)
    # A handful of channels per workspace: their topics are read here rather than with a
    # JSON query each database writes its own way.
    ids = [pk for pk, topics in hooks.values_list("pk", "topics") if topic in (topics or [])]
    link = absolute_url(url) if url else ""
    for pk in ids:
        transaction.on_commit(_sender(webhook_task, pk, title, text, link, urgent, key))


def _sender(task: Any, *args: Any) -> Any:
    def send() -> None:
        task(*args)
    return send
