"""The analytics pages: a client's dashboard (key figures against the period before,
charts with their figures as a table, per network and account, top and bottom posts),
the agency's across clients, a wrong period named, and an empty workspace told what to do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.analytics.tests.test_dashboard import count, figures
from parvis.testing.factories import client_for, make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def seeded(people):
    account = make_account(people["workspace"], "mastodon")
    now = timezone.now()
    count(account, now - timedelta(days=20), 1000)
    count(account, now - timedelta(days=2), 1040)
    figures(account, now - timedelta(days=3), interactions=42, views=None, followers=1000)
    figures(account, now - timedelta(days=4), interactions=3, views=None, followers=1000)
    figures(account, now - timedelta(days=40), interactions=20, views=None, followers=1000)  # the period before
    return {"account": account, **people}


def page(person, workspace=None, **query):
    url = reverse("web:analytics", args=[workspace.pk]) if workspace else reverse("web:analytics_all")
    return client_for(person).get(url, query)


def test_the_dashboard_shows_the_periods_figures_against_the_one_before(seeded):
    response = page(seeded["viewer"], seeded["workspace"])
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="kpi-interactions"' in html and "<strong>45</strong>" in html
    assert "+125 %" in html  # 45 against 20
    assert "2.25 %" in html and "period total ÷ total" in html  # 45 / (1,000 + 1,000) followers
    assert html.count('data-testid="chart"') == 2 and "<svg" in html and "The figures as a table" in html
    assert html.count("1040") >= 2  # the followers figure, and the table of the chart
    top = html.split('data-testid="top-posts"')[1].split("</ol>")[0]
    assert "42 interactions" in top and top.index("42 interactions") < top.index("3 interactions")


def test_one_account_at_a_time(seeded):
    other = make_account(seeded["workspace"], "bluesky")
    html = page(seeded["owner"], seeded["workspace"], account=other.pk).content.decode()
    assert "<strong>0</strong>" in html
    html = page(seeded["owner"], seeded["workspace"], account=999999).content.decode()  # not theirs: every account
    assert "<strong>45</strong>" in html


def test_a_wrong_period_is_named_and_the_last_30_days_shown(seeded):
    response = page(seeded["owner"], seeded["workspace"], start="2026-11-10", end="2026-11-01")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="period-error"' in html and "To: The end is before the start." in html
    assert 'id="id_end" value=' in html and 'aria-invalid="true"' in html
    assert page(seeded["owner"], seeded["workspace"], days="12").status_code == 400


def test_a_workspace_without_accounts_says_what_to_do(people):
    html = page(people["owner"], people["workspace"]).content.decode()
    assert 'data-testid="no-accounts"' in html and reverse("web:accounts", args=[people["workspace"].pk]) in html


def test_the_agency_page_lists_only_the_persons_clients(seeded):
    from parvis.accounts.actions import create_organisation, create_workspace

    theirs = create_workspace(create_organisation("Autre", seeded["outsider"]), "Secret", seeded["outsider"],
                              "Europe/Paris", "fr")
    figures(make_account(theirs, "mastodon"), timezone.now() - timedelta(days=3), interactions=999, views=None,
            followers=None)
    html = page(seeded["owner"]).content.decode()
    assert "Boulangerie Dupont" in html and "Secret" not in html and "999" not in html


def test_someone_of_another_workspace_gets_404(seeded):
    assert page(seeded["outsider"], seeded["workspace"]).status_code == 404


def test_the_competitors_of_the_veille_stand_next_to_the_brand(seeded):
    from parvis.listening.models import Competitor, CompetitorAccount, CompetitorCount, CompetitorPost

    rival = Competitor.objects.create(workspace=seeded["workspace"], name="Boulangerie Martin")
    account = CompetitorAccount.objects.create(competitor=rival, network="mastodon", handle="@martin@rival.test")
    now = timezone.now()
    for n in range(4):
        CompetitorPost.objects.create(account=account, remote_id=str(n), text="#pain", published_at=now - timedelta(
            days=n + 1), likes=10, reposts=2, followers=400)
    CompetitorCount.objects.create(account=account, day=(now - timedelta(days=25)).date(), followers=380)
    CompetitorCount.objects.create(account=account, day=(now - timedelta(days=1)).date(), followers=400)
    html = page(seeded["owner"], seeded["workspace"]).content.decode()
    table = html.split('data-testid="competitors"')[1].split("</table>")[0]
    assert table.index("Boulangerie Dupont") < table.index("Boulangerie Martin")
    assert "12.0" in table and "3.00 %" in table  # 12 interactions a post, 12 / 400 followers
    assert ">400<" in table
