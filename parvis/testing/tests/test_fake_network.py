"""The loopback fakes' harness: routes, and the faults the contract suites inject."""

from __future__ import annotations

import httpx
import pytest

from parvis.testing.fake_network import FakeNetwork, Refusal, Request, Response


class Counter(FakeNetwork):
    name = "counter"

    def __init__(self) -> None:
        super().__init__()
        self.created: list[str] = []
        self.route("POST", r"/v1/(?P<owner>\w+)/things", self.create)

    def create(self, request: Request, owner: str) -> Response:
        if request.bearer() != "good":
            raise Refusal(401, {"error": "bad token"})
        self.created.append(request.form["name"])
        return Response(200, {"id": str(len(self.created)), "owner": owner})


@pytest.fixture
def fake():
    with Counter() as server:
        yield server


def post(fake: Counter, **data: str) -> httpx.Response:
    return httpx.post(f"{fake.url}/v1/me/things", data=data, headers={"Authorization": "Bearer good"})


def test_a_route_gets_its_path_groups_and_form(fake):
    assert post(fake, name="a").json() == {"id": "1", "owner": "me"}
    assert fake.created == ["a"]


def test_a_refusal_answers_the_network_shape(fake):
    answer = httpx.post(f"{fake.url}/v1/me/things", data={"name": "x"})
    assert (answer.status_code, answer.json()) == (401, {"error": "bad token"})
    assert fake.created == []


def test_a_refused_request_does_nothing_and_fires_once(fake):
    fake.fail_next(503, {"error": "down"}, path="/v1/*/things")
    assert post(fake, name="a").status_code == 503
    assert post(fake, name="b").status_code == 200
    assert fake.created == ["b"]


def test_a_lost_answer_still_does_the_work(fake):
    fake.lose_next(path="/v1/*/things")
    with pytest.raises(httpx.RemoteProtocolError):
        post(fake, name="a")
    assert fake.created == ["a"]
    assert len(fake.requests_to("/v1/*/things", "POST")) == 1


def test_an_unknown_route_is_a_404(fake):
    assert httpx.get(f"{fake.url}/nowhere").status_code == 404
