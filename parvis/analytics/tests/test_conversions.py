"""Conversions recorded by hand, imported from a file, and sent to the webhook."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from parvis.analytics import conversions
from parvis.analytics.conversions import ConversionError, ImportRefused
from parvis.analytics.dashboard import Period
from parvis.analytics.models import Conversion, ConversionKind

NOW = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # already the 21st in Paris


def _post(client: Any, source: Any, payload: Any, *, secret: str | None = None, raw: bytes | None = None) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    key = secret if secret is not None else source.secrets["webhook_secret"]
    return client.post(reverse("conversion_hook", args=[source.pk]), data=body, content_type="application/json",
                       headers={"X-Parvis-Signature": conversions.signature(key, body)})


@pytest.fixture
def hook(people: dict[str, Any]) -> Any:
    return conversions.new_webhook_source(people["workspace"], "Site de la boulangerie")


def test_a_conversion_sent_twice_is_counted_once(client, hook, people):
    payload = {"goal": "commande", "count": 1, "value": "18,40", "day": "2026-11-19", "id": "order-5521",
               "campaign": "noel", "utm_source": "newsletter"}
    first, again = _post(client, hook, payload), _post(client, hook, payload)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    conversion = Conversion.objects.get(workspace=people["workspace"])
    assert (conversion.day, conversion.goal, conversion.count, conversion.value) == (
        date(2026, 11, 19), "commande", 1, Decimal("18.40"))
    assert (conversion.source, conversion.campaign, conversion.network, conversion.origin) == (
        ConversionKind.WEBHOOK, "noel", "newsletter", hook)


def test_conversions_without_an_id_are_each_counted(people):
    for _ in range(2):
        conversions.record(people["workspace"], day="2026-11-19", goal="devis", count=2)
    assert Conversion.objects.filter(workspace=people["workspace"]).count() == 2


def test_a_webhook_time_counts_on_the_workspace_local_day(client, hook):
    response = _post(client, hook, {"goal": "inscription", "at": "2026-11-20T23:30:00Z"})
    assert response.status_code == 201
    assert Conversion.objects.get().day == date(2026, 11, 21)  # Paris is an hour ahead


def test_a_webhook_without_a_day_counts_today_there(hook):
    body = json.dumps({"goal": "inscription"}).encode()
    conversion, created = conversions.receive(hook.pk, body, conversions.signature(hook.secrets["webhook_secret"],
                                                                                    body), now=NOW)
    assert created and (conversion.day, conversion.count) == (date(2026, 11, 21), 1)


def test_a_wrong_signature_is_refused_with_403_and_nothing_recorded(client, hook):
    response = _post(client, hook, {"goal": "commande"}, secret="not-the-secret")
    unsigned = client.post(reverse("conversion_hook", args=[hook.pk]), data=b'{"goal": "commande"}',
                           content_type="application/json")

    assert (response.status_code, unsigned.status_code) == (403, 403)
    assert response.json()["field"] == "X-Parvis-Signature"
    assert not Conversion.objects.exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"count": 1}, "goal"),
    ({"goal": "commande", "count": -3}, "count"),
    ({"goal": "commande", "count": "beaucoup"}, "count"),
    ({"goal": "commande", "value": "douze"}, "value"),
    ({"goal": "commande", "day": "20/13/2026"}, "day"),
    ({"goal": "commande", "at": "2026-11-20T10:00:00"}, "at"),
    ({"goal": "x" * 201}, "goal"),
    ({"goal": ["commande"]}, "goal"),
])
def test_bad_input_gets_400_naming_the_field(client, hook, english, payload, field):
    response = _post(client, hook, payload)
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["error"]
    assert not Conversion.objects.exists()


def test_a_body_that_is_not_a_json_object_gets_400(client, hook):
    for raw in (b"goal=commande", b"[1, 2]", b"\xff\xfe"):
        response = _post(client, hook, None, raw=raw)
        assert (response.status_code, response.json()["field"]) == (400, "body")


def test_a_body_over_64_kb_gets_413(client, hook):
    response = _post(client, hook, {"goal": "commande", "note": "x" * 70_000})
    assert response.status_code == 413
    assert not Conversion.objects.exists()


def test_an_unknown_or_disabled_webhook_is_not_found(client, hook):
    hook.enabled = False
    hook.save()
    assert _post(client, hook, {"goal": "commande"}).status_code == 404
    assert client.post("/hooks/conversions/999999/", data=b"{}", content_type="application/json").status_code == 404


def test_the_webhook_address_is_under_the_instance_address(hook, settings):
    settings.PARVIS_BASE_URL = "https://parvis.agence.example"
    assert conversions.hook_url(hook) == f"https://parvis.agence.example/hooks/conversions/{hook.pk}/"


def test_the_webhook_takes_only_post(client, hook):
    assert client.get(reverse("conversion_hook", args=[hook.pk])).status_code == 405


def test_the_webhook_secret_is_encrypted_at_rest(hook):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM analytics_conversionsource WHERE id = %s", [hook.pk])
        stored = cursor.fetchone()[0]
    assert hook.secrets["webhook_secret"] not in stored and len(hook.secrets["webhook_secret"]) >= 40


def test_an_import_reads_semicolons_a_bom_and_decimal_commas(people):
    data = ("\ufeffday;goal;count;value;campaign\n"
            "2026-11-02;commande;3;1 234,50;noel\n"
            "03/11/2026;devis;1;;\n").encode()
    result = conversions.import_csv(people["workspace"], data, now=NOW)

    assert (result.created, result.updated) == (2, 0)
    rows = {c.goal: c for c in Conversion.objects.filter(workspace=people["workspace"])}
    assert (rows["commande"].day, rows["commande"].count, rows["commande"].value, rows["commande"].campaign) == (
        date(2026, 11, 2), 3, Decimal("1234.50"), "noel")
    assert (rows["devis"].day, rows["devis"].value, rows["devis"].source) == (date(2026, 11, 3), None, "import")


def test_an_import_reads_commas_with_quoted_amounts_and_french_headers(people):
    data = 'jour,objectif,nombre,valeur\n2026-11-02,commande,2,"12,5"\n2026-11-03,commande,1,7.25\n'
    conversions.import_csv(people["workspace"], data.encode(), now=NOW)
    values = sorted(Conversion.objects.values_list("value", flat=True))
    assert values == [Decimal("7.25"), Decimal("12.50")]


def test_an_import_with_bad_lines_saves_nothing_and_names_each_line_and_field(people, english):
    data = (b"day;goal;count;value\n"
            b"2026-11-02;commande;3;10\n"
            b"2026-02-30;commande;3;10\n"
            b"2026-11-04;;-1;dix\n")
    with pytest.raises(ImportRefused) as refused:
        conversions.import_csv(people["workspace"], data, now=NOW)

    assert [(e.line, e.field) for e in refused.value.errors] == [(3, "day"), (4, "goal"), (4, "count"),
                                                                  (4, "value")]
    assert refused.value.message == "Nothing was imported: 2 lines to correct."
    assert not Conversion.objects.exists()


def test_an_import_needs_the_day_goal_and_count_columns(people, english):
    with pytest.raises(ConversionError) as refused:
        conversions.import_csv(people["workspace"], b"day;value\n2026-11-02;10\n")
    assert (refused.value.field, refused.value.line) == ("file", 1)
    assert "goal, count" in refused.value.message


def test_a_file_that_is_not_utf8_is_refused(people):
    with pytest.raises(ConversionError) as refused:
        conversions.import_csv(people["workspace"], "day;goal;count\n2026-11-02;café;1\n".encode("latin-1"))
    assert refused.value.field == "file"


def test_importing_lines_with_an_id_again_updates_them(people):
    first = b"day;goal;count;id\n2026-11-02;commande;3;A-1\n"
    conversions.import_csv(people["workspace"], first, now=NOW)
    result = conversions.import_csv(people["workspace"], first.replace(b";3;", b";4;"), now=NOW)
    assert (result.created, result.updated) == (0, 1)
    assert list(Conversion.objects.values_list("count", flat=True)) == [4]


def test_totals_sum_the_period_per_goal_and_leave_other_workspaces_out(people):
    workspace, other = people["workspace"], people["other_workspace"]
    conversions.record(workspace, day="2026-11-01", goal="commande", count=2, value="20")
    conversions.record(workspace, day="2026-11-30", goal="commande", count=1, value="5,5")
    conversions.record(workspace, day="2026-11-15", goal="devis", count=4)
    conversions.record(workspace, day="2026-12-01", goal="commande", count=9)  # after the period
    conversions.record(other, day="2026-11-15", goal="commande", count=7)

    totals = conversions.totals([workspace.pk], Period(date(2026, 11, 1), date(2026, 11, 30)))

    assert (totals.count, totals.value) == (7, Decimal("25.50"))
    assert [(g.goal, g.count, g.value) for g in totals.goals] == [("devis", 4, None),
                                                                  ("commande", 3, Decimal("25.50"))]


def test_a_goal_holding_a_nul_character_is_refused_naming_the_field(people) -> None:
    from parvis.analytics import conversions

    with pytest.raises(conversions.ConversionError) as error:
        conversions.record(people["workspace"], day="2026-11-03", goal="inscri\x00ption")
    assert error.value.field == "goal"
