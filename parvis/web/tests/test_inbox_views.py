"""The inbox's views: built-in ones ("My open items", "Negative this week"…) and those a
person saves from their filters, each with its count; the list they show."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.inbox.models import Item, SavedView
from parvis.inbox.saved_views import COUNT_CAP
from parvis.networks.base import ItemKind
from parvis.testing.factories import client_for
from parvis.web.tests.test_inbox_pages import listed, seed

pytestmark = pytest.mark.django_db


def counts(client, workspace=None, list_query="") -> dict[str, str]:
    params = {"list": list_query, **({"in": workspace.pk} if workspace else {})}
    html = client.get(reverse("web:inbox_view_counts"), params).content.decode()
    return dict(re.findall(r'data-view="([\w-]+)">[^<]*<span class="count" data-testid="view-count">([^<]+)</span>',
                           html))


def test_built_in_views_count_what_they_hold(people, account):
    client = client_for(people["owner"])
    mine = seed(account, ["Commande perdue", "Colis abîmé"])
    Item.objects.filter(pk__in=[i.pk for i in mine]).update(assignee=people["owner"])
    old = seed(account, ["Très déçu", "Nul"], start=timezone.now() - timedelta(days=20))
    Item.objects.filter(pk__in=[i.pk for i in old]).update(sentiment="negative")
    recent = seed(account, ["Franchement décevant"])
    Item.objects.filter(pk__in=[i.pk for i in recent]).update(sentiment="negative")
    found = counts(client)
    assert found["preset-mine"] == "2" and found["preset-unassigned"] == "3"
    assert found["preset-negative"] == "1"  # this week only
    # Following a view is following its link: the list shows what it counted.
    assert set(listed(client.get(reverse("web:inbox"), {"view": "all", "sentiment": "negative", "since": "7d"}))) \
        == {recent[0].pk}


def test_a_count_stops_at_the_cap(people, account):
    seed(account, [f"m{n}" for n in range(COUNT_CAP + 3)])
    assert counts(client_for(people["owner"]))["preset-unassigned"] == f"{COUNT_CAP}+"


def test_a_person_saves_the_filters_as_a_view_and_only_they_see_it(people, account):
    client = client_for(people["editor"])
    seed(account, ["Bonjour"], kind=ItemKind.MESSAGE, private=True)
    w = people["workspace"]
    page = client.get(reverse("web:inbox_workspace", args=[w.pk]), {"kind": "message", "since": "24h"})
    assert 'data-testid="save-view"' in page.content.decode()
    saved = client.post(reverse("web:inbox_view_save"), {"in": w.pk, "name": "  DM  du jour ",
                                                          "query": page.context["current_query"]})
    view = SavedView.objects.get()
    assert (view.name, view.query, view.workspace) == ("DM du jour", "kind=message&since=24h", w)
    assert saved["Location"] == reverse("web:inbox_workspace", args=[w.pk]) + "?kind=message&since=24h"
    listed_page = client.get(saved["Location"]).content.decode()
    assert re.search(rf'aria-current="page" data-view="saved-{view.pk}"', listed_page)
    assert counts(client, w)[f"saved-{view.pk}"] == "1"
    # Another person's inbox never lists it; nor can they delete it.
    other = client_for(people["owner"])
    assert f"saved-{view.pk}" not in counts(other, w)
    assert other.post(reverse("web:inbox_view_delete", args=[view.pk])).status_code == 404
    client.post(reverse("web:inbox_view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(("name", "query", "message"), [
    ("", "kind=message", "Give the view a name."),
    ("Tout", "view=open", "Choose some filters first"),
    ("Tout", "", "Choose some filters first"),
])
def test_a_view_that_cannot_be_saved_says_why(people, account, name, query, message):
    client = client_for(people["editor"])
    answer = client.post(reverse("web:inbox_view_save"), {"name": name, "query": query}, follow=True)
    assert message in answer.content.decode() and not SavedView.objects.exists()


def test_a_bad_filter_in_a_saved_query_is_dropped(people, account):
    client = client_for(people["editor"])
    client.post(reverse("web:inbox_view_save"), {"name": "Bizarre", "query": "since=1y&sentiment=negative"})
    assert SavedView.objects.get().query == "sentiment=negative"


def test_another_workspaces_inbox_cannot_be_counted(people, account):
    client = client_for(people["editor"])
    answer = client.get(reverse("web:inbox_view_counts"), {"in": people["other_workspace"].pk})
    assert answer.status_code == 404
