"""Collection end to end on each network's loopback server: a post published by the
engine, followed (`follow_new`), claimed, read by its real connector over HTTP, and kept
as snapshots, as the post's latest figures and in the day's roll-up. The connectors' own
answers are tested in their packages (`tests/test_metrics.py`); the schedule's rules with
a scripted connector in test_collect.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.utils import timezone

from parvis.analytics import collect
from parvis.analytics.models import AccountFigures, AccountSnapshot, DailyFigures, PostFigures, PostSnapshot
from parvis.analytics.tests.helpers import published
from parvis.networks import graph, registry
from parvis.networks.base import MediaFile, PublishRequest
from parvis.networks.facebook.connector import SERVER_URL as FACEBOOK_URL
from parvis.networks.instagram.tests.conftest import account_row, jpeg_bytes
from parvis.networks.linkedin.tests.conftest import connect_as
from parvis.networks.models import SocialAccount
from parvis.networks.threads.tests.conftest import make_threads_account
from parvis.publishing import engine
from parvis.publishing.models import Publication
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.bsky_network import LocalBlueskyNetwork
from parvis.testing.linkedin_server import LocalLinkedIn, served
from parvis.testing.mastodon_server import LocalMastodon
from parvis.testing.meta_graph import graph_error
from parvis.testing.meta_server import THROTTLES, LocalMeta
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.testing.threads_server import LocalThreads

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def publish(people: dict[str, Any], account: SocialAccount, text: str) -> Publication:
    """A post published on `account` by the publishing engine, as a scheduled one is."""
    post = schedule(people["workspace"], people["owner"], [account], text)
    assert engine.publish(pub(post).pk) == "published"
    return pub(post)


def read_due(account: SocialAccount, now: datetime) -> int:
    """One worker pass over the account's due post readings at `now`: claim, then read."""
    batch = collect.claim_post_batches(now).get(account.pk, [])
    return collect.read_posts(batch, now=now) if batch else 0


def read_account_now(account: SocialAccount, now: datetime) -> None:
    assert collect.read_account(AccountFigures.objects.get(account=account).pk, now=now)


def day_of(publication: Publication) -> DailyFigures:
    assert publication.published_at is not None
    day = publication.published_at.astimezone(publication.account.workspace.tz).date()
    return DailyFigures.objects.get(account=publication.account, day=day)


# -- Mastodon (mastodon-mock) -----------------------------------------------------------


def _act(mastodon: LocalMastodon, user: Any, path: str) -> None:
    answer = httpx.post(mastodon.url + path, headers={"Authorization": f"Bearer {user['access_token']}"})
    answer.raise_for_status()


def test_mastodon_likes_boosts_and_replies_of_others_are_read_at_one_and_six_hours(
        people, mastodon_server, mastodon_account):
    account, local = mastodon_account
    fan, critic, late = (mastodon_server.create_user(f"{name}collect") for name in ("fan", "critic", "late"))
    _act(mastodon_server, fan, f"/api/v1/accounts/{local['id']}/follow")
    publication = publish(people, account, "Nouvelle fournée")
    out = publication.published_at
    assert out is not None
    collect.follow_new(out)
    read_account_now(account, out)
    for person in (fan, critic):
        _act(mastodon_server, person, f"/api/v1/statuses/{publication.remote_id}/favourite")
    _act(mastodon_server, fan, f"/api/v1/statuses/{publication.remote_id}/reblog")
    mastodon_server.post_as(critic, "Miam !", in_reply_to_id=publication.remote_id)

    assert read_due(account, out + timedelta(hours=1)) == 1
    _act(mastodon_server, late, f"/api/v1/statuses/{publication.remote_id}/favourite")
    assert read_due(account, out + timedelta(hours=6)) == 1

    first, second = PostSnapshot.objects.filter(publication=publication).order_by("taken_at")
    assert first.values == {"likes": 2, "reposts": 1, "replies": 1}
    assert second.values == {"likes": 3, "reposts": 1, "replies": 1}
    assert not first.provisional and not second.provisional  # Mastodon's counts do not settle later
    figures = PostFigures.objects.get(publication=publication)
    assert figures.values == second.values and figures.interactions == 5 and figures.readings == 2
    assert figures.followers == 1 and figures.due_at == out + timedelta(hours=24)
    assert AccountSnapshot.objects.get(account=account).values == {"followers": 1, "following": 0, "posts": 1}
    daily = day_of(publication)
    assert (daily.posts, daily.interactions, daily.followers, daily.provisional) == (1, 5, 1, False)


# -- Meta: a Facebook Page and an Instagram account on the Graph fake -------------------


@pytest.fixture
def meta(settings: Any) -> Iterator[LocalMeta]:
    with LocalMeta() as server:
        settings.PARVIS_META_GRAPH_URL = server.url
        settings.PARVIS_META_LOGIN_URL = server.url
        settings.PARVIS_INSTAGRAM_GRAPH_URL = server.url
        settings.PARVIS_INSTAGRAM_API_URL = server.url
        yield server
    graph._held.clear()  # usage holds are per process: none may reach the next test


def test_facebook_figures_read_before_meta_settles_them_are_provisional_then_revised_at_72_hours(people, meta):
    page = meta.add_page("Boulangerie Dupont")
    account = SocialAccount.objects.create(workspace=people["workspace"], network="facebook", server_url=FACEBOOK_URL,
                                           remote_id=page.id, handle=page.name,
                                           credentials={"access_token": page.token})
    publication = publish(people, account, "Fournée du jour")
    out = publication.published_at
    assert out is not None
    collect.follow_new(out)
    meta.set_insights(publication.remote_id, post_media_view=80, post_total_media_view_unique=50,
                      post_reactions_like_total=4)

    assert read_due(account, out + timedelta(hours=1)) == 1
    early = PostFigures.objects.get(publication=publication)
    assert early.provisional and day_of(publication).provisional
    assert early.values == {"views": 80, "reach": 50, "likes": 4, "clicks": 0}

    meta.set_insights(publication.remote_id, post_media_view=95, post_total_media_view_unique=61,
                      post_reactions_like_total=6)
    assert read_due(account, out + timedelta(hours=72)) == 1

    settled = PostFigures.objects.get(publication=publication)
    assert not settled.provisional and settled.values == {"views": 95, "reach": 61, "likes": 6, "clicks": 0}
    assert (settled.views, settled.reach, settled.interactions) == (95, 61, 6)
    snapshots = PostSnapshot.objects.filter(publication=publication).order_by("taken_at")
    assert [(s.provisional, s.values["views"]) for s in snapshots] == [(True, 80), (False, 95)]
    daily = day_of(publication)
    assert not daily.provisional and (daily.views, daily.reach, daily.interactions) == (95, 61, 6)


@pytest.fixture
def photos() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        server.answer("/a.jpg", Answer(200, {"Content-Type": "image/jpeg"}, jpeg_bytes()))
        yield server


def test_an_instagram_rate_limit_moves_back_every_due_reading_of_the_account_then_a_later_pass_reads(
        people, meta, photos):
    ig = meta.add_instagram_account("boulangerie", page=meta.add_page("Boulangerie"))
    row = account_row(ig, meta.pages[ig.page_id].token, "facebook")
    row.workspace = people["workspace"]
    row.save()
    connector: Any = registry.connector_for(row)
    media = [connector.publish(PublishRequest(text=f"Pain {n}", idempotency_key=f"k{n}", media=(
        MediaFile(path=Path("a.jpg"), mime_type="image/jpeg", url=photos.url("/a.jpg")),))).remote_id
        for n in (1, 2)]
    out = timezone.now()
    first = published(row, out, remote_id=media[0])
    second = published(row, out + timedelta(minutes=2), remote_id=media[1])  # due 2 min after the first
    collect.follow_new(out + timedelta(minutes=2))
    now = out + timedelta(hours=1)
    body = graph_error(THROTTLES[4], 4, transient=True).response.body
    meta.fail_next(429, body, method="GET", path="*/insights", headers={"Retry-After": "600"})

    assert read_due(row, now) == 0  # the first post alone was due, and refused

    tried, waiting = (PostFigures.objects.get(publication=p) for p in (first, second))
    assert tried.failures == 1 and "rate limit" in tried.last_error
    for figures in (tried, waiting):  # the second, due within the wait, waits too
        assert figures.due_at is not None and figures.due_at >= now + timedelta(seconds=600)
        assert figures.readings == 0
    asked = len(meta.requests_to("*/insights", "GET"))
    assert read_due(row, now + timedelta(minutes=5)) == 0
    assert len(meta.requests_to("*/insights", "GET")) == asked  # nothing is asked while the wait runs

    assert read_due(row, now + timedelta(seconds=600)) == 2
    assert [f.readings for f in PostFigures.objects.order_by("pk")] == [1, 1]
    assert PostFigures.objects.get(publication=first).failures == 0


# -- Threads ----------------------------------------------------------------------------


@pytest.fixture
def threads(settings: Any) -> Iterator[LocalThreads]:
    with LocalThreads() as server:
        server.advance(timezone.now().timestamp() - server.now)  # parvis reads `since` windows by its clock
        server.polls_until_finished = 0
        settings.PARVIS_THREADS_API_URL = server.url
        settings.PARVIS_THREADS_CLIENT_ID = server.app_id
        settings.PARVIS_THREADS_CLIENT_SECRET = server.app_secret
        yield server


def test_threads_a_deleted_post_is_left_out_while_another_is_read_with_the_followers(people, threads):
    brand = threads.add_user("brand", name="Boulangerie Dupont")
    account = make_threads_account(people, brand)
    kept, gone = publish(people, account, "Toujours là"), publish(people, account, "Bientôt effacé")
    registry.connector_for(account).delete(gone.remote_id)
    threads.set_media_insights(kept.remote_id, views=120, likes=7)
    threads.set_followers(brand.id, 1200)
    out = max(p.published_at for p in (kept, gone) if p.published_at)
    collect.follow_new(out)
    read_account_now(account, out)

    assert read_due(account, out + timedelta(hours=1)) == 1

    figures = PostFigures.objects.get(publication=kept)
    assert figures.values == {"views": 120, "likes": 7, "replies": 0, "reposts": 0, "quotes": 0, "shares": 0}
    assert figures.followers == 1200 and figures.provisional
    left = PostFigures.objects.get(publication=gone)
    assert left.readings == 0 and left.values == {} and not left.last_error
    assert gone.published_at is not None and left.due_at == gone.published_at + timedelta(hours=6)
    assert not PostSnapshot.objects.filter(publication=gone).exists()
    assert AccountFigures.objects.get(account=account).followers == 1200
    assert day_of(kept).followers == 1200 and day_of(kept).views == 120


# -- LinkedIn ---------------------------------------------------------------------------


@pytest.fixture
def linkedin(settings: Any) -> Iterator[LocalLinkedIn]:
    yield from served(settings)


@pytest.fixture
def shop_page(people: dict[str, Any], linkedin: LocalLinkedIn) -> tuple[SocialAccount, Any]:
    alice = linkedin.add_member("Alice Martin")
    shop = linkedin.add_organization("Brûlerie du Port", admins=[alice], vanity_name="brulerie-du-port")
    return connect_as(people, linkedin, alice, shop.urn), shop


def test_a_linkedin_pages_impressions_are_read_as_views_and_its_reactions_as_likes(people, linkedin, shop_page):
    account, shop = shop_page
    publication = publish(people, account, "La torréfaction du jour")
    out = publication.published_at
    assert out is not None
    linkedin.set_post_stats(publication.remote_id, impressionCount=200, uniqueImpressionsCount=150, clickCount=6,
                            likeCount=4)
    linkedin.set_followers(shop, 1234)
    collect.follow_new(out)
    read_account_now(account, out)

    assert read_due(account, out + timedelta(hours=1)) == 1

    figures = PostFigures.objects.get(publication=publication)
    assert figures.values == {"views": 200, "reach": 150, "clicks": 6, "likes": 4, "replies": 0, "reposts": 0}
    assert (figures.views, figures.interactions, figures.followers, figures.provisional) == (200, 4, 1234, False)
    daily = day_of(publication)
    assert (daily.views, daily.reach, daily.clicks, daily.interactions, daily.followers) == (200, 150, 6, 4, 1234)


def test_a_batch_lost_with_its_worker_is_claimed_again_after_requeue_and_read_once(people, linkedin, shop_page):
    account, _ = shop_page
    publication = publish(people, account, "Perdu puis repris")
    out = publication.published_at
    assert out is not None
    collect.follow_new(out)
    now = out + timedelta(hours=1)
    lost = collect.claim_post_batches(now)
    assert list(lost) == [account.pk]  # its job is never run: the worker died

    assert collect.claim_post_batches(now + collect.REQUEUE - timedelta(minutes=1)) == {}
    assert read_due(account, now + collect.REQUEUE + timedelta(minutes=1)) == 1
    assert collect.claim_post_batches(now + collect.REQUEUE + timedelta(minutes=1)) == {}

    figures = PostFigures.objects.get(publication=publication)
    assert figures.pk in lost[account.pk] and figures.readings == 1 and figures.enqueued_at is None
    assert PostSnapshot.objects.filter(publication=publication).count() == 1


# -- Bluesky (the full local network: costly, one test) ---------------------------------


def test_bluesky_likes_and_a_quote_by_others_are_read_as_likes_and_quotes(
        people, bsky_network: LocalBlueskyNetwork, bluesky_inbox_account):
    account, _ = bluesky_inbox_account
    publication = publish(people, account, "Nouvelle fournée")
    out = publication.published_at
    assert out is not None
    fan, critic = (str(bsky_network.create_account(f"{name}{uuid.uuid4().hex[:8]}", "pw-person-123")["handle"])
                   for name in ("fan", "critic"))
    for person in (fan, critic):
        bsky_network.like_as(person, publication.remote_id)
    bsky_network.quote_as(fan, publication.remote_id, "Regardez ça")
    bsky_network.process_all()
    collect.follow_new(out)

    assert read_due(account, out + timedelta(hours=1)) == 1

    figures = PostFigures.objects.get(publication=publication)
    assert figures.values == {"likes": 2, "reposts": 0, "replies": 0, "quotes": 1}
    assert figures.interactions == 3 and day_of(publication).interactions == 3
