"""The API's contract where fuzzing found it broken: ids no row can have (404 in a path,
400 naming the field in a query or a body, never a 500), OPTIONS on every endpoint,
bodies of the wrong shape, one error shape, and answers that match the published schema
(checked against the schema the server serves, with schemathesis)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import time
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.api.models import ApiToken
from parvis.api.tests.conftest import World
from parvis.api.tests.contract import ApiCaller, wsgi_app
from parvis.inbox.ingest import store
from parvis.inbox.models import Item
from parvis.inbox.tests.factories import inbound
from parvis.publishing import queue
from parvis.publishing.models import Publication, State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YEAR = timezone.now().year + 2
NO_ROW = [2**63, 2**64, 10**30, -1, 0]  # what no primary key can be


def _no_analysis(items: list[Item]) -> None:
    """Language and sentiment are not what these tests are about."""


def api_routes() -> list[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and route.startswith("api/"):
                yield route
    return list(walk(get_resolver().url_patterns, ""))


def _fill(route: str, value: object) -> str:
    return "/" + re.sub(r"<(id|int):\w+>", str(value), route)


def draft(api: APIClient, world: World, **body: Any) -> dict[str, Any]:
    response = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/",
                        {"text": "Bonjour", "accounts": [world.mastodon.pk], **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    found: dict[str, list[str]] = response.json()["errors"]
    assert all(isinstance(m, list) and all(isinstance(s, str) for s in m) for m in found.values()), found
    return found


@pytest.fixture
def caller(world: World, api: APIClient) -> Iterator[Callable[[], ApiCaller]]:
    """Call it once the test has seeded what it needs through `api`: Django's test client
    reconnects what `contract.wsgi_app` disconnects."""
    _token, raw = ApiToken.issue(world.owner, "contract")
    with ExitStack() as stack:
        yield lambda: ApiCaller(stack.enter_context(wsgi_app()), raw)


# -- ids no row can have -------------------------------------------------------------------

@pytest.mark.parametrize("value", NO_ROW)
def test_ids_no_row_can_have_in_api_paths_are_json_404(api: APIClient, value: int) -> None:
    routes = [route for route in api_routes() if re.search(r"<(id|int):", route)]
    assert len(routes) > 30 and not any("<int:" in route for route in routes)
    for route in routes:
        response = api.get(_fill(route, value))
        assert response.status_code in (404, 405), (route, response.status_code)
        assert response["Content-Type"] == "application/json", route
        if response.status_code == 404:
            assert "detail" in response.json()


def test_an_unknown_api_url_is_a_json_404(api: APIClient) -> None:
    response = api.get("/api/v1/nothing/here/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("value", [2**63, 2**64, 10**30, -1, 0, "²", "abc"])
def test_ids_no_row_can_have_in_query_strings_are_400_naming_the_filter(
        api: APIClient, world: World, value: object) -> None:
    publications = f"/api/v1/workspaces/{world.workspace.pk}/publications/"
    assert list(errors(api.get(publications, {"account": value}))) == ["account"]
    for name in ("workspace", "account", "label", "assignee"):
        assert list(errors(api.get("/api/v1/inbox/items/", {name: value}))) == [name], name


def test_a_language_filter_with_control_characters_is_400_not_a_database_error(api: APIClient) -> None:
    # PostgreSQL refuses a NUL in a query parameter (a 500 there, found by the fuzz run).
    assert list(errors(api.get("/api/v1/inbox/items/", {"language": "f\x00"}))) == ["language"]
    assert api.get("/api/v1/inbox/items/", {"language": "pt-br"}).status_code == 200


@pytest.mark.parametrize("value", NO_ROW)
def test_ids_no_row_can_have_in_post_bodies_are_400_naming_the_field(
        api: APIClient, world: World, value: int) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/posts/"
    for field, body in (("accounts", {"accounts": [value]}), ("labels", {"labels": [value]}),
                        ("media_ids", {"media_ids": [value]}), ("campaign", {"campaign": value})):
        found = errors(api.post(url, {"text": "Bonjour", **body}, format="json"))
        assert list(found) == [field], found
        assert found[field] == ["Item 1: An id is a whole number from 1 to 9223372036854775807."] or (
            field == "campaign" and found[field] == ["An id is a whole number from 1 to 9223372036854775807."])
    post = draft(api, world)
    patched = api.patch(f"/api/v1/posts/{post['id']}/", {"keep_media": [value]}, format="json")
    assert list(errors(patched)) == ["keep_media"]


@pytest.mark.parametrize("value", NO_ROW)
def test_ids_no_row_can_have_in_inbox_and_resume_bodies_are_400_naming_the_field(
        api: APIClient, world: World, value: int) -> None:
    item = store(world.mastodon, [inbound("Vous livrez ?")], analyser=_no_analysis).new_in_inbox[0]
    for field in ("labels", "assignee"):
        body = {field: [value] if field == "labels" else value}
        assert list(errors(api.patch(f"/api/v1/inbox/items/{item.pk}/", body, format="json"))) == [field]
    api.post(f"/api/v1/workspaces/{world.workspace.pk}/pause/", {"reason": "Crise"}, format="json")
    resume = api.post(f"/api/v1/workspaces/{world.workspace.pk}/resume/",
                      {"default": "drop", "decisions": [{"publication": value, "action": "drop"}]}, format="json")
    assert list(errors(resume)) == ["decisions[0].publication"]


def test_the_id_limit_is_a_64_bit_column_and_the_message_says_it() -> None:
    from parvis.core.ids import MAX_ID

    assert MAX_ID == 2**63 - 1 == 9223372036854775807


# -- OPTIONS, bodies of the wrong shape ------------------------------------------------------

def test_options_answers_on_every_api_endpoint(api: APIClient, world: World) -> None:
    post = draft(api, world)
    for route in api_routes():
        if "openapi" in route or "docs" in route:
            continue
        url = re.sub(r"<(id|int):workspace_id>", str(world.workspace.pk), route)
        url = _fill(url, post["id"] if "posts/" in route else world.mastodon.pk)
        response = api.options(url)
        assert response.status_code in (200, 404), (url, response.status_code)
    charter = api.options(f"/api/v1/workspaces/{world.workspace.pk}/charter/")
    assert charter.status_code == 200 and "banned_terms" in charter.json()["actions"]["PUT"]


@pytest.mark.parametrize(("slots", "field"), [
    ([1, "x", None], "slots[0]"), ("09:00", "slots"), ([{"weekday": 9, "time": "25:00"}], "slots[0].weekday"),
    ([["09:00"]], "slots[0]"), ({"weekday": 1}, "slots"),
])
def test_queue_slots_that_are_not_objects_are_400_naming_them(
        api: APIClient, world: World, slots: object, field: str) -> None:
    found = errors(api.put(f"/api/v1/accounts/{world.mastodon.pk}/queue/", {"slots": slots}, format="json"))
    assert field in found


def test_a_body_that_is_not_an_object_is_an_error_on_body(api: APIClient, world: World) -> None:
    for url in (f"/api/v1/workspaces/{world.workspace.pk}/posts/", f"/api/v1/accounts/{world.mastodon.pk}/queue/",
                f"/api/v1/workspaces/{world.workspace.pk}/labels/"):
        method = api.put if "queue" in url else api.post
        assert list(errors(method(url, [1, 2], format="json"))) == ["body"], url


def test_errors_of_nested_fields_are_flat_names_with_lists_of_messages() -> None:
    from parvis.api.errors import flat_errors

    nested = {"labels": {1: ["Not an id."]}, "slots": [{}, {"time": ["Bad time."]}],
              "decisions": [{"non_field_errors": ["Not an object."]}], "variants": {"bluesky": ["Too long."]},
              "non_field_errors": ["Not an object."]}
    assert flat_errors(nested) == {"labels": ["Item 2: Not an id."], "slots[1].time": ["Bad time."],
                                   "decisions[0]": ["Not an object."], "variants.bluesky": ["Too long."],
                                   "body": ["Not an object."]}
    assert flat_errors(["Expected a list."]) == {"body": ["Expected a list."]}


# -- answers that match the published schema --------------------------------------------------

def test_queue_slot_times_match_the_published_schema(
        api: APIClient, world: World, caller: Callable[[], ApiCaller]) -> None:
    queue.set_slots(world.mastodon, [(0, time(9)), (4, time(18, 30))])
    contract = caller()
    template, path = "/api/v1/accounts/{id}/queue/", f"/api/v1/accounts/{world.mastodon.pk}/queue/"
    read = contract.conforming("GET", template, path)
    assert read.json["slots"] == [{"weekday": 0, "time": "09:00"}, {"weekday": 4, "time": "18:30"}]
    written = contract.conforming("PUT", template, path, json={"slots": [{"weekday": 2, "time": "07:15:00"}]})
    assert written.json["slots"] == [{"weekday": 2, "time": "07:15"}]


def test_an_import_without_its_rows_matches_the_published_schema(
        api: APIClient, world: World, caller: Callable[[], ApiCaller]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = f"date,time,timezone,text,accounts\n{YEAR}-12-24,18:30,,Noël,@brand.bsky.social\n".encode()
    created = api.post(f"/api/v1/workspaces/{world.workspace.pk}/imports/?dry_run=1",
                       {"file": SimpleUploadedFile("plan.csv", csv, "text/csv")}, format="multipart")
    batch = created.json()["id"]
    contract = caller()
    polled = contract.conforming("GET", "/api/v1/imports/{id}/", f"/api/v1/imports/{batch}/?rows=false")
    assert "rows" not in polled.json and polled.json["valid_rows"] == 1
    started = contract.conforming("POST", "/api/v1/imports/{id}/run/", f"/api/v1/imports/{batch}/run/")
    assert started.status_code == 202 and "rows" not in started.json


def test_post_comments_are_a_page_as_the_published_schema_says(
        api: APIClient, world: World, caller: Callable[[], ApiCaller]) -> None:
    post = draft(api, world)
    api.post(f"/api/v1/posts/{post['id']}/comments/", {"comment": "Le prix ?"}, format="json")
    page = caller().conforming("GET", "/api/v1/posts/{id}/comments/", f"/api/v1/posts/{post['id']}/comments/")
    assert page.json["count"] == 1 and page.json["results"][0]["body"] == "Le prix ?"


def test_resume_answers_the_list_of_outcomes_the_published_schema_describes(
        api: APIClient, world: World, caller: Callable[[], ApiCaller]) -> None:
    post = draft(api, world, scheduled_at=f"{YEAR}-12-24T18:30")
    api.post(f"/api/v1/workspaces/{world.workspace.pk}/pause/", {"reason": "Crise"}, format="json")
    Publication.objects.filter(post_id=post["id"]).update(state=State.SCHEDULED, due_at=timezone.now())
    resumed = caller().conforming("POST", "/api/v1/workspaces/{workspace_id}/resume/",
                                  f"/api/v1/workspaces/{world.workspace.pk}/resume/", json={"default": "drop"})
    assert isinstance(resumed.json, list)


def test_a_charter_never_set_and_an_unanalysed_item_match_the_published_schema(
        world: World, caller: Callable[[], ApiCaller]) -> None:
    item = store(world.mastodon, [inbound("Merci !")], analyser=_no_analysis).new_in_inbox[0]
    contract = caller()
    charter = contract.conforming("GET", "/api/v1/workspaces/{workspace_id}/charter/",
                                  f"/api/v1/workspaces/{world.workspace.pk}/charter/")
    assert charter.json["updated_at"] is None
    detail = contract.conforming("GET", "/api/v1/inbox/items/{id}/", f"/api/v1/inbox/items/{item.pk}/")
    assert detail.json["sentiment"] == ""
    contract.conforming("GET", "/api/v1/inbox/items/", "/api/v1/inbox/items/")


def test_a_body_of_a_type_an_operation_does_not_read_is_a_documented_415(
        world: World, caller: Callable[[], ApiCaller]) -> None:
    response = caller().conforming("POST", "/api/v1/workspaces/{workspace_id}/labels/",
                                   f"/api/v1/workspaces/{world.workspace.pk}/labels/", data="name=x",
                                   content_type="text/plain")
    assert response.status_code == 415


