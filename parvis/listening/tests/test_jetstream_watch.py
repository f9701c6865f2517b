"""Watching words in Bluesky's Jetstream: the posts whose text matches a stream watch's
words (as a monitor's query matches) become entries of its source, and a restarted
reader resumes where the last one stopped. Against a loopback websocket server playing
real Jetstream events (the one of parvis/networks/bluesky/tests/test_jetstream.py)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from parvis.listening import fetching, jetstream, watching
from parvis.listening.models import Entry, Source, Watch
from parvis.networks.bluesky.tests.test_jetstream import IDENTITY, LIKE, T0, Jetstream, post_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BREAD = post_event("3mmoojp4cd221", T0 + 100, "Nouvelle fournée de croissants ce matin !")
BIKE = post_event("3mmoojp4cd222", T0 + 200, "Mon vélo a encore été volé devant la gare")
LATER = post_event("3mmoojp4cd223", T0 + 300, "Un croissant aux amandes, s'il vous plaît")


def test_posts_matching_a_stream_watch_are_stored_and_a_restart_resumes_from_the_cursor(people, settings):
    with Jetstream([BREAD, LIKE, BIKE, IDENTITY]) as first:
        settings.PARVIS_BLUESKY_JETSTREAM = first.url
        bread, created = watching.watch(people["workspace"], people["owner"], "bluesky", "stream", "", "croissant")
        bike, _ = watching.watch(people["other_workspace"], people["outsider"], "bluesky", "stream", "",
                                 "vélo AND gare")
        assert created and bread.source.url == "https://bsky.app/search?q=croissant#jetstream"
        assert bread.source.kind_label == "Bluesky stream"
        assert jetstream.read(first.url, max_events=4, timeout=5) == 2
    assert "cursor" not in first.query(0)  # nothing read before: the live tail
    [entry] = Entry.objects.filter(source=bread.source)
    assert entry.text.startswith("Nouvelle fournée de croissants") and entry.url.endswith("/3mmoojp4cd221")
    assert Entry.objects.filter(source=bike.source).count() == 1
    assert set(Watch.objects.values_list("cursor", flat=True)) == {str(T0 + 200)}

    # A new reader (the process restarted) asks for what came after, and a post met
    # again over the overlap is not stored twice.
    with Jetstream([BREAD, LATER]) as second:
        assert jetstream.read(second.url, max_events=2, timeout=5) == 1
    assert second.query(0)["cursor"] == [str(T0 + 200)]
    assert Entry.objects.filter(source=bread.source).count() == 2
    assert Watch.objects.filter(source=bread.source).get().cursor == str(T0 + 300)


def test_the_command_reads_the_stream_set_by_the_administrator(people, settings):
    with Jetstream([BREAD, BIKE]) as stream:
        settings.PARVIS_BLUESKY_JETSTREAM = stream.url
        bread, _ = watching.watch(people["workspace"], people["owner"], "bluesky", "stream", "", "croissant")
        call_command("veille_jetstream", "--max-events", "2")
    assert Entry.objects.filter(source=bread.source).count() == 1
    settings.PARVIS_BLUESKY_JETSTREAM = ""
    with pytest.raises(CommandError, match="PARVIS_BLUESKY_JETSTREAM is not set"):
        call_command("veille_jetstream")


def test_a_stream_watch_needs_the_stream_turned_on_and_is_paused_while_it_is_off(people, settings):
    settings.PARVIS_BLUESKY_JETSTREAM = ""
    with pytest.raises(watching.WatchError) as caught:
        watching.watch(people["workspace"], people["owner"], "bluesky", "stream", "", "croissant")
    assert caught.value.field == "kind"
    with Jetstream([BREAD]) as stream:
        settings.PARVIS_BLUESKY_JETSTREAM = stream.url
        with pytest.raises(watching.WatchError) as caught:
            watching.watch(people["workspace"], people["owner"], "bluesky", "stream", "", "croissant AND (")
        assert caught.value.field == "term"
        bread, _ = watching.watch(people["workspace"], people["owner"], "bluesky", "stream", "", "croissant")
        # The dispatcher leaves it to the stream's reader...
        assert fetching.fetch(bread.source_id, now=timezone.now()).new == 0
        assert not Source.objects.get(pk=bread.source_id).paused_at
        # ...and pauses it, saying why, while the administrator has the stream off.
        settings.PARVIS_BLUESKY_JETSTREAM = ""
        Source.objects.filter(pk=bread.source_id).update(next_fetch_at=timezone.now())
        assert fetching.fetch(bread.source_id, now=timezone.now()).paused
        assert "PARVIS_BLUESKY_JETSTREAM" in Source.objects.get(pk=bread.source_id).paused_reason
        # Turned on again: the reader takes it back.
        settings.PARVIS_BLUESKY_JETSTREAM = stream.url
        jetstream.read(stream.url, max_events=1, timeout=5)
    source = Source.objects.get(pk=bread.source_id)
    assert not source.paused_at and Entry.objects.filter(source=source).count() == 1


def test_posts_of_watches_nobody_follows_are_not_stored(people, settings):
    with Jetstream([BREAD]) as stream:
        settings.PARVIS_BLUESKY_JETSTREAM = stream.url
        bread, _ = watching.watch(people["workspace"], people["owner"], "bluesky", "stream", "", "croissant")
        bread.delete()
        assert jetstream.read(stream.url, max_events=1, timeout=5) == 0
    assert not Entry.objects.exists()
