"""Competitors: accounts followed, read on a schedule (leased, backing off, paused with a
reason), their posts and counts recorded, and their figures side by side with the
brand's. The network readers themselves are tested at the HTTP level in their packages
(mastodon, bluesky, instagram `tests/test_profiles.py` / `test_competitors.py`); here a
reader answers what a test tells it to, through the registry as a real one would."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from parvis.listening import competitors
from parvis.listening.competitors import CompetitorError
from parvis.listening.models import (
    BLOG,
    Competitor,
    CompetitorAccount,
    CompetitorCount,
    CompetitorPost,
    Entry,
    Source,
)
from parvis.networks import registry
from parvis.networks.public import PublicPost, PublicProfile, ReadError, Timeline
from parvis.testing.factories import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOW = datetime.now(UTC).replace(microsecond=0)  # when the module was read: posts are dated from it


def due_now() -> datetime:
    """A moment just after now: an account is due from its creation (the test's, not the
    module's reading, which may be half an hour earlier in a long run)."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


class ScriptedReader:
    """A ProfileReader whose answers the test writes (per handle: a Timeline or a ReadError)."""

    needs_account = False

    def __init__(self) -> None:
        self.answers: dict[str, Timeline | ReadError] = {}
        self.reads: list[tuple[str, Any]] = []

    def normalise(self, typed: str) -> str | None:
        typed = typed.strip().lstrip("@").lower()
        return f"@{typed}" if typed and " " not in typed else None

    def read(self, handle: str, *, account: Any = None, limit: int = 40) -> Timeline:
        self.reads.append((handle, account))
        answer = self.answers[handle]
        if isinstance(answer, ReadError):
            raise answer
        return answer


@pytest.fixture
def reader(monkeypatch: pytest.MonkeyPatch) -> ScriptedReader:
    scripted = ScriptedReader()
    real = registry.profile_reader
    monkeypatch.setattr(registry, "profile_reader", lambda key: scripted if key == "mastodon" else real(key))
    return scripted


def post(n: int, text: str, at: datetime, likes: int = 0, reposts: int = 0, replies: int = 0) -> PublicPost:
    return PublicPost("mastodon", f"https://rival.example/statuses/{n}", f"https://rival.example/@rival/{n}",
                      "@rival@rival.example", "Rival", "1", text, at,
                      counts={"likes": likes, "reposts": reposts, "replies": replies})


def timeline(followers: int, *posts: PublicPost, handle: str = "@rival@rival.example") -> Timeline:
    return Timeline(PublicProfile("mastodon", "1", handle, "Rival", f"https://rival.example/{handle}",
                                  followers=followers, following=10, posts=len(posts)), list(posts))


def test_a_competitor_account_is_read_its_posts_and_counts_recorded(people, reader):
    rival = competitors.add_competitor(people["workspace"], "  Boulangerie   Martin ")
    assert rival.name == "Boulangerie Martin"
    account = competitors.add_account(rival, "mastodon", "@Rival@rival.example")
    assert account.handle == "@rival@rival.example"
    reader.answers[account.handle] = timeline(
        2000, post(2, "Nos #galettes des rois arrivent", NOW - timedelta(hours=3), likes=30, reposts=8, replies=2),
        post(1, "Fermé lundi", NOW - timedelta(days=1), likes=4))
    at = due_now()
    assert competitors.claim_due(at) == [account.pk]
    assert competitors.claim_due(at) == []  # leased
    competitors.read_account(account.pk, at)
    account.refresh_from_db()
    assert (account.followers, account.posts_count, account.last_read_at) == (2000, 2, at)
    assert account.next_read_at == at + competitors.interval() and account.lease_expires_at is None
    first = CompetitorPost.objects.get(account=account, remote_id__endswith="/2")
    assert (first.likes, first.reposts, first.replies, first.followers, first.interactions) == (30, 8, 2, 2000, 40)
    # A later read updates the counts in place and keeps one row a day of the profile's.
    reader.answers[account.handle] = timeline(
        2010, post(2, "Nos #galettes des rois arrivent", NOW - timedelta(hours=3), likes=55, reposts=9, replies=2))
    # Six hours later, but on the same UTC day whatever the hour the test runs at.
    later = min(at + timedelta(hours=6), datetime.combine(at.date(), time(23, 59, 59), UTC))
    competitors.read_account(account.pk, later)
    first.refresh_from_db()
    assert (first.likes, first.followers) == (55, 2010)
    assert CompetitorPost.objects.filter(account=account).count() == 2
    assert list(CompetitorCount.objects.filter(account=account).values_list("followers", flat=True)) == [2010]


def test_a_lost_worker_lease_expires_and_the_account_is_read_again(people, reader):
    account = competitors.add_account(competitors.add_competitor(people["workspace"], "Martin"), "mastodon", "rival")
    at = due_now()
    assert competitors.claim_due(at) == [account.pk]
    assert competitors.claim_due(at + timedelta(minutes=5)) == []
    assert competitors.claim_due(at + competitors.LEASE + timedelta(seconds=1)) == [account.pk]


def test_a_transient_failure_backs_off_and_a_permanent_one_pauses_with_its_reason(people, reader):
    rival = competitors.add_competitor(people["workspace"], "Martin")
    flaky = competitors.add_account(rival, "mastodon", "flaky")
    gone = competitors.add_account(rival, "mastodon", "gone")
    reader.answers["@flaky"] = ReadError("The server is busy.", transient=True, retry_after=7200)
    reader.answers["@gone"] = ReadError("No account has this name on rival.example.", transient=False)
    competitors.read_account(flaky.pk, NOW)
    competitors.read_account(gone.pk, NOW)
    flaky.refresh_from_db()
    gone.refresh_from_db()
    assert flaky.paused_at is None and flaky.failures == 1 and flaky.next_read_at >= NOW + timedelta(hours=2)
    assert flaky.last_error == "The server is busy."
    assert gone.paused_at == NOW and gone.paused_reason == "No account has this name on rival.example."
    assert competitors.claim_due(NOW + timedelta(days=3)) == [flaky.pk]  # a paused account waits for a person
    competitors.resume(gone, NOW)
    gone.refresh_from_db()
    assert gone.paused_at is None and gone.failures == 0


def test_adding_says_what_to_correct(people, reader):
    workspace = people["workspace"]
    with pytest.raises(CompetitorError) as empty:
        competitors.add_competitor(workspace, "   ")
    assert empty.value.field == "name"
    rival = competitors.add_competitor(workspace, "Martin")
    for name in ("martin", workspace.name):
        with pytest.raises(CompetitorError) as taken:
            competitors.add_competitor(workspace, name)
        assert taken.value.field == "name" and "already" in str(taken.value)
    cases = (("mastodon", "", "handle"), ("mastodon", "two words", "handle"), ("myspace", "x", "network"))
    for network, typed, field in cases:
        with pytest.raises(CompetitorError) as wrong:
            competitors.add_account(rival, network, typed)
        assert wrong.value.field == field
    # The same account twice is one account.
    assert competitors.add_account(rival, "mastodon", "x").pk == competitors.add_account(rival, "mastodon", "@X").pk


def test_a_reader_that_needs_an_account_uses_a_connected_one_or_says_to_connect_one(people, reader):
    reader.needs_account = True
    rival = competitors.add_competitor(people["workspace"], "Martin")
    with pytest.raises(CompetitorError) as missing:
        competitors.add_account(rival, "mastodon", "rival")
    assert missing.value.field == "network" and "Connect an account" in str(missing.value)
    connected = make_account(people["workspace"])
    account = competitors.add_account(rival, "mastodon", "rival")
    assert account.through_id == connected.pk
    reader.answers["@rival"] = timeline(10, handle="@rival")
    competitors.read_account(account.pk, NOW)
    assert reader.reads == [("@rival", connected)]


def test_the_brand_column_follows_the_workspace_connected_accounts(people, reader):
    assert competitors.sync_brand(people["workspace"]) is None  # nothing connected: no column
    social = make_account(people["workspace"])
    brand = competitors.sync_brand(people["workspace"])
    assert brand is not None and brand.is_brand and brand.name == people["workspace"].name
    assert [(a.network, a.through_id) for a in brand.accounts.all()] == [("mastodon", social.pk)]
    assert competitors.sync_brand(people["workspace"]).pk == brand.pk  # once
    assert Competitor.objects.filter(workspace=people["workspace"], is_brand=True).count() == 1


def _record(competitor: Competitor, handle: str, followers: int, *posts: PublicPost, at: datetime = NOW) -> None:
    account = CompetitorAccount.objects.create(competitor=competitor, network="mastodon", handle=handle)
    competitors.record(account, timeline(followers, *posts, handle=handle), at)


def test_figures_frequency_heatmap_engagement_hashtags_and_topics(people):
    workspace = people["workspace"]  # Europe/Paris
    rival = Competitor.objects.create(workspace=workspace, name="Martin")
    tuesday_8 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    _record(rival, "@a", 1000,
            post(1, "Nos galettes sont prêtes #galette #epiphanie", tuesday_8, likes=40, reposts=10),
            post(2, "La galette frangipane revient #Galette", tuesday_8 + timedelta(days=1), likes=5),
            post(3, "Horaires des fêtes", tuesday_8 + timedelta(days=2)), at=tuesday_8 + timedelta(days=3))
    board = competitors.board(workspace, days=7, now=tuesday_8 + timedelta(days=4))
    column = next(c for c in board.columns if c.competitor == rival)
    assert column.posts == 3 and column.per_week == 3.0
    assert column.heatmap[1][8] == 1 and column.heatmap[2][8] == 1 and sum(map(sum, column.heatmap)) == 3
    assert column.rate_mean == round((5.0 + 0.5 + 0.0) / 3, 2) and column.rate_median == 0.5  # per 100 followers
    assert column.interactions_mean == round(55 / 3, 1)
    assert column.hashtags[0] == ("galette", 2)  # case and accents folded, once per post
    assert [n for word, n in column.topics if word.startswith("galette")] == [2]  # plural and singular meet
    assert [p.url for p in column.best][:1] == ["https://rival.example/@rival/1"]
    assert column.followers == 1000


def test_followers_change_over_the_period_comes_from_the_daily_counts(people):
    rival = Competitor.objects.create(workspace=people["workspace"], name="Martin")
    account = CompetitorAccount.objects.create(competitor=rival, network="mastodon", handle="@a")
    for days_ago, followers in ((10, 900), (6, 950), (0, 1000)):
        CompetitorCount.objects.create(account=account, day=(NOW - timedelta(days=days_ago)).date(),
                                       followers=followers)
    assert competitors._followers(rival, NOW - timedelta(days=7), NOW) == (1000, 100)


def test_what_competitors_covered_that_the_brand_did_not(people):
    workspace = people["workspace"]
    brand = Competitor.objects.create(workspace=workspace, name="Dupont", is_brand=True)
    martin = Competitor.objects.create(workspace=workspace, name="Martin")
    leroy = Competitor.objects.create(workspace=workspace, name="Leroy")
    at = NOW - timedelta(days=1)
    _record(brand, "@dupont", 500, post(10, "Nos croissants du dimanche #croissant", at))
    _record(martin, "@martin", 800, post(11, "Salon du chocolat ce week-end #chocolat #croissant", at),
            post(12, "Le chocolat chaud est de retour", at))
    _record(leroy, "@leroy", 300, post(13, "Notre stand au salon #chocolat", at))
    board = competitors.board(workspace, days=7, now=NOW)
    labels = [gap.label for gap in board.gaps]
    assert labels[0] == "#chocolat" and board.gaps[0].competitors == ["Leroy", "Martin"]
    assert "#croissant" not in labels  # the brand covered it
    assert "chocolat" not in labels  # a word two of their posts carry, said by its hashtag already
    assert "salon" in labels and board.has_brand


def test_a_competitor_blog_is_a_followed_feed_whose_articles_count_as_posts(people, monkeypatch):
    from parvis.listening.feeds.discovery import Found

    monkeypatch.setattr(competitors, "discover", lambda typed: [Found("https://martin.example/feed.xml", "feed")])
    rival = competitors.add_competitor(people["workspace"], "Martin")
    blog = competitors.add_account(rival, BLOG, "martin.example")
    assert blog.network == BLOG and blog.source is not None
    assert blog.source.subscriptions.get().workspace == people["workspace"]
    Entry.objects.create(source=blog.source, key="k1", story="s1", url="https://martin.example/galette",
                         title="La galette 2027", text="Notre galette", published_at=NOW - timedelta(days=2))
    assert competitors.claim_due(NOW) == []  # fetched as a feed, not read as an account
    column = next(c for c in competitors.board(people["workspace"], now=NOW).columns if c.competitor == rival)
    assert column.posts == 1 and column.networks == [BLOG] and column.rate_mean is None
    assert Source.objects.filter(url="https://martin.example/feed.xml").count() == 1


def test_the_digest_moves_and_the_composer_badge_see_competitor_posts(people):
    workspace = people["workspace"]
    rival = Competitor.objects.create(workspace=workspace, name="Martin")
    at = NOW - timedelta(hours=2)
    _record(rival, "@martin", 800, post(1, "Lisez https://presse.example/article-galette?utm_source=x", at, likes=9),
            post(2, "Bonne journée", at, likes=1), at=NOW - timedelta(hours=1))
    moves = competitors.moves(workspace, NOW - timedelta(hours=12), NOW)
    top = CompetitorPost.objects.get(remote_id__endswith="/1")
    assert moves == [{"competitor": rival.pk, "posts": 2, "top": top.pk}]
    assert competitors.moves(workspace, NOW, NOW + timedelta(hours=1)) == []
    source = Source.objects.create(url="https://presse.example/feed")
    entry = Entry.objects.create(source=source, key="k", story="s", url="https://www.presse.example/article-galette",
                                 title="Galette", published_at=at)
    shared = competitors.shared_by_competitors(workspace, entry)
    assert [(s.competitor, s.url) for s in shared] == [("Martin", "https://rival.example/@rival/1")]
    assert competitors.shared_by_competitors(people["other_workspace"], entry) == []


def test_the_competitors_page_adds_competitors_and_accounts_and_shows_the_board(people, reader):
    from django.urls import reverse

    from parvis.testing.factories import client_for

    ws = people["workspace"]
    make_account(ws)  # the brand's column
    web = client_for(people["editor"])
    page_url = reverse("web:veille_competitors", args=[ws.pk])
    empty = web.get(page_url).content.decode()
    assert 'data-testid="competitors-empty"' not in empty  # the brand's column is there
    assert "the brand" in empty
    assert web.post(page_url, {"name": " "}).status_code == 400
    assert web.post(page_url, {"name": "Martin"}).status_code == 302
    rival = Competitor.objects.get(workspace=ws, name="Martin")
    add = reverse("web:veille_competitor_account", args=[ws.pk, rival.pk])
    refused = web.post(add, {"network": "mastodon", "handle": "two words"}, follow=True).content.decode()
    assert "This is not an account of Mastodon." in refused
    assert web.post(add, {"network": "mastodon", "handle": "@martin"}).status_code == 302
    account = CompetitorAccount.objects.get(competitor=rival)
    reader.answers["@martin"] = timeline(100, post(1, "Nos #galettes", NOW - timedelta(hours=1), likes=5),
                                         handle="@martin")
    competitors.read_account(account.pk)
    board = web.get(page_url).content.decode()
    assert 'data-testid="competitor-figures"' in board and "#galettes" in board
    assert board.count('data-testid="heatmap"') == 2 and "5.0 %" in board
    month = web.get(page_url, {"period": "30"}).content.decode()
    assert 'aria-current="page">30 days' in month
    # A viewer reads the board but cannot change it; another workspace's person sees nothing.
    viewer = client_for(people["viewer"])
    assert viewer.get(page_url).status_code == 200
    assert viewer.post(add, {"network": "mastodon", "handle": "x"}).status_code == 403
    assert client_for(people["outsider"]).get(page_url).status_code == 404
    remove = reverse("web:veille_competitor_account_action", args=[ws.pk, account.pk, "remove"])
    assert client_for(people["outsider"]).post(remove).status_code == 404
    assert web.post(remove).status_code == 302 and not CompetitorAccount.objects.filter(pk=account.pk).exists()
    assert web.post(reverse("web:veille_competitor_delete", args=[ws.pk, rival.pk])).status_code == 302
    assert not Competitor.objects.filter(pk=rival.pk).exists()


def test_the_api_follows_competitors_and_answers_the_board(people, reader):
    from rest_framework.test import APIClient

    ws = people["workspace"]
    make_account(ws)
    api = APIClient()
    api.force_authenticate(people["editor"])
    made = api.post(f"/api/v1/workspaces/{ws.pk}/competitors/", {"name": "Martin"}, format="json")
    assert made.status_code == 201 and made.json()["accounts"] == []
    again = api.post(f"/api/v1/workspaces/{ws.pk}/competitors/", {"name": "MARTIN"}, format="json")
    assert again.status_code == 400 and "name" in again.json()["errors"]
    rival = made.json()["id"]
    wrong = api.post(f"/api/v1/competitors/{rival}/accounts/", {"network": "myspace", "handle": "x"}, format="json")
    assert wrong.status_code == 400 and "network" in wrong.json()["errors"]
    added = api.post(f"/api/v1/competitors/{rival}/accounts/", {"network": "mastodon", "handle": "Martin"},
                     format="json")
    assert added.status_code == 201 and added.json()["handle"] == "@martin"
    reader.answers["@martin"] = timeline(200, post(1, "#galette du jour", NOW - timedelta(hours=2), likes=10),
                                         handle="@martin")
    competitors.read_account(added.json()["id"])
    listed = api.get(f"/api/v1/workspaces/{ws.pk}/competitors/").json()["results"]
    assert [(c["name"], c["is_brand"]) for c in listed] == [(ws.name, True), ("Martin", False)]
    posts = api.get(f"/api/v1/competitors/{rival}/posts/").json()["results"]
    assert [(p["likes"], p["interactions"], p["followers"]) for p in posts] == [(10, 10, 200)]
    board = api.get(f"/api/v1/workspaces/{ws.pk}/competitors/board/", {"days": 30}).json()
    martin = next(c for c in board["columns"] if c["name"] == "Martin")
    assert (martin["posts"], martin["rate_mean"], martin["hashtags"]) == (1, 5.0, [["galette", 1]])
    assert board["gaps"][0]["topic"] == "#galette" and board["gaps"][0]["competitors"] == ["Martin"]
    assert api.get(f"/api/v1/workspaces/{ws.pk}/competitors/board/", {"days": 12}).status_code == 400
    brand = listed[0]["id"]
    assert api.delete(f"/api/v1/competitors/{brand}/").status_code == 400
    viewer = APIClient()
    viewer.force_authenticate(people["viewer"])
    assert viewer.get(f"/api/v1/competitors/{rival}/").status_code == 200
    assert viewer.delete(f"/api/v1/competitors/{rival}/").status_code == 403
    outsider = APIClient()
    outsider.force_authenticate(people["outsider"])
    assert outsider.get(f"/api/v1/competitor-accounts/{added.json()['id']}/").status_code == 404
    paused = CompetitorAccount.objects.get(pk=added.json()["id"])
    CompetitorAccount.objects.filter(pk=paused.pk).update(paused_at=NOW, paused_reason="gone")
    resumed = api.post(f"/api/v1/competitor-accounts/{paused.pk}/resume/")
    assert resumed.status_code == 200 and resumed.json()["paused_at"] is None
    assert api.delete(f"/api/v1/competitor-accounts/{paused.pk}/").status_code == 204
    assert api.delete(f"/api/v1/competitors/{rival}/").status_code == 204


def test_a_bluesky_competitor_is_read_end_to_end_through_the_appview(people, bsky_network, settings):
    """The whole path with the real reader: followed by its profile's address, read from the
    local network's AppView, its likes counted against its followers."""
    import uuid

    from parvis.listening import tasks

    suffix = uuid.uuid4().hex[:6]
    rival = bsky_network.create_account(f"martin{suffix}", "pw-martin-123", display_name="Martin")
    fan = bsky_network.create_account(f"fan{suffix}", "pw-fan-12345")
    latest = bsky_network.post_as(rival["handle"], "La #galette des rois est arrivée")
    bsky_network.create_record(fan["handle"], "app.bsky.graph.follow", {
        "$type": "app.bsky.graph.follow", "subject": rival["did"], "createdAt": NOW.isoformat()})
    bsky_network.like_as(fan["handle"], latest.uri)
    bsky_network.process_all()
    settings.PARVIS_BLUESKY_APPVIEW = bsky_network.appview_url
    competitor = competitors.add_competitor(people["workspace"], "Martin")
    account = competitors.add_account(competitor, "bluesky", f"https://bsky.app/profile/{rival['handle']}")
    assert account.handle == f"@{rival['handle']}"
    tasks._competitors.last = None
    assert tasks.dispatch_competitor_reads(due_now()) == 1  # leased and queued; the job does:
    competitors.read_account(account.pk)
    account.refresh_from_db()
    assert (account.followers, account.remote_id, account.last_error) == (1, rival["did"], "")
    read = CompetitorPost.objects.get(account=account)
    assert (read.likes, read.followers, read.interactions) == (1, 1, 1)
    column = next(c for c in competitors.board(people["workspace"]).columns if c.competitor == competitor)
    assert column.rate_mean == 100.0 and column.hashtags == [("galette", 1)]


def test_the_digest_tells_competitor_moves_in_the_app_by_email_and_through_the_api(people):
    from django.core import mail
    from django.urls import reverse
    from rest_framework.test import APIClient

    from parvis.listening import digests
    from parvis.testing.factories import client_for

    ws, owner = people["workspace"], people["owner"]
    owner.language = "en"  # the email is in the person's language
    owner.save()
    rival = Competitor.objects.create(workspace=ws, name="Martin")
    _record(rival, "@martin", 100, post(1, "La galette est là", NOW - timedelta(hours=3), likes=12),
            post(2, "Bonjour", NOW - timedelta(hours=2), likes=1), at=NOW - timedelta(hours=1))
    schedule = digests.save_schedule(owner, ws, "07:30", by_email=True)
    digest = digests.make(schedule, NOW)
    assert digest is not None and len(mail.outbox) == 1  # competitors' moves alone are worth the email
    shown = digests.resolve(digest)
    assert [(c.name, n, top.text if top else None) for c, n, top in shown.competitors] == [
        ("Martin", 2, "La galette est là")]
    assert "Martin: 2 new posts" in mail.outbox[0].body and "La galette est là" in mail.outbox[0].alternatives[0][0]
    page = client_for(owner).get(reverse("web:veille_digest", args=[ws.pk, digest.pk])).content.decode()
    assert 'data-testid="digest-competitors"' in page and "2 new posts" in page and "12 interactions" in page
    api = APIClient()
    api.force_authenticate(owner)
    moves = api.get(f"/api/v1/digests/{digest.pk}/").json()["competitors"]
    assert moves == [{"competitor": rival.pk, "name": "Martin", "posts": 2, "top_url": "https://rival.example/@rival/1",
                      "top_text": "La galette est là", "top_interactions": 12}]


def test_an_instagram_competitor_is_read_through_the_workspace_connected_account(people, settings):
    """Business discovery end to end against the Graph fake: the competitor is followed
    by its @name, read through the workspace's Instagram account (Facebook Login), its
    hidden likes left out rather than counted as none."""
    from parvis.networks.instagram.tests.conftest import account_row
    from parvis.testing.meta_server import LocalMeta

    with LocalMeta() as meta:
        settings.PARVIS_META_GRAPH_URL = meta.url
        settings.PARVIS_INSTAGRAM_GRAPH_URL = meta.url
        settings.PARVIS_INSTAGRAM_API_URL = meta.url
        ours = meta.add_instagram_account("boulangerie", page=meta.add_page("Boulangerie"))
        connected = account_row(ours, meta.pages[ours.page_id].token, "facebook")
        connected.workspace = people["workspace"]
        connected.save()
        found = meta.add_discoverable_account("Fournil.Rival", name="Le Fournil", followers_count=400)
        meta.add_discoverable_media(found, "Pain au levain #levain", ago=7200, like_count=31, comments_count=4)
        meta.add_discoverable_media(found, "Likes cachés", ago=60, like_count=5, comments_count=1, likes_hidden=True)
        rival = competitors.add_competitor(people["workspace"], "Le Fournil")
        account = competitors.add_account(rival, "instagram", "https://www.instagram.com/fournil.rival/")
        assert (account.handle, account.through_id) == ("@fournil.rival", connected.pk)
        competitors.read_account(account.pk)
    account.refresh_from_db()
    assert (account.followers, account.posts_count, account.paused_at) == (400, 2, None)
    posts = {p.text: p for p in CompetitorPost.objects.filter(account=account)}
    assert (posts["Pain au levain #levain"].likes, posts["Pain au levain #levain"].replies) == (31, 4)
    assert (posts["Likes cachés"].likes, posts["Likes cachés"].replies) == (None, 1)
    column = next(c for c in competitors.board(people["workspace"]).columns if c.competitor == rival)
    assert column.posts == 2 and column.rate_mean == round(100 * 35 / 400, 2)  # the hidden one is left out
