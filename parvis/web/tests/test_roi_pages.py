"""The ROI page: November's hours (entered and estimated, said which), their cost and
the cost per click, conversion and engagement; the settings, the time entered, the
conversion sources and the CSV import, for managers; figures only for a viewer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parvis.analytics import conversions
from parvis.analytics.models import (
    Conversion,
    ConversionKind,
    ConversionSource,
    CostSettings,
    DailyFigures,
    LinkClicks,
    ShortLink,
    TimeEntry,
)
from parvis.analytics.tests.test_costs import at, post_on, reply_on
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def november(people, account):
    """Three posts and two replies (66 minutes estimated), an hour and a half entered on
    the 20th, 10 clicks, 6 conversions worth 90, 40 interactions; 420 € a 7-hour day."""
    workspace = people["workspace"]
    CostSettings.objects.create(workspace=workspace, day_rate=Decimal("420"), hours_per_day=7, minutes_per_post=20,
                                minutes_per_reply=3)
    post = post_on(account, at(3))
    post_on(account, at(10))
    post_on(account, at(12))
    reply_on(account, at(10, 15), people["owner"])
    reply_on(account, at(12), people["owner"])
    TimeEntry.objects.create(workspace=workspace, user=people["manager"], day=date(2026, 11, 20), minutes=90,
                             note="Bilan mensuel")
    link = ShortLink.objects.create(code="Ab3dE5g", workspace=workspace, post=post, network=account.network,
                                    target="https://boulangerie.example/noel", target_key="k")
    LinkClicks.objects.create(link=link, day=date(2026, 11, 4), clicks=6)
    DailyFigures.objects.create(account=account, workspace=workspace, day=date(2026, 11, 3), clicks=4,
                                interactions=40)
    conversions.record(workspace, day="2026-11-05", goal="commande", count=6, value="90")
    return people


def url(people):
    return reverse("web:roi", args=[people["workspace"].pk])


def test_figures_say_which_hours_are_entered_or_estimated_and_cost_each_click_conversion_and_engagement(november):
    response = client_for(november["viewer"]).get(url(november), NOVEMBER)
    html = response.content.decode()
    assert response.status_code == 200
    # 66 minutes estimated + 90 entered = 156 minutes = 2.6 h, at a euro a minute.
    hours = html.split('data-testid="kpi-hours"')[1].split("</li>")[0]
    assert "2.6 h" in hours and "1.5 h entered, 1.1 h estimated" in hours
    assert "156.00 EUR" in html.split('data-testid="kpi-cost"')[1].split("</li>")[0]
    assert "6 on short links, 4 on the networks" in html
    assert "15.60 EUR" in html.split('data-testid="per-click"')[1].split("</li>")[0]
    assert "26.00 EUR" in html.split('data-testid="per-conversion"')[1].split("</li>")[0]
    assert "3.90 EUR" in html.split('data-testid="per-engagement"')[1].split("</li>")[0]
    assert 'data-testid="goals"' in html and "commande" in html
    assert "Bilan mensuel" in html
    # A viewer reads, without a form to change anything.
    for form in ("cost-settings-form", "time-form", "source-form", "webhook-form", "import-form", "time-delete"):
        assert f'data-testid="{form}"' not in html


def test_nothing_to_divide_is_a_dash_with_its_reason(people, account):
    html = client_for(people["viewer"]).get(url(people), NOVEMBER).content.decode()
    assert "no day rate yet" in html.split('data-testid="per-click"')[1].split("</li>")[0]
    assert 'data-testid="no-conversions"' in html and 'data-testid="no-time"' in html
    assert 'data-testid="no-sources"' in html
    CostSettings.objects.create(workspace=people["workspace"], day_rate=Decimal("420"))
    TimeEntry.objects.create(workspace=people["workspace"], day=date(2026, 11, 2), minutes=60)
    html = client_for(people["viewer"]).get(url(people), NOVEMBER).content.decode()
    assert "all entered" in html
    assert "—" in html.split('data-testid="per-click"')[1].split("</li>")[0]
    assert "no click in this period" in html and "no conversion in this period" in html
    assert "no interaction in this period" in html


def test_the_french_page_writes_amounts_the_french_way(november):
    html = client_for(november["viewer"], "fr").get(url(november), NOVEMBER).content.decode()
    assert "156,00 EUR" in html and "15,60 EUR" in html


def test_a_manager_saves_the_cost_settings_and_a_wrong_day_rate_is_named(people):
    client = client_for(people["manager"])
    response = client.post(url(people) + "?days=7", {"action": "settings", "cost-day_rate": "-3",
                                                     "cost-currency": "eur", "cost-hours_per_day": "7",
                                                     "cost-minutes_per_post": "20", "cost-minutes_per_reply": "3"})
    html = response.content.decode()
    assert response.status_code == 400 and not CostSettings.objects.exists()
    assert 'data-field="day_rate"' in html and "greater than or equal to 0" in html
    response = client.post(url(people) + "?days=7", {"action": "settings", "cost-day_rate": "450.50",
                                                     "cost-currency": "chf", "cost-hours_per_day": "7.5",
                                                     "cost-minutes_per_post": "25", "cost-minutes_per_reply": "4"})
    assert response.status_code == 302 and response["Location"].endswith("?days=7")
    saved = CostSettings.objects.get(workspace=people["workspace"])
    assert (saved.day_rate, saved.currency, saved.hours_per_day, saved.minutes_per_post) == (
        Decimal("450.50"), "CHF", Decimal("7.5"), 25)
    response = client.post(url(people), {"action": "settings", "cost-day_rate": "450", "cost-currency": "euros",
                                         "cost-hours_per_day": "7", "cost-minutes_per_post": "20",
                                         "cost-minutes_per_reply": "3"})
    assert response.status_code == 400 and 'data-field="currency"' in response.content.decode()


def test_a_manager_enters_time_and_deletes_it(people):
    client = client_for(people["manager"])
    response = client.post(url(people), {"action": "time", "time-day": "2026-11-20", "time-minutes": "0"})
    assert response.status_code == 400 and 'data-field="minutes"' in response.content.decode()
    response = client.post(url(people), {"action": "time", "time-day": "2026-11-20", "time-minutes": "45",
                                         "time-note": "Calendrier de l'Avent"})
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.user, entry.note) == (45, people["manager"], "Calendrier de l'Avent")
    assert "Calendrier de l&#x27;Avent" in client.get(url(people)).content.decode()
    assert client.post(url(people), {"action": "time_delete", "id": entry.pk}).status_code == 302
    assert not TimeEntry.objects.exists()


def test_a_webhook_source_shows_its_secret_once(people):
    client = client_for(people["manager"])
    response = client.post(url(people), {"action": "webhook", "webhook-name": "Boutique"})
    html = response.content.decode()
    source = ConversionSource.objects.get(kind=ConversionKind.WEBHOOK)
    secret = source.secrets["webhook_secret"]
    assert response.status_code == 200 and 'data-testid="new-secret"' in html and secret in html
    assert conversions.hook_url(source) in html
    html = client.get(url(people)).content.decode()
    assert secret not in html and 'data-testid="new-secret"' not in html
    assert conversions.hook_url(source) in html  # the address stays: it is no secret


def test_a_matomo_source_is_added_its_token_never_shown_and_its_error_read(people):
    client = client_for(people["manager"])
    response = client.post(url(people), {"action": "source", "source-kind": "matomo",
                                         "source-base_url": "https://stats.boulangerie.example/index.php",
                                         "source-site_id": "trois", "source-token": "tk_matomo_0123456789"})
    html = response.content.decode()
    assert response.status_code == 400 and 'data-field="site_id"' in html
    assert "tk_matomo_0123456789" not in html and not ConversionSource.objects.exists()
    response = client.post(url(people), {"action": "source", "source-kind": "matomo",
                                         "source-base_url": "https://stats.boulangerie.example/index.php",
                                         "source-site_id": "3", "source-goal": "2",
                                         "source-token": "tk_matomo_0123456789"})
    assert response.status_code == 302
    source = ConversionSource.objects.get()
    assert (source.base_url, source.site_id, source.goal) == ("https://stats.boulangerie.example", "3", "2")
    assert source.secrets == {"token": "tk_matomo_0123456789"}
    ConversionSource.objects.filter(pk=source.pk).update(
        last_error="Matomo refused the token", last_error_text={"msgid": "Matomo refused the token: %(message)s",
                                                               "params": {"message": "no view access"}})
    html = client.get(url(people)).content.decode()
    assert "tk_matomo_0123456789" not in html
    assert "Matomo refused the token: no view access" in html and "Not read yet" in html
    client.post(url(people), {"action": "source_disable", "id": source.pk})
    assert not ConversionSource.objects.get().enabled
    client.post(url(people), {"action": "source_delete", "id": source.pk})
    assert not ConversionSource.objects.exists()


def test_a_csv_with_a_bad_line_imports_nothing_and_names_the_line(people):
    client = client_for(people["manager"])
    bad = "jour;objectif;nombre;valeur\n2026-11-03;commande;2;30,50\n2026-11-04;commande;beaucoup;10\n"
    response = client.post(url(people), {"action": "import", "import-file": SimpleUploadedFile(
        "conv.csv", bad.encode(), "text/csv")})
    html = response.content.decode()
    assert response.status_code == 400 and not Conversion.objects.exists()
    errors = html.split('data-testid="import-errors"')[1].split("</ul>")[0]
    assert "Line 3, count: Give a whole number." in errors
    good = "day;goal;count;value\n2026-11-03;commande;2;30,50\n"
    response = client.post(url(people), {"action": "import", "import-file": SimpleUploadedFile(
        "conv.csv", good.encode(), "text/csv")})
    assert response.status_code == 302
    assert Conversion.objects.get().value == Decimal("30.50")


def test_a_viewer_cannot_post_and_another_workspace_is_not_found(people):
    viewer = client_for(people["viewer"])
    assert viewer.post(url(people), {"action": "time", "time-day": "2026-11-20", "time-minutes": "45"}
                       ).status_code == 403
    assert client_for(people["editor"]).post(url(people), {"action": "webhook"}).status_code == 403
    assert not TimeEntry.objects.exists() and not ConversionSource.objects.exists()
    theirs = TimeEntry.objects.create(workspace=people["other_workspace"], day=date(2026, 11, 2), minutes=60)
    their_source = ConversionSource.objects.create(workspace=people["other_workspace"], kind="webhook")
    manager = client_for(people["manager"])
    assert manager.post(url(people), {"action": "time_delete", "id": theirs.pk}).status_code == 404
    assert manager.post(url(people), {"action": "source_delete", "id": their_source.pk}).status_code == 404
    assert TimeEntry.objects.filter(pk=theirs.pk).exists()
    assert client_for(people["outsider"]).get(url(people)).status_code == 404


def test_a_wrong_period_is_named_and_the_last_30_days_shown(people):
    response = client_for(people["viewer"]).get(url(people), {"start": "2026-11-30", "end": "2026-11-01"})
    assert response.status_code == 400 and 'data-testid="period-error"' in response.content.decode()
    response = client_for(people["viewer"]).get(url(people), {"start": "9999-12-31", "end": "9999-12-31"})
    assert response.status_code == 400


def test_the_dashboard_links_to_the_page(people):
    html = client_for(people["viewer"]).get(reverse("web:analytics", args=[people["workspace"].pk])).content.decode()
    assert f'href="{url(people)}"' in html
