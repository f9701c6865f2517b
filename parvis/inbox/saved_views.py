"""The inbox's views: a few every team needs ("My open items", "Negative this week",
"Private messages"…), and those each person saves from the filters they use, each
with how many items it holds now.

A view is a query string of the inbox list (`InboxFilters.as_query`): following it is
following a link; saving one keeps what the list shows. Counts stop at COUNT_CAP: a
badge says "99+" rather than counting a hundred thousand rows on every page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.models import User, Workspace
from parvis.inbox.errors import InboxError
from parvis.inbox.models import Priority, SavedView
from parvis.inbox.queries import InboxFilters, inbox_items

COUNT_CAP = 99
MAX_VIEWS = 20  # saved by one person for one inbox


@dataclass(frozen=True)
class View:
    key: str  # "preset-mine" or "saved-12"
    name: str | Promise
    query: str
    saved_id: int | None = None


PRESETS = (
    View("preset-mine", gettext_lazy("My open items"), "assignee=me"),
    View("preset-unassigned", gettext_lazy("Nobody on it"), "assignee=none"),
    View("preset-urgent", gettext_lazy("Urgent"), f"priority={Priority.HIGH}"),
    View("preset-negative", gettext_lazy("Negative this week"), "view=all&sentiment=negative&since=7d"),
    View("preset-messages", gettext_lazy("Private messages"), "kind=message"),
)


class ViewError(InboxError):
    """A view that cannot be saved."""


def normalised(query: str) -> str:
    """The query string as the list writes it (filters read, defaults and bad values
    dropped), so that a view and the list it shows compare equal."""
    return urlencode(InboxFilters.from_query(QueryDict(query)).as_query())


def views_for(user: User, workspace: Workspace | None) -> list[View]:
    saved = SavedView.objects.filter(user=user, workspace=workspace)
    return [*PRESETS, *(View(f"saved-{v.pk}", v.name, v.query, v.pk) for v in saved)]


def count(view: View, workspaces: Iterable[Workspace], user: User, now: datetime | None = None) -> str:
    """How many items the view holds now: "0" to "99", or "99+"."""
    filters = InboxFilters.from_query(QueryDict(view.query))
    found = inbox_items(workspaces, filters, user.pk, now).order_by()[:COUNT_CAP + 1].count()
    return f"{COUNT_CAP}+" if found > COUNT_CAP else str(found)


def save_view(user: User, workspace: Workspace | None, name: str, query: str) -> SavedView:
    """Keep the list's current filters under a name (the same name replaces its filters)."""
    name = " ".join(name.split())[:60]
    if not name:
        raise ViewError("name", _("Give the view a name."))
    kept = normalised(query)
    if not kept:
        raise ViewError("name", _("Choose some filters first: this is the whole inbox."))
    existing = SavedView.objects.filter(user=user, workspace=workspace, name=name).first()
    if existing is not None:
        existing.query = kept
        existing.save(update_fields=["query"])
        return existing
    if SavedView.objects.filter(user=user, workspace=workspace).count() >= MAX_VIEWS:
        raise ViewError("name", _("You have %(count)d views here already: delete one first.") % {"count": MAX_VIEWS})
    return SavedView.objects.create(user=user, workspace=workspace, name=name, query=kept)
