"""The workspace switcher of an agency with many clients: pinned workspaces first, then the
ones opened last, then all by name; a visit written at most every ten minutes; pinning
only one's own workspaces, back to the page one was on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.actions import create_workspace
from parvis.accounts.models import Membership
from parvis.accounts.switcher import RECENT, VISIT_EVERY, memberships, note_visit, switcher
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db


def _clients(people: dict[str, Any], names: list[str]) -> list[Any]:
    return [create_workspace(people["organisation"], name, people["owner"], "Europe/Paris", "fr") for name in names]


def test_pinned_first_then_last_opened_then_everyone_by_name(people: dict[str, Any]) -> None:
    owner = people["owner"]
    made = _clients(people, ["Vélos Martin", "Cave à vins", "Élan Studio", "Atelier Zoé"] +
                    [f"Client {n:02d}" for n in range(8)])
    now = timezone.now()
    Membership.objects.filter(user=owner, workspace=made[0]).update(favourite=True)
    for minutes, workspace in enumerate(made[1:8]):  # Cave à vins opened last
        Membership.objects.filter(user=owner, workspace=workspace).update(visited_at=now - timedelta(minutes=minutes))
    found = switcher(memberships(owner), current_id=made[2].pk)
    assert [w.name for w in found.favourites] == ["Vélos Martin"]
    # The current workspace and the pinned one are not "recent"; five at most.
    assert [w.name for w in found.recent] == ["Cave à vins", "Atelier Zoé", "Client 00", "Client 01", "Client 02"]
    assert len(found.recent) == RECENT
    names = [w.name for w in found.everyone]
    assert names[:3] == ["Atelier Zoé", "Boulangerie Dupont", "Cave à vins"] and len(names) == 13
    assert "Concurrent" not in names  # another organisation's, where the owner is not a member


def test_a_visit_is_written_once_every_ten_minutes(people: dict[str, Any], django_assert_num_queries: Any) -> None:
    owner, workspace = people["owner"], people["workspace"]
    members = memberships(owner)
    now = timezone.now()
    with django_assert_num_queries(1):
        note_visit(members, workspace.pk, now)
    with django_assert_num_queries(0):
        note_visit(members, workspace.pk, now + VISIT_EVERY - timedelta(seconds=1))
        note_visit(members, people["other_workspace"].pk, now)  # not theirs: nothing
    note_visit(members, workspace.pk, now + VISIT_EVERY)
    assert Membership.objects.get(user=owner, workspace=workspace).visited_at == now + VISIT_EVERY


def test_opening_a_workspaces_page_counts_as_a_visit(people: dict[str, Any]) -> None:
    client = client_for(people["owner"])
    assert client.get(reverse("web:publications", args=[people["workspace"].pk])).status_code == 200
    assert Membership.objects.get(user=people["owner"], workspace=people["workspace"]).visited_at is not None


def test_pinning_a_workspace_goes_back_to_the_page_and_shows_it_first(people: dict[str, Any]) -> None:
    owner = people["owner"]
    pinned = _clients(people, ["Vélos Martin"])[0]
    client = client_for(owner)
    back = reverse("web:publications", args=[people["workspace"].pk]) + "?state=failed"
    answer = client.post(reverse("web:workspace_favourite", args=[pinned.pk]), {"next": back})
    assert answer.status_code == 302 and answer.url == back
    assert Membership.objects.get(user=owner, workspace=pinned).favourite
    page = client.get(back).content.decode()
    panel = page[page.index('id="switcher-panel"'):]
    assert panel.index("Favourites") < panel.index("Vélos Martin") < panel.index("Boulangerie Dupont")
    client.post(reverse("web:workspace_favourite", args=[pinned.pk]), {"next": back, "favourite": "0"})
    assert not Membership.objects.get(user=owner, workspace=pinned).favourite


def test_pinning_refuses_other_peoples_workspaces_foreign_addresses_and_gets(people: dict[str, Any]) -> None:
    client = client_for(people["owner"])
    theirs = reverse("web:workspace_favourite", args=[people["other_workspace"].pk])
    assert client.post(theirs).status_code == 404
    mine = reverse("web:workspace_favourite", args=[people["workspace"].pk])
    assert client.get(mine).status_code == 405
    answer = client.post(mine, {"next": "https://evil.example/"})
    assert answer.url == reverse("web:calendar", args=[people["workspace"].pk])
