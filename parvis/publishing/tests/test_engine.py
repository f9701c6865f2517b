"""The engine, in process, against mastodon-mock: every failure mode users have met in
other tools, and invariant 1 (published once) and 2 (failures are visible)."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from parvis.accounts.models import Notification
from parvis.networks.models import AccountStatus
from parvis.publishing import dispatcher, engine
from parvis.publishing.actions import Upload, retry_publication
from parvis.publishing.models import EditorialSettings, State
from parvis.publishing.tests.helpers import pub, schedule

pytestmark = pytest.mark.django_db(transaction=True)


def test_due_publication_is_published_with_its_image(mastodon_server, mastodon_account, people, png):
    account, local = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Fournée du jour",
                    uploads=(Upload("pain.png", io.BytesIO(png), len(png), "Une miche de pain"),))
    assert engine.publish(pub(post).pk) == "published"
    publication = pub(post)
    assert publication.state == State.PUBLISHED and publication.remote_url
    statuses = mastodon_server.statuses_of(local)
    assert [s["id"] for s in statuses] == [publication.remote_id]
    assert statuses[0]["media_attachments"][0]["description"] == "Une miche de pain"
    assert [a.outcome for a in publication.attempt_log.all()] == ["published"]


def test_not_yet_due_is_not_claimed(mastodon_account, people):
    account, _ = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Demain", delay=3600)
    assert engine.publish(pub(post).pk) == "skipped"
    assert dispatcher.claim_due() == []


def test_server_error_retries_with_backoff_then_publishes(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Malgré une 503")
    mastodon_server.fail_next(503)
    assert engine.publish(pub(post).pk) == "retry"
    publication = pub(post)
    assert publication.state == State.SCHEDULED and publication.may_exist
    assert publication.next_attempt_at > timezone.now() + timedelta(seconds=10)
    assert "503" in publication.error
    publication.__class__.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
    assert engine.publish(publication.pk) in {"published", "found"}
    assert len(mastodon_server.statuses_of(local)) == 1


def test_retry_after_is_honoured(mastodon_server, mastodon_account, people):
    account, _ = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Trop vite")
    mastodon_server.rate_limit_next(retry_after=30)
    before = timezone.now()
    assert engine.publish(pub(post).pk) == "retry"
    publication = pub(post)
    assert publication.next_attempt_at >= before + timedelta(seconds=29)
    # Neither the dispatcher nor a direct call may jump the queue before that time.
    assert dispatcher.claim_due() == []
    assert engine.publish(publication.pk) == "skipped"


def test_timeout_after_acceptance_is_reconciled_not_reposted(mastodon_server, mastodon_account, people, settings):
    account, local = mastodon_account
    settings.PARVIS_HTTP_TIMEOUT = 1.0
    post = schedule(people["workspace"], people["owner"], [account], "Accepté puis silence")
    mastodon_server.accept_then_timeout(hold_seconds=5)
    assert engine.publish(pub(post).pk) == "retry"
    assert pub(post).may_exist
    assert len(mastodon_server.statuses_of(local)) == 1  # the server did take it
    pub(post).__class__.objects.filter(pk=pub(post).pk).update(next_attempt_at=timezone.now())
    assert engine.publish(pub(post).pk) == "found"
    assert pub(post).state == State.PUBLISHED
    assert len(mastodon_server.statuses_of(local)) == 1


def test_permanent_error_fails_at_once_and_tells_the_author(mastodon_account, people):
    account, _ = mastodon_account
    # mastodon-mock counts raw characters: 501 "x" pass nothing but the server's check.
    post = schedule(people["workspace"], people["owner"], [account], "ok")
    post.text = "x" * 501
    post.save()
    assert engine.publish(pub(post).pk) == "failed"
    publication = pub(post)
    assert publication.state == State.FAILED and "500" in publication.error
    assert Notification.objects.filter(user=people["owner"], kind="publication_failed").count() == 1
    assert any("x" * 20 in m.body for m in mail.outbox)


def test_revoked_token_marks_account_and_tells_owners_once(mastodon_server, mastodon_account, people):
    import httpx

    account, local = mastodon_account
    posts = [schedule(people["workspace"], people["editor"], [account], f"post {i}") for i in range(2)]
    httpx.post(f"{mastodon_server.url}/oauth/revoke", data={"token": local["access_token"]})
    assert [engine.publish(pub(p).pk) for p in posts] == ["reconnect", "reconnect"]
    account.refresh_from_db()
    assert account.status == AccountStatus.RECONNECT
    assert Notification.objects.filter(kind="account_reconnect").count() == 2  # owner + manager, once
    assert Notification.objects.filter(kind="publication_failed", user=people["editor"]).count() == 2
    assert all(pub(p).state == State.FAILED for p in posts)


def test_two_concurrent_workers_publish_once(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    posts = [schedule(people["workspace"], people["owner"], [account], f"course {i}") for i in range(6)]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        from django.db import connection

        barrier.wait()
        for post in posts:
            results.append(engine.publish(pub(post).pk, worker=name))
        connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("published") == 6 and results.count("skipped") == 6
    assert sorted(s["content"] for s in mastodon_server.statuses_of(local)) == sorted(
        f"<p>course {i}</p>" for i in range(6))


def test_two_concurrent_retries_post_once(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Réessayé deux fois")
    publication = pub(post)
    publication.__class__.objects.filter(pk=publication.pk).update(state=State.FAILED)
    assert retry_publication(publication) is True
    assert retry_publication(publication) is False  # the second click finds it already queued
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(engine.publish(publication.pk))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["published", "skipped"]
    assert len(mastodon_server.statuses_of(local)) == 1


def test_crash_after_acceptance_is_recovered_when_the_lease_runs_out(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Le worker est mort")
    publication = pub(post)
    # A worker claims, posts … and dies before recording.
    claim = engine.claim(publication.pk, worker="dead")
    assert claim is not None and not claim.reconcile
    from parvis.networks.registry import connector_for

    connector_for(account).publish(engine.build_request(claim.publication))
    publication.refresh_from_db()
    assert publication.state == State.PUBLISHING
    assert dispatcher.claim_due() == []  # the lease is still live: nobody steals it
    expire = timezone.now() - timedelta(seconds=1)
    publication.__class__.objects.filter(pk=publication.pk).update(lease_expires_at=expire)
    assert dispatcher.claim_due() == [publication.pk]  # not stuck in "publishing" forever
    assert engine.publish(publication.pk) == "found"
    publication.refresh_from_db()
    assert publication.state == State.PUBLISHED and publication.attempts == 2
    assert len(mastodon_server.statuses_of(local)) == 1


def test_dead_worker_after_claim_but_before_the_call_publishes_later(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Mort avant l'appel")
    publication = pub(post)
    assert engine.claim(publication.pk, worker="dead") is not None
    expire = timezone.now() - timedelta(seconds=1)
    publication.__class__.objects.filter(pk=publication.pk).update(lease_expires_at=expire)
    assert engine.publish(publication.pk) == "published"
    assert len(mastodon_server.statuses_of(local)) == 1


def test_dispatchers_never_hand_out_the_same_row_twice(mastodon_account, people):
    """SQLite ignores FOR UPDATE: the claim must still be exclusive there (IMMEDIATE
    transactions), and on PostgreSQL through SKIP LOCKED."""
    account, _ = mastodon_account
    for i in range(40):
        schedule(people["workspace"], people["owner"], [account], f"lot {i}")
    batches: list[list[int]] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        from django.db import connection

        barrier.wait()
        for _ in range(5):
            batches.append(dispatcher.claim_due(limit=3))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handed = [pk for batch in batches for pk in batch]
    assert len(handed) == len(set(handed)) == 40


def test_a_slow_attempt_renews_its_lease_before_calling(mastodon_account, people, settings):
    account, _ = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Lent")
    claim = engine.claim(pub(post).pk)
    request = engine.build_request(claim.publication)
    assert engine.ensure_lease(claim, request)  # fresh: no renewal needed
    first_until = claim.lease_until
    settings.PARVIS_HTTP_TOTAL_TIMEOUT = 1000.0  # the call could outlast the lease: renew
    assert engine.ensure_lease(claim, request) and claim.lease_until > first_until
    # …for as long as the call may take, not for one ordinary lease.
    assert claim.lease_until - timezone.now() > timedelta(seconds=2000)
    pub(post).__class__.objects.filter(pk=claim.publication.pk).update(lease_token="stolen")
    settings.PARVIS_HTTP_TOTAL_TIMEOUT = 5000.0  # renewal needed again…
    assert not engine.ensure_lease(claim, request)  # …and someone else holds it now: don't call


def test_claim_marks_that_the_post_may_exist_from_now_on(mastodon_account, people):
    account, _ = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Marqué")
    claim = engine.claim(pub(post).pk)
    assert claim is not None and claim.reconcile is False and pub(post).may_exist is True


@pytest.mark.django_db
def test_the_claims_release_check_agrees_with_the_dispatchers_query(people):
    """The dispatcher filters in SQL (`released_filter`), the claim checks in Python
    (`is_released`): for every combination of pause, approval and queue they agree."""
    import itertools

    from parvis.networks.models import SocialAccount
    from parvis.publishing.models import AccountQueue, ApprovalState, PostKind, Publication

    workspace = people["workspace"]
    account = SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:q",
        handle="@q.bsky.social", credentials={"identifier": "q.bsky.social", "app_password": "x"})
    post = schedule(workspace, people["owner"], [account], "Croissants", delay=-1)
    publication = pub(post)
    queue_states = ["none", "open", "paused"]
    combos = itertools.product([False, True], [False, True], list(ApprovalState), [False, True], queue_states,
                               list(PostKind))
    for paused, requires_approval, approval, in_queue, queue_state, kind in combos:
        editorial = EditorialSettings.of(workspace)
        editorial.paused_at = timezone.now() if paused else None
        editorial.requires_approval = requires_approval
        editorial.save()
        post.approval_state, post.kind = approval, kind
        post.save()
        publication.in_queue = in_queue
        publication.save()
        AccountQueue.objects.filter(account=account).delete()
        if queue_state != "none":
            AccountQueue.objects.create(account=account, paused=queue_state == "paused")
        in_sql = Publication.objects.filter(engine.released_filter(), pk=publication.pk).exists()
        fetched = engine.claim_row(publication.pk, timezone.now())
        assert engine.is_released(fetched) == in_sql, (paused, requires_approval, approval, in_queue, queue_state,
                                                       kind)


def test_a_large_upload_holds_its_lease_for_as_long_as_its_bytes_may_take(mastodon_account, people, settings):
    from parvis.networks.base import MediaFile

    account, _ = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Vidéo")
    claim = engine.claim(pub(post).pk)
    request = engine.build_request(claim.publication)
    request.media.append(MediaFile(path=Path("clip.mp4"), mime_type="video/mp4", alt_text="", size=100_000_000))
    # 100 MB at the guarded layer's slowest allowed pace (256 KB/s) take ~380 s: longer
    # than a lease (180 s), so the lease is renewed beyond it before the call.
    assert engine.call_duration(request) > engine.lease_duration()
    assert engine.ensure_lease(claim, request)
    assert claim.lease_until - timezone.now() > engine.call_duration(request)
