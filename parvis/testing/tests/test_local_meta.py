"""The loopback fake of Meta's Graph API: every behaviour the Meta connectors will rely on,
driven with plain HTTP as a connector would."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from parvis.testing.images import png_bytes
from parvis.testing.meta_server import LocalMeta
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.testing.videos import mp4_bytes

V = "/v27.0"
HTTP = httpx.Client(timeout=10)  # one client: building one costs ~50 ms (its TLS context)


@pytest.fixture(autouse=True, scope="module")
def _close_client():
    yield
    HTTP.close()


@pytest.fixture
def meta():
    with LocalMeta() as server:
        yield server


@pytest.fixture
def files():
    """Where the media lives: a PNG, an MP4, an expired signed URL, a page that is not media."""
    with ScriptedServer() as server:
        server.answer("/a.png", Answer(200, {"Content-Type": "image/png"}, png_bytes()))
        server.answer("/v.mp4", Answer(200, {"Content-Type": "video/mp4"}, mp4_bytes()))
        server.answer("/expired.png", Answer(403, {"Content-Type": "application/xml"}, b"<Error>expired</Error>"))
        server.answer("/page.html", Answer(200, {"Content-Type": "text/html"}, b"<html></html>"))
        yield server


def get(meta: LocalMeta, path: str, token: str = "", **params: str) -> httpx.Response:
    if token:
        params["access_token"] = token
    return HTTP.get(f"{meta.url}{V}{path}", params=params)


def post(meta: LocalMeta, path: str, token: str = "", **data: str) -> httpx.Response:
    if token:
        data["access_token"] = token
    return HTTP.post(f"{meta.url}{V}{path}", data=data)


def error_of(answer: httpx.Response) -> tuple[int, int, int | None]:
    error = answer.json()["error"]
    assert {"message", "type", "code", "fbtrace_id"} <= error.keys()
    return answer.status_code, error["code"], error.get("error_subcode")


@pytest.fixture
def ig(meta):
    """An Instagram account linked to a Page (Facebook Login), used with the Page token."""
    page = meta.add_page("Brand")
    account = meta.add_instagram_account("brand", page=page, followers_count=120)
    return account, page.token


def container(meta, account, token, **params) -> str:
    answer = post(meta, f"/{account.id}/media", token, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


def status(meta, container_id, token) -> str:
    return get(meta, f"/{container_id}", token, fields="status_code,status").json()["status_code"]


# -- tokens and identity ---------------------------------------------------------------------
def test_facebook_login_code_gives_a_long_lived_user_token_then_page_tokens(meta):
    page = meta.add_page("Brand")
    meta.add_instagram_account("brand", page=page)
    user = meta.users[page.user_id]
    code = meta.login_code(user)
    short = get(meta, "/oauth/access_token", client_id=meta.app_id, client_secret=meta.app_secret, code=code,
                redirect_uri="https://parvis.test/callback").json()
    assert short["token_type"] == "bearer" and short["expires_in"] == 3600
    long = get(meta, "/oauth/access_token", grant_type="fb_exchange_token", client_id=meta.app_id,
               client_secret=meta.app_secret, fb_exchange_token=short["access_token"]).json()
    assert long["expires_in"] == 5_183_944
    accounts = get(meta, "/me/accounts", long["access_token"], fields="id,name,access_token").json()
    assert accounts["data"] == [{"id": page.id, "name": "Brand", "access_token": page.token}]
    linked = get(meta, f"/{page.id}", page.token, fields="instagram_business_account").json()
    assert linked == {"instagram_business_account": {"id": page.instagram_id}, "id": page.id}


def test_a_login_code_works_once_and_only_with_its_redirect_uri(meta):
    user = meta.add_user()
    code = meta.login_code(user)
    base = {"client_id": meta.app_id, "client_secret": meta.app_secret, "code": code}
    assert error_of(get(meta, "/oauth/access_token", redirect_uri="https://evil.test/", **base))[2] == 36008
    assert get(meta, "/oauth/access_token", redirect_uri="https://parvis.test/callback", **base).status_code == 200
    assert error_of(get(meta, "/oauth/access_token", redirect_uri="https://parvis.test/callback", **base))[2] == 36009


def test_instagram_login_exchanges_then_refreshes_only_after_24_hours(meta):
    account = meta.add_instagram_account("solo")
    code = meta.login_code(account)
    short = HTTP.post(f"{meta.url}/oauth/access_token", data={
        "client_id": meta.ig_app_id, "client_secret": meta.ig_app_secret, "grant_type": "authorization_code",
        "redirect_uri": "https://parvis.test/callback", "code": code}).json()
    assert short["user_id"] == int(account.id) and "instagram_business_basic" in short["permissions"]
    long = HTTP.get(f"{meta.url}/access_token", params={
        "grant_type": "ig_exchange_token", "client_secret": meta.ig_app_secret,
        "access_token": short["access_token"]}).json()
    assert long["token_type"] == "bearer" and long["expires_in"] == 5_183_944
    refresh = {"grant_type": "ig_refresh_token", "access_token": long["access_token"]}
    assert error_of(HTTP.get(f"{meta.url}/refresh_access_token", params=refresh))[:2] == (400, 100)
    meta.advance(24 * 3600)
    fresh = HTTP.get(f"{meta.url}/refresh_access_token", params=refresh).json()
    assert fresh["expires_in"] == 5_183_944 and fresh["access_token"] != long["access_token"]


def test_the_login_dialogs_send_the_signed_in_person_back_with_a_code_or_a_refusal(meta):
    page = meta.add_page("Brand")
    user, solo = meta.users[page.user_id], meta.add_instagram_account("solo")
    back = "https://parvis.test/callback"
    facebook = {"client_id": meta.app_id, "redirect_uri": back, "state": "s1", "scope": "pages_show_list"}
    instagram = {**facebook, "client_id": meta.ig_app_id, "scope": "instagram_business_basic"}

    def dialog(path: str, query: dict[str, str]) -> tuple[str, str, dict[str, list[str]]]:
        """Where the dialog sends the browser: the address, its fragment, its query."""
        answer = HTTP.get(f"{meta.url}{path}", params=query)
        assert answer.status_code == 302, answer.text
        to = urlsplit(answer.headers["Location"])
        return f"{to.scheme}://{to.netloc}{to.path}", to.fragment, parse_qs(to.query)

    refused = dialog(f"{V}/dialog/oauth", facebook)[2]  # nobody signed in
    assert refused["error"] == ["access_denied"] and refused["state"] == ["s1"] and "code" not in refused
    meta.sign_in(user)
    assert "code" not in dialog("/oauth/authorize", instagram)[2]  # a Facebook user, on Instagram's
    assert dialog(f"{V}/dialog/oauth", facebook)[:2] == (back, "")
    granted = dialog(f"{V}/dialog/oauth", facebook)[2]
    assert granted["state"] == ["s1"]
    form = {"client_id": meta.app_id, "client_secret": meta.app_secret, "redirect_uri": back,
            "code": granted["code"][0]}
    token = get(meta, "/oauth/access_token", **form).json()["access_token"]
    assert meta.tokens[token].subject == user.id and meta.tokens[token].scopes == ["pages_show_list"]
    meta.sign_in(solo)
    target, fragment, granted = dialog("/oauth/authorize", instagram)
    assert (target, fragment) == (back, "_")  # Meta appends "#_": the code is only what comes before
    exchanged = HTTP.post(f"{meta.url}/oauth/access_token", data={
        **form, "client_id": meta.ig_app_id, "client_secret": meta.ig_app_secret,
        "grant_type": "authorization_code", "code": granted["code"][0]}).json()
    assert exchanged["user_id"] == int(solo.id)
    assert HTTP.get(f"{meta.url}{V}/dialog/oauth", params={**facebook, "client_id": "1"}).status_code == 400


def test_an_expired_token_answers_code_190_with_subcode_463(meta):
    page = meta.add_page("Brand")
    meta.expire_token(page.token)
    answer = get(meta, f"/{page.id}", page.token)
    assert error_of(answer) == (400, 190, 463)
    assert answer.json()["error"]["type"] == "OAuthException"
    assert "Session has expired" in answer.json()["error"]["message"]


def test_a_short_lived_token_expires_with_the_clock_and_cannot_be_exchanged(meta):
    user = meta.add_user()
    short = get(meta, "/oauth/access_token", client_id=meta.app_id, client_secret=meta.app_secret,
                code=meta.login_code(user), redirect_uri="https://parvis.test/callback").json()["access_token"]
    meta.advance(3600)
    assert error_of(get(meta, "/me", short)) == (400, 190, 463)
    exchange = get(meta, "/oauth/access_token", grant_type="fb_exchange_token", client_id=meta.app_id,
                   client_secret=meta.app_secret, fb_exchange_token=short)
    assert error_of(exchange) == (400, 190, 463)


def test_identity_fields_of_an_instagram_account(meta):
    account = meta.add_instagram_account("solo", name="Solo Brand", followers_count=1200)
    answer = get(meta, "/me", account.token, fields="user_id,username,name,profile_picture_url,followers_count")
    assert answer.json() == {"user_id": account.id, "username": "solo", "name": "Solo Brand", "id": account.id,
                             "profile_picture_url": account.profile_picture_url, "followers_count": 1200}
    assert error_of(get(meta, "/me", account.token, fields="nope"))[1] == 100


def test_debug_token_says_whether_a_token_is_valid(meta):
    page = meta.add_page("Brand")
    app = get(meta, "/oauth/access_token", grant_type="client_credentials", client_id=meta.app_id,
              client_secret=meta.app_secret).json()["access_token"]
    data = get(meta, "/debug_token", app, input_token=page.token).json()["data"]
    assert data["is_valid"] and data["type"] == "PAGE" and data["expires_at"] == 0
    meta.invalidate_token(page.token, 460)
    data = get(meta, "/debug_token", app, input_token=page.token).json()["data"]
    assert not data["is_valid"] and data["error"]["subcode"] == 460
    assert "changed their password" in get(meta, "/me", page.token).json()["error"]["message"]


# -- Facebook Pages ----------------------------------------------------------------------------
def test_a_page_post_is_listed_for_reconciliation_then_deleted(meta):
    page = meta.add_page("Brand")
    post_id = post(meta, f"/{page.id}/feed", page.token, message="Bonjour", link="https://parvis.test/").json()["id"]
    assert post_id.startswith(f"{page.id}_")
    listed = get(meta, f"/{page.id}/published_posts", page.token, fields="id,message,created_time,permalink_url")
    (item,) = listed.json()["data"]
    assert item["id"] == post_id and item["message"] == "Bonjour" and item["created_time"].endswith("+0000")
    assert item["permalink_url"].startswith("https://www.facebook.com/")
    assert HTTP.delete(f"{meta.url}{V}/{post_id}", params={"access_token": page.token}).json() == {"success": True}
    assert get(meta, f"/{page.id}/feed", page.token).json() == {"data": []}
    assert error_of(get(meta, f"/{post_id}", page.token)) == (400, 100, 33)


def test_posting_to_a_page_needs_the_page_token(meta):
    page = meta.add_page("Brand")
    user = meta.users[page.user_id]
    assert error_of(post(meta, f"/{page.id}/feed", user.token, message="hi"))[1] == 200
    assert error_of(post(meta, f"/{page.id}/feed", meta.add_page("Other").token, message="hi")) == (400, 100, 33)


def test_a_scheduled_post_waits_for_its_time(meta):
    page = meta.add_page("Brand")
    soon = str(int(meta.now) + 300)
    assert error_of(post(meta, f"/{page.id}/feed", page.token, message="x", published="false",
                         scheduled_publish_time=soon))[1] == 100
    later = str(int(meta.now) + 3600)
    post_id = post(meta, f"/{page.id}/feed", page.token, message="x", published="false",
                   scheduled_publish_time=later).json()["id"]
    assert [p["id"] for p in get(meta, f"/{page.id}/scheduled_posts", page.token).json()["data"]] == [post_id]
    assert get(meta, f"/{page.id}/published_posts", page.token).json()["data"] == []
    meta.advance(3600)
    assert [p["id"] for p in get(meta, f"/{page.id}/published_posts", page.token).json()["data"]] == [post_id]


def test_a_multi_photo_post_attaches_unpublished_photos(meta, files):
    page = meta.add_page("Brand")
    photos = [post(meta, f"/{page.id}/photos", page.token, url=files.url("/a.png"), published="false").json()
              for _ in range(2)]
    assert all(p.keys() == {"id"} for p in photos)
    body = {"message": "Deux photos", "access_token": page.token,
            "attached_media": [{"media_fbid": p["id"]} for p in photos]}
    answer = HTTP.post(f"{meta.url}{V}/{page.id}/feed", json=body)
    assert meta.posts[answer.json()["id"]].photos == [p["id"] for p in photos]
    assert [d.content_type for d in meta.downloads] == ["image/png", "image/png"]
    third = post(meta, f"/{page.id}/photos", page.token, url=files.url("/a.png"), published="false").json()["id"]
    form_encoded = post(meta, f"/{page.id}/feed", page.token, message="Form", **{
        "attached_media[0]": json.dumps({"media_fbid": third})})
    assert meta.posts[form_encoded.json()["id"]].photos == [third]
    used_again = post(meta, f"/{page.id}/feed", page.token, **{"attached_media[0]": json.dumps({"media_fbid": third})})
    assert error_of(used_again)[1] == 100


def test_a_single_photo_returns_its_id_and_post_id(meta, files):
    page = meta.add_page("Brand")
    answer = post(meta, f"/{page.id}/photos", page.token, url=files.url("/a.png"), caption="Une photo").json()
    assert answer["post_id"] == meta.page_media[answer["id"]].post_id
    assert error_of(post(meta, f"/{page.id}/photos", page.token, url=files.url("/expired.png")))[1] == 324


def test_a_page_video_is_processing_then_ready(meta, files):
    page = meta.add_page("Brand")
    video_id = post(meta, f"/{page.id}/videos", page.token, file_url=files.url("/v.mp4"), description="Film").json()
    states = [get(meta, f"/{video_id['id']}", page.token, fields="status").json()["status"]["video_status"]
              for _ in range(3)]
    assert states == ["processing", "processing", "ready"]


def test_a_duplicate_status_is_refused_with_506(meta):
    page = meta.add_page("Brand")
    post(meta, f"/{page.id}/feed", page.token, message="Same")
    assert error_of(post(meta, f"/{page.id}/feed", page.token, message="Same"))[1] == 506


# -- Instagram containers ------------------------------------------------------------------------
def test_an_image_container_finishes_then_publishes_once(meta, files, ig):
    account, token = ig
    cid = container(meta, account, token, image_url=files.url("/a.png"), caption="Hello #parvis",
                    alt_text="An orange square")
    assert status(meta, cid, token) == "FINISHED"
    media_id = post(meta, f"/{account.id}/media_publish", token, creation_id=cid).json()["id"]
    assert status(meta, cid, token) == "PUBLISHED"
    listed = get(meta, f"/{account.id}/media", token, fields="id,caption,timestamp,permalink,media_type").json()
    assert listed["data"][0]["id"] == media_id and listed["data"][0]["media_type"] == "IMAGE"
    assert error_of(post(meta, f"/{account.id}/media_publish", token, creation_id=cid))[2] == 2207008
    download = meta.container(cid).download
    assert download is not None and download.size == len(png_bytes()) and download.content_type == "image/png"


def test_a_video_container_stays_in_progress_and_refuses_an_early_publish(meta, files, ig):
    account, token = ig
    meta.video_polls = 3
    cid = container(meta, account, token, media_type="REELS", video_url=files.url("/v.mp4"), caption="Reel")
    assert error_of(post(meta, f"/{account.id}/media_publish", token, creation_id=cid)) == (400, 9007, 2207027)
    assert [status(meta, cid, token) for _ in range(4)] == ["IN_PROGRESS"] * 3 + ["FINISHED"]
    media_id = post(meta, f"/{account.id}/media_publish", token, creation_id=cid).json()["id"]
    assert get(meta, f"/{media_id}", token, fields="media_type,media_product_type").json() == {
        "media_type": "VIDEO", "media_product_type": "REELS", "id": media_id}


def test_a_stuck_container_never_finishes(meta, files, ig):
    account, token = ig
    cid = container(meta, account, token, image_url=files.url("/a.png"))
    meta.stick_container(cid)
    assert {status(meta, cid, token) for _ in range(5)} == {"IN_PROGRESS"}


def test_an_expired_container_is_refused_at_publish(meta, files, ig):
    account, token = ig
    first = container(meta, account, token, image_url=files.url("/a.png"))
    meta.expire_container(first)
    assert status(meta, first, token) == "EXPIRED"
    assert error_of(post(meta, f"/{account.id}/media_publish", token, creation_id=first)) == (400, 24, 2207008)
    second = container(meta, account, token, image_url=files.url("/a.png"))
    meta.advance(24 * 3600)
    assert status(meta, second, token) == "EXPIRED"


def test_a_lost_publish_answer_leaves_the_container_published_and_the_media_listed(meta, files, ig):
    account, token = ig
    cid = container(meta, account, token, image_url=files.url("/a.png"), caption="Once")
    meta.lose_next(path="*/media_publish")
    with pytest.raises(httpx.RemoteProtocolError):
        post(meta, f"/{account.id}/media_publish", token, creation_id=cid)
    assert status(meta, cid, token) == "PUBLISHED"
    captions = [m["caption"] for m in get(meta, f"/{account.id}/media", token, fields="caption").json()["data"]]
    assert captions == ["Once"]


def test_a_publish_that_hangs_publishes_nothing(meta, files, ig):
    account, token = ig
    cid = container(meta, account, token, image_url=files.url("/a.png"))
    meta.hang_next(path="*/media_publish")
    with pytest.raises(httpx.ReadTimeout):
        HTTP.post(f"{meta.url}{V}/{account.id}/media_publish", data={"creation_id": cid, "access_token": token},
                  timeout=0.3)
    assert status(meta, cid, token) == "FINISHED" and meta.media == {}


def test_the_publishing_quota_is_read_and_enforced(meta, files, ig):
    account, token = ig
    meta.set_quota(account, 2)
    for _ in range(2):
        cid = container(meta, account, token, image_url=files.url("/a.png"))
        post(meta, f"/{account.id}/media_publish", token, creation_id=cid)
    limit = get(meta, f"/{account.id}/content_publishing_limit", token, fields="config,quota_usage").json()
    assert limit == {"data": [{"config": {"quota_total": 2, "quota_duration": 86400}, "quota_usage": 2}]}
    cid = container(meta, account, token, image_url=files.url("/a.png"))
    assert error_of(post(meta, f"/{account.id}/media_publish", token, creation_id=cid)) == (400, 9, 2207042)
    meta.advance(86400)  # the window moves on; the old container has expired meanwhile
    cid = container(meta, account, token, image_url=files.url("/a.png"))
    assert post(meta, f"/{account.id}/media_publish", token, creation_id=cid).status_code == 200


def test_the_default_quota_is_fifty_a_day(meta, ig):
    account, token = ig
    limit = get(meta, f"/{account.id}/content_publishing_limit", token, fields="config").json()
    assert limit["data"][0]["config"]["quota_total"] == 50


def test_a_carousel_publishes_its_children_as_one_post(meta, files, ig):
    account, token = ig
    children = [container(meta, account, token, image_url=files.url("/a.png"), is_carousel_item="true")
                for _ in range(2)]
    assert error_of(post(meta, f"/{account.id}/media", token, media_type="CAROUSEL", children=children[0]))[2] \
        == 2207028
    parent = container(meta, account, token, media_type="CAROUSEL", children=",".join(children), caption="Album")
    media_id = post(meta, f"/{account.id}/media_publish", token, creation_id=parent).json()["id"]
    album = get(meta, f"/{media_id}", token, fields="media_type,children{id,media_type}").json()
    assert album["media_type"] == "CAROUSEL_ALBUM" and len(album["children"]["data"]) == 2
    assert [m["id"] for m in get(meta, f"/{account.id}/media", token).json()["data"]] == [media_id]
    assert get(meta, f"/{account.id}/content_publishing_limit", token).json()["data"][0]["quota_usage"] == 1


def test_an_image_that_cannot_be_downloaded_is_refused_at_creation(meta, files, ig):
    account, token = ig
    answer = post(meta, f"/{account.id}/media", token, image_url=files.url("/expired.png"))
    assert error_of(answer) == (400, 9004, 2207052)
    assert error_of(post(meta, f"/{account.id}/media", token, image_url=files.url("/page.html")))[2] == 2207052
    assert [d.status for d in meta.downloads] == [403, 200]
    assert meta.containers == {}


def test_a_video_that_cannot_be_downloaded_leaves_the_container_in_error(meta, files, ig):
    account, token = ig
    cid = container(meta, account, token, media_type="REELS", video_url=files.url("/expired.png"))
    answer = get(meta, f"/{cid}", token, fields="status_code,status").json()
    assert answer["status_code"] == "ERROR" and "2207052" in answer["status"]
    assert error_of(post(meta, f"/{account.id}/media_publish", token, creation_id=cid))[2] == 2207032
    assert meta.container(cid).download.status == 403


def test_a_download_that_takes_too_long_is_refused_as_transient(meta, files, ig):
    account, token = ig
    files.answer("/slow.png", Answer(hang=True))
    meta.download_timeout = 0.2
    answer = post(meta, f"/{account.id}/media", token, image_url=files.url("/slow.png"))
    assert error_of(answer) == (400, -2, 2207003) and answer.json()["error"]["is_transient"] is True
    assert meta.downloads[-1].error == "timeout"


def test_a_caption_over_the_limits_and_alt_text_on_a_video_are_refused(meta, files, ig):
    account, token = ig
    assert error_of(post(meta, f"/{account.id}/media", token, image_url=files.url("/a.png"),
                         caption="x" * 2201))[2] == 2207010
    tags = " ".join(f"#t{n}" for n in range(31))
    assert error_of(post(meta, f"/{account.id}/media", token, image_url=files.url("/a.png"), caption=tags))[2] \
        == 2207010
    assert error_of(post(meta, f"/{account.id}/media", token, media_type="REELS", video_url=files.url("/v.mp4"),
                         alt_text="no"))[1] == 100
    assert meta.downloads == []


def test_instagram_media_is_deleted_with_a_facebook_login_token_only(meta, files, ig):
    account, token = ig
    media_id = post(meta, f"/{account.id}/media_publish", token, creation_id=container(
        meta, account, token, image_url=files.url("/a.png"))).json()["id"]
    solo = meta.add_instagram_account("solo")
    solo_media = post(meta, f"/{solo.id}/media_publish", solo.token, creation_id=container(
        meta, solo, solo.token, image_url=files.url("/a.png"))).json()["id"]
    assert error_of(HTTP.delete(f"{meta.url}{V}/{solo_media}", params={"access_token": solo.token}))[2] == 33
    assert HTTP.delete(f"{meta.url}{V}/{media_id}", params={"access_token": token}).json() == {"success": True}
    assert get(meta, f"/{account.id}/media", token).json()["data"] == []


# -- comments and moderation ----------------------------------------------------------------------
def published(meta, files, account, token) -> str:
    cid = container(meta, account, token, image_url=files.url("/a.png"), caption="Post")
    return post(meta, f"/{account.id}/media_publish", token, creation_id=cid).json()["id"]


def test_instagram_comments_are_read_replied_hidden_and_deleted(meta, files, ig):
    account, token = ig
    media_id = published(meta, files, account, token)
    comment = meta.comment_as("fan", on=media_id, text="Love it")
    fields = "id,text,username,timestamp,from,hidden,replies{id,text,username}"
    (item,) = get(meta, f"/{media_id}/comments", token, fields=fields).json()["data"]
    assert (item["id"], item["text"], item["username"], item["hidden"]) == (comment.id, "Love it", "fan", False)
    assert item["from"] == {"id": comment.author_id, "username": "fan"} and item["replies"] == {"data": []}
    reply_id = post(meta, f"/{comment.id}/replies", token, message="Merci !").json()["id"]
    replies = get(meta, f"/{comment.id}/replies", token, fields="text,username").json()["data"]
    assert replies == [{"text": "Merci !", "username": "brand", "id": reply_id}]
    assert post(meta, f"/{comment.id}", token, hide="true").json() == {"success": True}
    assert get(meta, f"/{comment.id}", token, fields="hidden").json()["hidden"] is True
    assert error_of(post(meta, f"/{comment.id}/replies", token, message="again"))[1] == 100
    assert HTTP.delete(f"{meta.url}{V}/{comment.id}", params={"access_token": token}).json() == {"success": True}
    assert get(meta, f"/{media_id}/comments", token).json()["data"] == []


def test_facebook_comments_are_read_replied_and_hidden(meta):
    page = meta.add_page("Brand")
    post_id = post(meta, f"/{page.id}/feed", page.token, message="Hello").json()["id"]
    comment = meta.comment_as("Alex Dupont", on=post_id, text="Question ?")
    (item,) = get(meta, f"/{post_id}/comments", page.token, fields="id,message,from,created_time,is_hidden").json()[
        "data"]
    assert item["message"] == "Question ?" and item["from"]["name"] == "Alex Dupont" and not item["is_hidden"]
    reply_id = post(meta, f"/{comment.id}/comments", page.token, message="Réponse").json()["id"]
    assert meta.comments[reply_id].parent == comment.id
    assert [c["message"] for c in get(meta, f"/{comment.id}/comments", page.token).json()["data"]] == ["Réponse"]
    assert post(meta, f"/{comment.id}", page.token, is_hidden="true").json() == {"success": True}
    assert meta.comments[comment.id].hidden


def test_media_the_account_is_tagged_or_mentioned_in_is_readable(meta, ig):
    account, token = ig
    media_id = meta.tag_account(account.id, by="friend", caption="with @brand")
    tags = get(meta, f"/{account.id}/tags", token, fields="id,caption,username").json()["data"]
    assert tags == [{"id": media_id, "caption": "with @brand", "username": "friend"}]
    mention = meta.mention_account(account.id, by="critic", caption="@brand where is my parcel?")
    answer = get(meta, f"/{account.id}", token,
                 fields=f"username,mentioned_media.media_id({mention}){{caption,username}}").json()
    assert answer == {"username": "brand", "id": account.id, "mentioned_media": {
        "caption": "@brand where is my parcel?", "username": "critic", "id": mention}}
    assert error_of(get(meta, f"/{account.id}", token, fields=f"mentioned_media.media_id({media_id})"))[2] == 33


def test_posts_that_tag_a_page_are_listed_newest_first_page_by_page_without_their_author(meta):
    page = meta.add_page("Brand")
    user = meta.users[page.user_id]
    first = meta.tag_page(page, by="Alex", message="hello @Brand")
    meta.advance(60)
    second = meta.tag_page(page.id, by="Sam", message="thanks @Brand", from_visible=True)
    meta.tag_page(meta.add_page("Other"), by="Léa", message="not yours")
    fields = "id,message,created_time,permalink_url,from"
    answer = get(meta, f"/{page.id}/tagged", page.token, fields=fields, limit="1").json()
    (newest,) = answer["data"]
    assert newest["id"] == second and newest["from"] == {"name": "Sam", "id": second.split("_")[0]}
    (older,) = HTTP.get(answer["paging"]["next"]).json()["data"]
    assert older["id"] == first and "from" not in older and older["message"] == "hello @Brand"
    assert older["permalink_url"] == "https://www.facebook.com/{}/posts/{}".format(*first.split("_"))
    assert error_of(get(meta, f"/{page.id}/tagged", user.token))[1] == 190  # a Page token only
    assert error_of(get(meta, f"/{first}", page.token))[2] == 33  # not readable by its id
    assert error_of(post(meta, f"/{first}/comments", page.token, message="hi"))[2] == 33
    meta.tokens[page.token].scopes.remove("pages_read_user_content")
    assert error_of(get(meta, f"/{page.id}/tagged", page.token))[1] == 10


def test_comments_on_a_media_can_be_turned_off(meta, files, ig):
    account, token = ig
    media_id = published(meta, files, account, token)
    assert post(meta, f"/{media_id}", token, comment_enabled="false").json() == {"success": True}
    assert get(meta, f"/{media_id}", token, fields="is_comment_enabled").json()["is_comment_enabled"] is False
    assert error_of(post(meta, f"/{media_id}/comments", token, message="first comment"))[1] == 100


# -- insights -----------------------------------------------------------------------------------
def test_media_insights_answer_the_values_set_and_refuse_impressions(meta, files, ig):
    account, token = ig
    media_id = published(meta, files, account, token)
    meta.set_insights(media_id, views=340, reach=200, likes=12)
    data = get(meta, f"/{media_id}/insights", token, metric="views,reach,likes,comments").json()["data"]
    assert {d["name"]: d["values"][0]["value"] for d in data} == {"views": 340, "reach": 200, "likes": 12,
                                                                 "comments": 0}
    refused = get(meta, f"/{media_id}/insights", token, metric="reach,impressions")
    assert error_of(refused) == (400, 100, None) and "impressions" in refused.json()["error"]["message"]
    assert "must be one of" in get(meta, f"/{media_id}/insights", token, metric="plays").json()["error"]["message"]


def test_account_insights_answer_total_values_and_refuse_impressions(meta, ig):
    account, token = ig
    meta.set_insights(account.id, views=900, accounts_engaged=40, follower_count=3)
    data = get(meta, f"/{account.id}/insights", token, metric="views,accounts_engaged", period="day",
               metric_type="total_value").json()["data"]
    assert [(d["name"], d["total_value"]["value"]) for d in data] == [("views", 900), ("accounts_engaged", 40)]
    series = get(meta, f"/{account.id}/insights", token, metric="follower_count", period="day").json()["data"]
    assert series[0]["values"][0]["value"] == 3
    refused = get(meta, f"/{account.id}/insights", token, metric="impressions", metric_type="total_value")
    assert error_of(refused)[1] == 100 and "no longer supported" in refused.json()["error"]["message"]
    assert "must be one of" in get(meta, f"/{account.id}/insights", token, metric="profile_views",
                                   metric_type="total_value").json()["error"]["message"]


def test_page_post_insights_use_the_views_family(meta):
    page = meta.add_page("Brand")
    post_id = post(meta, f"/{page.id}/feed", page.token, message="Hello").json()["id"]
    meta.set_insights(post_id, post_total_media_view_unique=55)
    data = get(meta, f"/{post_id}/insights", page.token, metric="post_total_media_view_unique").json()["data"]
    assert data[0]["values"][0]["value"] == 55 and data[0]["period"] == "lifetime"
    removed = get(meta, f"/{post_id}/insights", page.token, metric="post_impressions_unique")
    assert removed.json()["error"]["message"] == "(#100) The value must be a valid insights metric"
    assert error_of(get(meta, f"/{post_id}/insights", page.token)) == (400, 3001, 1504028)
    meta.set_insights(page.id, page_media_view=1234)
    daily = get(meta, f"/{page.id}/insights", page.token, metric="page_media_view", period="day").json()["data"]
    assert daily[0]["values"][0]["value"] == 1234 and daily[0]["period"] == "day"
    assert error_of(get(meta, f"/{page.id}/insights", page.token, metric="page_impressions"))[1] == 100


# -- usage, throttling, errors, paging --------------------------------------------------------------
def test_every_answer_carries_the_usage_headers_tests_set(meta, ig):
    account, token = ig
    meta.set_usage(call_count=42, total_cputime=7, total_time=9)
    answer = get(meta, f"/{account.id}", token)
    assert json.loads(answer.headers["X-App-Usage"]) == {"call_count": 42, "total_cputime": 7, "total_time": 9}
    buc = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    page_id = account.page_id
    assert buc[page_id][0]["type"] == "pages" and buc[page_id][0]["call_count"] == 42
    solo = meta.add_instagram_account("solo")
    answer = HTTP.post(f"{meta.url}{V}/{solo.id}/media", json={"access_token": solo.token})
    assert error_of(answer)[1] == 100
    assert json.loads(answer.headers["X-Business-Use-Case-Usage"])[solo.id][0]["type"] == "instagram"
    answer = HTTP.get(f"{meta.url}{V}/me", headers={"Authorization": f"OAuth {solo.token}"})
    assert answer.json() == {"id": solo.id}


def test_a_throttled_answer_has_the_real_body_and_full_usage(meta, ig):
    account, token = ig
    meta.throttle_next(80002, path="*/media_publish", owner=account.id, minutes=12)
    answer = post(meta, f"/{account.id}/media_publish", token, creation_id="1")
    assert error_of(answer) == (400, 80002, None) and answer.json()["error"]["is_transient"] is True
    buc = json.loads(answer.headers["X-Business-Use-Case-Usage"])[account.id][0]
    assert buc["type"] == "instagram" and buc["call_count"] == 100 and buc["estimated_time_to_regain_access"] == 12
    assert json.loads(answer.headers["X-App-Usage"])["call_count"] == 100


def test_faults_and_unknown_objects_answer_in_graphs_error_shape(meta, ig):
    account, token = ig
    meta.fail_next(503, path="*/media")
    assert error_of(post(meta, f"/{account.id}/media", token, image_url="http://x")) == (503, 2, None)
    assert error_of(get(meta, "/424242", token)) == (400, 100, 33)
    assert error_of(get(meta, f"/{account.id}")) == (400, 104, None)
    assert error_of(get(meta, f"/{account.id}", "EAABnope")) == (400, 190, None)


def test_lists_are_paged_with_cursors_and_a_next_link(meta):
    page = meta.add_page("Brand")
    for n in range(5):
        post(meta, f"/{page.id}/feed", page.token, message=f"post {n}")
    first = get(meta, f"/{page.id}/feed", page.token, limit="2", fields="message").json()
    assert [p["message"] for p in first["data"]] == ["post 4", "post 3"]
    assert set(first["paging"]["cursors"]) == {"before", "after"}
    seen = [p["message"] for p in first["data"]]
    following = first["paging"].get("next")
    while following:
        chunk = HTTP.get(following).json()
        seen += [p["message"] for p in chunk["data"]]
        following = chunk["paging"].get("next")
    assert seen == [f"post {n}" for n in range(4, -1, -1)]
