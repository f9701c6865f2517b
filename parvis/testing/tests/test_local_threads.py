"""The loopback fake of the Threads API v1.0, driven with plain httpx as a connector would."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from parvis.testing.images import png_bytes
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.testing.threads_server import Limits, LocalThreads, ThreadsAccount
from parvis.testing.videos import mp4_bytes

DAY = 86_400
HTTP = httpx.Client(timeout=10)  # one client: building one per call costs more than the calls


@pytest.fixture
def threads():
    with LocalThreads() as server:
        yield server


@pytest.fixture
def brand(threads: LocalThreads) -> ThreadsAccount:
    return threads.add_user("brand", biography="Bonjour", picture_url="https://cdn.example/brand.jpg")


@pytest.fixture
def media_host():
    with ScriptedServer() as server:
        server.answer("/photo.png", Answer(200, {"Content-Type": "image/png"}, png_bytes()))
        server.answer("/clip.mp4", Answer(200, {"Content-Type": "video/mp4"}, mp4_bytes()))
        server.answer("/expired.png", Answer(403, {"Content-Type": "text/html"}, b"<h1>Request has expired</h1>"))
        server.answer("/gone.mp4", Answer(404, body=b"not found"))
        server.answer("/page.png", Answer(200, {"Content-Type": "image/png"}, b"<html>not an image</html>"))
        yield server


def call(threads: LocalThreads, method: str, path: str, token: str, **params: Any) -> httpx.Response:
    """A Graph call with the token in the query string, parameters in the query (GET,
    DELETE) or a form body (POST), as the reference's curl examples send them."""
    url = f"{threads.url}/v1.0/{path}"
    query = {"access_token": token, **params} if method != "POST" else {"access_token": token}
    return HTTP.request(method, url, params=query, data=params if method == "POST" else None)


def container(threads: LocalThreads, account: ThreadsAccount, **params: Any) -> str:
    answer = call(threads, "POST", f"{account.id}/threads", account.long_token, **params)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def status(threads: LocalThreads, account: ThreadsAccount, container_id: str) -> dict[str, Any]:
    return call(threads, "GET", container_id, account.long_token, fields="status,error_message").json()


def publish(threads: LocalThreads, account: ThreadsAccount, container_id: str) -> httpx.Response:
    return call(threads, "POST", f"{account.id}/threads_publish", account.long_token, creation_id=container_id)


def post(threads: LocalThreads, account: ThreadsAccount, **params: Any) -> str:
    """Create, poll until FINISHED, publish: the whole flow. Returns the media id."""
    container_id = container(threads, account, **params)
    while status(threads, account, container_id)["status"] == "IN_PROGRESS":
        pass
    answer = publish(threads, account, container_id)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def error_of(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 400, answer.text
    return answer.json()["error"]


# -- publishing ------------------------------------------------------------------------------
def test_a_container_goes_in_progress_then_finished_then_published(threads, brand):
    threads.polls_until_finished = 2
    container_id = container(threads, brand, media_type="TEXT", text="Bonjour #Lancement https://ex.com/a")
    assert [status(threads, brand, container_id)["status"] for _ in range(3)] == \
        ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    media_id = publish(threads, brand, container_id).json()["id"]
    assert status(threads, brand, container_id) == {"status": "PUBLISHED", "id": container_id}
    fields = "id,text,media_type,permalink,shortcode,timestamp,topic_tag,link_attachment_url,is_reply,owner"
    media = call(threads, "GET", media_id, brand.long_token, fields=fields).json()
    assert media["media_type"] == "TEXT_POST" and media["text"].startswith("Bonjour")
    assert media["permalink"] == f"https://www.threads.com/@brand/post/{media['shortcode']}"
    assert (media["topic_tag"], media["link_attachment_url"]) == ("Lancement", "https://ex.com/a")
    assert (media["is_reply"], media["owner"]) == (False, {"id": brand.id})
    assert media["timestamp"].endswith("+0000")


def test_a_quote_and_a_link_attachment_are_read_back_with_a_bearer_token(threads, brand):
    threads.polls_until_finished = 0
    quoted = post(threads, brand, media_type="TEXT", text="Annonce")
    media_id = post(threads, brand, media_type="TEXT", text="Voir ci-dessous", quote_post_id=quoted,
                    link_attachment="https://parvis.example/billet", reply_control="mentioned_only")
    answer = HTTP.get(f"{threads.url}/v1.0/{media_id}", headers={"Authorization": f"Bearer {brand.long_token}"},
                      params={"fields": "is_quote_post,quoted_post,link_attachment_url,reply_audience"})
    assert answer.json() == {"is_quote_post": True, "quoted_post": {"id": quoted}, "id": media_id,
                             "link_attachment_url": "https://parvis.example/billet",
                             "reply_audience": "MENTIONED_ONLY"}


def test_publishing_an_unfinished_container_is_refused_as_media_not_found(threads, brand):
    container_id = container(threads, brand, media_type="TEXT", text="trop tôt")
    error = error_of(publish(threads, brand, container_id))
    assert (error["code"], error["error_subcode"], error["type"]) == (24, 4279009, "OAuthException")
    assert error["error_user_title"] == "Media Not Found" and error["fbtrace_id"]
    assert threads.posts_of(brand.id) == []


def test_a_lost_publish_answer_leaves_the_container_published_and_the_post_listed(threads, brand):
    threads.polls_until_finished = 0
    container_id = container(threads, brand, media_type="TEXT", text="Une seule fois")
    threads.lose_next(path="/v1.0/*/threads_publish")
    with pytest.raises(httpx.RemoteProtocolError):
        publish(threads, brand, container_id)
    assert status(threads, brand, container_id)["status"] == "PUBLISHED"
    listed = call(threads, "GET", f"{brand.id}/threads", brand.long_token, fields="id,text,timestamp").json()
    assert [item["text"] for item in listed["data"]] == ["Une seule fois"]
    assert error_of(publish(threads, brand, container_id))["code"] == 24  # a second publish is no duplicate
    assert threads.containers[container_id].publish_attempts == 2 and len(threads.posts_of(brand.id)) == 1


def test_an_expired_or_stuck_container_is_never_published(threads, brand):
    expired = container(threads, brand, media_type="TEXT", text="a")
    threads.expire_container(expired)
    assert status(threads, brand, expired)["status"] == "EXPIRED"
    assert error_of(publish(threads, brand, expired))["error_subcode"] == 4279009
    stuck = container(threads, brand, media_type="TEXT", text="b")
    threads.stick_container(stuck)
    assert {status(threads, brand, stuck)["status"] for _ in range(4)} == {"IN_PROGRESS"}
    threads.advance(DAY)
    assert status(threads, brand, stuck)["status"] == "EXPIRED"  # 24 h unpublished


def test_text_is_limited_to_500_characters_with_emoji_counted_in_bytes(threads, brand):
    threads.polls_until_finished = 0
    container(threads, brand, media_type="TEXT", text="é" * 500)
    error = error_of(call(threads, "POST", f"{brand.id}/threads", brand.long_token, media_type="TEXT",
                          text="x" * 501))
    assert (error["code"], error["type"]) == (100, "THApiException")
    assert error["message"] == "Param text must be at most 500 characters long."
    assert error_of(call(threads, "POST", f"{brand.id}/threads", brand.long_token, media_type="TEXT",
                         text="🎉" * 126))["code"] == 100


def test_a_carousel_takes_two_to_twenty_finished_items(threads, brand, media_host):
    threads.polls_until_finished = 0
    items = [container(threads, brand, is_carousel_item="true", image_url=media_host.url("/photo.png"))
             for _ in range(21)]
    for children in (items[:1], items):
        error = error_of(call(threads, "POST", f"{brand.id}/threads", brand.long_token, media_type="CAROUSEL",
                              children=",".join(children)))
        assert (error["code"], error["error_subcode"]) == (100, 4279004)
    media_id = post(threads, brand, media_type="CAROUSEL", children=",".join(items[:3]), text="Album")
    album = call(threads, "GET", media_id, brand.long_token, fields="media_type,children").json()
    assert album["media_type"] == "CAROUSEL_ALBUM" and len(album["children"]["data"]) == 3
    assert error_of(publish(threads, brand, items[0]))["code"] == 24  # an item is not a post of its own


# -- media download --------------------------------------------------------------------------
def test_media_is_downloaded_from_its_url_and_recorded(threads, brand, media_host):
    media_id = post(threads, brand, media_type="IMAGE", image_url=media_host.url("/photo.png"), alt_text="Logo")
    download = threads.containers[threads.media[media_id].container_id].download
    assert download is not None
    assert (download.status, download.size, download.content_type) == (200, len(png_bytes()), "image/png")
    assert media_host.received[0]["headers"]["User-Agent"].startswith("facebookexternalhit/1.1")
    media = call(threads, "GET", media_id, brand.long_token, fields="media_type,media_url,alt_text").json()
    assert (media["media_type"], media["alt_text"]) == ("IMAGE", "Logo")
    assert HTTP.get(media["media_url"]).content == png_bytes()
    video_id = post(threads, brand, media_type="VIDEO", video_url=media_host.url("/clip.mp4"))
    assert call(threads, "GET", video_id, brand.long_token, fields="media_type").json()["media_type"] == "VIDEO"


@pytest.mark.parametrize(("params", "message"), [
    ({"media_type": "IMAGE", "image_url": "/expired.png"}, "UNKNOWN"),
    ({"media_type": "VIDEO", "video_url": "/gone.mp4"}, "FAILED_DOWNLOADING_VIDEO"),
    ({"media_type": "IMAGE", "image_url": "/page.png"}, "UNKNOWN"),
])
def test_a_failed_download_puts_the_container_in_error(threads, brand, media_host, params, message):
    kind = "image_url" if "image_url" in params else "video_url"
    container_id = container(threads, brand, **{**params, kind: media_host.url(params[kind])})
    assert status(threads, brand, container_id) == {"status": "ERROR", "id": container_id, "error_message": message}
    assert error_of(publish(threads, brand, container_id))["code"] == 24


# -- quotas ----------------------------------------------------------------------------------
def test_quotas_are_read_in_the_graph_shape(threads, brand):
    threads.polls_until_finished = 0
    media_id = post(threads, brand, media_type="TEXT", text="un")
    post(threads, brand, media_type="TEXT", text="réponse", reply_to_id=media_id)
    call(threads, "DELETE", media_id, brand.long_token)
    fields = "quota_usage,config,reply_quota_usage,reply_config,delete_quota_usage,delete_config"
    answer = call(threads, "GET", f"{brand.id}/threads_publishing_limit", brand.long_token, fields=fields).json()
    assert answer == {"data": [{
        "quota_usage": 1, "config": {"quota_total": 250, "quota_duration": 86400},
        "reply_quota_usage": 1, "reply_config": {"quota_total": 1000, "quota_duration": 86400},
        "delete_quota_usage": 1, "delete_config": {"quota_total": 100, "quota_duration": 86400}}]}


def test_the_post_quota_is_enforced_at_publish_over_a_moving_day():
    with LocalThreads(limits=Limits(posts=2)) as threads:
        threads.polls_until_finished = 0
        brand = threads.add_user("brand")
        threads.use_quota(brand.id, "posts", 1)
        post(threads, brand, media_type="TEXT", text="deuxième")
        refused = container(threads, brand, media_type="TEXT", text="troisième")
        assert error_of(publish(threads, brand, refused))["code"] == 9
        threads.advance(DAY)  # the window moved on; the refused container expired meanwhile
        assert status(threads, brand, refused)["status"] == "EXPIRED"
        post(threads, brand, media_type="TEXT", text="le lendemain")


def test_deleting_answers_success_and_counts_against_the_delete_quota():
    with LocalThreads(limits=Limits(deletes=1)) as threads:
        threads.polls_until_finished = 0
        brand = threads.add_user("brand")
        first, second = (post(threads, brand, media_type="TEXT", text=t) for t in ("a", "b"))
        assert call(threads, "DELETE", first, brand.long_token).json() == {"success": True, "deleted_id": first}
        assert error_of(call(threads, "DELETE", second, brand.long_token))["code"] == 9
        assert error_of(call(threads, "GET", first, brand.long_token))["error_subcode"] == 33


# -- tokens ----------------------------------------------------------------------------------
def test_a_code_is_exchanged_once_for_a_short_lived_token(threads, brand):
    code = threads.issue_code(brand.id, "https://parvis.example/cb")
    form = {"client_id": threads.app_id, "client_secret": threads.app_secret, "code": code,
            "grant_type": "authorization_code", "redirect_uri": "https://parvis.example/cb"}
    answer = HTTP.post(f"{threads.url}/oauth/access_token", data=form).json()
    assert answer["user_id"] == int(brand.id) and answer["access_token"].startswith("TH")
    again = HTTP.post(f"{threads.url}/oauth/access_token", data=form)
    assert again.status_code == 400 and again.json() == {
        "error_type": "OAuthException", "code": 400, "error_message": "Matching code was not found or was already used"}


def test_the_authorization_window_sends_the_signed_in_profile_back_with_a_code(threads, brand):
    query = {"client_id": threads.app_id, "redirect_uri": "https://parvis.example/cb", "state": "s1",
             "scope": "threads_basic", "response_type": "code"}
    threads.sign_in(None)
    refused = parse_qs(urlsplit(HTTP.get(f"{threads.url}/oauth/authorize", params=query).headers["Location"]).query)
    assert refused["error"] == ["access_denied"] and refused["state"] == ["s1"] and "code" not in refused
    threads.sign_in(brand)
    answer = HTTP.get(f"{threads.url}/oauth/authorize", params=query)
    location = urlsplit(answer.headers["Location"])
    back = parse_qs(location.query)
    assert answer.status_code == 302 and location.path == "/cb" and back["state"] == ["s1"]
    form = {"client_id": threads.app_id, "client_secret": threads.app_secret, "code": back["code"][0],
            "grant_type": "authorization_code", "redirect_uri": "https://parvis.example/cb"}
    assert HTTP.post(f"{threads.url}/oauth/access_token", data=form).json()["user_id"] == int(brand.id)
    wrong_app = HTTP.get(f"{threads.url}/oauth/authorize", params={**query, "client_id": "123"})
    assert wrong_app.status_code == 400


def test_a_short_lived_token_is_exchanged_for_60_days_while_it_lives(threads, brand):
    query = {"grant_type": "th_exchange_token", "client_secret": threads.app_secret}
    answer = HTTP.get(f"{threads.url}/access_token", params={**query, "access_token": brand.short_token}).json()
    assert answer["token_type"] == "bearer" and answer["expires_in"] == 60 * DAY
    assert call(threads, "GET", "me", answer["access_token"]).json() == {"id": brand.id}
    threads.advance(3601)
    late = HTTP.get(f"{threads.url}/access_token", params={**query, "access_token": brand.short_token})
    assert error_of(late)["code"] == 190


def test_a_long_lived_token_refreshes_only_once_a_day_old_and_not_after_expiry(threads, brand):
    def refresh(token: str) -> httpx.Response:
        return HTTP.get(f"{threads.url}/refresh_access_token",
                         params={"grant_type": "th_refresh_token", "access_token": token})

    assert error_of(refresh(brand.long_token))["code"] == 100
    threads.advance(DAY + 1)
    fresh = refresh(brand.long_token).json()
    assert fresh["expires_in"] == 60 * DAY and fresh["access_token"] != brand.long_token
    threads.advance(59 * DAY)  # the first token is past its 60 days, the refreshed one is not
    assert error_of(refresh(brand.long_token))["code"] == 190
    assert refresh(fresh["access_token"]).status_code == 200


def test_an_expired_token_gets_the_graph_190_shape(threads, brand):
    threads.expire_token(brand.long_token)
    error = error_of(call(threads, "GET", "me", brand.long_token))
    assert (error["code"], error["error_subcode"], error["type"]) == (190, 463, "OAuthException")
    assert error["message"].startswith("Error validating access token: Session has expired on ")
    assert set(error) == {"message", "type", "code", "error_subcode", "fbtrace_id"}


def test_me_answers_the_profile_fields_asked_for(threads, brand):
    fields = "id,username,name,threads_profile_picture_url,threads_biography"
    profile = call(threads, "GET", "me", brand.long_token, fields=fields).json()
    assert (profile["id"], profile["username"], profile["name"], profile["threads_biography"]) == \
        (brand.id, "brand", "Brand", "Bonjour")
    assert set(profile) == set(fields.split(","))
    other = threads.add_user("other")
    assert error_of(call(threads, "GET", f"{other.id}/threads", brand.long_token))["error_subcode"] == 33


# -- inbox -----------------------------------------------------------------------------------
def test_replies_and_conversation_list_what_others_wrote(threads, brand):
    threads.polls_until_finished = 0
    root = post(threads, brand, media_type="TEXT", text="Question du jour ?")
    first = threads.reply_as("alice", to=root, text="Moi !")
    second = threads.reply_as("bob", to=root, text="Pas moi")
    nested = threads.reply_as("carol", to=first, text="Toi ?")
    fields = "id,text,username,timestamp,hide_status,is_reply,root_post,replied_to,has_replies"
    replies = call(threads, "GET", f"{root}/replies", brand.long_token, fields=fields, reverse="false").json()
    assert [(r["username"], r["text"]) for r in replies["data"]] == [("alice", "Moi !"), ("bob", "Pas moi")]
    assert replies["data"][0] | {"timestamp": "-"} == {
        "id": first, "text": "Moi !", "username": "alice", "timestamp": "-", "hide_status": "NOT_HUSHED",
        "is_reply": True, "root_post": {"id": root}, "replied_to": {"id": root}, "has_replies": True}
    conversation = call(threads, "GET", f"{root}/conversation", brand.long_token, fields="id").json()
    assert [r["id"] for r in conversation["data"]] == [nested, second, first]  # newest first by default


def test_hiding_a_top_level_reply_hides_its_nested_replies(threads, brand):
    threads.polls_until_finished = 0
    root = post(threads, brand, media_type="TEXT", text="Sujet")
    rude = threads.reply_as("troll", to=root, text="insulte")
    under = threads.reply_as("other", to=rude, text="+1")
    hide = call(threads, "POST", f"{rude}/manage_reply", brand.long_token, hide="true")
    assert hide.json() == {"success": True}
    assert {threads.media[m].hide_status for m in (rude, under)} == {"HIDDEN"}
    assert error_of(call(threads, "POST", f"{under}/manage_reply", brand.long_token, hide="false"))["code"] == 100
    call(threads, "POST", f"{rude}/manage_reply", brand.long_token, hide="false")
    assert call(threads, "GET", rude, brand.long_token, fields="hide_status").json()["hide_status"] == "UNHUSHED"


def test_a_reply_is_a_container_with_reply_to_id_and_counts_as_a_reply(threads, brand):
    threads.polls_until_finished = 0
    root = post(threads, brand, media_type="TEXT", text="Sujet")
    question = threads.reply_as("alice", to=root, text="Et le prix ?")
    answer_id = post(threads, brand, media_type="TEXT", text="10 €", reply_to_id=question)
    mine = call(threads, "GET", "me/replies", brand.long_token, fields="id,replied_to,root_post,is_reply_owned_by_me")
    assert mine.json()["data"] == [{"id": answer_id, "replied_to": {"id": question}, "root_post": {"id": root},
                                    "is_reply_owned_by_me": True}]
    usage = call(threads, "GET", "me/threads_publishing_limit", brand.long_token,
                 fields="quota_usage,reply_quota_usage").json()["data"][0]
    assert usage == {"quota_usage": 1, "reply_quota_usage": 1}
    bad = call(threads, "POST", "me/threads", brand.long_token, media_type="TEXT", text="x", reply_to_id="42")
    assert error_of(bad)["message"] == "Param reply_to_id is not a valid threads_media ID"


def test_mentions_list_posts_that_name_the_user(threads, brand):
    mention = threads.mention_as("fan", "Merci @brand pour l'accueil")
    threads.mention_as("fan", "Rien à voir")
    answer = call(threads, "GET", f"{brand.id}/mentions", brand.long_token, fields="id,username,text").json()
    assert answer["data"] == [{"id": mention, "username": "fan", "text": "Merci @brand pour l'accueil"}]


def test_the_thread_list_pages_with_graph_cursors(threads, brand):
    threads.polls_until_finished = 0
    for text in ("un", "deux", "trois"):
        post(threads, brand, media_type="TEXT", text=text)
    first = call(threads, "GET", "me/threads", brand.long_token, fields="text", limit="2").json()
    assert [item["text"] for item in first["data"]] == ["trois", "deux"]
    assert set(first["paging"]["cursors"]) == {"before", "after"}
    second = HTTP.get(first["paging"]["next"]).json()
    assert [item["text"] for item in second["data"]] == ["un"] and "next" not in second["paging"]


# -- insights --------------------------------------------------------------------------------
def test_media_insights_answer_set_values_and_counted_replies(threads, brand):
    threads.polls_until_finished = 0
    media_id = post(threads, brand, media_type="TEXT", text="Stats")
    threads.reply_as("alice", to=media_id, text="ok")
    threads.set_media_insights(media_id, views=120, likes=7)
    answer = call(threads, "GET", f"{media_id}/insights", brand.long_token,
                  metric="views,likes,replies,reposts,quotes,shares").json()
    assert {m["name"]: m["values"][0]["value"] for m in answer["data"]} == \
        {"views": 120, "likes": 7, "replies": 1, "reposts": 0, "quotes": 0, "shares": 0}
    assert answer["data"][1] | {"description": "-"} == {
        "name": "likes", "period": "lifetime", "values": [{"value": 7}], "title": "Likes", "description": "-",
        "id": f"{media_id}/insights/likes/lifetime"}


def test_user_insights_answer_series_and_totals(threads, brand):
    threads.set_user_insights(brand.id, views=[3, 5], likes=40, followers_count=1200)
    answer = call(threads, "GET", f"{brand.id}/threads_insights", brand.long_token,
                  metric="views,likes,replies,reposts,quotes,followers_count").json()
    metrics = {m["name"]: m for m in answer["data"]}
    assert [v["value"] for v in metrics["views"]["values"]] == [3, 5] and metrics["views"]["period"] == "day"
    assert metrics["likes"]["total_value"] == {"value": 40} and metrics["replies"]["total_value"] == {"value": 0}
    assert metrics["followers_count"]["total_value"] == {"value": 1200}


def test_an_unknown_metric_is_refused_with_error_100(threads, brand):
    threads.polls_until_finished = 0
    media_id = post(threads, brand, media_type="TEXT", text="Stats")
    error = error_of(call(threads, "GET", f"{media_id}/insights", brand.long_token, metric="likes,impressions"))
    assert error["code"] == 100 and "metric[1]" in error["message"]
    assert error_of(call(threads, "GET", "me/threads_insights", brand.long_token, metric="reach"))["code"] == 100


# -- faults ----------------------------------------------------------------------------------
def test_throttling_answers_the_graph_code_once(threads, brand):
    threads.throttle_next(17, path="/v1.0/me")
    error = error_of(call(threads, "GET", "me", brand.long_token))
    assert (error["code"], error["message"], error["is_transient"]) == (17, "(#17) User request limit reached", True)
    assert call(threads, "GET", "me", brand.long_token).status_code == 200


def test_a_published_media_has_no_container_status_field(threads, brand):
    threads.polls_until_finished = 0
    media_id = post(threads, brand, media_type="TEXT", text="fini")
    error = error_of(call(threads, "GET", media_id, brand.long_token, fields="status"))
    assert error == {**error, "message": "Tried accessing nonexisting field (status)", "code": 100}
