"""Stories: the entries of the feeds and watched networks a workspace follows, the same
news grouped once with its count of sources and of entries new to the person, in a
window of time, the most covered first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parvis.listening import actions, clusters
from parvis.listening.feeds.discovery import Found
from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import WATCH, Entry, Folder, Source, Subscription
from parvis.listening.store import store_entries

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=48)


def follow(workspace, person, url: str, title: str, folder: str = "") -> Source:
    subscription, _ = actions.follow(workspace, Found(url, "feed"), person, folder=folder)
    Source.objects.filter(pk=subscription.source_id).update(title=title)
    return Source.objects.get(pk=subscription.source_id)


def watched(workspace, person, tag: str) -> Source:
    """A network's hashtag watched by la veille, as watching.watch leaves it (no network call)."""
    source = Source.objects.create(url=f"https://piaille.example/tags/{tag}", kind=WATCH, title=f"#{tag}")
    Subscription.objects.create(workspace=workspace, source=source, created_by=person)
    return source


def add(source: Source, title: str, link: str, at: datetime, text: str = "") -> Entry:
    parsed = ParsedEntry(guid=f"{source.url}/{link}", link=link, title=title, summary=f"<p>{text or title}</p>",
                         published=at)
    [entry] = store_entries(source, ParsedFeed("rss", entries=[parsed]), at)
    return entry


def stories(people, person=None, **kwargs):
    return clusters.workspace_stories(people["workspace"], person or people["owner"],
                                      since=kwargs.pop("since", NOW - DAY), until=NOW, **kwargs)


@pytest.fixture
def veille(people):
    ws, owner = people["workspace"], people["owner"]
    a = follow(ws, owner, "https://a.example/feed", "Presse A", folder="Presse")
    b = follow(ws, owner, "https://b.example/feed", "Presse B")
    tag = watched(ws, owner, "greve")
    strike = [add(a, "Grève à la SNCF", "https://news.example/greve", NOW - timedelta(hours=3)),
              add(b, "La SNCF en grève demain", "https://www.news.example/greve?utm_source=b",
                  NOW - timedelta(hours=2)),
              add(tag, "Marie : grève demain, à lire", "https://news.example/greve", NOW - timedelta(hours=1))]
    weather = add(a, "Météo du jour", "https://a.example/meteo", NOW - timedelta(minutes=30))
    return {"a": a, "b": b, "tag": tag, "strike": strike, "weather": weather, **people}


def test_a_feed_article_and_a_watched_network_post_with_the_same_link_are_one_story(veille):
    found = stories(veille)
    strike = found[0]
    assert {i.entry.pk for i in strike.items} == {e.pk for e in veille["strike"]}
    assert strike.sources == 3 and strike.new == 3
    assert [i.network for i in strike.items].count(True) == 1
    # The lead is the earliest feed article, not the network post.
    assert strike.lead.entry.pk == veille["strike"][0].pk and strike.lead.source == "Presse A"
    assert strike.first_seen == NOW - timedelta(hours=3) and strike.last_seen == NOW - timedelta(hours=1)


def test_near_duplicate_texts_from_other_links_join_the_story(veille):
    c = follow(veille["workspace"], veille["owner"], "https://c.example/feed", "Presse C")
    other = add(c, "Grève à la SNCF | Le Monde", "https://c.example/autre-adresse", NOW - timedelta(hours=1))
    Entry.objects.filter(pk=other.pk).update(text="Grève à la SNCF")
    Entry.objects.filter(pk=veille["strike"][0].pk).update(text="Grève à la SNCF")
    assert stories(veille)[0].sources == 4


def test_stories_are_ranked_by_sources_then_newest(veille):
    b = veille["b"]
    add(b, "Élections", "https://b.example/elections", NOW - timedelta(minutes=5))
    titles = [s.lead.entry.title for s in stories(veille)]
    assert titles == ["Grève à la SNCF", "Élections", "Météo du jour"]


def test_the_new_count_is_each_persons_own(veille):
    owner, editor, ws = veille["owner"], veille["editor"], veille["workspace"]
    actions.mark_read(owner, ws, [veille["strike"][0].pk, veille["strike"][2].pk])
    actions.mark_read(owner, ws, [veille["strike"][1].pk], read=False)  # a mark that is not a read
    strike = stories(veille)[0]
    assert strike.new == 1 and [i.read for i in strike.items] == [True, False, True]
    assert stories(veille, editor)[0].new == 3


def test_the_window_leaves_out_older_entries(veille):
    add(veille["b"], "Vieille nouvelle", "https://b.example/vieille", NOW - timedelta(days=3))
    assert "Vieille nouvelle" not in {s.lead.entry.title for s in stories(veille)}
    week = stories(veille, since=NOW - timedelta(days=7))
    assert "Vieille nouvelle" in {s.lead.entry.title for s in week}
    last_hour = [s.lead.entry.title for s in stories(veille, since=NOW - timedelta(hours=1))]
    assert last_hour == ["Météo du jour", "Marie : grève demain, à lire"]


def test_today_starts_at_midnight_in_the_persons_time_zone(people):
    person = people["owner"]
    person.timezone = "America/Montreal"
    start = clusters.window_start("today", person, NOW)  # 07:00 in Montréal
    assert start == datetime(2026, 12, 8, 5, 0, tzinfo=UTC)
    assert clusters.window_start("7d", person, NOW) == NOW - timedelta(days=7)
    assert clusters.window_start("nonsense", person, NOW) == NOW - DAY


def test_a_folder_keeps_its_sources_only(veille):
    presse = Folder.objects.get(workspace=veille["workspace"], name="Presse")
    found = stories(veille, folder=presse.pk)
    assert [(s.lead.entry.title, s.sources) for s in found] == [("Météo du jour", 1), ("Grève à la SNCF", 1)]


def test_another_workspace_sees_only_the_sources_it_follows(veille):
    other, outsider = veille["other_workspace"], veille["outsider"]
    assert clusters.workspace_stories(other, outsider, since=NOW - DAY, until=NOW) == []
    Subscription.objects.create(workspace=other, source=veille["b"])
    [only] = clusters.workspace_stories(other, outsider, since=NOW - DAY, until=NOW)
    assert only.sources == 1 and only.lead.source == "Presse B"
    actions.mark_read(outsider, other, [veille["strike"][1].pk])
    assert stories(veille)[0].new == 3  # the outsider's marks are theirs


def test_only_followed_entries_can_be_marked_as_a_story(veille):
    theirs = follow(veille["other_workspace"], veille["outsider"], "https://z.example/feed", "Z")
    foreign = add(theirs, "Ailleurs", "https://z.example/1", NOW)
    ids = [e.pk for e in veille["strike"]] + [foreign.pk, 10**9]
    assert sorted(clusters.followed_entry_ids(veille["workspace"], ids)) == sorted(e.pk for e in veille["strike"])


def test_stories_cost_three_queries_whatever_the_entries(veille):
    words = ["boulangerie", "rugby", "vendanges", "marathon", "théâtre", "musée", "budget", "climat", "école", "vélo"]
    for n in range(30):  # unrelated texts: thirty stories of their own
        title = " ".join(words[(n + k * 3) % len(words)] + str(n * 7 + k) for k in range(6))
        add(veille["b"], title, f"https://b.example/{n}", NOW - timedelta(minutes=n))
    with CaptureQueriesContext(connection) as queries:
        found = stories(veille)
        [s.lead.source for s in found]
    assert len(queries) == 3 and len(found) == 32


def test_the_newest_entries_are_grouped_when_there_are_too_many(veille):
    found = stories(veille, limit=2)
    assert sum(len(s.items) for s in found) == 2
    assert {s.lead.entry.title for s in found} == {"Météo du jour", "Marie : grève demain, à lire"}
