"""The calendar at agency scale: a crowded day or half hour shows its first posts and
"+N more", the rest comes a page at a time, a page's work does not grow with the number
of posts, account credentials are never decrypted, media show as library thumbnails, and
the pages carry no inline script (they run under a strict Content-Security-Policy)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parvis.accounts.actions import create_workspace
from parvis.accounts.models import Membership, Role
from parvis.publishing.models import MediaAsset, Post, PostMedia, Publication, State
from parvis.testing.factories import client_for
from parvis.web.tests.test_calendar_pages import account, page

pytestmark = pytest.mark.django_db

MONDAY = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)  # 09:00 in Paris; DAY of test_calendar_pages


def many(workspace: Any, author: Any, accounts: list[Any], first: datetime, count: int, step: timedelta,
         text: str = "Post") -> list[Post]:
    """`count` scheduled posts from `first`, `step` apart, each on every account (bulk: fast)."""
    posts = Post.objects.bulk_create([
        Post(workspace=workspace, author=author, text=f"{text} {n:03d}", scheduled_at=first + n * step,
             schedule_timezone="Europe/Paris") for n in range(count)])
    Publication.objects.bulk_create([
        Publication(post=post, account=acc, state=State.SCHEDULED, due_at=post.scheduled_at)
        for post in posts for acc in accounts])
    return posts


def texts(html: str) -> list[str]:
    return re.findall(r"Post \d{3}", html)


def more_link(html: str) -> tuple[str, str]:
    found = re.search(r'<a class="more" href="([^"]+)" data-more data-testid="more">([^<]+)</a>', html)
    assert found, "no '+N more' link"
    return found.group(1).replace("&amp;", "&"), found.group(2)


@pytest.fixture
def crowded(people: dict[str, Any]) -> dict[str, Any]:
    """Ten posts on Monday 7 January 2030 from 09:00, ten minutes apart, on two accounts."""
    workspace = people["workspace"]
    accounts = [account(workspace), account(workspace, "mastodon", "@boulangerie")]
    return {"accounts": accounts, "posts": many(workspace, people["editor"], accounts, MONDAY, 10,
                                                timedelta(minutes=10))}


def test_a_crowded_day_shows_its_first_posts_and_how_many_more(people, crowded):
    html = page(people["viewer"], people["workspace"])
    assert texts(html) == ["Post 000", "Post 001", "Post 002"]  # in time order, one line left for the link
    url, label = more_link(html)
    assert label == "+7 more"
    assert url.startswith(reverse("web:calendar_more", args=[people["workspace"].pk]))
    assert "day=2030-01-07" in url and "offset=3" in url and "tz=Europe%2FParis" in url


def test_a_day_that_fits_shows_every_post_and_no_link(people, crowded):
    Post.objects.filter(pk__in=[p.pk for p in crowded["posts"][4:]]).delete()
    html = page(people["viewer"], people["workspace"])
    assert texts(html) == ["Post 000", "Post 001", "Post 002", "Post 003"]
    assert 'data-testid="more"' not in html


def test_more_brings_the_rest_of_the_day_in_place(people, crowded):
    url, _label = more_link(page(people["viewer"], people["workspace"]))
    response = client_for(people["viewer"]).get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert texts(fragment) == [f"Post {n:03d}" for n in range(3, 10)]
    assert "<html" not in fragment and 'data-testid="more"' not in fragment
    assert fragment.count('data-testid="event"') == 7  # two publications, one event each


def test_more_comes_fifty_at_a_time_with_a_link_for_the_rest(people):
    workspace = people["workspace"]
    many(workspace, people["editor"], [account(workspace)], MONDAY, 60, timedelta(minutes=1))
    client = client_for(people["viewer"])
    url, label = more_link(page(people["viewer"], workspace))
    assert label == "+57 more"
    first = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert texts(first) == [f"Post {n:03d}" for n in range(3, 53)]
    url, label = more_link(first)
    assert label == "+7 more" and "offset=53" in url
    assert texts(client.get(url, headers={"HX-Request": "true"}).content.decode()) == [
        f"Post {n:03d}" for n in range(53, 60)]


def test_more_without_script_is_a_page_of_the_day(people, crowded):
    url, _label = more_link(page(people["viewer"], people["workspace"]))
    html = client_for(people["viewer"]).get(url).content.decode()
    assert "<html" in html and "Monday 7 January 2030" in html and "10 posts planned" in html
    assert texts(html) == [f"Post {n:03d}" for n in range(3, 10)]
    back = re.search(r'href="([^"]+)">Back to the calendar', html).group(1)
    assert "day=2030-01-07" in back and "view=month" in back


def test_a_crowded_half_hour_in_the_week_shows_one_post_and_more(people, crowded):
    html = page(people["viewer"], people["workspace"], view="week")
    cell = re.search(r'<td data-drop="2030-01-07T09:00"[^>]*>(.*?)</td>', html, re.S).group(1)
    assert texts(cell) == ["Post 000"]
    url, label = more_link(cell)
    assert label == "+2 more" and "at=2030-01-07T09%3A00" in url and "offset=1" in url
    rest = client_for(people["viewer"]).get(url, headers={"HX-Request": "true"}).content.decode()
    assert texts(rest) == ["Post 001", "Post 002"]  # 09:10 and 09:20; 09:30 is the next cell


def test_filters_apply_to_the_rest_of_a_day(people, crowded):
    masto = crowded["accounts"][1]
    Publication.objects.filter(account=masto, post__in=crowded["posts"][:6]).delete()
    html = page(people["viewer"], people["workspace"], account=str(masto.pk))
    assert texts(html) == ["Post 006", "Post 007", "Post 008", "Post 009"]
    Publication.objects.filter(account=masto, post=crowded["posts"][6]).delete()
    assert texts(page(people["viewer"], people["workspace"], account=str(masto.pk))) == [
        "Post 007", "Post 008", "Post 009"]


def test_a_very_crowded_day_is_counted_up_to_a_hundred(people):
    workspace = people["workspace"]
    many(workspace, people["editor"], [account(workspace)], MONDAY, 120, timedelta(minutes=1))
    html = page(people["viewer"], workspace)
    url, label = more_link(html)
    assert label == "98+ more"  # 101 counted, 3 shown
    exact = client_for(people["viewer"]).get(url).content.decode()
    assert "120 posts planned" in exact


def test_every_workspace_calendar_shows_a_crowded_day_per_person_scope(people, crowded):
    other = people["other_workspace"]  # not the viewer's: never counted
    many(other, people["outsider"], [account(other)], MONDAY, 5, timedelta(minutes=1), text="Secret")
    second = create_workspace(people["organisation"], "Pâtisserie Martin", people["owner"], "Europe/Paris")
    Membership.objects.create(workspace=second, user=people["viewer"], role=Role.VIEWER)
    many(second, people["owner"], [account(second)], MONDAY - timedelta(hours=1), 2, timedelta(minutes=1),
         text="Éclair")
    html = page(people["viewer"])
    assert "Secret" not in html and "Éclair 000" in html and "Éclair 001" in html
    url, label = more_link(html)
    assert label == "+9 more"  # 12 events: 2 éclairs, then 10 posts
    assert url.startswith(reverse("web:calendar_all_more"))
    rest = client_for(people["viewer"]).get(url, headers={"HX-Request": "true"}).content.decode()
    assert texts(rest) == [f"Post {n:03d}" for n in range(1, 10)] and "Secret" not in rest
    assert "Pâtisserie Martin" not in rest and "Boulangerie Dupont" in rest  # workspace names shown


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "99999-01-01"])
def test_a_day_out_of_range_shows_today_instead_of_failing(people, day):
    for view in ("month", "week"):
        assert page(people["viewer"], people["workspace"], view=view, day=day)  # 200, not a 500
    assert page(people["viewer"], view="week", day=day)


def test_more_answers_bad_cells_with_the_field_and_strangers_with_404(people, crowded):
    client = client_for(people["viewer"])
    url = reverse("web:calendar_more", args=[people["workspace"].pk])
    for query, field in (("day=lundi", "day"), ("at=2030-01-07T09:15", "at"), ("at=demain", "at"), ("", "day"),
                         ("day=9999-12-31", "day"), ("at=0001-01-01T00:00", "at")):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400 and response.content.decode().startswith(f"{field}:"), query
    assert client.get(f"{url}?day=2030-01-07&offset=99999999999999999999").status_code == 200
    assert client.get(f"{url}?day=2030-01-07&offset=-3").status_code == 200
    assert client_for(people["outsider"]).get(f"{url}?day=2030-01-07").status_code == 404


@pytest.mark.slow  # hundreds of posts, every view: minutes on a loaded machine
def test_page_queries_do_not_grow_with_the_number_of_posts(people):
    workspace = people["workspace"]
    accounts = [account(workspace), account(workspace, "mastodon", "@boulangerie")]
    many(workspace, people["editor"], accounts, MONDAY, 2, timedelta(days=1))

    def queries(**params: str) -> int:
        client = client_for(people["editor"])
        url = reverse("web:calendar", args=[workspace.pk]) if "all" not in params else reverse("web:calendar_all")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"day": "2030-01-07", **params}).status_code == 200
        # SELECTs only: on PostgreSQL a per-cell query also sets planner options in a savepoint.
        return sum(1 for query in captured if query["sql"].lstrip().upper().startswith("SELECT"))

    def every_view() -> list[int]:
        return [queries(), queries(view="week"), queries(all="1"), queries(all="1", view="week")]

    few = every_view()
    many(workspace, people["editor"], accounts, MONDAY - timedelta(days=6), 400, timedelta(minutes=47))
    crowded = every_view()  # one more query, counting the events of crowded cells
    many(workspace, people["editor"], accounts, MONDAY - timedelta(days=6), 1200, timedelta(minutes=15))
    assert every_view() == crowded and all(n - f <= 1 for n, f in zip(crowded, few, strict=True))


def test_no_page_of_the_calendar_decrypts_account_credentials(people, crowded, monkeypatch):
    def refuse(token: str) -> str:
        raise AssertionError("the calendar decrypted account credentials")

    monkeypatch.setattr("parvis.core.crypto.decrypt", refuse)
    for html in (page(people["editor"], people["workspace"]), page(people["editor"], people["workspace"], view="week"),
                 page(people["editor"])):
        assert "Post 000" in html
    url, _label = more_link(page(people["editor"], people["workspace"]))
    assert "Post 003" in client_for(people["editor"]).get(url).content.decode()


def test_a_post_with_an_image_shows_the_library_thumbnail_and_a_video_a_mark(people, crowded, monkeypatch):
    workspace = people["workspace"]
    image = MediaAsset.objects.create(workspace=workspace, file="w1/photo.png", mime_type="image/png",
                                      kind=MediaAsset.Kind.IMAGE, sha256="a" * 64)
    video = MediaAsset.objects.create(workspace=workspace, file="w1/film.mp4", mime_type="video/mp4",
                                      kind=MediaAsset.Kind.VIDEO, sha256="b" * 64)
    posts = crowded["posts"]
    PostMedia.objects.create(post=posts[0], asset=image, position=0)
    PostMedia.objects.create(post=posts[1], asset=video, position=0)
    PostMedia.objects.create(post=posts[1], asset=image, position=1)

    def no_decode(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an image was decoded while the page was drawn")

    monkeypatch.setattr("PIL.Image.open", no_decode)
    html = page(people["viewer"], workspace)
    thumb = reverse("web:library_thumb", args=[workspace.pk, image.pk])
    assert html.count(f'src="{thumb}"') == 1 and html.count('class="cal-thumb video"') == 1
    first = re.search(r'<div class="event[^>]*>.*?</div>', html, re.S).group(0)
    assert "Post 000" in first and thumb in first and 'loading="lazy"' in first


INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def test_calendar_pages_carry_no_inline_script_or_style(people, crowded):
    client = client_for(people["manager"])
    feed = reverse("web:calendar_feed", args=[people["workspace"].pk])
    month = page(people["manager"], people["workspace"])
    calendar = [month, page(people["manager"], people["workspace"], view="week"), page(people["manager"])]
    feed_pages = [client.get(feed).content.decode(), client.post(feed, {"action": "create"}).content.decode()]

    def check(pages: list[str], styles: bool) -> None:
        for html in pages:
            assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)
            assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
            assert not styles or not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group(0)

    check(calendar, styles=True)
    check(feed_pages, styles=False)
    assert "data-autosubmit" in month and "data-select-on-focus" in feed_pages[1]  # what calendar.js reads
    url, _label = more_link(month)
    check([client.get(url).content.decode(), client.get(url, headers={"HX-Request": "true"}).content.decode()],
          styles=True)


def test_more_speaks_the_readers_language(people, crowded):
    client = client_for(people["viewer"], language="fr")
    html = client.get(reverse("web:calendar", args=[people["workspace"].pk]),
                      {"day": "2030-01-07", "tz": "Europe/Paris"}).content.decode()
    url, label = more_link(html)
    assert label == "+7 autres"
    slot = client.get(url.replace("day=2030-01-07", "at=2030-01-07T09%3A00")).content.decode()
    assert "Lundi 7 janvier 2030, 09:00–09:30" in slot and "10 posts prévus" not in slot and "3 posts prévus" in slot


def test_a_workspace_without_accounts_has_an_empty_calendar(people):
    for view in ("month", "week"):
        html = page(people["viewer"], people["workspace"], view=view)
        assert 'data-testid="event"' not in html and 'data-drop="2030-01-07' in html
    url = reverse("web:calendar_more", args=[people["workspace"].pk])
    assert client_for(people["viewer"]).get(url, {"day": "2030-01-07"}).status_code == 200
