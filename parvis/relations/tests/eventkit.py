"""Rows the events tests start from: an event of the `people` fixture's workspace and
contacts of its organisation, at fixed times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from parvis.relations import events
from parvis.relations.models import Contact, Decision, Event, Guest

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STARTS = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)  # 19:00 in Paris
ENDS = datetime(2026, 3, 12, 21, 30, tzinfo=UTC)


def make_event(people: dict[str, Any], **fields: Any) -> Event:
    values = {"name": "Soirée printemps", "starts_at": STARTS, "ends_at": ENDS, "place": "Atelier Dupont",
              "address": "3 rue des Fleurs, Lyon", **fields}
    return events.create_event(people["workspace"], values, people["owner"], NOW)


def make_contact(people: dict[str, Any], name: str, email: str | None = None, **fields: Any) -> Contact:
    if email is None:
        email = f"{name.split()[0].lower()}@blog.test"
    return Contact.objects.create(organisation=people["organisation"], name=name, email=email, **fields)


def invite(event: Event, people: dict[str, Any], *names: str, **fields: Any) -> list[Guest]:
    """Contacts added to the list and invited (not emailed)."""
    contacts = [make_contact(people, name, **fields) for name in names]
    guests = events.add_contacts(event, contacts, people["owner"], NOW)
    return [events.decide(guest, Decision.INVITED, by=people["owner"], now=NOW) for guest in guests]
