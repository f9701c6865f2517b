"""What the calendar shows of each event, prepared once in Python so that a template only
writes it out: a month or week draws hundreds of them, and per-item template logic and
URL reversing were most of the page's time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parvis.networks.models import SocialAccount
from parvis.publishing.approval_status import AWAITING_APPROVAL_LABEL
from parvis.publishing.models import Campaign, State
from parvis.publishing.plan import Cell, Event


def url_maker(name: str) -> Callable[..., str]:
    """`reverse` of a route taking (workspace id, object id) for many objects: reversed
    once with marker ids, then filled in (a `reverse` costs ~50 µs here)."""
    first, second = 900000001, 900000002
    pattern = reverse(name, args=[first, second]).replace(str(first), "{0}").replace(str(second), "{1}")
    return pattern.format


@dataclass
class Lookups:
    """What the items name, read once per page: accounts, campaigns, workspaces."""

    accounts: dict[int, SocialAccount]
    campaigns: dict[int, Campaign]
    workspace_names: dict[int, str]
    editable: set[int]  # workspaces where the viewer may move posts
    requires_approval: set[int] = field(default_factory=set)  # workspaces whose posts need approval


class Items:
    """Turns events into the dicts `_calendar_event.html` writes out."""

    def __init__(self, lookups: Lookups, tz: ZoneInfo, colour: str, show_workspace: bool, more_base: str,
                 params: dict[str, str]) -> None:
        """`more_base` and `params`: the "+N more" route and the page's filters it keeps."""
        self.lookups, self.tz, self.colour, self.show_workspace = lookups, tz, colour, show_workspace
        self.more_base, self.params = more_base, params
        self.publication_url = url_maker("web:publication")
        self.edit_url = url_maker("web:post_edit")
        self.reschedule_url = url_maker("web:post_reschedule")
        self.thumb_url = url_maker("web:library_thumb")
        # Translated and formatted once per page, not once per item.
        self.state_labels = {value: str(label) for value, label in State.choices}
        self.awaiting_label = str(AWAITING_APPROVAL_LABEL)
        self.edit_label = _("Edit or reschedule “%(text)s”")
        self.accounts = {pk: (a.network, str(a)) for pk, a in lookups.accounts.items()}

    def item(self, event: Event) -> dict[str, Any]:
        accounts = [self.accounts[account_id] for _pk, account_id, _state in event.publications
                    if account_id in self.accounts]
        networks = sorted({network for network, _label in accounts})
        campaign = self.lookups.campaigns.get(event.campaign_id) if event.campaign_id else None
        state = event.state
        held = event.awaits_approval(event.workspace_id in self.lookups.requires_approval)
        title = " · ".join([self.awaiting_label if held else self.state_labels[state],
                            *(label for _network, label in accounts),
                            *([campaign.name] if campaign else [])])
        movable = event.movable and event.workspace_id in self.lookups.editable
        local = event.due.astimezone(self.tz)
        ws, post = event.workspace_id, event.post_id
        return {
            "post": post, "cls": f"net-{networks[0]}" if self.colour == "network" and networks else state,
            "title": title, "href": self.publication_url(ws, event.first), "networks": networks,
            "iso": local.isoformat(), "time": f"{local:%H:%M}", "text": shorten(event.text, 40),
            "edit_label": self.edit_label % {"text": shorten(event.text, 30)} if movable else "",
            "workspace": self.lookups.workspace_names.get(ws, "") if self.show_workspace else "",
            "colour": campaign.colour if campaign else "",
            "reschedule": self.reschedule_url(ws, post) if movable else "",
            "edit": self.edit_url(ws, post) if movable else "",
            "thumb": self.thumb_url(ws, event.image) if event.image else "", "video": event.video,
            "awaiting": self.awaiting_label if held else "",
        }

    def cell(self, cell: Cell, key: str, value: str) -> dict[str, Any]:
        """A cell's items, and if it holds more, the address of the rest (`key`=`value`
        names the cell: `day` in a month, `at` in a week)."""
        more_url = ""
        if cell.more:
            query = {**self.params, key: value, "offset": cell.offset + len(cell.events)}
            more_url = f"{self.more_base}?{urlencode(query)}"
        return {"items": [self.item(e) for e in cell.events], "more": cell.more, "more_url": more_url,
                "more_label": more_label(cell) if cell.more else ""}


def shorten(text: str, chars: int) -> str:
    """Like the `truncatechars` filter: at most `chars` characters, the last one "…"."""
    return text if len(text) <= chars else text[:chars - 1] + "…"


def more_label(cell: Cell) -> str:
    """"+12 more", or "98+ more" when the cell's events were counted up to a cap."""
    if cell.capped:
        return ngettext("%(count)d+ more", "%(count)d+ more", cell.more) % {"count": cell.more}
    return ngettext("+%(count)d more", "+%(count)d more", cell.more) % {"count": cell.more}


def month_cells(items: Items, weeks: Iterable[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    return [[{"day": entry["day"], **items.cell(entry["cell"], "day", entry["day"].isoformat())} for entry in week]
            for week in weeks]


def week_rows(items: Items, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"time": row["time"], "cells": [{"day": entry["day"], "at": entry["at"],
                                             **items.cell(entry["cell"], "at", entry["at"])}
                                            for entry in row["cells"]]}
            for row in rows]


def choices(objects: Iterable[Any], selected: str, label: Callable[[Any], str], show_workspace: bool
            ) -> list[tuple[int, str, bool]]:
    """A filter's options as (value, label, selected): the template only writes them out
    (the all-workspaces calendar of an agency lists hundreds). Objects carry `workspace_name`."""
    return [(o.pk, f"{o.workspace_name} · {label(o)}" if show_workspace else label(o), str(o.pk) == selected)
            for o in objects]


def campaign_label(campaign: Campaign) -> str:
    return f"{campaign.name} ({_('archived')})" if campaign.archived else campaign.name
