"""Business discovery on the loopback fake of Meta's Graph API: another account's public
profile and media read through a field of the connected account's node, driven with
plain HTTP as a connector would."""

from __future__ import annotations

import httpx
import pytest

from parvis.testing.meta_server import LocalMeta

MEDIA = "id,caption,comments_count,like_count,media_type,media_product_type,permalink,timestamp"
HTTP = httpx.Client(timeout=10)


@pytest.fixture(autouse=True, scope="module")
def _close_client():
    yield
    HTTP.close()


@pytest.fixture
def meta():
    with LocalMeta() as server:
        yield server


@pytest.fixture
def ig(meta):
    """An Instagram account linked to a Page (Facebook Login), used with the Page token."""
    page = meta.add_page("Brand")
    return meta.add_instagram_account("brand", page=page), page.token


def discover(meta, account, token, username, spec) -> httpx.Response:
    return HTTP.get(f"{meta.url}/v27.0/{account.id}", headers={"Authorization": f"Bearer {token}"},
                    params={"fields": f"business_discovery.username({username}){{{spec}}}"})


def error_of(answer: httpx.Response) -> tuple[int, int, int | None]:
    error = answer.json()["error"]
    assert {"message", "type", "code", "fbtrace_id"} <= error.keys()
    return answer.status_code, error["code"], error.get("error_subcode")


def test_a_discoverable_account_answers_its_profile_under_business_discovery(meta, ig):
    account, token = ig
    rival = meta.add_discoverable_account("Rival.Bakery", name="Rival", followers_count=5400, follows_count=12)
    meta.add_discoverable_media(rival, "one")
    answer = discover(meta, account, token, "rival.bakery", "id,username,name,followers_count,follows_count,"
                                                            "media_count,profile_picture_url")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"business_discovery": {
        "id": rival.id, "username": "Rival.Bakery", "name": "Rival", "followers_count": 5400, "follows_count": 12,
        "media_count": 1, "profile_picture_url": rival.profile_picture_url}, "id": account.id}


def test_the_media_edge_is_newest_first_limited_and_hides_hidden_likes(meta, ig):
    account, token = ig
    rival = meta.add_discoverable_account("rival")
    old = meta.add_discoverable_media(rival, "old", ago=7200, like_count=3, comments_count=1)
    new = meta.add_discoverable_media(rival, "new", ago=60, like_count=9, likes_hidden=True, media_type="VIDEO",
                                      product_type="REELS")
    meta.add_discoverable_media(rival, "oldest", ago=86400)
    answer = discover(meta, account, token, "rival", f"id,media.limit(2){{{MEDIA}}}").json()["business_discovery"]
    data = answer["media"]["data"]
    assert [m["id"] for m in data] == [new.id, old.id]
    assert "like_count" not in data[0] and data[0]["media_product_type"] == "REELS"
    assert data[1]["like_count"] == 3 and data[1]["comments_count"] == 1 and data[1]["caption"] == "old"
    assert data[1]["timestamp"].endswith("+0000") and data[1]["permalink"].startswith("https://www.instagram.com/p/")
    after = answer["media"]["paging"]["cursors"]["after"]
    assert "next" not in answer["media"]["paging"]
    rest = discover(meta, account, token, "rival", f"media.limit(2).after({after}){{caption}}").json()
    assert [m["caption"] for m in rest["business_discovery"]["media"]["data"]] == ["oldest"]


def test_an_unknown_or_personal_username_answers_code_110_subcode_2207013(meta, ig):
    account, token = ig
    meta.add_discoverable_account("someone", account_type="PERSONAL")
    for name in ("nobody_here", "someone"):
        answer = discover(meta, account, token, name, "id")
        assert error_of(answer) == (400, 110, 2207013)
        assert answer.json()["error"]["error_user_title"] == "Cannot find User"
        assert name in answer.json()["error"]["error_user_msg"]


def test_an_instagram_login_token_has_no_business_discovery(meta):
    solo = meta.add_instagram_account("solo")
    meta.add_discoverable_account("rival")
    assert error_of(discover(meta, solo, solo.token, "rival", "id"))[1] == 100


def test_business_discovery_is_asked_on_an_account_the_token_reaches(meta, ig):
    _, token = ig
    other = meta.add_instagram_account("other", page=meta.add_page("Other"))
    meta.add_discoverable_account("rival")
    assert error_of(discover(meta, other, token, "rival", "id")) == (400, 100, 33)
