"""The shared Graph client against the loopback fake of Meta's Graph API: each kind of
Graph error becomes the NetworkError the engine acts on, lists are read page after page,
and usage headers near the limit make the client hold off before Meta throttles."""

from __future__ import annotations

import pytest

from parvis.networks import graph
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.graph import GraphClient, GraphFault, read_usage, translate
from parvis.testing.meta_server import LocalMeta

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _no_hold_left():
    yield
    graph._held.clear()  # a hold is per process: never let one test's reach the next


@pytest.fixture
def meta():
    with LocalMeta() as server:
        yield server


def page_client(meta: LocalMeta, key: str = ""):
    page = meta.add_page("Brand")
    return page, GraphClient(meta.url, page.token, account_key=key)


def refusal(call) -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        call()
    return caught.value


def fault(code: int, subcode: int = 0, message: str = "", status: int = 400) -> GraphFault:
    return GraphFault(status, code, subcode, message, "", None)


def test_calls_name_the_pinned_version_and_send_the_token_in_a_header(meta):
    page, client = page_client(meta)
    assert client.get(page.id, fields="name") == {"name": "Brand", "id": page.id}
    (request,) = [r for r in meta.received if r.path.endswith(page.id)]
    assert request.path == f"/{graph.GRAPH_VERSION}/{page.id}" and "access_token" not in request.query


def test_an_expired_token_asks_for_a_reconnection_saying_why(meta):
    page, client = page_client(meta)
    meta.expire_token(page.token)
    error = refusal(lambda: client.get(page.id))
    assert error.kind is ErrorKind.RECONNECT and "the access expired" in error.message


def test_a_changed_password_is_said_in_words(meta):
    page, client = page_client(meta)
    meta.invalidate_token(page.token, 460)
    assert "password was changed" in refusal(lambda: client.get(page.id)).message


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001, 80002])
def test_throttling_is_transient_after_the_time_meta_gives(meta, code):
    page, client = page_client(meta)
    meta.throttle_next(code, method="GET", owner=page.id, minutes=12)
    error = refusal(lambda: client.get(page.id))
    assert error.kind is ErrorKind.TRANSIENT and not error.uncertain
    assert error.retry_after == (720 if code in (32, 80001, 80002) else graph.DEFAULT_WAIT)


def test_a_server_error_on_a_write_is_uncertain_and_on_a_read_is_not(meta):
    page, client = page_client(meta)
    meta.fail_next(500, path="*/feed")
    error = refusal(lambda: client.post(f"{page.id}/feed", message="Bonjour"))
    assert error.kind is ErrorKind.TRANSIENT and error.uncertain
    meta.fail_next(503, method="GET")
    error = refusal(lambda: client.get(page.id))
    assert error.kind is ErrorKind.TRANSIENT and not error.uncertain


def test_a_lost_answer_to_a_write_is_uncertain(meta):
    page, client = page_client(meta)
    meta.lose_next(path="*/feed")
    error = refusal(lambda: client.post(f"{page.id}/feed", message="Bonjour"))
    assert error.kind is ErrorKind.TRANSIENT and error.uncertain
    assert [p.message for p in meta.posts.values()] == ["Bonjour"]


def test_a_bad_parameter_is_permanent_and_named():
    error = translate(fault(100, message="(#100) The parameter image_url is required."), write=True)
    assert error.kind is ErrorKind.PERMANENT and "parameter image_url" in error.message


def test_a_missing_permission_asks_to_reconnect_and_names_it(meta):
    page = meta.add_page("Brand")
    user_client = GraphClient(meta.url, meta.users[page.user_id].token)
    error = refusal(lambda: user_client.post(f"{page.id}/feed", message="hi"))
    assert error.kind is ErrorKind.RECONNECT
    assert "pages_manage_posts" in error.message and "pages_read_engagement" in error.message


def test_a_refusal_naming_no_permission_is_permanent():
    error = translate(fault(10, message="(#10) Not enough viewers for the media to show insights"), write=False)
    assert error.kind is ErrorKind.PERMANENT and "Not enough viewers" in error.message


def test_a_policy_block_is_permanent():
    error = translate(fault(368, 1390008, "It looks like you were misusing this feature by going too fast."),
                      write=True)
    assert error.kind is ErrorKind.PERMANENT and "policies" in error.message


def test_publishing_subcodes_say_what_they_mean():
    caption = translate(fault(100, 2207010, "The caption you provided is too long."), write=True)
    assert caption.kind is ErrorKind.PERMANENT and "2,200 characters" in caption.message
    slow = translate(fault(-2, 2207003, "It takes too long to download the media."), write=True)
    assert slow.kind is ErrorKind.TRANSIENT and not slow.uncertain
    quota = translate(fault(9, 2207042, "Application request limit reached"), write=True)
    assert quota.kind is ErrorKind.TRANSIENT and quota.retry_after == graph.QUOTA_WAIT


def test_lists_are_read_page_after_page(meta):
    page, client = page_client(meta)
    for n in range(5):
        client.post(f"{page.id}/feed", message=f"post {n}")
    messages = [item["message"] for item in client.pages(f"{page.id}/published_posts", limit=2, fields="message")]
    assert messages == [f"post {n}" for n in range(4, -1, -1)]


def test_usage_headers_are_read():
    usage = read_usage({"x-app-usage": '{"call_count": 42, "total_cputime": 7, "total_time": 9}',
                        "x-business-use-case-usage": '{"1": [{"type": "pages", "call_count": 95, '
                                                     '"estimated_time_to_regain_access": 3}]}'})
    assert usage == graph.Usage(95, 180.0)
    assert read_usage({"x-app-usage": "not json"}) == graph.Usage(0, 0.0)


def test_usage_near_the_limit_holds_the_next_call_back_without_sending_it(meta):
    page, client = page_client(meta, key="hold-test")
    meta.set_usage(call_count=95, estimated_time_to_regain_access=2)
    assert client.get(page.id)["id"] == page.id
    sent = len(meta.received)
    error = refusal(lambda: client.get(page.id))
    assert error.kind is ErrorKind.TRANSIENT and 0 < error.retry_after <= 120
    assert len(meta.received) == sent


def test_a_bare_429_is_transient_after_its_retry_after(meta):
    page, client = page_client(meta)
    meta.fail_next(429, {"error": {"message": "Too Many Requests", "code": 0}}, method="GET",
                   headers={"Retry-After": "42"})
    error = refusal(lambda: client.get(page.id))
    assert error.kind is ErrorKind.TRANSIENT and error.retry_after == 42
    meta.throttle_next(17, method="GET", status=429)
    assert refusal(lambda: client.get(page.id)).retry_after == graph.DEFAULT_WAIT
