"""What the CM's time cost, entered or estimated, and per click, conversion and engagement."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from parvis.analytics import conversions
from parvis.analytics.costs import cost
from parvis.analytics.dashboard import Period
from parvis.analytics.models import CostSettings, DailyFigures, LinkClicks, PostFigures, ShortLink, TimeEntry
from parvis.analytics.tests.helpers import published
from parvis.inbox.ingest import store
from parvis.inbox.models import Reply
from parvis.inbox.tests.factories import inbound
from parvis.publishing.models import Post, PostKind, Publication, State

PARIS = ZoneInfo("Europe/Paris")
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def figures_of(publication: Publication) -> PostFigures:
    assert publication.published_at is not None
    return PostFigures.objects.create(publication=publication, workspace_id=publication.account.workspace_id,
                                      account=publication.account, published_at=publication.published_at)


def post_on(account: Any, when: datetime, *also: Any) -> Post:
    """A post published at `when` on `account` (and the same post on the `also` accounts)."""
    publication = published(account, when)
    figures_of(publication)
    for other in also:
        figures_of(Publication.objects.create(post=publication.post, account=other, state=State.PUBLISHED,
                                              published_at=when, due_at=when, remote_id=uuid.uuid4().hex))
    return publication.post


def reply_on(account: Any, when: datetime, user: Any) -> Reply:
    item = store(account, [inbound("Vous livrez à Lyon ?")], analyser=lambda items: None).new_in_inbox[0]
    post = Post.with_replies.create(workspace=account.workspace, author=user, text="Oui, le mardi.",
                                    kind=PostKind.REPLY, scheduled_at=when)
    Publication.objects.create(post=post, account=account, state=State.PUBLISHED, published_at=when, due_at=when,
                               remote_id=uuid.uuid4().hex)
    return Reply.objects.create(item=item, post=post, author=user)


@pytest.fixture
def rates(people: dict[str, Any]) -> CostSettings:
    # 420 € for 7 hours: a euro a minute, so that the sums read easily.
    return CostSettings.objects.create(workspace=people["workspace"], day_rate=Decimal("420"), hours_per_day=7,
                                       minutes_per_post=20, minutes_per_reply=3)


def test_hours_are_estimated_from_posts_and_replies_and_costed_per_click_conversion_and_engagement(
        people, account, bluesky_offline, rates):
    post_on(account, at(3), bluesky_offline)  # one post on two accounts: written once
    post_on(account, at(10))
    post_on(account, at(30, 22))  # 23:00 in Paris, still November
    reply_on(account, at(10, 15), people["owner"])
    reply_on(account, at(12), people["owner"])
    link = ShortLink.objects.create(code="Ab3dE5g", workspace=people["workspace"], post=Post.objects.first(),
                                    network=account.network, target="https://boulangerie.example/noel",
                                    target_key="k")
    LinkClicks.objects.create(link=link, day=date(2026, 11, 4), clicks=6)
    LinkClicks.objects.create(link=link, day=date(2026, 12, 1), clicks=50)  # after the period
    DailyFigures.objects.create(account=account, workspace=people["workspace"], day=date(2026, 11, 3), clicks=4,
                                interactions=40)
    conversions.record(people["workspace"], day="2026-11-05", goal="commande", count=6, value="90")

    costs = cost([people["workspace"].pk], NOVEMBER, PARIS)

    assert (costs.posts, costs.replies) == (3, 2)
    assert (costs.hours, costs.hours_entered, costs.hours_estimated, costs.estimated) == (
        Decimal("1.1"), Decimal("0.0"), Decimal("1.1"), True)  # 3 × 20 + 2 × 3 = 66 minutes
    assert (costs.cost, costs.currency) == (Decimal("66.00"), "EUR")
    assert (costs.clicks, costs.short_link_clicks, costs.network_clicks) == (10, 6, 4)
    assert (costs.conversions, costs.conversion_value, costs.interactions) == (6, Decimal("90.00"), 40)
    assert (costs.per_click, costs.per_conversion, costs.per_engagement) == (
        Decimal("6.60"), Decimal("11.00"), Decimal("1.65"))


def test_entered_time_replaces_the_estimate_for_the_days_it_covers(people, account, rates):
    post_on(account, at(3))
    post_on(account, at(3, 14))
    post_on(account, at(4))
    TimeEntry.objects.create(workspace=people["workspace"], user=people["owner"], day=date(2026, 11, 3),
                             minutes=90, note="Planning de Noël")
    TimeEntry.objects.create(workspace=people["workspace"], user=people["editor"], day=date(2026, 11, 3),
                             minutes=30)

    costs = cost([people["workspace"].pk], NOVEMBER, PARIS)

    # The 3rd: 120 minutes entered instead of 2 × 20 estimated; the 4th: 20 estimated.
    assert (costs.hours_entered, costs.hours_estimated, costs.hours, costs.days_entered) == (
        Decimal("2.0"), Decimal("0.3"), Decimal("2.3"), 1)
    assert costs.cost == Decimal("140.00")


def test_time_entered_on_a_day_without_posts_counts_too(people, account, rates):
    TimeEntry.objects.create(workspace=people["workspace"], user=people["owner"], day=date(2026, 11, 20),
                             minutes=420, note="Bilan mensuel")

    costs = cost([people["workspace"].pk], NOVEMBER, PARIS)

    assert (costs.hours, costs.estimated, costs.cost) == (Decimal("7.0"), False, Decimal("420.00"))


def test_posts_count_on_the_local_day_they_were_published(people, account, rates):
    post_on(account, at(31, 23, month=10))  # 00:00 on 1 November in Paris
    post_on(account, at(30, 23))  # 00:00 on 1 December in Paris

    costs = cost([people["workspace"].pk], NOVEMBER, PARIS)

    assert costs.posts == 1


def test_nothing_to_divide_by_gives_no_cost_per_item(people, account, rates):
    post_on(account, at(3))

    costs = cost([people["workspace"].pk], NOVEMBER, PARIS)

    assert costs.cost == Decimal("20.00")
    assert (costs.per_click, costs.per_conversion, costs.per_engagement) == (None, None, None)


def test_without_settings_the_defaults_estimate_and_nothing_is_charged(people, account):
    post_on(account, at(3))

    costs = cost([people["workspace"].pk], NOVEMBER, PARIS)

    assert (costs.hours_estimated, costs.cost) == (Decimal("0.3"), Decimal("0.00"))
    assert not CostSettings.objects.exists()


def test_workspaces_in_different_currencies_get_no_total(people, account, rates):
    other = people["other_workspace"]
    CostSettings.objects.create(workspace=other, currency="CAD", day_rate=Decimal("600"))
    post_on(account, at(3))

    costs = cost([people["workspace"].pk, other.pk], NOVEMBER, PARIS)

    assert (costs.currency, costs.cost, costs.hours) == ("", None, Decimal("0.3"))


def test_other_workspaces_figures_are_left_out(people, account, rates):
    post_on(account, at(3))
    TimeEntry.objects.create(workspace=people["other_workspace"], user=people["outsider"], day=date(2026, 11, 3),
                             minutes=600)
    conversions.record(people["other_workspace"], day="2026-11-05", goal="commande", count=6)

    costs = cost([people["workspace"].pk], NOVEMBER, PARIS)

    assert (costs.hours, costs.conversions) == (Decimal("0.3"), 0)
