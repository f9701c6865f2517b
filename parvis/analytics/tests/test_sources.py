"""Matomo and Plausible read at the HTTP level, on loopback servers answering as the real
ones do (bodies after their API documentation), through the guarded HTTP layer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.db import connection

from parvis.analytics.models import Conversion, ConversionKind, ConversionSource
from parvis.analytics.sources import sync, sync_due_sources
from parvis.core.http import override_policy
from parvis.testing.scripted_server import Answer, LoopbackPorts, ScriptedServer, json_answer, redirect

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOV_1, NOV_3 = date(2026, 11, 1), date(2026, 11, 3)
TOKEN = "3f8c2e1b9a7d4c6e8f0a1b2c3d4e5f60"

# Goals.get, period=day over 2026-11-01..03 (developer.matomo.org, Reporting API): a day
# without data is an empty list.
MATOMO_DAYS = {
    "2026-11-01": {"nb_conversions": 3, "nb_visits_converted": 3, "revenue": 45.5, "conversion_rate": "1.52%",
                   "nb_conversions_new_visit": 1, "nb_visits_converted_new_visit": 1, "revenue_new_visit": 15,
                   "conversion_rate_new_visit": "0.9%", "nb_conversions_returning_visit": 2,
                   "nb_visits_converted_returning_visit": 2, "revenue_returning_visit": 30.5,
                   "conversion_rate_returning_visit": "2.41%"},
    "2026-11-02": [],
    "2026-11-03": {"nb_conversions": 1, "nb_visits_converted": 1, "revenue": 0, "conversion_rate": "0.48%"},
}
MATOMO_REFUSED = {"result": "error",
                  "message": "You can't access this resource as it requires 'view' access for the website id = 3."}
# POST /api/v2/query with dimensions time:day and event:goal (plausible.io/docs/stats-api).
PLAUSIBLE_ROWS = {
    "results": [{"metrics": [3], "dimensions": ["2026-11-01", "Signup"]},
                {"metrics": [1], "dimensions": ["2026-11-03", "Signup"]},
                {"metrics": [2], "dimensions": ["2026-11-03", "Purchase"]}],
    "meta": {},
    "query": {"site_id": "boulangerie.example", "metrics": ["events"],
              "date_range": ["2026-11-01T00:00:00+01:00", "2026-11-03T23:59:59+01:00"], "filters": [],
              "dimensions": ["time:day", "event:goal"], "order_by": [["events", "desc"]], "include": {},
              "pagination": {"offset": 0, "limit": 10000}},
}
PLAUSIBLE_REFUSED = {"error": "Invalid API key or site ID. Please make sure you're using a valid API key with access "
                              "to the site you've requested."}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as public, override_policy(LoopbackPorts(public.port)):
        yield public


def _source(workspace: Any, server: ScriptedServer, kind: str, **fields: Any) -> ConversionSource:
    values = {"site_id": "3" if kind == ConversionKind.MATOMO else "boulangerie.example",
              "base_url": server.url("/analytics" if kind == ConversionKind.MATOMO else ""),
              "secrets": {"token": TOKEN}, **fields}
    return ConversionSource.objects.create(workspace=workspace, kind=kind, name="Site", **values)


def _rows(source: ConversionSource) -> list[tuple[date, str, int, Decimal | None]]:
    return list(Conversion.objects.filter(origin=source).order_by("day", "goal")
                .values_list("day", "goal", "count", "value"))


def test_matomo_conversions_are_read_per_day_with_the_token_only_in_the_body(people, server):
    server.answer("/analytics/index.php", json_answer(json.dumps(MATOMO_DAYS)))
    source = _source(people["workspace"], server, ConversionKind.MATOMO, goal="2")

    assert sync(source, NOV_1, NOV_3, now=NOW) is True

    [request] = server.received
    assert request["method"] == "POST" and request["path"] == "/analytics/index.php"
    sent = {key: values[0] for key, values in parse_qs(request["body"].decode()).items()}
    assert sent == {"module": "API", "method": "Goals.get", "idSite": "3", "idGoal": "2", "period": "day",
                    "date": "2026-11-01,2026-11-03", "format": "JSON", "token_auth": TOKEN}
    assert TOKEN not in request["path"]
    assert _rows(source) == [(NOV_1, "2", 3, Decimal("45.50")), (NOV_3, "2", 1, None)]
    source.refresh_from_db()
    assert (source.last_synced_at, source.last_error, source.failures) == (NOW, "", 0)


def test_syncing_the_same_days_again_updates_them_instead_of_adding_rows(people, server):
    source = _source(people["workspace"], server, ConversionKind.MATOMO, goal="2")
    server.answer("/analytics/index.php", json_answer(json.dumps(MATOMO_DAYS)))
    sync(source, NOV_1, NOV_3, now=NOW)
    later = {**MATOMO_DAYS, "2026-11-01": [], "2026-11-03": {"nb_conversions": 4, "revenue": "12.5"}}
    server.answer("/analytics/index.php", json_answer(json.dumps(later)))

    assert sync(source, NOV_1, NOV_3, now=NOW + timedelta(hours=1)) is True

    assert _rows(source) == [(NOV_1, "2", 0, None), (NOV_3, "2", 4, Decimal("12.50"))]


def test_plausible_conversions_are_read_per_day_and_goal_in_one_request(people, server):
    server.answer("/api/v2/query", json_answer(json.dumps(PLAUSIBLE_ROWS)))
    source = _source(people["workspace"], server, ConversionKind.PLAUSIBLE)

    assert sync(source, NOV_1, NOV_3, now=NOW) is True

    [request] = server.received
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request["body"]) == {
        "site_id": "boulangerie.example", "metrics": ["events"], "date_range": ["2026-11-01", "2026-11-03"],
        "dimensions": ["time:day", "event:goal"], "pagination": {"limit": 10000, "offset": 0}}
    assert _rows(source) == [(NOV_1, "Signup", 3, None), (NOV_3, "Purchase", 2, None), (NOV_3, "Signup", 1, None)]


def test_a_plausible_goal_is_asked_for_as_a_filter(people, server):
    signups = {**PLAUSIBLE_ROWS, "results": PLAUSIBLE_ROWS["results"][:2]}
    server.answer("/api/v2/query", json_answer(json.dumps(signups)))
    source = _source(people["workspace"], server, ConversionKind.PLAUSIBLE, goal="Signup")

    sync(source, NOV_1, NOV_3, now=NOW)

    assert json.loads(server.received[0]["body"])["filters"] == [["is", "event:goal", ["Signup"]]]


def test_a_refused_token_is_kept_as_a_readable_error_and_not_raised(people, server, english):
    server.answer("/api/v2/query", json_answer(json.dumps(PLAUSIBLE_REFUSED), status=401))
    source = _source(people["workspace"], server, ConversionKind.PLAUSIBLE)

    assert sync(source, NOV_1, NOV_3, now=NOW) is False

    source.refresh_from_db()
    assert "Plausible refused the token (HTTP 401)" in source.last_error
    assert TOKEN not in source.last_error
    assert (source.failures, source.last_synced_at) == (1, None)
    assert not Conversion.objects.exists()


def test_the_error_is_stored_to_be_read_in_each_language(people, server):
    from parvis.core.texts import Text

    server.answer("/api/v2/query", json_answer(json.dumps(PLAUSIBLE_REFUSED), status=401))
    source = _source(people["workspace"], server, ConversionKind.PLAUSIBLE)
    sync(source, NOV_1, NOV_3, now=NOW)
    source.refresh_from_db()

    assert Text.from_json(source.last_error_text).render_in("en").startswith("Plausible refused the token")


def test_matomo_refusing_in_a_200_answer_is_an_error(people, server, english):
    server.answer("/analytics/index.php", json_answer(json.dumps(MATOMO_REFUSED)))
    source = _source(people["workspace"], server, ConversionKind.MATOMO)

    assert sync(source, NOV_1, NOV_3, now=NOW) is False

    source.refresh_from_db()
    assert source.last_error.startswith("Matomo refused the token: You can't access this resource")


def test_an_answer_that_is_not_json_is_a_readable_error(people, server, english):
    server.answer("/analytics/index.php", Answer(200, {"Content-Type": "text/html"}, b"<html>Login</html>"))
    source = _source(people["workspace"], server, ConversionKind.MATOMO)

    assert sync(source, NOV_1, NOV_3, now=NOW) is False

    source.refresh_from_db()
    assert source.last_error == "Matomo did not answer with JSON: is this the right address?"


def test_an_answer_of_another_shape_is_a_readable_error(people, server, english):
    server.answer("/api/v2/query", json_answer('{"results": [{"metrics": [], "dimensions": []}]}'))
    source = _source(people["workspace"], server, ConversionKind.PLAUSIBLE)

    assert sync(source, NOV_1, NOV_3, now=NOW) is False

    source.refresh_from_db()
    assert source.last_error == "Plausible answered with data parvis does not recognise."


def test_a_server_too_slow_is_a_readable_error(people, server, settings, english):
    settings.PARVIS_HTTP_TIMEOUT, settings.PARVIS_HTTP_TOTAL_TIMEOUT = 0.2, 0.3
    server.answer("/api/v2/query", Answer(hang=True))
    source = _source(people["workspace"], server, ConversionKind.PLAUSIBLE)

    assert sync(source, NOV_1, NOV_3, now=NOW) is False

    source.refresh_from_db()
    assert "did not" in source.last_error and "answer" in source.last_error


def test_a_redirect_to_a_private_address_is_refused_and_the_token_never_sent_there(people, server, english):
    with ScriptedServer() as internal:
        internal.answer("*", json_answer(json.dumps(MATOMO_DAYS)))
        server.answer("/analytics/index.php", redirect(internal.url("/index.php"), 307))
        source = _source(people["workspace"], server, ConversionKind.MATOMO)

        assert sync(source, NOV_1, NOV_3, now=NOW) is False

        assert internal.received == []
    source.refresh_from_db()
    assert "redirect" in source.last_error
    assert not Conversion.objects.exists()


def test_an_address_on_a_private_network_is_refused(people, server, english):
    with ScriptedServer() as internal:
        internal.answer("*", json_answer(json.dumps(PLAUSIBLE_ROWS)))
        source = _source(people["workspace"], server, ConversionKind.PLAUSIBLE, base_url=internal.url())

        assert sync(source, NOV_1, NOV_3, now=NOW) is False

        assert internal.received == []
    source.refresh_from_db()
    assert "parvis does not connect there" in source.last_error


def test_the_token_is_encrypted_at_rest(people, server):
    source = _source(people["workspace"], server, ConversionKind.MATOMO)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM analytics_conversionsource WHERE id = %s", [source.pk])
        assert TOKEN not in cursor.fetchone()[0]
    source.refresh_from_db()
    assert source.secrets["token"] == TOKEN


def test_due_sources_are_synced_hourly_and_a_failing_one_backs_off(people, server):
    server.answer("/analytics/index.php", json_answer(json.dumps(MATOMO_DAYS)))
    server.answer("/api/v2/query", json_answer(json.dumps(PLAUSIBLE_REFUSED), status=401))
    working = _source(people["workspace"], server, ConversionKind.MATOMO)
    failing = _source(people["workspace"], server, ConversionKind.PLAUSIBLE)
    ConversionSource.objects.create(workspace=people["workspace"], kind=ConversionKind.WEBHOOK)  # never synced
    _source(people["workspace"], server, ConversionKind.MATOMO, enabled=False)

    assert sync_due_sources(NOW) == 2
    first = parse_qs(server.received[0]["body"].decode())["date"][0]
    assert first == "2026-08-23,2026-11-20"  # 90 days on the first sync, up to today in Paris
    assert sync_due_sources(NOW + timedelta(minutes=50)) == 0
    assert sync_due_sources(NOW + timedelta(minutes=61)) == 1  # the failing one waits 2 hours

    working.refresh_from_db()
    assert working.last_synced_at == NOW + timedelta(minutes=61)
    assert parse_qs(server.received[-1]["body"].decode())["date"][0] == "2026-11-14,2026-11-20"
    assert sync_due_sources(NOW + timedelta(minutes=121)) == 2  # both: the working one is due again
    failing.refresh_from_db()
    assert (failing.failures, failing.attempted_at) == (2, NOW + timedelta(minutes=121))


def test_a_source_claimed_by_another_worker_is_left_to_it(people, server):
    server.answer("/analytics/index.php", json_answer(json.dumps(MATOMO_DAYS)))
    source = _source(people["workspace"], server, ConversionKind.MATOMO)
    ConversionSource.objects.filter(pk=source.pk).update(attempted_at=NOW)  # another worker took it

    assert sync_due_sources(NOW) == 0
    assert server.received == []


def test_an_error_of_parvis_is_logged_without_the_token_and_never_raised(people, server, monkeypatch, caplog,
                                                                         english):
    import parvis.analytics.sources as sources

    def broken(*args: Any) -> int:
        raise RuntimeError("a bug")

    server.answer("/analytics/index.php", json_answer(json.dumps(MATOMO_DAYS)))
    monkeypatch.setattr(sources, "store", broken)
    source = _source(people["workspace"], server, ConversionKind.MATOMO)

    assert sync(source, NOV_1, NOV_3, now=NOW) is False

    source.refresh_from_db()
    assert source.last_error == "parvis could not read this source (an error of parvis's, logged)."
    assert "a bug" in caplog.text and TOKEN not in caplog.text


def test_a_token_that_no_longer_decrypts_is_a_readable_error(people, server, english):
    source = _source(people["workspace"], server, ConversionKind.PLAUSIBLE)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE analytics_conversionsource SET secrets = %s WHERE id = %s",
                       ["gAAAAABnot-a-token-of-these-keys", source.pk])

    assert sync_due_sources(NOW) == 1

    source = ConversionSource.objects.defer("secrets").get(pk=source.pk)
    assert source.last_error.startswith("The token cannot be read")
    assert server.received == []


def test_claimed_sources_are_synced_by_id_and_a_deleted_one_is_skipped(people, server):
    from parvis.analytics.sources import claim_due_sources, sync_source

    server.answer("/analytics/index.php", json_answer(json.dumps(MATOMO_DAYS)))
    kept = _source(people["workspace"], server, ConversionKind.MATOMO, goal="2")
    gone = _source(people["workspace"], server, ConversionKind.MATOMO)

    assert claim_due_sources(NOW) == [kept.pk, gone.pk]
    assert claim_due_sources(NOW) == []
    gone.delete()

    assert (sync_source(kept.pk, NOW), sync_source(gone.pk, NOW)) == (True, False)
    assert len(server.received) == 1 and len(_rows(kept)) == 2


def test_a_matomo_address_pasted_from_the_browser_is_understood(people, server):
    server.answer("/analytics/index.php", json_answer(json.dumps(MATOMO_DAYS)))
    pasted = server.url("/analytics/index.php?module=CoreHome&action=index&idSite=3&period=day&date=yesterday")
    source = _source(people["workspace"], server, ConversionKind.MATOMO, base_url=pasted)

    assert sync(source, NOV_1, NOV_3, now=NOW) is True
    assert server.paths() == ["/analytics/index.php"]
