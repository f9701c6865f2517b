"""Mission quotas: promises carried forward month to month, counted in the workspace's
zone, and the owners warned once in the month's last week when the plan falls short."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from parvis.accounts import audit
from parvis.accounts.actions import create_organisation, create_workspace
from parvis.accounts.models import AuditEntry, Notification, User, Workspace
from parvis.networks.models import SocialAccount
from parvis.publishing import missions
from parvis.publishing.missions import MissionProgress
from parvis.publishing.models import Mission, Post, PostKind, Publication, State
from parvis.publishing.types import PostValidationError
from parvis.testing.factories import make_account

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
OCT, NOV, DEC, JAN = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)
MID_NOV = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
LAST_WEEK_DEC = datetime(2026, 12, 26, 9, 0, tzinfo=UTC)
remote_ids = count(100)


@pytest.fixture(autouse=True)
def unpaced() -> None:
    missions._last_warned.clear()


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def post_on(account: SocialAccount, due_at: datetime, state: str = State.SCHEDULED,
            kind: str = PostKind.POST) -> Publication:
    post = Post.with_replies.create(workspace=account.workspace, text="Galette", kind=kind)
    return Publication.objects.create(post=post, account=account, state=state, due_at=due_at)


def rows(workspace: Workspace) -> dict[tuple[date, str], int]:
    return {(m.month, m.network): m.promised for m in Mission.objects.filter(workspace=workspace)}


def by_network(found: list[MissionProgress]) -> dict[str, MissionProgress]:
    return {row.network: row for row in found}


# -- promises ------------------------------------------------------------------------------

def test_a_month_without_promises_of_its_own_carries_the_latest_earlier_ones(people):
    workspace, owner = people["workspace"], people["owner"]
    missions.set_promises(workspace, OCT, {"mastodon": 20, "bluesky": "8"}, owner, now=MID_NOV)
    future = missions.month_promises(workspace, DEC, now=MID_NOV)
    assert future.promises == {"mastodon": 20, "bluesky": 8} and future.carried_from == OCT
    assert (DEC, "mastodon") not in rows(workspace)  # a month to come follows later changes
    # The current month has begun: reading it makes the promises its own.
    assert missions.promises(workspace, NOV, now=MID_NOV) == {"mastodon": 20, "bluesky": 8}
    assert rows(workspace)[(NOV, "mastodon")] == 20
    assert missions.month_promises(workspace, NOV, now=MID_NOV).carried_from is None


def test_editing_one_month_never_changes_another_that_has_begun(people):
    workspace, owner = people["workspace"], people["owner"]
    missions.set_promises(workspace, OCT, {"mastodon": 20}, owner, now=datetime(2026, 10, 2, tzinfo=UTC))
    # In November, October is corrected: November (begun, never read) keeps the old promise.
    missions.set_promises(workspace, OCT, {"mastodon": 12}, owner, now=MID_NOV)
    assert missions.promises(workspace, OCT, now=MID_NOV) == {"mastodon": 12}
    assert missions.promises(workspace, NOV, now=MID_NOV) == {"mastodon": 20}
    # Changing November reaches December, which has not begun, and leaves October alone.
    missions.set_promises(workspace, NOV, {"mastodon": 25, "wordpress": 4}, owner, now=MID_NOV)
    assert missions.promises(workspace, DEC, now=MID_NOV) == {"mastodon": 25, "wordpress": 4}
    assert missions.promises(workspace, OCT, now=MID_NOV) == {"mastodon": 12}


def test_networks_not_named_keep_their_promise_and_zero_or_blank_removes_one(people):
    workspace, owner = people["workspace"], people["owner"]
    missions.set_promises(workspace, NOV, {"mastodon": 20, "bluesky": 8}, owner, now=MID_NOV)
    assert missions.set_promises(workspace, NOV, {"wordpress": 4}, owner, now=MID_NOV) == {
        "mastodon": 20, "bluesky": 8, "wordpress": 4}
    assert missions.set_promises(workspace, NOV, {"bluesky": 0, "wordpress": ""}, owner, now=MID_NOV) == {
        "mastodon": 20}
    assert missions.set_promises(workspace, NOV, {"mastodon": None}, owner, now=MID_NOV) == {}


def test_removing_every_promise_ends_the_contract_for_the_months_after(people):
    workspace, owner = people["workspace"], people["owner"]
    missions.set_promises(workspace, OCT, {"mastodon": 20}, owner, now=MID_NOV)
    missions.set_promises(workspace, DEC, {"mastodon": 0}, owner, now=MID_NOV)
    assert missions.promises(workspace, DEC, now=MID_NOV) == {}
    assert missions.promises(workspace, JAN, now=MID_NOV) == {}
    assert missions.promises(workspace, NOV, now=MID_NOV) == {"mastodon": 20}


def test_each_change_is_in_the_audit_log_with_before_and_after(people):
    workspace, owner = people["workspace"], people["owner"]
    missions.set_promises(workspace, NOV, {"mastodon": 20}, owner, now=MID_NOV)
    missions.set_promises(workspace, NOV, {"mastodon": 20}, owner, now=MID_NOV)  # no change, no entry
    missions.set_promises(workspace, NOV, {"bluesky": 8}, owner, now=MID_NOV)
    entries = list(AuditEntry.objects.filter(workspace=workspace, action="mission.changed").order_by("pk"))
    assert [(e.before, e.after, e.actor_id) for e in entries] == [
        ("", "Mastodon 20", owner.pk), ("Mastodon 20", "Bluesky 8, Mastodon 20", owner.pk)]
    with translation.override("en"):
        assert audit.shown_field(entries[0], "summary") == "Mission for 2026-11 changed"


@pytest.mark.parametrize(("changes", "field"), [
    ({"myspace": 20}, "promises.myspace"), ({"mastodon": -1}, "promises.mastodon"),
    ({"mastodon": "douze"}, "promises.mastodon"), ({"mastodon": "1.5"}, "promises.mastodon"),
    ({"mastodon": True}, "promises.mastodon"), ({"mastodon": 10_001}, "promises.mastodon"),
    ({"mastodon": "²"}, "promises.mastodon"), ({"mastodon": [3]}, "promises.mastodon"),
])
def test_a_bad_promise_is_refused_naming_its_network_and_nothing_is_saved(people, changes, field):
    workspace = people["workspace"]
    with pytest.raises(PostValidationError) as raised:
        missions.set_promises(workspace, NOV, {"bluesky": 8, **changes}, people["owner"], now=MID_NOV)
    assert list(raised.value.by_field()) == [field]
    assert not Mission.objects.exists()


@pytest.mark.parametrize("raw", ["2026-13", "2026-1", "26-12", "", "2026-12-01", "١٢٣٤-12", "0999-12", "abcd"])
def test_a_month_not_written_yyyy_mm_is_an_error_on_month(raw):
    with pytest.raises(PostValidationError) as raised:
        missions.parse_month(raw)
    assert list(raised.value.by_field()) == ["month"]


# -- progress ------------------------------------------------------------------------------

def test_planned_counts_every_state_but_cancelled_and_failed_and_published_only_published(people):
    workspace = people["workspace"]
    mastodon, bluesky = make_account(workspace), make_account(workspace, "bluesky")
    missions.set_promises(workspace, DEC, {"mastodon": 10, "bluesky": 2}, people["owner"], now=MID_NOV)
    when = paris(2026, 12, 10, 9, 0)
    for state in State.values:
        post_on(mastodon, when, state)
    post_on(mastodon, when, State.PUBLISHED, kind=PostKind.REPLY)  # an inbox reply is not in the plan
    post_on(bluesky, when, State.PUBLISHED)
    post_on(make_account(people["other_workspace"]), when, State.PUBLISHED)
    found = by_network(missions.progress(workspace, DEC, now=MID_NOV))
    assert found["mastodon"] == MissionProgress("mastodon", "Mastodon", 10, len(State.values) - 2, 1, 4, False)
    assert found["bluesky"] == MissionProgress("bluesky", "Bluesky", 2, 1, 1, 1, False)


def test_a_post_belongs_to_the_month_of_its_time_in_the_workspace_zone(people):
    workspace = people["workspace"]  # Europe/Paris
    account = make_account(workspace)
    post_on(account, paris(2026, 12, 31, 23, 30))  # 22:30 UTC: December in Paris
    post_on(account, paris(2026, 12, 1, 0, 0))  # 30 November 23:00 UTC
    post_on(account, paris(2027, 1, 1, 0, 10))  # 31 December 23:10 UTC: January in Paris
    post_on(account, paris(2026, 11, 30, 23, 59))
    assert [(r.network, r.planned) for r in missions.progress(workspace, DEC, now=MID_NOV)] == [("mastodon", 2)]
    assert [r.planned for r in missions.progress(workspace, JAN, now=MID_NOV)] == [1]
    assert [r.planned for r in missions.progress(workspace, NOV, now=MID_NOV)] == [1]


def test_a_short_plan_is_at_risk_only_in_the_months_last_week(people):
    workspace = people["workspace"]
    account = make_account(workspace)
    missions.set_promises(workspace, DEC, {"mastodon": 3}, people["owner"], now=MID_NOV)
    post_on(account, paris(2026, 12, 28, 9, 0))
    assert missions.progress(workspace, DEC, now=paris(2026, 12, 24, 23, 0))[0].at_risk is False
    assert missions.progress(workspace, DEC, now=paris(2026, 12, 25, 0, 30))[0].at_risk is True
    assert missions.progress(workspace, DEC, now=paris(2027, 1, 2, 9, 0))[0].at_risk is False  # over
    post_on(account, paris(2026, 12, 29, 9, 0))
    post_on(account, paris(2026, 12, 30, 9, 0))
    assert missions.progress(workspace, DEC, now=LAST_WEEK_DEC)[0].at_risk is False  # 3 of 3


def agency(n: int, owner: User) -> list[Workspace]:
    organisation = create_organisation("Agence", owner)
    made = []
    for i in range(n):
        zone = "America/Montreal" if i % 2 else "Europe/Paris"
        workspace = create_workspace(organisation, f"Client {i}", owner, zone)
        accounts = [make_account(workspace, remote_id=str(next(remote_ids))), make_account(workspace, "bluesky")]
        missions.set_promises(workspace, OCT, {"mastodon": 4, "bluesky": 2}, owner, now=MID_NOV)
        for day in (2, 15):
            for account in accounts:
                post_on(account, datetime(2026, 11, day, 15, tzinfo=UTC), State.PUBLISHED)
        made.append(workspace)
    return made


def test_progress_for_many_workspaces_costs_the_same_few_queries_as_for_one(people):
    owner = people["owner"]
    few, many = agency(2, owner), agency(12, owner)
    missions.progress_for_workspaces(few + many, now=MID_NOV)  # November's rows copied once
    with CaptureQueriesContext(connection) as one:
        missions.progress_for_workspaces(few, now=MID_NOV)
    with CaptureQueriesContext(connection) as twelve:
        found = missions.progress_for_workspaces(many, now=MID_NOV)
    assert len(one) == len(twelve) == 3  # the promises, the accounts, the counts
    assert all(by_network(found[w.pk])["mastodon"] == MissionProgress("mastodon", "Mastodon", 4, 2, 2, 2, False)
               for w in many)


def test_progress_in_a_new_month_copies_the_promises_in_one_more_query(people, django_assert_num_queries):
    many = agency(12, people["owner"])
    with django_assert_num_queries(4):  # the promises, copying them into November, the accounts, the counts
        found = missions.progress_for_workspaces(many, now=MID_NOV)
    assert all(by_network(found[w.pk])["bluesky"].promised == 2 for w in many)
    assert Mission.objects.filter(month=NOV).count() == 24


# -- the warning ---------------------------------------------------------------------------

def notices(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind="mission_short"))


def test_owners_are_warned_once_in_the_last_week_when_the_plan_falls_short(people):
    workspace, owner, manager = people["workspace"], people["owner"], people["manager"]
    account = make_account(workspace)
    missions.set_promises(workspace, OCT, {"mastodon": 20, "bluesky": 2}, owner, now=MID_NOV)
    for day in range(1, 13):
        post_on(account, paris(2026, 12, day, 10, 0))
    post_on(make_account(workspace, "bluesky"), paris(2026, 12, 3, 10, 0))
    post_on(make_account(workspace, "bluesky", remote_id="did:plc:two"), paris(2026, 12, 4, 10, 0))
    assert missions.warn_short(paris(2026, 12, 24, 20, 0)) == 0  # not yet the last week
    assert notices(owner) == []
    assert missions.warn_short(paris(2026, 12, 25, 8, 0)) == 1
    assert missions.warn_short(paris(2026, 12, 26, 8, 0)) == 0  # once
    [notice] = notices(manager)
    assert notices(people["editor"]) == [] and len(notices(owner)) == 1
    with translation.override("en"):
        assert notice.shown_message == (
            "Mission for Boulangerie Dupont: Mastodon 12 planned of 20 promised, 8 to plan by Dec. 31, 2026")
    # December got its own rows (carried from October), which say they were warned.
    assert Mission.objects.get(workspace=workspace, month=DEC, network="mastodon").warned_at is not None
    assert Mission.objects.get(workspace=workspace, month=DEC, network="bluesky").warned_at is None  # 2 of 2


def test_no_warning_when_the_plan_is_full_or_the_month_is_over(people):
    workspace, owner = people["workspace"], people["owner"]
    account = make_account(workspace)
    missions.set_promises(workspace, DEC, {"mastodon": 2}, owner, now=MID_NOV)
    post_on(account, paris(2026, 12, 2, 10, 0))
    post_on(account, paris(2026, 12, 30, 10, 0), State.FAILED)
    assert missions.warn_short(paris(2027, 1, 3, 8, 0)) == 0
    post_on(account, paris(2026, 12, 29, 10, 0))
    assert missions.warn_short(LAST_WEEK_DEC) == 0
    assert notices(owner) == []


def test_the_warning_reads_each_workspace_in_its_own_zone(people):
    owner = people["owner"]
    montreal = people["other_workspace"]  # America/Montreal, owned by the outsider
    missions.set_promises(montreal, DEC, {"mastodon": 5}, people["outsider"], now=MID_NOV)
    missions.set_promises(people["workspace"], DEC, {"mastodon": 5}, owner, now=MID_NOV)
    # 24 December 23:30 in Montreal is the 25th in Paris: only Paris is in its last week.
    assert missions.warn_short(datetime(2026, 12, 25, 4, 30, tzinfo=UTC)) == 1
    assert len(notices(owner)) == 1 and notices(people["outsider"]) == []


def test_the_sweep_runs_at_most_once_an_hour_and_asks_nothing_outside_a_last_week(people, django_assert_num_queries):
    missions.set_promises(people["workspace"], DEC, {"mastodon": 5}, people["owner"], now=MID_NOV)
    with django_assert_num_queries(0):
        assert missions.warn_short_missions(MID_NOV) == 0
    missions._last_warned.clear()
    assert missions.warn_short_missions(LAST_WEEK_DEC) == 1
    with django_assert_num_queries(0):
        assert missions.warn_short_missions(LAST_WEEK_DEC.replace(minute=30)) == 0
    with django_assert_num_queries(1):  # an hour later: one query finds nothing left to tell
        assert missions.warn_short_missions(LAST_WEEK_DEC.replace(hour=10, minute=1)) == 0
