"""The digest at the hours each person chose in their own time zone, made once, in the app
and by email; sharing an article with the team; full text from the article's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from parvis.accounts.models import Notification
from parvis.listening import actions, digests, fulltext, monitoring
from parvis.listening.feeds.discovery import Found
from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import Digest, Entry, Hit, Monitor, Source
from parvis.listening.store import store_entries
from parvis.testing.factories import client_for
from parvis.testing.feed_server import FeedServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
# 07:45 in Paris (UTC+1 in December).
MORNING = datetime(2026, 12, 8, 6, 45, tzinfo=UTC)


def follow(workspace, person, url: str, title: str):
    subscription, _ = actions.follow(workspace, Found(url, "feed"), person)
    Source.objects.filter(pk=subscription.source_id).update(title=title)
    return Source.objects.get(pk=subscription.source_id)


def add(source: Source, stories: list[tuple[str, str]], at: datetime) -> list[Entry]:
    parsed = [ParsedEntry(guid=f"{source.url}/{n}", link=link, title=title, summary=f"<p>{title}</p>",
                          published=at - timedelta(minutes=n)) for n, (title, link) in enumerate(stories)]
    return store_entries(source, ParsedFeed("rss", entries=parsed), at)


@pytest.fixture
def veille(people):
    ws, owner = people["workspace"], people["owner"]
    owner.timezone = "Europe/Paris"
    owner.save()
    a = follow(ws, owner, "https://a.example/feed", "Presse A")
    b = follow(ws, owner, "https://b.example/feed", "Presse B")
    at = MORNING - timedelta(hours=2)
    add(a, [("Grève à la SNCF", "https://news.example/greve"), ("Météo", "https://a.example/meteo")], at)
    add(b, [("La SNCF en grève demain", "https://www.news.example/greve?utm_source=b")], at)
    return {"a": a, "b": b, **people}


@pytest.mark.parametrize(("raw", "times"), [("07:30, 13:00", ["07:30", "13:00"]), ("13h00 7:30", ["07:30", "13:00"]),
                                             ("", [])])
def test_times_are_read_as_people_write_them(raw, times):
    assert digests.parse_times(raw) == times


@pytest.mark.parametrize("raw", ["25:00", "7h", "midi"])
def test_a_time_that_is_not_one_names_the_field(raw):
    with pytest.raises(digests.DigestError, match="Times"):
        digests.parse_times(raw)


def test_a_digest_is_due_at_the_persons_local_times_and_made_once(veille):
    owner, ws = veille["owner"], veille["workspace"]
    schedule = digests.save_schedule(owner, ws, "07:30, 13:00", by_email=True, now=MORNING - timedelta(hours=12))
    schedule.refresh_from_db()  # saved yesterday at 19:45: the first digest is today's 07:30, not at once
    assert not digests.is_due(schedule, MORNING - timedelta(hours=11))  # 20:45
    assert not digests.is_due(schedule, MORNING - timedelta(minutes=20))  # 07:25
    assert digests.is_due(schedule, MORNING)  # 07:45
    assert digests.due_schedules(MORNING) == [schedule.pk]
    made = digests.make_due(schedule.pk, MORNING)
    assert made is not None and digests.make_due(schedule.pk, MORNING + timedelta(seconds=1)) is None
    assert Digest.objects.count() == 1
    schedule.refresh_from_db()
    assert not digests.is_due(schedule, MORNING + timedelta(hours=5))  # 12:45
    assert digests.is_due(schedule, MORNING + timedelta(hours=5, minutes=20))  # 13:05


def test_two_workers_make_one_digest(veille):
    schedule = digests.save_schedule(veille["owner"], veille["workspace"], "07:30", by_email=False)
    first = digests.DigestSchedule.objects.get(pk=schedule.pk)
    second = digests.DigestSchedule.objects.get(pk=schedule.pk)
    assert digests.make(first, MORNING) is not None
    assert digests.make(second, MORNING) is None


def test_the_digest_ranks_stories_by_sources_and_lists_monitor_hits_and_is_emailed(veille):
    owner, ws = veille["owner"], veille["workspace"]
    watch = monitoring.save_monitor(Monitor(workspace=ws, name="SNCF", query="SNCF"))
    monitoring.monitor_new()
    Hit.objects.update(found_at=MORNING - timedelta(hours=1))
    schedule = digests.save_schedule(owner, ws, "07:30", by_email=True)
    digest = digests.make(schedule, MORNING)
    shown = digests.resolve(digest)
    assert [(e.title, n) for e, n, _unread in shown.stories][0][1] == 2  # the strike, in both feeds, first
    assert [(m.name, count) for m, count, _hits in shown.monitors] == [(watch.name, 2)]
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert "Boulangerie Dupont" in email.subject and "2 sources" in email.body
    assert reverse("web:veille_digest", args=[ws.pk, digest.pk]) in email.body
    html = email.alternatives[0][0]
    assert "<script" not in html and "news.example/greve" in html


def test_an_empty_digest_stays_in_the_app_and_is_not_emailed(people):
    schedule = digests.save_schedule(people["owner"], people["workspace"], "07:30", by_email=True)
    digest = digests.make(schedule, MORNING)
    assert digest is not None and not digest.emailed and mail.outbox == []


def test_the_digest_page_sets_the_schedule_and_shows_items_with_their_actions(veille):
    ws = veille["workspace"]
    web = client_for(veille["editor"])
    bad = web.post(reverse("web:veille_digest_schedule", args=[ws.pk]), {"times": "25:99"}, follow=True)
    assert "is not a time" in bad.content.decode()
    web.post(reverse("web:veille_digest_schedule", args=[ws.pk]), {"times": "08:00", "by_email": "on"})
    schedule = digests.DigestSchedule.objects.get(person=veille["editor"])
    assert schedule.times == ["08:00"] and schedule.by_email
    digests.make(schedule, MORNING + timedelta(hours=2))
    page = web.get(reverse("web:veille_digest_latest", args=[ws.pk])).content.decode()
    assert "Grève à la SNCF" in page or "La SNCF en grève demain" in page
    assert "Write a post" in page and "Share with the team" in page and "Save for later" in page
    other = client_for(veille["owner"]).get(reverse("web:veille_digest", args=[ws.pk, Digest.objects.get().pk]))
    assert other.status_code == 404  # one's own digests only


def test_a_monitor_hit_in_the_digest_has_the_same_actions_as_a_story(veille):
    ws, editor = veille["workspace"], veille["editor"]
    monitoring.save_monitor(Monitor(workspace=ws, name="Météo", query="météo"))
    monitoring.monitor_new()
    Hit.objects.update(found_at=MORNING - timedelta(minutes=30))
    digests.make(digests.save_schedule(editor, ws, "07:30", by_email=False), MORNING)
    weather = Entry.objects.get(title="Météo")
    page = client_for(editor).get(reverse("web:veille_digest_latest", args=[ws.pk])).content.decode()
    monitors = page.split('data-testid="digest-monitors"', 1)[1]
    assert reverse("web:veille_write", args=[ws.pk, weather.pk]) in monitors
    assert "Save for later" in monitors and "Share with the team" in monitors


def test_sharing_an_article_tells_the_other_members(veille):
    ws = veille["workspace"]
    entry = Entry.objects.filter(source=veille["a"]).first()
    web = client_for(veille["editor"])
    response = web.post(reverse("web:veille_share", args=[ws.pk]), {"entry": entry.pk}, follow=True)
    assert "Shared with 3 people" in response.content.decode()  # the owner, the manager, the viewer
    told = Notification.objects.filter(kind="veille_shared")
    assert told.count() == 3 and not told.filter(user=veille["editor"]).exists()


def test_the_api_schedules_lists_digests_and_shares(veille):
    from rest_framework.test import APIClient

    ws = veille["workspace"]
    api = APIClient()
    api.force_authenticate(veille["viewer"])
    bad = api.put(f"/api/v1/workspaces/{ws.pk}/digests/schedule/", {"times": ["7h99"]}, format="json")
    assert bad.status_code == 400 and "times" in bad.json()["errors"]
    ok = api.put(f"/api/v1/workspaces/{ws.pk}/digests/schedule/", {"times": ["13:00", "07:30"], "by_email": False},
                 format="json").json()
    assert ok["times"] == ["07:30", "13:00"] and ok["by_email"] is False
    digests.make(digests.DigestSchedule.objects.get(person=veille["viewer"]), MORNING)
    listed = api.get(f"/api/v1/workspaces/{ws.pk}/digests/").json()["results"]
    assert listed[0]["stories"][0]["sources"] == 2
    entry = Entry.objects.first()
    assert api.post(f"/api/v1/workspaces/{ws.pk}/entries/share/", {"entry": entry.pk},
                    format="json").json() == {"told": 3}


ARTICLE = b"""<html><head><title>Grande enquete</title></head><body><nav>Menu Accueil Contact</nav>
<article><h1>Grande enqu\xc3\xaate sur les r\xc3\xa9seaux</h1>""" + b"".join(
    b"<p>Paragraphe %d de l'enqu\xc3\xaate, avec des faits, des chiffres et des t\xc3\xa9moignages "
    b"de community managers qui racontent leur quotidien.</p>" % n for n in range(12)) + b"""
<script>alert('x')</script><p><a href="/suite">La suite</a></p></article><footer>Mentions</footer></body></html>"""


def test_full_text_comes_from_the_article_page_sanitised_for_sources_that_ask(people):
    with FeedServer() as server:
        server.put("/article", ARTICLE, content_type="text/html; charset=utf-8")
        subscription, _ = actions.follow(people["workspace"], Found("https://f.example/feed", "feed"),
                                         people["owner"])
        source = subscription.source
        [entry] = add(source, [("Grande enquête", server.url("/article"))], MORNING)
        assert fulltext.wanted([entry.pk], source.pk) == []  # nobody asked
        subscription.full_text = True
        subscription.save()
        assert fulltext.wanted([entry.pk], source.pk) == [entry.pk]
        assert fulltext.extract_all([entry.pk]) == 1
    entry.refresh_from_db()
    assert entry.full_text and "Paragraphe 11" in entry.content
    assert "<script" not in entry.content and "Menu Accueil" not in entry.content
    assert "paragraphe 11" in entry.search_text


def test_stories_gather_the_same_link_and_near_duplicate_texts(veille):
    ws, owner = veille["workspace"], veille["owner"]
    c = follow(ws, owner, "https://c.example/feed", "Presse C")
    add(c, [("Grève à la SNCF | Le Monde", "https://c.example/autre-adresse")], MORNING - timedelta(hours=1))
    Entry.objects.filter(source=c).update(text="Grève à la SNCF")
    entries = list(Entry.objects.all())
    groups = digests.stories_of(entries)
    strike = next(g for g in groups if any("SNCF" in e.title for e in g))
    # A and B by the link (tracking parameters aside), C by its text (the outlet's suffix aside).
    assert {e.source.title for e in strike} == {"Presse A", "Presse B", "Presse C"}
    assert any(g == [e] and e.title == "Météo" for g in groups for e in g)
