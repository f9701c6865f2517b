"""The ROI through the API: November's figures (hours entered and estimated, the cost
per click, conversion and engagement), the cost settings, time entries, conversions
recorded and imported, and conversion sources (a token never given back, a webhook's
secret given once); managers write, members read, other tenants' objects are 404."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parvis.analytics import conversions
from parvis.analytics.models import (
    Conversion,
    ConversionSource,
    CostSettings,
    DailyFigures,
    LinkClicks,
    PostFigures,
    ShortLink,
    TimeEntry,
)
from parvis.analytics.tests.helpers import published
from parvis.api.tests.conftest import World

pytestmark = pytest.mark.django_db
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}
TOKEN = "tk_matomo_0123456789abcdef"


def base(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}"


@pytest.fixture
def november(world: World) -> World:
    """Two posts (40 minutes estimated), two hours entered on the 20th, 8 clicks, 4
    conversions worth 60, 50 interactions; 420 € for 7 hours (a euro a minute)."""
    workspace = world.workspace
    CostSettings.objects.create(workspace=workspace, day_rate=Decimal("420"), hours_per_day=7, minutes_per_post=20,
                                minutes_per_reply=3)
    for day in (3, 10):
        publication = published(world.mastodon, datetime(2026, 11, day, 10, tzinfo=UTC))
        PostFigures.objects.create(publication=publication, workspace=workspace, account=world.mastodon,
                                   published_at=publication.published_at)
    TimeEntry.objects.create(workspace=workspace, user=world.owner, day=date(2026, 11, 20), minutes=120)
    link = ShortLink.objects.create(code="Zx9yW8v", workspace=workspace, post=publication.post, network="mastodon",
                                    target="https://brand.example/", target_key="k")
    LinkClicks.objects.create(link=link, day=date(2026, 11, 4), clicks=5)
    DailyFigures.objects.create(account=world.mastodon, workspace=workspace, day=date(2026, 11, 3), clicks=3,
                                interactions=50)
    conversions.record(workspace, day="2026-11-05", goal="signup", count=4, value="60")
    return world


def test_the_figures_give_entered_and_estimated_hours_and_the_cost_of_each_result(api, november):
    response = api.get(f"{base(november)}/analytics/roi/", NOVEMBER)
    assert response.status_code == 200, response.content
    data = response.json()
    # 40 minutes estimated + 120 entered = 160 minutes, at a euro a minute.
    assert (data["hours"], data["hours_entered"], data["hours_estimated"], data["estimated"]) == (
        "2.7", "2.0", "0.7", True)
    assert (data["cost"], data["currency"], data["posts"]) == ("160.00", "EUR", 2)
    assert (data["clicks"], data["short_link_clicks"], data["network_clicks"]) == (8, 5, 3)
    assert (data["conversions"], data["conversion_value"], data["interactions"]) == (4, "60.00", 50)
    assert (data["per_click"], data["per_conversion"], data["per_engagement"]) == ("20.00", "40.00", "3.20")
    assert data["goals"] == [{"goal": "signup", "count": 4, "value": "60.00"}]
    assert data["settings"]["day_rate"] == "420.00"


def test_nothing_to_divide_by_is_null_and_a_wrong_period_is_named(api, world):
    data = api.get(f"{base(world)}/analytics/roi/", NOVEMBER).json()
    assert (data["per_click"], data["per_conversion"], data["per_engagement"]) == (None, None, None)
    for query, field in (({"start": "2026-11-30", "end": "2026-11-01"}, "end"), ({"days": "12"}, "days"),
                         ({"start": "9999-12-31", "end": "9999-12-31"}, "start")):
        response = api.get(f"{base(world)}/analytics/roi/", query)
        assert response.status_code == 400 and field in response.json()["errors"], response.content


def test_cost_settings_are_read_and_set_and_a_wrong_day_rate_is_named(api, world):
    assert api.get(f"{base(world)}/cost-settings/").json()["day_rate"] == "0.00"  # the defaults
    body = {"day_rate": "-5", "currency": "eur", "hours_per_day": "7", "minutes_per_post": 20,
            "minutes_per_reply": 3}
    response = api.put(f"{base(world)}/cost-settings/", body, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["day_rate"]
    response = api.put(f"{base(world)}/cost-settings/", {**body, "currency": "euro"}, format="json")
    assert response.status_code == 400 and "currency" in response.json()["errors"]
    response = api.put(f"{base(world)}/cost-settings/", {**body, "day_rate": "450.50", "currency": "chf"},
                       format="json")
    assert response.status_code == 200 and response.json()["currency"] == "CHF"
    assert CostSettings.objects.get(workspace=world.workspace).day_rate == Decimal("450.50")


def test_time_is_entered_listed_by_day_and_deleted(api, world):
    response = api.post(f"{base(world)}/time-entries/", {"day": "2026-11-20", "minutes": 0}, format="json")
    assert response.status_code == 400 and "minutes" in response.json()["errors"]
    response = api.post(f"{base(world)}/time-entries/", {"day": "2026-11-20", "minutes": 90, "note": "Bilan"},
                        format="json")
    assert response.status_code == 201, response.content
    entry = response.json()
    assert (entry["minutes"], entry["user"], entry["post"]) == (90, world.owner.pk, None)
    assert api.get(f"{base(world)}/time-entries/", {"start": "2026-11-21"}).json()["count"] == 0
    assert api.get(f"{base(world)}/time-entries/", NOVEMBER).json()["results"][0]["note"] == "Bilan"
    assert api.get(f"/api/v1/time-entries/{entry['id']}/").status_code == 200
    assert api.delete(f"/api/v1/time-entries/{entry['id']}/").status_code == 204
    assert not TimeEntry.objects.exists()


def test_a_conversion_is_recorded_once_per_id_and_a_bad_one_names_its_field(api, world):
    body = {"day": "2026-11-05", "goal": "signup", "count": 2, "value": "12.50", "external_id": "order-1"}
    first = api.post(f"{base(world)}/conversions/", body, format="json")
    again = api.post(f"{base(world)}/conversions/", {**body, "count": 3}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert Conversion.objects.get().count == 3
    response = api.post(f"{base(world)}/conversions/", {**body, "goal": "   "}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["goal"]
    listed = api.get(f"{base(world)}/conversions/", {**NOVEMBER, "goal": "signup"}).json()
    assert listed["count"] == 1 and listed["results"][0]["source"] == "import"
    assert api.get(f"{base(world)}/conversions/", {"goal": "order"}).json()["count"] == 0


def test_a_csv_with_a_bad_line_is_refused_naming_the_line(api, world):
    bad = "day;goal;count\n2026-11-03;signup;2\n2026-11-04;signup;many\n"
    response = api.post(f"{base(world)}/conversions/import/",
                        {"file": SimpleUploadedFile("c.csv", bad.encode(), "text/csv")}, format="multipart")
    assert response.status_code == 400
    data = response.json()
    assert data["lines"] == [{"line": 3, "field": "count", "message": "Give a whole number."}]
    assert "Line 3, count: Give a whole number." in data["errors"]["file"]
    assert not Conversion.objects.exists()
    good = "day;goal;count;id\n2026-11-03;signup;2;a\n"
    response = api.post(f"{base(world)}/conversions/import/",
                        {"file": SimpleUploadedFile("c.csv", good.encode(), "text/csv")}, format="multipart")
    assert response.status_code == 200 and response.json() == {"created": 1, "updated": 0}


def test_a_webhook_source_gives_its_secret_once(api, world):
    response = api.post(f"{base(world)}/conversion-sources/", {"kind": "webhook", "name": "Shop"}, format="json")
    assert response.status_code == 201, response.content
    made = response.json()
    source = ConversionSource.objects.get()
    assert made["secret"] == source.secrets["webhook_secret"]
    assert made["url"] == conversions.hook_url(source)
    for answer in (api.get(f"/api/v1/conversion-sources/{source.pk}/"), api.get(f"{base(world)}/conversion-sources/"),
                   api.patch(f"/api/v1/conversion-sources/{source.pk}/", {"name": "Boutique"}, format="json")):
        assert answer.status_code == 200 and source.secrets["webhook_secret"] not in answer.content.decode()


def test_a_matomo_sources_token_never_appears_in_any_answer(api, world):
    body = {"kind": "matomo", "base_url": "https://stats.brand.example/", "site_id": "3", "token": TOKEN}
    response = api.post(f"{base(world)}/conversion-sources/", {**body, "site_id": "three"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["site_id"]
    response = api.post(f"{base(world)}/conversion-sources/", {**body, "token": ""}, format="json")
    assert response.status_code == 400 and "token" in response.json()["errors"]
    response = api.post(f"{base(world)}/conversion-sources/", body, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    answers = [response, api.get(f"/api/v1/conversion-sources/{pk}/"), api.get(f"{base(world)}/conversion-sources/"),
               api.patch(f"/api/v1/conversion-sources/{pk}/", {"goal": "2", "enabled": False}, format="json")]
    for answer in answers:
        assert answer.status_code in (200, 201) and TOKEN not in answer.content.decode()
    assert answers[1].json()["has_token"] is True and answers[1].json()["url"] is None
    assert answers[0].json()["secret"] is None and "secret" not in answers[1].json()
    source = ConversionSource.objects.get()
    assert (source.goal, source.enabled, source.secrets) == ("2", False, {"token": TOKEN})
    response = api.patch(f"/api/v1/conversion-sources/{pk}/", {"kind": "plausible"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()["errors"]
    assert api.delete(f"/api/v1/conversion-sources/{pk}/").status_code == 204


def test_a_viewer_reads_but_cannot_write(world, client_for):
    viewer = client_for(world.viewer)
    assert viewer.get(f"{base(world)}/analytics/roi/").status_code == 200
    assert viewer.get(f"{base(world)}/conversion-sources/").status_code == 200
    for path, body in (("cost-settings/", None), ("time-entries/", {"day": "2026-11-20", "minutes": 30}),
                       ("conversions/", {"day": "2026-11-20", "goal": "signup"}),
                       ("conversion-sources/", {"kind": "webhook"})):
        call = viewer.put if body is None else viewer.post
        assert call(f"{base(world)}/{path}", body or {}, format="json").status_code == 403, path
    entry = TimeEntry.objects.create(workspace=world.workspace, day=date(2026, 11, 2), minutes=60)
    assert viewer.delete(f"/api/v1/time-entries/{entry.pk}/").status_code == 403
    assert client_for(world.editor).post(f"{base(world)}/time-entries/", {"day": "2026-11-20", "minutes": 30},
                                         format="json").status_code == 403


def test_another_workspaces_objects_are_not_found(api, world):
    theirs = TimeEntry.objects.create(workspace=world.other_workspace, day=date(2026, 11, 2), minutes=60)
    their_source = ConversionSource.objects.create(workspace=world.other_workspace, kind="matomo",
                                                   secrets={"token": TOKEN})
    assert api.get(f"/api/v1/time-entries/{theirs.pk}/").status_code == 404
    assert api.delete(f"/api/v1/time-entries/{theirs.pk}/").status_code == 404
    for call in (api.get, api.delete):
        assert call(f"/api/v1/conversion-sources/{their_source.pk}/").status_code == 404
    other = f"/api/v1/workspaces/{world.other_workspace.pk}"
    for path in ("analytics/roi/", "cost-settings/", "time-entries/", "conversions/", "conversion-sources/"):
        assert api.get(f"{other}/{path}").status_code == 404, path
    assert TimeEntry.objects.filter(pk=theirs.pk).exists() and ConversionSource.objects.filter(pk=their_source.pk)
