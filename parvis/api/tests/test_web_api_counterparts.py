"""The API covers the web: every URL name of the web app has its API counterparts, or
is web-only with a reason (`parvis.api.counterparts`). A new web page without an API
counterpart fails here, and so does a counterpart that names no API URL."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.urls.resolvers import RegexPattern

from parvis.api.counterparts import COUNTERPARTS, WEB_ONLY


def _names(patterns: list[URLPattern | URLResolver], namespace: str, current: str = "") -> set[str]:
    """URL names under a namespace, walked through Django's resolver (includes included)."""
    found: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or current
            found |= _names(pattern.url_patterns, namespace, inner)
        elif current == namespace and pattern.name:
            found.add(pattern.name)
    return found


def web_names() -> set[str]:
    return _names(get_resolver().url_patterns, "web")


def api_names() -> set[str]:
    return _names(get_resolver().url_patterns, "api")


def uncovered(names: set[str]) -> list[str]:
    return sorted(names - set(COUNTERPARTS) - set(WEB_ONLY))


def test_every_web_page_has_an_api_counterpart_or_a_reason() -> None:
    web = web_names()
    assert len(web) > 80  # the walk reached the web app's patterns
    missing = uncovered(web)
    assert not missing, f"web pages without an API counterpart (add one, or a reason): {missing}"


def test_each_web_page_is_in_one_table_and_each_entry_is_a_web_page() -> None:
    assert not set(COUNTERPARTS) & set(WEB_ONLY)
    stale = sorted((set(COUNTERPARTS) | set(WEB_ONLY)) - web_names())
    assert not stale, f"entries naming no web page: {stale}"
    assert all(reason.strip() for reason in WEB_ONLY.values())


def test_every_counterpart_names_an_api_url() -> None:
    api = api_names()
    unknown = sorted({name for names in COUNTERPARTS.values() for name in names} - api)
    assert all(COUNTERPARTS.values()) and not unknown, unknown


def test_the_walk_finds_a_page_added_without_a_counterpart() -> None:
    added = path("new/", lambda request: HttpResponse(), name="new_page")
    names = _names([URLResolver(RegexPattern(r"^"), [added], app_name="web", namespace="web")], "web")
    assert names == {"new_page"} and uncovered(names) == ["new_page"]
