"""Fetching feeds politely against a loopback server that behaves like the web's: one
conditional request for an unchanged feed and no parsing, redirects, 410, 429,
compression, failures that pause, and a crash that resumes by itself."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from parvis.listening import actions, fetching
from parvis.listening.feeds.discovery import Found
from parvis.listening.models import Entry, Source, Subscription
from parvis.listening.tests.feeds_factory import BASE, items, rss
from parvis.testing.feed_server import FeedServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NOW = BASE + timedelta(hours=1)


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def follow(people, url: str, workspace=None) -> Source:
    subscription, _created = actions.follow(workspace or people["workspace"], Found(url, "feed"), people["owner"])
    return subscription.source


def test_a_new_feed_is_stored_then_an_unchanged_one_costs_one_conditional_request_and_no_parsing(people, server):
    server.put("/feed.xml", rss(items(5)), etag='"v1"', last_modified="Tue, 01 Dec 2026 08:00:00 GMT")
    source = follow(people, server.url("/feed.xml"))
    first = fetching.fetch(source.pk, now=NOW)
    assert (first.status, first.new, first.changed) == (200, 5, True)
    source.refresh_from_db()
    assert source.title == "Le Blog du Modérateur" and source.etag == '"v1"'
    assert Entry.objects.filter(source=source).count() == 5
    with mock.patch.object(fetching, "parse_feed", side_effect=AssertionError("parsed")):
        again = fetching.fetch(source.pk, now=NOW + timedelta(hours=1))
    assert (again.status, again.new, again.changed) == (304, 0, False)
    _path, headers = server.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 01 Dec 2026 08:00:00 GMT"
    assert server.hits("/feed.xml") == 2
    source.refresh_from_db()
    assert (source.fetches, source.not_modified, source.failures) == (2, 1, 0)


def test_a_server_without_validators_sending_the_same_document_is_not_parsed_again(people, server):
    server.put("/plain.xml", rss(items(3)))
    source = follow(people, server.url("/plain.xml"))
    assert fetching.fetch(source.pk, now=NOW).new == 3
    with mock.patch.object(fetching, "parse_feed", side_effect=AssertionError("parsed")):
        assert fetching.fetch(source.pk, now=NOW + timedelta(hours=1)).changed is False


def test_entries_are_deduplicated_within_a_source_and_updated_when_the_feed_says_so(people, server):
    rows = items(3)
    rows.append(dict(rows[0]))  # the same guid twice in one document
    server.put("/dup.xml", rss(rows))
    source = follow(people, server.url("/dup.xml"))
    assert fetching.fetch(source.pk, now=NOW).new == 3
    rows = items(4)  # one more, the three others unchanged
    server.put("/dup.xml", rss(rows))
    assert fetching.fetch(source.pk, now=NOW + timedelta(hours=1)).new == 1
    assert Entry.objects.filter(source=source).count() == 4


def test_one_fetch_serves_every_workspace_that_follows_the_source(people, server):
    server.put("/shared.xml", rss(items(2)))
    url = server.url("/shared.xml")
    first = follow(people, url)
    second = follow(people, url, workspace=people["other_workspace"])
    assert first.pk == second.pk
    assert Subscription.objects.filter(source=first).count() == 2
    fetching.fetch(first.pk, now=NOW)
    assert server.hits("/shared.xml") == 1


@pytest.mark.parametrize("compress", ["gzip", "br"])
def test_compressed_feeds_are_read(people, server, compress):
    server.put("/c.xml", rss(items(4)), compress=compress)
    source = follow(people, server.url("/c.xml"))
    assert fetching.fetch(source.pk, now=NOW).new == 4
    assert "br" in server.requests[-1][1]["Accept-Encoding"]


def test_a_permanent_redirect_moves_the_source_and_a_temporary_one_does_not(people, server):
    server.put("/new.xml", rss(items(2)))
    server.put("/old.xml", b"", status=301, headers={"Location": "/new.xml"})
    server.put("/moved-for-now.xml", b"", status=302, headers={"Location": "/new2.xml"})
    server.put("/new2.xml", rss(items(1)))
    moved = follow(people, server.url("/old.xml"))
    stays = follow(people, server.url("/moved-for-now.xml"))
    assert fetching.fetch(moved.pk, now=NOW).moved_to == server.url("/new.xml")
    fetching.fetch(stays.pk, now=NOW)
    moved.refresh_from_db()
    stays.refresh_from_db()
    assert moved.url == server.url("/new.xml") and moved.paused_at is None
    assert stays.url == server.url("/moved-for-now.xml")
    fetching.fetch(moved.pk, now=NOW + timedelta(days=2))
    assert server.hits("/old.xml") == 1  # remembered: asked at its new address


def test_a_permanent_redirect_to_a_source_followed_already_merges_them(people, server):
    server.put("/target.xml", rss(items(1)))
    server.put("/alias.xml", b"", status=308, headers={"Location": "/target.xml"})
    target = follow(people, server.url("/target.xml"), workspace=people["other_workspace"])
    alias = follow(people, server.url("/alias.xml"))
    fetching.fetch(alias.pk, now=NOW)
    alias.refresh_from_db()
    assert alias.paused_at is not None and "Moved for good" in alias.paused_reason
    assert set(Subscription.objects.filter(source=target).values_list("workspace", flat=True)) == {
        people["workspace"].pk, people["other_workspace"].pk}


def test_a_410_pauses_the_source_and_says_why(people, server):
    server.put("/gone.xml", b"gone", status=410, content_type="text/plain")
    source = follow(people, server.url("/gone.xml"))
    result = fetching.fetch(source.pk, now=NOW)
    source.refresh_from_db()
    assert result.paused and source.paused_at is not None
    assert "gone for good" in source.paused_reason
    assert fetching.claim_due(NOW + timedelta(days=30)) == []  # never fetched again until resumed
    fetching.resume(source)
    assert fetching.claim_due(timezone.now() + timedelta(seconds=1)) == [source.pk]


def test_a_429_with_retry_after_is_honoured(people, server):
    server.put("/busy.xml", b"slow down", status=429, content_type="text/plain", headers={"Retry-After": "7200"})
    source = follow(people, server.url("/busy.xml"))
    fetching.fetch(source.pk, now=NOW)
    source.refresh_from_db()
    assert source.next_fetch_at >= NOW + timedelta(seconds=7200)
    assert source.failures == 1 and "wait" in source.last_error


def test_cache_control_max_age_is_a_floor_for_the_next_fetch(people, server):
    server.put("/cached.xml", rss(items(120, every=timedelta(minutes=30))),
               headers={"Cache-Control": "public, max-age=7200"})
    source = follow(people, server.url("/cached.xml"))
    fetching.fetch(source.pk, now=NOW)
    source.refresh_from_db()
    assert source.interval < 7200  # it publishes often…
    assert source.next_fetch_at == NOW + timedelta(seconds=7200)  # …but the server asked for two hours


@pytest.mark.parametrize(("weekly", "seconds"), [(0, 86400), (1, 86400), (7, 86400), (14, 43200),
                                                  (168, 3600), (2016, 300), (50_000, 300)])
def test_the_interval_follows_how_often_the_source_publishes(weekly, seconds, settings):
    settings.PARVIS_FEEDS_MIN_INTERVAL, settings.PARVIS_FEEDS_MAX_INTERVAL = 300, 86400
    assert fetching.entry_frequency_interval(weekly) == seconds


def test_repeated_failures_back_off_then_pause_the_source_with_the_last_reason(people, server):
    server.put("/broken.xml", b"<html><body>Maintenance</body></html>", content_type="text/html")
    source = follow(people, server.url("/broken.xml"))
    now, waits = NOW, []
    for _attempt in range(fetching.PAUSE_AFTER):
        fetching.fetch(source.pk, now=now)
        source.refresh_from_db()
        if source.paused_at:
            break
        waits.append(source.next_fetch_at - now)
        now = source.next_fetch_at
    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert source.paused_at is not None and f"after {fetching.PAUSE_AFTER} failed fetches" in source.paused_reason


def test_an_address_that_leads_to_a_private_network_is_refused(people, server, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    source = follow(people, server.url("/feed.xml"))
    result = fetching.fetch(source.pk, now=NOW)
    assert server.requests == [] and result.error


def test_a_fetch_whose_worker_died_is_claimed_again_after_its_lease(people, server):
    server.put("/feed.xml", rss(items(2)))
    source = follow(people, server.url("/feed.xml"))
    NOW = timezone.now() + timedelta(seconds=1)  # noqa: N806 - following makes it due now
    assert fetching.claim_due(NOW) == [source.pk]
    assert fetching.take_lease(source.pk, NOW) is not None  # the worker dies holding it
    assert fetching.claim_due(NOW + timedelta(seconds=30)) == []
    assert fetching.fetch(source.pk, now=NOW + timedelta(seconds=30)).skipped
    later = NOW + fetching.LEASE + fetching.REQUEUE_AFTER
    assert fetching.claim_due(later) == [source.pk]
    assert fetching.fetch(source.pk, now=later).new == 2


def test_the_dispatcher_fetches_at_most_a_few_feeds_of_one_server_at_once(people, server, settings):
    settings.PARVIS_FEEDS_PER_HOST = 2
    sources = [follow(people, server.url(f"/f{n}.xml")) for n in range(5)]
    NOW = timezone.now() + timedelta(seconds=1)  # noqa: N806 - following makes them due now
    first = fetching.claim_due(NOW)
    assert len(first) == 2
    for pk in first:
        fetching.take_lease(pk, NOW)
    assert fetching.claim_due(NOW) == []  # the two being fetched fill the server's share
    assert len(sources) == 5


def test_a_source_nobody_follows_is_not_fetched(people, server):
    server.put("/feed.xml", rss(items(1)))
    source = follow(people, server.url("/feed.xml"))
    Subscription.objects.filter(source=source).delete()
    assert fetching.claim_due(timezone.now() + timedelta(seconds=1)) == []


def test_old_entries_that_left_their_feed_are_forgotten_unless_saved_or_found(people, server, settings):
    from parvis.listening import monitoring, retention
    from parvis.listening.models import EntryMark, Monitor

    settings.PARVIS_FEEDS_KEEP_DAYS = 30
    server.put("/feed.xml", rss(items(10, every=timedelta(days=1))))
    source = follow(people, server.url("/feed.xml"))
    fetching.fetch(source.pk, now=NOW)
    later = NOW + timedelta(days=40)
    server.put("/feed.xml", rss(items(3, every=timedelta(days=1))))  # the feed now carries its 3 newest
    fetching.fetch(source.pk, now=later)
    saved = Entry.objects.get(title="Article 8")
    EntryMark.objects.create(person=people["owner"], workspace=people["workspace"], entry=saved, saved_at=later)
    monitoring.save_monitor(Monitor(workspace=people["workspace"], name="n9", query='"Article 9"'))
    monitoring.apply_monitor(Monitor.objects.get().pk, now=NOW)
    assert retention.forget_old_entries(later) == 5  # 3..7: old, out of the feed, nobody kept them
    assert sorted(Entry.objects.values_list("title", flat=True)) == [
        "Article 0", "Article 1", "Article 2", "Article 8", "Article 9"]
    rows = items(3, every=timedelta(days=1))
    rows[0]["title"] = "Article 0, mis à jour"  # a changed document, parsed again
    server.put("/feed.xml", rss(rows))
    assert fetching.fetch(source.pk, now=later + timedelta(days=1)).changed
    assert Entry.objects.count() == 5  # nothing forgotten comes back as new


def test_a_source_unfollowed_while_it_was_fetched_stays_deleted(people, server):
    server.put("/feed.xml", rss(items(2)))
    source = follow(people, server.url("/feed.xml"))
    def unfollowed_meanwhile(source_row, feed, now):
        Source.objects.filter(pk=source_row.pk).delete()  # the last follower left
        return []

    with mock.patch.object(fetching, "store_entries", side_effect=unfollowed_meanwhile):
        fetching.fetch(source.pk, now=NOW)
    assert not Source.objects.filter(pk=source.pk).exists()
