"""parvis's own short links: one code per post × network × link, made when the post is
sent (so a retry sends the same text), followed publicly to the link with its UTM
parameters; a click is counted once, without a cookie, and link-card fetchers, crawlers,
HEAD requests and prefetches are not counted; nothing leaks but the target."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from parvis.analytics import links
from parvis.analytics.models import LinkClicks, ShortLink
from parvis.publishing import engine
from parvis.publishing.actions import save_post
from parvis.publishing.charter_settings import clean_charter
from parvis.publishing.models import Campaign, Charter, Post
from parvis.publishing.tests.helpers import pub
from parvis.publishing.utm import final_input_text, final_text
from parvis.publishing.validation import PostInput

pytestmark = pytest.mark.usefixtures("english")

BASE = "https://parvis.agence.test"
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
# What a Mastodon server sends when it fetches a link's card for a post.
MASTODON_CARDS = "http.rb/5.2.0 (Mastodon/4.3.2; +https://piaille.fr/) Bot"


@pytest.fixture
def base(settings):
    settings.PARVIS_BASE_URL = BASE


@pytest.fixture
def post(people, base):
    workspace = people["workspace"]
    campaign = Campaign.objects.create(workspace=workspace, name="Galettes", slug="galettes")
    Charter.objects.create(workspace=workspace, short_links=True)
    return Post.objects.create(workspace=workspace, text="La carte : https://dupont.example/carte?j=1 !",
                               campaign=campaign)


@pytest.mark.django_db
def test_one_code_per_post_network_and_link_made_once(post):
    first = links.shorten(post, "mastodon", "https://dupont.example/carte?j=1")
    assert first == links.shorten(post, "mastodon", "https://dupont.example/carte?j=1")
    other = links.shorten(post, "bluesky", "https://dupont.example/carte?j=1")
    assert first != other and first.startswith(BASE + "/l/") and len(first) == len(BASE) + 3 + links.CODE_LENGTH
    assert ShortLink.objects.count() == 2


@pytest.mark.django_db
def test_a_preview_shows_a_link_of_the_same_length_and_makes_nothing(post):
    sent = final_text(Post.objects.get(pk=post.pk), "mastodon", sending=True)
    shown = final_text(Post.objects.get(pk=post.pk), "mastodon")
    assert len(sent) == len(shown) and shown == f"La carte : {links.placeholder()} !"
    assert ShortLink.objects.count() == 1
    data = PostInput(post.text, [], "draft", workspace=post.workspace)
    assert final_input_text(data, "mastodon") == shown  # the composer measures the same length


@pytest.mark.django_db
def test_following_leads_to_the_link_with_its_utm_and_counts_one_click(post):
    url = links.shorten(post, "mastodon", "https://dupont.example/carte?j=1")
    response = Client(headers={"user-agent": BROWSER}).get(url.removeprefix(BASE))
    assert response.status_code == 302
    assert response["Location"] == ("https://dupont.example/carte?j=1&utm_source=mastodon&utm_medium=social"
                                    "&utm_campaign=galettes")
    assert response["Referrer-Policy"] == "no-referrer" and response["Cache-Control"] == "no-store"
    assert not response.cookies and response.content == b""
    link = ShortLink.objects.get()
    assert link.clicks == 1 and LinkClicks.objects.get(link=link).clicks == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "agent", "headers"), [
    ("head", BROWSER, {}), ("get", MASTODON_CARDS, {}), ("get", "Bluesky Cardyb/1.1", {}),
    ("get", "facebookexternalhit/1.1", {}), ("get", "LinkedInBot/1.0", {}), ("get", "", {}),
    ("get", BROWSER, {"sec-purpose": "prefetch;prerender"}), ("get", BROWSER, {"purpose": "prefetch"}),
])
def test_card_fetchers_crawlers_and_prefetches_are_sent_on_without_counting(post, method, agent, headers):
    url = links.shorten(post, "mastodon", "https://dupont.example/carte?j=1").removeprefix(BASE)
    response = getattr(Client(headers={"user-agent": agent, **headers}), method)(url)
    assert response.status_code == 302
    assert ShortLink.objects.get().clicks == 0 and not LinkClicks.objects.exists()


@pytest.mark.django_db
def test_clicks_are_counted_per_day(post):
    links.shorten(post, "mastodon", "https://dupont.example/carte?j=1")
    code = ShortLink.objects.get().code
    now = timezone.now()
    for delta in (0, 0, 1):
        links.follow(code, count=True, now=now + timedelta(days=delta))
    assert sorted(LinkClicks.objects.values_list("clicks", flat=True)) == [1, 2]
    assert ShortLink.objects.get().clicks == 3


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["zzzzzzz", "abc", "abc-def", "aaaaaaaaaaaaaaaaaaaa"])
def test_an_unknown_code_answers_a_bare_404(post, code):
    response = Client(headers={"user-agent": BROWSER}).get(f"/l/{code}")
    assert response.status_code == 404 and response.content == b"Not found\n"
    assert "Location" not in response and not response.cookies


@pytest.mark.django_db
def test_short_links_need_the_address_people_reach_parvis_at(people, settings):
    settings.PARVIS_BASE_URL = ""
    _values, errors = clean_charter({"short_links": "on"})
    assert [e.field for e in errors] == ["short_links"] and "PARVIS_BASE_URL" in errors[0].message
    settings.PARVIS_BASE_URL = BASE
    assert clean_charter({"short_links": "on"}) == ({"short_links": True}, [])


@pytest.mark.django_db(transaction=True)
def test_the_engine_sends_the_short_link_and_a_retry_sends_the_same_text(mastodon_server, mastodon_account,
                                                                        people, base):
    account, local = mastodon_account
    workspace = people["workspace"]
    Charter.objects.create(workspace=workspace, short_links=True, utm_enabled=True)
    saved = save_post(workspace, people["owner"], PostInput(
        "La carte : https://dupont.example/carte?j=1.", [account], "schedule",
        scheduled_at=timezone.now() + timedelta(minutes=5)))
    saved.publications.update(due_at=timezone.now(), next_attempt_at=timezone.now())
    publication = pub(saved)
    first = engine.build_request(engine.claim_query(timezone.now()).get(pk=publication.pk)).text
    assert engine.publish(publication.pk) == "published"
    link = ShortLink.objects.get()
    assert first == f"La carte : {BASE}/l/{link.code}."
    content = mastodon_server.statuses_of(local)[0]["content"]
    assert f"{BASE}/l/{link.code}" in content and "dupont.example" not in content
    assert links.follow(link.code, count=False) == (
        "https://dupont.example/carte?j=1&utm_source=mastodon&utm_medium=social")


@pytest.mark.django_db
def test_the_dashboard_and_the_api_show_the_periods_clicks_and_the_most_followed_links(post, people):
    from django.urls import reverse
    from rest_framework.test import APIClient

    from parvis.testing.factories import client_for, make_account

    make_account(people["workspace"], "mastodon")
    url = links.shorten(post, "mastodon", "https://dupont.example/carte?j=1")
    code = url.rsplit("/", 1)[1]
    yesterday = timezone.now() - timedelta(days=1)
    for _ in range(3):
        links.follow(code, count=True, now=yesterday)
    html = client_for(people["viewer"]).get(reverse("web:analytics", args=[people["workspace"].pk])).content.decode()
    assert 'data-testid="kpi-link-clicks"' in html and "<strong>3</strong>" in html
    assert "https://dupont.example/carte?j=1" in html.split('data-testid="links"')[1]
    api = APIClient()
    api.force_authenticate(people["viewer"])
    board = api.get(f"/api/v1/workspaces/{people['workspace'].pk}/analytics/dashboard/").json()
    assert board["link_clicks"] == 3 and board["links"][0]["code"] == code
    listed = api.get(f"/api/v1/workspaces/{people['workspace'].pk}/short-links/", {"ordering": "-clicks"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["url"] == url and rows[0]["clicks"] == 3
    days = api.get(f"/api/v1/short-links/{rows[0]['id']}/clicks/").json()
    assert [d["clicks"] for d in (days["results"] if isinstance(days, dict) else days)] == [3]
    outsider = APIClient()
    outsider.force_authenticate(people["outsider"])
    assert outsider.get(f"/api/v1/short-links/{rows[0]['id']}/clicks/").status_code == 404
