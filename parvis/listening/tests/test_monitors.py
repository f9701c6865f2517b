"""Keyword monitors at work: on what arrives from feeds and the inbox, on the last 30 days
when a monitor is new or edited, in the query lab — in the pages and the API."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.inbox.models import Item as InboxItem
from parvis.inbox.tests.factories import seed
from parvis.listening import actions, monitoring
from parvis.listening.feeds.discovery import Found
from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import Entry, Hit, Monitor, Source
from parvis.listening.store import store_entries
from parvis.testing.factories import client_for, make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def entries(source: Source, texts: list[tuple[str, str]], days_ago: float = 0) -> list[Entry]:
    now = timezone.now()
    parsed = [ParsedEntry(guid=f"{source.url}#{title}#{text}", link=f"https://presse.example/{abs(hash(text))}/{n}",
                          title=title,
                          summary=f"<p>{text}</p>", published=now - timedelta(days=days_ago, minutes=n))
              for n, (title, text) in enumerate(texts)]
    return store_entries(source, ParsedFeed("rss", entries=parsed), now)


@pytest.fixture
def press(people):
    subscription, _ = actions.follow(people["workspace"], Found("https://presse.example/feed", "feed"),
                                     people["owner"])
    return subscription.source


def monitor(workspace, query: str, **fields) -> Monitor:
    return monitoring.save_monitor(Monitor(workspace=workspace, name=fields.pop("name", query[:100]), query=query,
                                           **fields))


def test_new_entries_are_matched_once_by_the_monitors_of_the_workspaces_that_follow_their_source(people, press):
    mine = monitor(people["workspace"], "L'Oréal OR #loreal")
    theirs = monitor(people["other_workspace"], "L'Oréal")  # does not follow the feed
    entries(press, [("L’Oréal lance une campagne", "Les client·e·s adorent."),
                    ("Rien à voir", "La météo de demain."), ("Marché de la beauté", "d’Oréal et d'autres")])
    assert monitoring.monitor_new() == 3
    found = Hit.objects.filter(monitor=mine).select_related("entry")
    assert sorted(h.entry.title for h in found) == ["L’Oréal lance une campagne", "Marché de la beauté"]
    assert not Hit.objects.filter(monitor=theirs).exists()
    assert not Entry.objects.filter(monitored_at__isnull=True).exists()
    title_hit = next(h for h in found if h.entry.title.startswith("L’Oréal"))
    assert ["title", 0, 7] in title_hit.spans  # "L’Oréal", elision included, in the text as stored
    assert title_hit.sentiment in ("negative", "neutral", "positive")
    assert monitoring.monitor_new() == 0


def test_a_crash_before_marking_leaves_the_texts_to_do_and_nothing_is_counted_twice(people, press):
    watch = monitor(people["workspace"], "vélo")
    entries(press, [("Le vélo en ville", "Pistes cyclables"), ("Vélos électriques", "Ventes en hausse")])
    save = monitoring._save

    def save_then_die(hits):
        save(hits)
        raise RuntimeError("the worker dies")

    with mock.patch.object(monitoring, "_save", side_effect=save_then_die), pytest.raises(RuntimeError):
        monitoring.monitor_new_entries()
    assert Hit.objects.filter(monitor=watch).count() == 2  # saved before the crash
    assert Entry.objects.filter(monitored_at__isnull=True).count() == 2  # not marked: done again
    monitoring.monitor_new_entries()
    assert Hit.objects.filter(monitor=watch).count() == 2


def test_inbox_items_are_matched_with_their_sentiment_and_flags(people):
    account = make_account(people["workspace"])
    watch = monitor(people["workspace"], "livraison NEAR/5 retard", in_feeds=False)
    seed(account, ["Ma livraison a trois jours de retard, c'est inadmissible", "Merci pour la livraison rapide !"])
    InboxItem.objects.update(sentiment="negative")
    monitoring.monitor_new()
    hit = Hit.objects.get(monitor=watch)
    assert hit.item.text.startswith("Ma livraison") and hit.sentiment == "negative"


def test_a_new_monitor_is_applied_to_the_last_30_days_and_an_edit_makes_its_hits_again(people, press):
    entries(press, [("Grève SNCF", "Les trains à l'arrêt")], days_ago=3)
    entries(press, [("Grève SNCF 2025", "Il y a longtemps")], days_ago=45)
    monitoring.monitor_new()
    watch = monitor(people["workspace"], "grève SNCF")
    queued = []
    assert monitoring.queue_applications(timezone.now(), queued.append) == 1
    assert monitoring.queue_applications(timezone.now(), queued.append) == 0  # queued already
    monitoring.apply_monitor(watch.pk)
    watch.refresh_from_db()
    assert watch.applied_at is not None
    assert [h.entry.title for h in Hit.objects.filter(monitor=watch)] == ["Grève SNCF"]
    watch.query = "trains"
    monitoring.save_monitor(watch)
    monitoring.apply_monitor(watch.pk)
    assert [h.entry.title for h in Hit.objects.filter(monitor=watch)] == ["Grève SNCF"]
    watch.query = "avion"
    monitoring.save_monitor(watch)
    monitoring.apply_monitor(watch.pk)
    assert not Hit.objects.filter(monitor=watch).exists()


def test_an_application_whose_worker_died_is_queued_again(people):
    watch = monitor(people["workspace"], "vélo")
    queued = []
    now = timezone.now()
    monitoring.queue_applications(now, queued.append)
    assert monitoring.queue_applications(now + timedelta(minutes=1), queued.append) == 0
    assert monitoring.queue_applications(now + monitoring.APPLY_REQUEUE + timedelta(seconds=1), queued.append) == 1
    assert queued == [watch.pk, watch.pk]


def test_the_lab_counts_what_a_query_would_have_found_with_highlighted_examples(people, press):
    entries(press, [("Les clients d'Orange", "Orange augmente ses forfaits"), ("Sosh et Orange", "promo Sosh"),
                    ("La SNCF", "rien")])
    result = monitoring.lab(people["workspace"].pk, "orange -sosh")
    assert (result.count, result.read, result.complete) == (1, 2, True)  # the SNCF text is not even read
    example = result.examples[0]
    assert ("d'Orange", True) in example.title and any(marked for _piece, marked in example.text)
    bad = monitoring.lab(people["workspace"].pk, "(orange")
    assert bad.error and bad.error_at is not None
    assert monitoring.lab(people["workspace"].pk, "orange", in_feeds=False).count == 0


@pytest.mark.parametrize(("query", "text"), [
    ("cheval", "Les chevaux de Camargue"), ("chevaux", "Un cheval blanc"), ("société", "SOCIETE GENERALE"),
    ("client", "Nos client·e·s d’abord"), ("happy", "Happiness at work"), ("orang*", "L’Orangerie ouvre"),
    ('"grand frais"', "Chez Grand Frais ce matin"), ("#lyon", "Fête des lumières #Lyon"),
])
def test_asking_the_index_first_loses_no_text_the_query_matches(people, press, query, text):
    entries(press, [("Titre", text), ("Autre", "rien à voir")])
    result = monitoring.lab(people["workspace"].pk, query)
    assert result.count == 1 and result.read == 1


def test_the_lab_says_when_it_could_not_read_everything_in_time(people, press):
    entries(press, [(f"Orange {n}", "texte") for n in range(450)])
    result = monitoring.lab(people["workspace"].pk, "orange", budget=0)
    assert not result.complete and 0 < result.read < 450


def test_highlights_cut_an_excerpt_around_the_first_match():
    text = "a" * 500 + " Orange " + "b" * 500
    pieces = monitoring.segments(text, [(501, 507)], around=50)
    assert pieces[0] == ("…", False) and ("Orange", True) in pieces and pieces[-1] == ("…", False)
    assert sum(len(p) for p, _m in pieces) < 120


# -- pages and API ------------------------------------------------------------------------------

def test_the_monitors_page_checks_the_query_and_the_lab_answers_as_you_type(people, press):
    ws = people["workspace"]
    entries(press, [("Orange et Free", "les box")])
    web = client_for(people["editor"])
    bad = web.post(reverse("web:veille_monitors", args=[ws.pk]), {"name": "Box", "query": "orange AND"})
    assert bad.status_code == 400 and "Nothing after" in bad.content.decode()
    good = web.post(reverse("web:veille_monitors", args=[ws.pk]), {"name": "Box", "query": "orange",
                                                                   "in_feeds": "on", "in_inbox": "on",
                                                                   "active": "on"})
    assert good.status_code == 302
    lab = web.get(reverse("web:veille_lab", args=[ws.pk]), {"query": "orange"}).content.decode()
    assert 'data-testid="lab-count">1<' in lab and "<mark>Orange</mark>" in lab
    unticked = web.get(reverse("web:veille_lab", args=[ws.pk]), {"query": "orange", "name": "x"}).content.decode()
    assert 'data-testid="lab-count">0<' in unticked
    watch = Monitor.objects.get(workspace=ws)
    monitoring.apply_monitor(watch.pk)
    page = web.get(reverse("web:veille_monitor", args=[ws.pk, watch.pk])).content.decode()
    assert "<mark>Orange</mark> et Free" in page
    viewer = client_for(people["viewer"])
    assert viewer.post(reverse("web:veille_monitors", args=[ws.pk]), {"name": "x", "query": "x"}).status_code == 403
    assert client_for(people["outsider"]).get(reverse("web:veille_monitor", args=[ws.pk, watch.pk])).status_code == 404


def test_the_api_creates_monitors_and_answers_the_lab(people, press):
    from rest_framework.test import APIClient

    ws = people["workspace"]
    entries(press, [("Orange et Free", "les box")])
    api = APIClient()
    api.force_authenticate(people["editor"])
    made = api.post(f"/api/v1/workspaces/{ws.pk}/monitors/", {"name": "Box", "query": "orange OU free"},
                    format="json")
    assert made.status_code == 201 and made.json()["applied_at"] is None
    bad = api.post(f"/api/v1/workspaces/{ws.pk}/monitors/", {"name": "Bad", "query": "\"orange"}, format="json")
    assert bad.status_code == 400 and "query" in bad.json()["errors"]
    same = api.post(f"/api/v1/workspaces/{ws.pk}/monitors/", {"name": "Box", "query": "x"}, format="json")
    assert same.status_code == 400 and "name" in same.json()["errors"]
    lab = api.get(f"/api/v1/workspaces/{ws.pk}/monitors/lab/", {"query": "free"}).json()
    assert lab["count"] == 1 and lab["examples"][0]["title"][-1] == ["Free", True]
    assert api.get(f"/api/v1/workspaces/{ws.pk}/monitors/lab/", {"query": "NEAR/99"}).status_code == 400
    monitoring.apply_monitor(made.json()["id"])
    hits = api.get(f"/api/v1/monitors/{made.json()['id']}/hits/").json()["results"]
    assert [h["kind"] for h in hits] == ["entry"]


def test_a_spike_is_told_once_to_whoever_is_on_duty_and_to_the_chat_channels_with_what_drives_it(people, press):
    from parvis.accounts.models import Notification
    from parvis.inbox.models import Webhook
    from parvis.listening import spike_alerts
    from parvis.listening.models import SpikeAlert

    ws = people["workspace"]
    Webhook.objects.create(workspace=ws, name="Slack", format=Webhook.Format.SLACK,
                           url="https://hooks.slack.example/x", topics=["veille"])
    watch = monitoring.save_monitor(Monitor(workspace=ws, name="Orange", query="orange"))
    now = timezone.now().replace(minute=30)
    usual = [("Orange", f"Les forfaits Orange, jour {d}") for d in range(7)]  # one a day, usually
    burst = [("Orange en panne", f"Panne du réseau Orange à Lyon, témoignage {n}") for n in range(15)]
    for d, row in enumerate(usual, 1):
        entries(press, [row], days_ago=d)
    entries(press, burst)
    monitoring.monitor_new()
    Hit.objects.filter(entry__title="Orange en panne").update(published_at=now.replace(minute=10))
    with mock.patch("parvis.inbox.alerts.transaction.on_commit") as queued:
        alert = spike_alerts.check(watch, now)
    assert alert is not None and alert.count == 15
    assert "panne" in [w for w, _n in alert.drivers["terms"]][:3]
    assert queued.called  # the chat channel that carries la veille
    told = Notification.objects.filter(kind="veille_spike")
    assert told.exists()  # nobody is on the rota: the relays (owners and managers) are told
    assert spike_alerts.check(watch, now) is None and SpikeAlert.objects.count() == 1
    page = client_for(people["viewer"]).get(reverse("web:veille_monitor", args=[ws.pk, watch.pk])).content.decode()
    assert 'data-testid="spikes"' in page and "<mark>panne</mark>" in page


def test_a_quiet_monitor_going_from_none_to_a_few_is_not_a_spike(people, press):
    from parvis.listening import spike_alerts

    watch = monitoring.save_monitor(Monitor(workspace=people["workspace"], name="Vélo", query="vélo"))
    entries(press, [("Vélo", f"vélo {n}") for n in range(4)])
    monitoring.monitor_new()
    assert spike_alerts.check(watch, timezone.now()) is None
