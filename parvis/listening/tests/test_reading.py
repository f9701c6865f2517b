"""Reading la veille: unread first, per person, the same story once, search, read up to
here, saved, and "write a post" — in the web pages and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from parvis.listening import actions, reading
from parvis.listening.feeds.discovery import Found
from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import Entry, EntryMark, Source
from parvis.listening.store import store_entries
from parvis.listening.tests.feeds_factory import BASE
from parvis.testing.factories import client_for, make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
CAFE = "Café et société : la rentrée"


def feed_of(workspace, person, url: str, entries: list[ParsedEntry], title: str = "Presse", folder: str = ""):
    subscription, _ = actions.follow(workspace, Found(url, "feed"), person, folder=folder)
    source = Source.objects.get(pk=subscription.source_id)
    source.title = title
    source.save()
    store_entries(source, ParsedFeed("rss", entries=entries), BASE)
    return subscription


def article(n: int, site: str = "https://presse.example", **fields) -> ParsedEntry:
    values = {"guid": f"{site}/{n}", "link": f"{site}/articles/{n}", "title": f"Article {n}",
              "summary": f"<p>Résumé {n} : la modération des réseaux sociaux.</p>",
              "published": BASE - timedelta(hours=n)}
    values.update(fields)
    return ParsedEntry(**values)


@pytest.fixture
def veille(people):
    ws, owner = people["workspace"], people["owner"]
    press = feed_of(ws, owner, "https://presse.example/feed", [article(n) for n in range(5)], folder="Presse")
    # The same article 2 through another feed, with tracking parameters on its link.
    agg = feed_of(ws, owner, "https://agregateur.example/rss", [
        article(2, site="https://agregateur.example", link="https://www.presse.example/articles/2?utm_source=agg"),
        article(9, site="https://agregateur.example", title=CAFE),
    ], title="Agrégateur")
    return {"press": press, "agg": agg, **people}


def titles(page: reading.Page) -> list[str]:
    return [row.entry.title for row in page.rows]


def test_the_list_is_unread_newest_first_and_the_same_story_shows_once_with_also_in(veille):
    page = reading.page(veille["owner"], veille["workspace"], reading.ReadingFilters())
    assert titles(page) == ["Article 0", "Article 1", "Article 2", "Article 3", "Article 4", CAFE]
    two = next(row for row in page.rows if row.entry.title == "Article 2")
    assert [s.shown_title for s in two.also_in] == ["Agrégateur"] or [s.shown_title for s in two.also_in] == [
        "Presse"]


def test_read_state_is_per_person_and_reading_a_story_reads_it_in_every_source(veille):
    ws, owner, editor = veille["workspace"], veille["owner"], veille["editor"]
    two = Entry.objects.filter(title="Article 2")
    actions.mark_read(owner, ws, reading.same_stories(ws, [two.first().pk]))
    assert EntryMark.objects.filter(person=owner, read_at__isnull=False).count() == 2
    assert "Article 2" not in titles(reading.page(owner, ws, reading.ReadingFilters()))
    assert "Article 2" in titles(reading.page(editor, ws, reading.ReadingFilters()))
    counts = reading.unread_counts(owner, ws)
    assert counts[veille["press"].pk] == 4 and counts[veille["agg"].pk] == 1


def test_mark_read_up_to_here_reads_everything_above_it(veille):
    ws, owner = veille["workspace"], veille["owner"]
    listed = reading.entries(owner, ws, reading.ReadingFilters())
    third = Entry.objects.get(title="Article 2", source=veille["press"].source)
    actions.mark_read_up_to(owner, ws, listed, third)
    left = titles(reading.page(owner, ws, reading.ReadingFilters()))
    assert left == ["Article 3", "Article 4", CAFE]


def test_search_ignores_accents_and_case_and_finds_word_starts(veille):
    ws, owner = veille["workspace"], veille["owner"]
    found = titles(reading.page(owner, ws, reading.ReadingFilters(show="all", q="SOCIETE")))
    assert found == [CAFE]
    assert len(titles(reading.page(owner, ws, reading.ReadingFilters(show="all", q="modér")))) == 6


def test_saved_entries_and_pages_by_keyset(veille):
    ws, owner = veille["workspace"], veille["owner"]
    first = Entry.objects.get(title="Article 1")
    actions.mark_saved(owner, ws, [first.pk])
    assert titles(reading.page(owner, ws, reading.ReadingFilters(show="saved"))) == ["Article 1"]
    page_one = reading.page(owner, ws, reading.ReadingFilters(show="all"), size=2)
    page_two = reading.page(owner, ws, reading.ReadingFilters(show="all", before=page_one.next_before), size=2)
    assert titles(page_one) == ["Article 0", "Article 1"] and titles(page_two)[0] == "Article 2"


def test_another_workspaces_entries_are_not_reachable(veille):
    entry = Entry.objects.first()
    assert reading.followed_entry(veille["other_workspace"], entry.pk) is None
    outsider = client_for(veille["outsider"])
    ws = veille["workspace"]
    assert outsider.get(reverse("web:veille", args=[ws.pk])).status_code == 404
    response = outsider.post(reverse("web:veille_mark", args=[veille["other_workspace"].pk]),
                             {"entry": entry.pk, "mark": "read"})
    assert response.status_code == 404


# -- the pages ----------------------------------------------------------------------------------

def test_the_reading_page_shows_entries_sources_and_their_unread_counts(veille):
    web = client_for(veille["owner"])
    page = web.get(reverse("web:veille", args=[veille["workspace"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="veille-entry') == 6
    assert "Also in" in html and 'data-testid="unread-total"' not in html  # the list does not wait for counts
    assert "img-src 'self' https:" in page["Content-Security-Policy"]
    counts = web.get(reverse("web:veille_counts", args=[veille["workspace"].pk])).content.decode()
    assert 'data-testid="unread-total">7<' in counts and '<span class="count">5</span>' in counts


def test_marking_from_the_page_and_read_up_to_here(veille):
    ws = veille["workspace"]
    web = client_for(veille["viewer"])  # a viewer reads too: marks are one's own
    first = Entry.objects.get(title="Article 0")
    assert web.post(reverse("web:veille_mark", args=[ws.pk]), {"entry": first.pk, "mark": "read"},
                    HTTP_HX_REQUEST="true").status_code == 204
    web.post(reverse("web:veille_mark", args=[ws.pk]), {"entry": first.pk, "mark": "save"})
    assert EntryMark.objects.get(person=veille["viewer"], entry=first).saved_at is not None
    four = Entry.objects.get(title="Article 4")
    response = web.post(reverse("web:veille_read_up_to", args=[ws.pk]), {"entry": four.pk}, follow=True)
    assert "entries marked read" in response.content.decode()
    assert titles(reading.page(veille["viewer"], ws, reading.ReadingFilters())) == [CAFE]


def test_the_empty_states_say_what_to_do(people):
    web = client_for(people["owner"])
    html = web.get(reverse("web:veille", args=[people["workspace"].pk])).content.decode()
    assert "No source yet" in html and reverse("web:veille_sources", args=[people["workspace"].pk]) in html


def test_write_a_post_opens_the_composer_with_the_article(veille):
    ws = veille["workspace"]
    entry = Entry.objects.get(title="Article 2", source=veille["agg"].source)
    make_account(ws)
    web = client_for(veille["editor"])
    response = web.get(reverse("web:veille_write", args=[ws.pk, entry.pk]))
    assert response.status_code == 302
    composer = web.get(response["Location"]).content.decode()
    assert "Article 2" in composer and "https://www.presse.example/articles/2" in composer
    assert "utm_source=agg" not in composer  # someone else's tracking is dropped
    assert client_for(veille["viewer"]).get(reverse("web:veille_write", args=[ws.pk, entry.pk])).status_code == 403


def test_the_sources_page_follows_imports_and_says_why_a_source_is_paused(veille):
    ws = veille["workspace"]
    web = client_for(veille["editor"])
    Source.objects.filter(pk=veille["agg"].source_id).update(paused_at=BASE, paused_reason="Gone (HTTP 410).")
    html = web.get(reverse("web:veille_sources", args=[ws.pk])).content.decode()
    assert "Gone (HTTP 410)." in html and "Resume" in html
    bad = web.post(reverse("web:veille_sources", args=[ws.pk]), {"address": "ftp://x.example/"})
    assert bad.status_code == 400 and "This is not a web address." in bad.content.decode()
    export = web.get(reverse("web:veille_export", args=[ws.pk]))
    assert export["Content-Type"].startswith("text/x-opml") and b"https://presse.example/feed" in export.content
    viewer = client_for(veille["viewer"])
    assert viewer.post(reverse("web:veille_sources", args=[ws.pk]), {"address": "x"}).status_code == 403


# -- the API --------------------------------------------------------------------------------------

def test_the_api_lists_feeds_entries_and_marks_them(veille):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(veille["owner"])
    ws = veille["workspace"]
    feeds = api.get(f"/api/v1/workspaces/{ws.pk}/feeds/").json()
    assert {f["title"] or f["source_title"] for f in feeds["results"]} == {"Presse", "Agrégateur"}
    entries = api.get(f"/api/v1/workspaces/{ws.pk}/entries/", {"q": "societe"}).json()["results"]
    assert [e["title"] for e in entries] == [CAFE] and entries[0]["read"] is False
    marked = api.post(f"/api/v1/workspaces/{ws.pk}/entries/marks/", {"entries": [entries[0]["id"]], "read": True},
                      format="json")
    assert marked.json() == {"marked": 1}
    assert api.get(f"/api/v1/workspaces/{ws.pk}/entries/", {"q": "societe"}).json()["results"] == []
    bad = api.post(f"/api/v1/workspaces/{ws.pk}/entries/marks/", {"entries": []}, format="json")
    assert bad.status_code == 400 and "entries" in bad.json()["errors"]
    folder = api.post(f"/api/v1/workspaces/{ws.pk}/feed-folders/", {"name": "Presse"}, format="json")
    assert folder.status_code == 400 and "name" in folder.json()["errors"]
    changed = api.patch(f"/api/v1/feeds/{veille['agg'].pk}/", {"folder": "Agrégats", "tags": ["a", "A", "b"]},
                        format="json").json()
    assert changed["folder"] == "Agrégats" and changed["tags"] == ["a", "b"]
    assert {f["unread"] for f in feeds["results"]} == {5, 2}
    outsider = APIClient()
    outsider.force_authenticate(veille["outsider"])
    assert outsider.get(f"/api/v1/feeds/{veille['agg'].pk}/").status_code == 404


def test_an_entrys_text_is_shown_escaped_once(people):
    feed_of(people["workspace"], people["owner"], "https://x.example/feed",
            [article(1, summary="<p>Fish &amp; chips &lt;script&gt; à Lyon</p>")])
    html = client_for(people["owner"]).get(reverse("web:veille", args=[people["workspace"].pk])).content.decode()
    assert "Fish &amp; chips &lt;script&gt; à Lyon" in html and "&amp;amp;" not in html
