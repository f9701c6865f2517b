"""Ids no row can have (past a 64-bit column, negative, not ASCII digits) in the web
pages' paths, filters and forms: a 404 for a path, a filter ignored or a field named for
the rest, never a 500 (SQLite cannot bind such a number; `int("²")` raises)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from parvis.core.ids import MAX_ID, parse_id, parse_ids
from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db

HUGE = [str(2**63), str(2**64), "9" * 40]
NOT_IDS = [*HUGE, "-1", "0", "²", "1²", "١٢", " ", "1.5", "1e3"]


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and re.search(r"<(id|int):", route):
            found.append(route)
    return found


def web_routes_with_ids() -> list[str]:
    return [route for route in _routes(get_resolver().url_patterns) if not route.startswith("api/")]


def _fill(route: str, huge: str, workspace_id: int | None = None) -> str:
    """Every id in the route is `huge` (the workspace's is real if given); other parts `x`."""
    if workspace_id is not None:
        route = re.sub(r"<(id|int):workspace_id>", str(workspace_id), route)
    route = re.sub(r"<(id|int):\w+>", huge, route)
    return "/" + re.sub(r"<\w+:\w+>", "x", route)


def test_parse_id_reads_only_what_a_64_bit_key_holds() -> None:
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7 and parse_id(MAX_ID) == MAX_ID
    assert parse_id(str(MAX_ID)) == MAX_ID and parse_id(str(MAX_ID + 1)) is None
    assert [parse_id(raw) for raw in NOT_IDS] == [None] * len(NOT_IDS)
    assert parse_id(True) is None and parse_id(None) is None and parse_id(-3) is None
    assert parse_ids(["3", "x", str(2**64), "4"]) == [3, 4]


def test_every_id_converter_in_the_urls_refuses_ids_past_64_bits() -> None:
    routes = web_routes_with_ids()
    assert len(routes) > 60 and all("<int:" not in route for route in _routes(get_resolver().url_patterns))
    assert reverse("web:calendar", args=[MAX_ID]).endswith(f"/{MAX_ID}/calendar/")


@pytest.mark.parametrize("huge", [*HUGE, "-1"])
def test_huge_workspace_ids_in_web_paths_are_404(people: dict[str, Any], huge: str) -> None:
    client = client_for(people["owner"])
    routes = web_routes_with_ids()
    assert len(routes) > 60
    for route in routes:
        url = _fill(route, huge)
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("huge", HUGE)
def test_huge_object_ids_under_a_real_workspace_are_404(people: dict[str, Any], huge: str) -> None:
    client = client_for(people["owner"])
    for route in web_routes_with_ids():
        if len(re.findall(r"<(id|int):", route)) < 2:
            continue
        url = _fill(route, huge, people["workspace"].pk)
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


@pytest.mark.parametrize("value", NOT_IDS)
def test_id_filters_that_no_row_can_match_are_ignored_never_a_500(
        people: dict[str, Any], account: SocialAccount, value: str) -> None:
    client = client_for(people["owner"])
    workspace = people["workspace"].pk
    pages = [
        (reverse("web:publications", args=[workspace]), ["account", "post"]),
        (reverse("web:calendar", args=[workspace]), ["account", "campaign", "label"]),
        (reverse("web:calendar_all"), ["account", "campaign", "label", "workspace"]),
        (reverse("web:inbox"), ["workspace", "account", "label", "assignee", "priority", "before"]),
        (reverse("web:inbox_workspace", args=[workspace]), ["account", "label", "before"]),
        (reverse("web:inbox_new"), ["after"]),
    ]
    for url, names in pages:
        for name in names:
            response = client.get(url, {name: value})
            assert response.status_code in (200, 204), (url, name, value)  # 204: no new inbox items


@pytest.mark.parametrize("value", ["abc", "²", str(2**64), "-3"])
def test_compose_check_with_a_media_count_that_is_not_a_number_is_not_a_500(
        people: dict[str, Any], account: SocialAccount, value: str) -> None:
    client = client_for(people["owner"])
    response = client.post(reverse("web:compose_check", args=[people["workspace"].pk]),
                           {"text": "Bonjour", "accounts": [account.pk], "media_count": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", [*HUGE, "²"])
def test_composer_ids_no_row_can_have_name_the_field_never_a_500(
        people: dict[str, Any], account: SocialAccount, value: str) -> None:
    client = client_for(people["owner"])
    url = reverse("web:compose", args=[people["workspace"].pk])
    for field, message in (("accounts", "does not exist in this workspace"), ("labels", "Choose from the list"),
                           ("campaign", "Choose from the list")):
        response = client.post(url, {"text": "Bonjour", "accounts": [account.pk], "mode": "draft", field: [value]})
        assert response.status_code == 400 and message in response.content.decode(), field
    # Picked media and kept images that no row can be are left out, like any unreadable value.
    for field in ("library_media", "keep_media"):
        response = client.post(url, {"text": "Bonjour", "accounts": [account.pk], "mode": "draft", field: [value]})
        assert response.status_code == 302, field


@pytest.mark.parametrize("value", ["²", str(2**64)])
def test_repeat_count_and_days_that_are_not_numbers_are_named_never_a_500(
        people: dict[str, Any], account: SocialAccount, value: str) -> None:
    client = client_for(people["owner"])
    url = reverse("web:compose", args=[people["workspace"].pk])
    base = {"text": "Bonjour", "accounts": [account.pk], "mode": "schedule", "scheduled_at": "2031-03-03T09:00",
            "repeat": "weekly"}
    response = client.post(url, {**base, "repeat_end": "count", "repeat_count": value})
    assert response.status_code == 400 and "Enter how many times, 1 or more" in response.content.decode()
    assert client.post(url, {**base, "repeat_days": [value, "1"]}).status_code in (302, 400)
    custom = client.post(url, {**base, "repeat": "custom", "rrule": f"FREQ=WEEKLY;COUNT={value}"})
    assert custom.status_code == 400


@pytest.mark.parametrize("value", ["²", str(2**64)])
def test_form_ids_and_days_that_are_not_numbers_never_a_500(
        people: dict[str, Any], account: SocialAccount, value: str) -> None:
    from parvis.publishing.models import Charter

    Charter.objects.create(workspace=people["workspace"], require_alt_text=True)  # the check reads media
    client = client_for(people["owner"])
    workspace = people["workspace"].pk
    check = client.post(reverse("web:compose_check", args=[workspace]),
                        {"text": "Bonjour", "accounts": [account.pk], "keep_media": [value], f"alt_{value}": "x",
                         "library_media": [value]})
    assert check.status_code == 200
    picker = client.get(reverse("web:library_picker", args=[workspace]), {"library_media": [value]})
    assert picker.status_code == 200
    slots = client.post(reverse("web:queue", args=[workspace, account.pk]), {"day": [value], "time": ["09:00"]})
    assert slots.status_code == 400 and "Choose a day" in slots.content.decode()
    hours = client.post(reverse("web:inbox_hours", args=[workspace]),
                        {"day": [value], "starts": ["09:00"], "ends": ["17:00"]})
    assert hours.status_code == 400 and "Choose a day of the week" in hours.content.decode()
    for name, args in (("web:members", [workspace]), ("web:api_tokens", [])):
        assert client.post(reverse(name, args=args), {"revoke": value}).status_code == 302, name


@pytest.mark.parametrize("value", ["²", str(2**64)])
def test_inbox_rule_ids_that_no_row_can_have_name_the_field_never_a_500(
        people: dict[str, Any], account: SocialAccount, value: str) -> None:
    client = client_for(people["owner"])
    url = reverse("web:inbox_rule_new", args=[people["workspace"].pk])
    base = {"name": "Remboursements", "words": "rembours*", "priority": "2"}
    for field, changes in (("accounts", {"accounts": [value]}), ("labels", {"labels": [value]}),
                           ("assign", {"assign": value}), ("priority", {"priority": value})):
        response = client.post(url, {**base, **changes})
        assert response.status_code == 400, field
