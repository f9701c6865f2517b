"""La veille's stories page: the same news from feeds and watched networks shown once
with its sources and what is new, by period and folder, marked read in one go."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.listening.models import EntryMark, Folder
from parvis.listening.tests.test_clusters import add, follow, watched
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def veille(people):
    ws, owner, now = people["workspace"], people["owner"], timezone.now()
    a = follow(ws, owner, "https://a.example/feed", "Presse A", folder="Presse")
    b = follow(ws, owner, "https://b.example/feed", "Presse B")
    tag = watched(ws, owner, "greve")
    strike = [add(a, "Grève à la SNCF", "https://news.example/greve", now - timedelta(hours=3)),
              add(b, "La SNCF en grève demain", "https://news.example/greve?utm_medium=rss", now - timedelta(hours=2)),
              add(tag, "Marie : grève demain", "https://news.example/greve", now - timedelta(hours=1))]
    old = add(b, "Une vieille affaire", "https://b.example/vieille", now - timedelta(days=4))
    return {"strike": strike, "old": old, **people}


def page(person, workspace, **query):
    return client_for(person).get(reverse("web:veille_stories", args=[workspace.pk]), query)


def test_the_page_shows_each_story_once_with_its_sources_and_new_entries(veille):
    response = page(veille["editor"], veille["workspace"])
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="story"') == 1 and "3 sources, 3 new" in html
    assert "Marie : grève demain" in html and "network post" in html  # in the folded list
    assert "https://news.example/greve" in html and "Une vieille affaire" not in html
    write = reverse("web:veille_write", args=[veille["workspace"].pk, veille["strike"][0].pk])
    assert write in html and "Mark the story read" in html


def test_the_period_and_the_folder_choose_the_stories(veille):
    ws, editor = veille["workspace"], veille["editor"]
    assert "Une vieille affaire" in page(editor, ws, window="7d").content.decode()
    presse = Folder.objects.get(workspace=ws, name="Presse")
    html = page(editor, ws, folder=presse.pk).content.decode()
    assert "1 source, 1 new" in html and 'aria-current="page"' in html


def test_a_workspace_without_news_says_so(people):
    html = page(people["owner"], people["workspace"], window="today").content.decode()
    assert "No story in this period" in html


def test_marking_the_story_read_marks_all_its_entries_for_this_person(veille):
    ws, editor = veille["workspace"], veille["editor"]
    ids = [e.pk for e in veille["strike"]]
    response = client_for(editor).post(reverse("web:veille_stories_read", args=[ws.pk]),
                                       {"entry": ids, "next": reverse("web:veille_stories", args=[ws.pk])},
                                       follow=True)
    assert "3 entries marked read." in response.content.decode()
    assert "3 sources, 0 new" in response.content.decode()
    assert set(EntryMark.objects.filter(person=editor, read_at__isnull=False).values_list("entry_id", flat=True)) \
        == set(ids)
    assert "3 sources, 3 new" in page(veille["owner"], ws).content.decode()


def test_a_person_of_another_workspace_gets_404(veille):
    ws, outsider = veille["workspace"], veille["outsider"]
    assert page(outsider, ws).status_code == 404
    marked = client_for(outsider).post(reverse("web:veille_stories_read", args=[ws.pk]),
                                       {"entry": [e.pk for e in veille["strike"]]})
    assert marked.status_code == 404 and not EntryMark.objects.exists()


def test_entries_of_sources_not_followed_cannot_be_marked(veille):
    theirs = follow(veille["other_workspace"], veille["outsider"], "https://z.example/feed", "Z")
    foreign = add(theirs, "Ailleurs", "https://z.example/1", timezone.now())
    response = client_for(veille["editor"]).post(reverse("web:veille_stories_read", args=[veille["workspace"].pk]),
                                                 {"entry": [foreign.pk]})
    assert response.status_code == 404 and not EntryMark.objects.exists()


def test_la_veille_links_to_its_stories(veille):
    html = client_for(veille["editor"]).get(reverse("web:veille_counts", args=[veille["workspace"].pk])).content
    assert reverse("web:veille_stories", args=[veille["workspace"].pk]).encode() in html
