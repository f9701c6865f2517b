"""The workspace's settings area: one sidebar grouping every page that configures a
workspace (its accounts and queues, its people and approval, its charter and calendar
feed, the inbox's rules, hours, rota and channels, webhooks), shown beside each of them.

Each entry names the least role that may open its page, so that the sidebar only offers
what the person can reach (the pages check again)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parvis.accounts.models import ROLE_RANK, Role


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: Promise
    role: Role = Role.VIEWER
    also: tuple[str, ...] = ()  # pages reached from this one, shown as it
    personal: bool = False  # the person's own page, not the workspace's (no workspace id)


GROUPS: tuple[tuple[Promise, tuple[Entry, ...]], ...] = (
    (_("Workspace"), (
        Entry("workspace_settings", _("Name, zone and language"), Role.MANAGER),
        Entry("workspace_pause", _("Crisis pause")),
        Entry("audit", _("Activity log"), Role.MANAGER),
    )),
    (_("Networks"), (
        Entry("accounts", _("Accounts")),
        Entry("queues", _("Queues"), also=("queue",)),
    )),
    (_("Team and approval"), (
        Entry("members", _("People")),
        Entry("approval_settings", _("Approval and client approvers"), Role.MANAGER),
    )),
    (pgettext_lazy("settings section", "Publishing"), (
        Entry("charter", _("Editorial charter"), Role.MANAGER),
        Entry("calendar_feed", _("Calendar feed"), Role.MANAGER),
    )),
    (_("Inbox"), (
        Entry("inbox_settings", _("Crisis and model"), Role.MANAGER),
        Entry("inbox_rules", _("Rules"), Role.MANAGER, also=("inbox_rule_new", "inbox_rule_edit")),
        Entry("inbox_hours", _("Working hours and rota"), Role.MANAGER),
        Entry("inbox_channels", _("Notification channels"), Role.MANAGER, also=("inbox_channel_edit",)),
        Entry("saved_replies", _("Saved replies")),
        Entry("inbox_response_times", _("Response times")),
    )),
    (_("Integrations"), (
        Entry("webhooks", _("Webhooks"), Role.MANAGER, also=("webhook_endpoint",)),
        Entry("api_tokens", _("API tokens (yours)"), personal=True),
    )),
)
PAGES = {name for _label, entries in GROUPS for e in entries if not e.personal for name in (e.url_name, *e.also)}


@dataclass(frozen=True)
class Link:
    label: Promise
    url: str
    current: bool


def sidebar(url_name: str, workspace_id: int, role: str) -> list[tuple[Promise, list[Link]]]:
    """The groups and links of the sidebar for a page of the settings area (empty elsewhere)."""
    if url_name not in PAGES:
        return []
    rank = ROLE_RANK.get(Role(role), 0)
    groups = []
    for label, entries in GROUPS:
        links = [Link(e.label, reverse(f"web:{e.url_name}") if e.personal
                      else reverse(f"web:{e.url_name}", args=[workspace_id]),
                      url_name in (e.url_name, *e.also))
                 for e in entries if rank >= ROLE_RANK[e.role]]
        if links:
            groups.append((label, links))
    return groups
