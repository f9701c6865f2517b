"""Reading public statuses for the monitors, against a loopback server answering as a
Mastodon instance does.

The shapes come from:

* `GET /api/v1/timelines/tag/:hashtag` and `GET /api/v2/search`:
  https://docs.joinmastodon.org/methods/timelines/#tag and
  https://docs.joinmastodon.org/methods/search/#v2 (repository mastodon/documentation,
  content/en/methods/timelines.md and search.md at 2903485; GNU FDL 1.3 per its
  LICENSE): the sample statuses' HTML content (paragraphs, `<br>`, hashtag links, an
  h-card mention, an emoji), the 404 `{"error": "Record not found"}` of an unknown
  hashtag, the 401 `{"error": "The access token is invalid"}`.
* A real Status with every field, and the `X-RateLimit-*` headers of a real answer:
  Mastodon.py's cassette tests/cassettes/test_hashtag_tl.yaml (halcy/Mastodon.py, MIT),
  recorded against Mastodon 4.0.
* The 429 answer (`X-RateLimit-Reset` as ISO 8601, no Retry-After, `{"error": …}`):
  mastodon/mastodon config/initializers/rack_attack.rb (AGPL-3.0, read, not copied).
  The search without a search engine or without a login: app/services/search_service.rb
  and app/controllers/api/v2/search_controller.rb (the `statuses` key missing or an
  error; 422 for a query that does not parse).
* `quotes_count` (4.5+) and the Account's `uri` (4.2+): the Status and Account entity
  pages of the same documentation.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from parvis.core.http import override_policy
from parvis.networks.mastodon.public import hashtag_timeline, search_statuses
from parvis.networks.public import ReadError
from parvis.testing.scripted_server import LoopbackPorts, ScriptedServer, json_answer, redirect

pytestmark = pytest.mark.usefixtures("english")

TAG_PATH = "/api/v1/timelines/tag/cats"
CAT_HTML = (
    '<p>Caught on the hop. 😺 Tom &amp; Jerry&#39;s </p><p><a href="https://chaos.social/tags/cats" '
    'class="mention hashtag" rel="nofollow noopener noreferrer" target="_blank">#<span>cats</span></a> '
    '<a href="https://chaos.social/tags/Greece" class="mention hashtag" rel="nofollow noopener noreferrer" '
    'target="_blank">#<span>Greece</span></a><br>(photo: <span class="h-card">'
    '<a href="https://chaos.social/@kernpanik" class="u-url mention" rel="nofollow noopener noreferrer" '
    'target="_blank">@<span>kernpanik</span></a></span> '
    "| license: CC BY-NC-SA 4.0)</p>"
)
LINK_HTML = (
    '<p><span class="h-card" translate="no"><a href="https://mastodon.social/@Gargron" class="u-url mention">'
    '@<span>Gargron</span></a></span> see <a href="https://blog.joinmastodon.org/2024/05/mastodon-4.3/" '
    'rel="nofollow noopener noreferrer" translate="no" target="_blank"><span class="invisible">https://</span>'
    '<span class="ellipsis">blog.joinmastodon.org/2024/05/</span><span class="invisible">mastodon-4.3/</span></a></p>'
)


def account(**changes: Any) -> dict[str, Any]:
    base = {
        "id": "109440137734600341", "username": "mastodonpy_test", "acct": "mastodonpy_test",
        "display_name": "John Lennon", "locked": True, "bot": False, "discoverable": None, "group": False,
        "created_at": "2022-12-01T00:00:00.000Z", "note": "<p>I walk funny</p>",
        "url": "https://social.example/@mastodonpy_test", "uri": "https://social.example/users/mastodonpy_test",
        "avatar": "https://social.example/system/accounts/avatars/original/1fa6adb0173e410e.jpg",
        "avatar_static": "https://social.example/system/accounts/avatars/original/1fa6adb0173e410e.jpg",
        "header": "https://social.example/system/accounts/headers/original/96de51cc44c4a5d9.jpg",
        "header_static": "https://social.example/system/accounts/headers/original/96de51cc44c4a5d9.jpg",
        "followers_count": 0, "following_count": 0, "statuses_count": 7, "last_status_at": "2022-12-01",
        "noindex": False, "emojis": [], "fields": [{"name": "bread", "value": "toasty.", "verified_at": None}],
    }
    return {**base, **changes}


def status(status_id: str, content: str, **changes: Any) -> dict[str, Any]:
    base = {
        "id": status_id, "created_at": "2019-11-26T20:50:15.866Z", "in_reply_to_id": None,
        "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "", "visibility": "public",
        "language": "en", "uri": f"https://social.example/users/mastodonpy_test/statuses/{status_id}",
        "url": f"https://social.example/@mastodonpy_test/{status_id}", "replies_count": 0, "reblogs_count": 0,
        "favourites_count": 0, "quotes_count": 0, "edited_at": None, "favourited": False, "reblogged": False,
        "muted": False, "bookmarked": False, "pinned": False, "content": content, "filtered": [], "reblog": None,
        "application": {"name": "Mastodon.py test suite", "website": None}, "account": account(),
        "media_attachments": [], "mentions": [], "tags": [{"name": "cats", "url": "https://social.example/tags/cats"}],
        "emojis": [], "card": None, "poll": None,
    }
    return {**base, **changes}


NEWER = status(
    "103206185588894565", CAT_HTML, created_at="2019-11-26T20:50:15.866Z", language="el",
    uri="https://chaos.social/users/kernpanik/statuses/103206185475431281",
    url="https://chaos.social/@kernpanik/103206185475431281", replies_count=2, reblogs_count=5,
    favourites_count=11, quotes_count=1,
    account=account(id="14715", username="kernpanik", acct="kernpanik@chaos.social", display_name="Kernpanik",
                    url="https://chaos.social/@kernpanik", uri="https://chaos.social/users/kernpanik"),
)
OLDER = status("103203659567597966", LINK_HTML, created_at="2019-11-26T10:07:49.000Z",
               in_reply_to_id="103203600000000000", in_reply_to_account_id="1", spoiler_text="Release notes")
HEADERS = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "289",
           "X-RateLimit-Reset": "2019-11-26T21:00:00.609574Z"}


@pytest.fixture
def server() -> Any:
    with ScriptedServer() as running:
        yield running


def query(server: ScriptedServer, index: int = -1) -> dict[str, list[str]]:
    return parse_qs(urlsplit(server.received[index]["path"]).query)


def test_a_hashtag_timeline_comes_as_plain_public_posts(server: ScriptedServer) -> None:
    server.answer(TAG_PATH, json_answer(json.dumps([NEWER, OLDER]), **HEADERS))

    page = hashtag_timeline(server.url(), "#cats")

    assert [post.remote_id for post in page.posts] == [NEWER["uri"], OLDER["uri"]]
    assert page.cursor == "103206185588894565"  # the newest id seen
    assert page.retry_after is None
    cat, release = page.posts
    assert cat.network == "mastodon"
    assert cat.url == "https://chaos.social/@kernpanik/103206185475431281"
    assert (cat.author_handle, cat.author_name, cat.author_id) == (
        "kernpanik@chaos.social", "Kernpanik", "https://chaos.social/users/kernpanik")
    assert cat.text == ("Caught on the hop. 😺 Tom & Jerry's\n\n#cats #Greece\n"
                        "(photo: @kernpanik | license: CC BY-NC-SA 4.0)")
    assert cat.created_at == datetime(2019, 11, 26, 20, 50, 15, 866000, tzinfo=UTC)
    assert cat.language == "el"
    assert cat.in_reply_to == ""
    assert cat.counts == {"replies": 2, "reposts": 5, "likes": 11, "quotes": 1}
    # A local account's handle gets the instance's name; the content warning is text too.
    assert release.author_handle == "mastodonpy_test@127.0.0.1"
    assert release.text == "Release notes\n\n@Gargron see https://blog.joinmastodon.org/2024/05/mastodon-4.3/"
    assert release.in_reply_to == "103203600000000000"
    request = server.received[0]
    assert request["method"] == "GET" and request["path"].startswith(TAG_PATH + "?")
    assert query(server) == {"limit": ["40"]}
    assert "Authorization" not in request["headers"]


def test_since_id_is_asked_and_what_was_read_is_not_returned_again(server: ScriptedServer) -> None:
    # This server ignores min_id and answers both: the client still keeps only the newer.
    server.answer(TAG_PATH, json_answer(json.dumps([NEWER, OLDER]), **HEADERS))

    page = hashtag_timeline(server.url(), "cats", since_id="103203659567597966", limit=100)

    assert [post.remote_id for post in page.posts] == [NEWER["uri"]]
    assert page.cursor == "103206185588894565"
    # min_id: the statuses right above the cursor, so that a busy tag leaves no gap.
    assert query(server) == {"min_id": ["103203659567597966"], "limit": ["40"]}


def test_nothing_new_keeps_the_cursor_and_an_unused_hashtag_is_no_error(server: ScriptedServer) -> None:
    server.answer(TAG_PATH, json_answer("[]", **HEADERS))
    assert hashtag_timeline(server.url(), "cats", since_id="42").cursor == "42"

    server.answer("/api/v1/timelines/tag/jamais", json_answer('{"error":"Record not found"}', status=404))
    page = hashtag_timeline(server.url(), "jamais", since_id="42")
    assert (page.posts, page.cursor) == ([], "42")


def test_a_non_ascii_hashtag_is_escaped_in_the_path(server: ScriptedServer) -> None:
    server.answer("*", json_answer("[]"))
    hashtag_timeline(server.url(), "#Qualitätskatzen")
    assert server.paths() == ["/api/v1/timelines/tag/Qualit%C3%A4tskatzen"]


def test_a_rate_limit_says_when_to_come_back(server: ScriptedServer) -> None:
    server.answer(TAG_PATH, json_answer('{"error":"Too many requests"}', status=429, **{"Retry-After": "30"}))
    with pytest.raises(ReadError) as caught:
        hashtag_timeline(server.url(), "cats")
    assert caught.value.transient and caught.value.retry_after == 30
    assert "rate limit" in caught.value.message

    # Mastodon itself sends no Retry-After: the end of its window instead.
    reset = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 120, UTC).isoformat().replace("+00:00", "Z")
    server.answer(TAG_PATH, json_answer('{"error":"Too many requests"}', status=429, **{
        "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}))
    with pytest.raises(ReadError) as caught:
        hashtag_timeline(server.url(), "cats")
    assert caught.value.transient and 110 < (caught.value.retry_after or 0) <= 120


def test_the_last_request_of_a_window_says_when_the_next_may_go(server: ScriptedServer) -> None:
    reset = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 60, UTC).isoformat()
    server.answer(TAG_PATH, json_answer(json.dumps([NEWER]), **{**HEADERS, "X-RateLimit-Remaining": "0",
                                                              "X-RateLimit-Reset": reset}))
    page = hashtag_timeline(server.url(), "cats")
    assert len(page.posts) == 1 and 50 < (page.retry_after or 0) <= 60


def test_failures_say_whether_trying_again_helps(server: ScriptedServer) -> None:
    server.answer(TAG_PATH, json_answer('{"error":"The access token is invalid"}', status=401))
    with pytest.raises(ReadError) as caught:
        hashtag_timeline(server.url(), "cats")
    assert not caught.value.transient
    assert "only to its signed-in accounts (The access token is invalid)" in caught.value.message

    server.answer(TAG_PATH, json_answer("<html>Bad gateway</html>", status=502))
    with pytest.raises(ReadError) as caught:
        hashtag_timeline(server.url(), "cats")
    assert caught.value.transient and "HTTP 502" in caught.value.message

    server.answer(TAG_PATH, json_answer("<html>Welcome to nginx</html>"))
    with pytest.raises(ReadError) as caught:
        hashtag_timeline(server.url(), "cats")
    assert not caught.value.transient and "did not answer as a Mastodon instance does" in caught.value.message


def test_the_guarded_layer_refuses_redirects_and_private_addresses(server: ScriptedServer) -> None:
    server.answer(TAG_PATH, redirect("http://169.254.169.254/latest/meta-data/"))
    with pytest.raises(ReadError) as caught:
        hashtag_timeline(server.url(), "cats")
    assert not caught.value.transient and "does not follow redirects" in caught.value.message

    with override_policy(LoopbackPorts()), pytest.raises(ReadError) as caught:  # no port stands for public
        hashtag_timeline(server.url(), "cats")
    assert not caught.value.transient and "parvis does not connect there" in caught.value.message
    assert len(server.received) == 1


def test_a_server_out_of_reach_is_worth_another_try() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    with pytest.raises(ReadError) as caught:
        hashtag_timeline(f"http://127.0.0.1:{port}", "cats")
    assert caught.value.transient and "could not be reached" in caught.value.message


def test_search_sends_the_token_and_keeps_only_public_statuses(server: ScriptedServer) -> None:
    private = status("103206185588894999", "<p>cats, between us</p>", visibility="private")
    direct = status("103206185588895000", "<p>cats in a DM</p>", visibility="direct")
    body = {"accounts": [], "statuses": [direct, private, NEWER], "hashtags": []}
    server.answer("/api/v2/search", json_answer(json.dumps(body), **HEADERS))

    page = search_statuses(server.url(), "cats greece", token="tok-123", since_id="103203659567597966", limit=20)

    assert [post.remote_id for post in page.posts] == [NEWER["uri"]]
    assert page.cursor == "103206185588895000"  # every status read moves it, shown or not
    assert server.received[0]["headers"]["Authorization"] == "Bearer tok-123"
    assert query(server) == {"q": ["cats greece"], "type": ["statuses"], "limit": ["20"], "resolve": ["false"],
                             "min_id": ["103203659567597966"]}


def test_an_instance_without_full_text_search_says_so(server: ScriptedServer) -> None:
    server.answer("/api/v2/search", json_answer('{"accounts":[],"hashtags":[]}'))
    with pytest.raises(ReadError) as caught:
        search_statuses(server.url(), "cats", token="tok")
    assert not caught.value.transient
    assert caught.value.message == f"This instance (127.0.0.1:{server.port}) does not allow full-text search."

    server.answer("/api/v2/search", json_answer('{"error":"This action is outside the authorized scopes"}',
                                                status=403))
    with pytest.raises(ReadError) as caught:
        search_statuses(server.url(), "cats", token="tok")
    assert not caught.value.transient and not caught.value.reconnect
    assert "does not allow full-text search for this account" in caught.value.message

    server.answer("/api/v2/search", json_answer('{"error":"Unprocessable entity"}', status=422))
    with pytest.raises(ReadError) as caught:
        search_statuses(server.url(), 'cats "', token="tok")
    assert not caught.value.transient and "could not read the search" in caught.value.message


def test_a_refused_token_asks_for_the_account_to_be_reconnected(server: ScriptedServer) -> None:
    server.answer("/api/v2/search", json_answer('{"error":"The access token is invalid"}', status=401))
    with pytest.raises(ReadError) as caught:
        search_statuses(server.url(), "cats", token="revoked")
    assert not caught.value.transient and caught.value.reconnect
    assert "Reconnect the account" in caught.value.message
