"""WordPress's answers as the engine's kinds of error, from a scripted loopback server
answering the way WordPress (or what stands in front of it) does."""

from __future__ import annotations

import json

import pytest

from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.wordpress.client import WordPressClient, WordPressError, route_url
from parvis.testing.scripted_server import Answer, ScriptedServer, json_answer

pytestmark = pytest.mark.usefixtures("english")
POSTS = "/wp-json/wp/v2/posts"


@pytest.fixture
def server():
    with ScriptedServer() as running:
        yield running


def _error(code: str, status: int, **data: object) -> Answer:
    return json_answer(json.dumps({"code": code, "message": f"message of {code}",
                                   "data": {"status": status, **data}}), status)


def _refusal(server: ScriptedServer, answer: Answer, *, write: bool = True) -> WordPressError:
    server.answer(POSTS, answer)
    client = WordPressClient(server.url("/wp-json/"), "admin", "abcdefghijklmnopqrstuvwx")
    with pytest.raises(WordPressError) as caught:
        client.post("/wp/v2/posts", {"title": "x"}) if write else client.get("/wp/v2/posts")
    return caught.value


def test_a_server_error_on_a_write_is_transient_and_uncertain(server):
    error = _refusal(server, _error("internal_server_error", 500))
    assert error.kind is ErrorKind.TRANSIENT and error.uncertain
    error = _refusal(server, _error("internal_server_error", 500), write=False)
    assert error.kind is ErrorKind.TRANSIENT and not error.uncertain


def test_a_site_that_never_answers_a_write_leaves_it_uncertain(server, settings):
    settings.PARVIS_HTTP_TIMEOUT = 0.5
    settings.PARVIS_HTTP_TOTAL_TIMEOUT = 1.0
    server.answer(POSTS, Answer(hang=True))
    client = WordPressClient(server.url("/wp-json/"), "admin", "x")
    with pytest.raises(NetworkError) as caught:
        client.post("/wp/v2/posts", {"title": "x"})
    assert caught.value.kind is ErrorKind.TRANSIENT and caught.value.uncertain


@pytest.mark.parametrize(("code", "status"), [("rest_not_logged_in", 401), ("incorrect_password", 401),
                                              ("rest_cannot_create", 401), ("rest_cannot_publish", 403),
                                              ("application_passwords_disabled", 403)])
def test_refused_credentials_or_rights_ask_to_reconnect(server, code, status):
    error = _refusal(server, _error(code, status))
    assert error.kind is ErrorKind.RECONNECT and error.code == code and error.status == status


def test_a_refusal_about_one_object_is_permanent(server):
    error = _refusal(server, _error("rest_comment_closed", 403))
    assert error.kind is ErrorKind.PERMANENT and "message of rest_comment_closed" in error.message


def test_an_invalid_parameter_names_its_field(server):
    error = _refusal(server, _error("rest_invalid_param", 400, params={"featured_media": "Invalid featured media ID."}))
    assert error.kind is ErrorKind.PERMANENT and error.field == "featured_media"
    assert "featured_media: Invalid featured media ID." in error.message


def test_a_rate_limit_says_how_long_to_wait(server):
    error = _refusal(server, json_answer('{"code": "too_many_requests", "message": "Slow down"}', 429,
                                         **{"Retry-After": "120"}))
    assert error.kind is ErrorKind.TRANSIENT and error.retry_after == 120


def test_a_page_in_place_of_the_api_is_said_so(server):
    error = _refusal(server, Answer(403, {"Content-Type": "text/html"}, b"<html>Blocked by firewall</html>"))
    assert error.kind is ErrorKind.PERMANENT and "not WordPress's REST API" in error.message


def test_plain_permalinks_put_the_route_in_rest_route():
    assert route_url("https://blog.example/?rest_route=/", "/wp/v2/posts") == (
        "https://blog.example/", {"rest_route": "/wp/v2/posts"})
    assert route_url("https://blog.example/wp-json/", "/wp/v2/posts") == (
        "https://blog.example/wp-json/wp/v2/posts", {})
