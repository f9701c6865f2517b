"""Watching a hashtag on a Mastodon instance (mastodon-mock): its public posts become the
entries of a source that workspaces follow, read from where the last read stopped, and
the monitors find their words in them."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.listening import fetching, monitoring, watching
from parvis.listening.models import Entry, Hit, Monitor, Source, Watch
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_hashtag_on_an_instance_is_read_into_entries_then_only_what_is_new(people, mastodon_server):
    tag = f"lyon{uuid.uuid4().hex[:6]}"
    fan = mastodon_server.create_user(f"fan{uuid.uuid4().hex[:8]}")
    mastodon_server.post_as(fan, f"La Fête des Lumières commence ce soir ! #{tag}")
    mastodon_server.post_as(fan, f"Panne de métro à cause de la foule #{tag}")
    mastodon_server.post_as(fan, "Rien à voir, sans le hashtag")
    subscription, created = watching.watch(people["workspace"], people["owner"], "mastodon", "hashtag",
                                           mastodon_server.url, f"#{tag}")
    assert created and subscription.source.kind == "watch"
    source = subscription.source
    assert source.url.endswith(f"/tags/{tag}") and "hashtag" in source.kind_label
    watch = Watch.objects.get(source=source)
    result = fetching.fetch(source.pk, now=timezone.now())
    assert (result.status, result.new) == (200, 2)
    texts = sorted(Entry.objects.filter(source=source).values_list("text", flat=True))
    assert texts[0].startswith("La Fête des Lumières") and all(tag in t for t in texts)
    watch.refresh_from_db()
    assert watch.cursor
    mastodon_server.post_as(fan, f"Encore du monde place Bellecour #{tag}")
    again = fetching.fetch(source.pk, now=timezone.now())
    assert again.new == 1 and Entry.objects.filter(source=source).count() == 3
    # The same watch for another workspace is the same source, read once.
    theirs, _ = watching.watch(people["other_workspace"], people["outsider"], "mastodon", "hashtag",
                               mastodon_server.url, tag)
    assert theirs.source_id == source.pk and Source.objects.filter(kind="watch").count() == 1


def test_monitors_find_their_words_in_watched_posts(people, mastodon_server):
    tag = f"velo{uuid.uuid4().hex[:6]}"
    fan = mastodon_server.create_user(f"fan{uuid.uuid4().hex[:8]}")
    mastodon_server.post_as(fan, f"Mon vélo a encore été volé devant la gare #{tag}")
    subscription, _ = watching.watch(people["workspace"], people["owner"], "mastodon", "hashtag",
                                     mastodon_server.url, tag)
    watch = monitoring.save_monitor(Monitor(workspace=people["workspace"], name="Vols", query="vol* AND gare"))
    fetching.fetch(subscription.source_id, now=timezone.now())
    monitoring.monitor_new()
    assert Hit.objects.filter(monitor=watch).count() == 1


def test_watching_says_what_to_correct(people, mastodon_server):
    for network, instance, term, field in (("mastodon", mastodon_server.url, "  ", "term"),
                                           ("nope", mastodon_server.url, "x", "network"),
                                           ("mastodon", "ftp://x", "x", "instance")):
        with pytest.raises(watching.WatchError) as caught:
            watching.watch(people["workspace"], people["owner"], network, "hashtag", instance, term)
        assert caught.value.field == field
    web = client_for(people["editor"])
    response = web.post(reverse("web:veille_watch", args=[people["workspace"].pk]),
                        {"network": "mastodon", "instance": mastodon_server.url, "hashtag": ""}, follow=True)
    assert "Hashtag: Enter a hashtag." in response.content.decode()
