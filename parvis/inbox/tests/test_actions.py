"""Item actions as a page or the API asks for them: lookups stay in the item's workspace,
snooze times as typed, several items at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from parvis.inbox import actions
from parvis.inbox.ingest import store
from parvis.inbox.models import Item, Kind, Status
from parvis.inbox.tests.factories import inbound
from parvis.inbox.triage import TriageError
from parvis.networks.base import ItemKind
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Label

pytestmark = pytest.mark.django_db
MONTREAL = ZoneInfo("America/Montreal")


def no_models(items: list[Item]) -> None:
    """Ingest without the language and sentiment models: not what these tests are about."""


def item_in(account: SocialAccount, text: str = "Bonjour", **kwargs: Any) -> Item:
    return store(account, [inbound(text, **kwargs)], analyser=no_models).created[0]


@pytest.fixture
def other_account(people: dict[str, Any]) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["other_workspace"], network="mastodon", server_url="https://example.social",
        remote_id="77", handle="@concurrent@example.social", credentials={"access_token": "y"})


def test_members_and_labels_are_found_only_in_the_items_workspace(people: dict[str, Any], account: Any) -> None:
    item = item_in(account)
    assert actions.workspace_member(item, str(people["editor"].pk)) == people["editor"]
    for stranger in (str(people["outsider"].pk), "0", "abc", ""):
        with pytest.raises(TriageError) as refused:
            actions.workspace_member(item, stranger)
        assert refused.value.field == "assignee"
    ours = Label.objects.create(workspace=people["workspace"], name="SAV")
    theirs = Label.objects.create(workspace=people["other_workspace"], name="SAV")
    assert actions.workspace_label(item, str(ours.pk)) == ours
    assert actions.workspace_labels(item, [ours.pk]) == [ours]
    with pytest.raises(TriageError) as refused:
        actions.workspace_label(item, str(theirs.pk))
    assert refused.value.field == "labels"
    with pytest.raises(TriageError) as refused:
        actions.workspace_labels(item, [ours.pk, theirs.pk])  # all or nothing
    assert refused.value.field == "labels"


def test_snooze_until_as_typed_on_the_persons_wall_clock() -> None:
    now = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)  # still the 6th in Montreal
    assert actions.snooze_until(" wake ", MONTREAL, now) is None
    assert actions.snooze_until("tomorrow", MONTREAL, now) == datetime(2026, 3, 7, 9, 0, tzinfo=MONTREAL)
    assert actions.snooze_until("2026-03-10T14:00", MONTREAL) == datetime(2026, 3, 10, 14, 0, tzinfo=MONTREAL)
    for bad in ("", "someday", "2026-03-08T02:30"):  # the last one is skipped when clocks go forward
        with pytest.raises(TriageError) as refused:
            actions.snooze_until(bad, MONTREAL, now)
        assert refused.value.field == "snoozed_until"


def test_our_reply_is_looked_up_in_the_items_conversation_only(account: Any, other_account: SocialAccount) -> None:
    item = item_in(account, thread="our-post-1")
    own = item_in(account, "Merci !", kind=ItemKind.OWN, thread="our-post-1", in_reply_to=item.remote_id)
    assert own.kind == Kind.OWN
    assert actions.our_reply_in_thread(item, str(own.pk)) == own
    elsewhere = item_in(other_account, "Merci !", kind=ItemKind.OWN, thread="their-post", in_reply_to="x")
    for target in (str(item.pk), str(elsewhere.pk), "", "abc"):
        with pytest.raises(TriageError) as refused:
            actions.our_reply_in_thread(item, target)
        assert refused.value.field == "action"


def test_acting_on_many_touches_only_items_where_the_person_may_act(
        people: dict[str, Any], account: Any, other_account: SocialAccount) -> None:
    mine, also = item_in(account, "Un"), item_in(account, "Deux")
    foreign = item_in(other_account, "Trois")
    editor = people["editor"]
    assert actions.act_on_many(editor, [mine.pk, also.pk, foreign.pk], "done") == 2
    assert {i.pk: i.status for i in Item.objects.all()} == {
        mine.pk: Status.DONE, also.pk: Status.DONE, foreign.pk: Status.OPEN}
    assert actions.act_on_many(editor, [mine.pk], "assign_me") == 1
    assert Item.objects.get(pk=mine.pk).assignee == editor
    assert actions.act_on_many(people["viewer"], [mine.pk, also.pk], "open") == 0
    assert actions.act_on_many(editor, [mine.pk], "delete") == 0  # not a bulk action
    assert Item.objects.get(pk=mine.pk).status == Status.DONE
