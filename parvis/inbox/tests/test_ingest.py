"""Storing and polling: every item once, edits and deletions followed, cursors kept, the
interval adapting, errors backed off. The network side is a scripted in-memory inbox
here; the real Mastodon and Bluesky servers are in parvis/networks/tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from django.utils import timezone

from parvis.inbox import polling
from parvis.inbox.ingest import apply_refresh, store
from parvis.inbox.models import Author, Item, Poller, Status, Thread
from parvis.inbox.tests.factories import author, inbound
from parvis.networks.base import (
    ErrorKind,
    InboundItem,
    InboxPage,
    ItemKind,
    Moderation,
    NetworkError,
    RemoteAuthor,
)
from parvis.networks.models import AccountStatus


@dataclass
class ScriptedInbox:
    """An inbox connector whose network is a list: each poll returns what came after the
    cursor, a page at a time, like the real ones do."""

    items: list[InboundItem] = field(default_factory=list)
    page_size: int = 40
    context: dict[str, list[InboundItem]] = field(default_factory=dict)
    fail_with: NetworkError | None = None
    fail_from: int = 1  # the first fetch that fails, when fail_with is set
    polls: int = 0

    def inbox_streams(self) -> Sequence[str]:
        return ("notifications",)

    def fetch_inbox(self, stream: str, cursor: str | None) -> InboxPage:
        self.polls += 1
        if self.fail_with is not None and self.polls >= self.fail_from:
            raise self.fail_with
        start = int(cursor) if cursor else 0
        page = self.items[start:start + self.page_size]
        end = start + len(page)
        return InboxPage(items=page, cursor=str(end), more=end < len(self.items))

    def refresh_items(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        current = {i.remote_id: i for i in self.items}
        return {rid: current.get(rid) for rid in remote_ids}

    def thread_context(self, remote_id: str) -> list[InboundItem]:
        return self.context.get(remote_id, [])

    def moderations(self) -> frozenset[Moderation]:
        return frozenset()

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor, reason: str = "") -> None:
        raise NetworkError("this scripted inbox offers no actions", ErrorKind.PERMANENT)


def poller_for(account, stream="notifications") -> Poller:
    return Poller.objects.create(account=account, stream=stream, next_poll_at=timezone.now())


def test_the_same_items_stored_twice_are_kept_once(account):
    items = [inbound("Bonjour, ma commande n'est pas arrivée"), inbound("Super service, merci !")]
    first = store(account, items)
    again = store(account, items)
    assert len(first.created) == 2
    assert again.created == [] and again.edited == []
    assert Item.objects.filter(account=account).count() == 2
    assert Author.objects.filter(workspace=account.workspace).count() == 1


def test_a_page_that_repeats_an_item_stores_it_once(account):
    item = inbound("Vous êtes ouverts dimanche ?")
    stored = store(account, [item, item])
    assert len(stored.created) == 1


def test_new_items_are_analysed_and_searchable(account):
    stored = store(account, [inbound("Service client nul, remboursez-moi immédiatement !")])
    item = stored.created[0]
    assert item.language == "fr"
    assert item.sentiment == "negative"
    assert item.analysed_with
    assert item.status == Status.OPEN and item.in_inbox
    assert "rembourse" in item.search_text and "é" not in item.search_text


def test_context_posts_are_kept_out_of_the_inbox(account):
    ours = inbound("Notre nouvelle collection est en ligne", kind=ItemKind.OWN,
                   by=author("Brand", "brand@brand.social"), remote_id="our-post-1", in_reply_to=None)
    reply = inbound("Elle est magnifique !", in_reply_to="our-post-1")
    store(account, [ours, reply])
    assert list(Item.objects.filter(in_inbox=True).values_list("remote_id", flat=True)) == [reply.remote_id]
    assert Thread.objects.get().items.count() == 2


def test_an_item_seen_as_context_joins_the_inbox_when_it_is_addressed_to_us(account):
    earlier = inbound("@brand vous livrez en Belgique ?", kind=ItemKind.CONTEXT, remote_id="x1")
    store(account, [earlier])
    store(account, [replace(earlier, kind=ItemKind.MENTION)])
    item = Item.objects.get(remote_id="x1")
    assert item.in_inbox and item.kind == "mention" and item.status == Status.OPEN


def test_an_edit_on_the_network_updates_the_text_and_the_analysis(account):
    original = inbound("Merci pour la livraison rapide, parfait")
    store(account, [original])
    edited_at = timezone.now()
    stored = store(account, [replace(original, text="Livraison en retard, colis abîmé, je suis furieux",
                                     edited_at=edited_at)])
    item = Item.objects.get(remote_id=original.remote_id)
    assert stored.edited and item.text.startswith("Livraison en retard")
    assert item.edited_at == edited_at
    assert item.sentiment == "negative"


def test_a_refresh_marks_deleted_items_and_follows_edits(account):
    kept, gone = inbound("Toujours là"), inbound("Je vais supprimer ce message")
    store(account, [kept, gone])
    items = list(Item.objects.select_related("author"))
    edited = replace(kept, text="Toujours là (modifié)", edited_at=timezone.now())
    counts = apply_refresh(items, {kept.remote_id: edited, gone.remote_id: None})
    assert counts == (1, 1)
    assert Item.objects.get(remote_id=gone.remote_id).deleted_at is not None
    assert Item.objects.get(remote_id=kept.remote_id).text == "Toujours là (modifié)"


def test_an_item_the_network_cannot_tell_about_is_kept_as_it_is(account):
    unknown = inbound("Un vieux message que le réseau ne relit plus")
    store(account, [unknown])
    items = list(Item.objects.select_related("author"))
    assert apply_refresh(items, {}) == (0, 0)
    item = Item.objects.get(remote_id=unknown.remote_id)
    assert item.deleted_at is None and item.text == unknown.text and item.refreshed_at is not None


def test_a_correction_survives_a_later_analysis(account, people):
    from parvis.inbox import triage

    item = store(account, [inbound("Bof, pas terrible")]).created[0]
    triage.correct(item, "sentiment", "positive", people["owner"])
    store(account, [replace(inbound("x", remote_id=item.remote_id), text="Bof, pas terrible du tout",
                            edited_at=timezone.now())])
    item.refresh_from_db()
    assert item.sentiment == "positive" and item.corrected


def test_polling_pages_through_the_backlog_then_only_takes_new_items(account):
    inbox = ScriptedInbox(items=[inbound(f"Message {n}") for n in range(290)])
    poller = poller_for(account)
    results = [polling.poll(poller.pk, connector=inbox) for _ in range(3)]
    # Five pages of 40 per poll while more is waiting, stored together.
    assert [r.new for r in results] == [200, 90, 0]
    assert inbox.polls == 5 + 3 + 1
    poller.refresh_from_db()
    assert poller.cursor == "290"
    inbox.items.append(inbound("Un nouveau message"))
    assert polling.poll(poller.pk, connector=inbox).new == 1
    assert Item.objects.count() == 291


def test_a_backlog_longer_than_one_poll_brings_the_next_poll_forward(account):
    inbox = ScriptedInbox(items=[inbound(f"Message {n}") for n in range(250)])
    poller = poller_for(account)
    now = timezone.now()
    polling.poll(poller.pk, connector=inbox, now=now)
    poller.refresh_from_db()
    assert poller.next_poll_at - now == polling.MORE_WAITING


def test_a_page_failing_mid_backlog_keeps_the_pages_before_it(account):
    inbox = ScriptedInbox(items=[inbound(f"Message {n}") for n in range(250)],
                          fail_with=NetworkError("HTTP 502", ErrorKind.TRANSIENT), fail_from=3)
    poller = poller_for(account)
    now = timezone.now()
    assert polling.poll(poller.pk, connector=inbox, now=now).new == 80
    poller.refresh_from_db()
    assert poller.cursor == "80" and poller.failures == 0
    assert poller.next_poll_at - now == polling.MORE_WAITING  # more is waiting: soon, and then…
    assert polling.poll(poller.pk, connector=inbox, now=poller.next_poll_at).error == "HTTP 502"
    poller.refresh_from_db()
    assert poller.failures == 1 and poller.cursor == "80"  # …the error backs off, nothing lost
    inbox.fail_with = None
    assert polling.poll(poller.pk, connector=inbox, now=poller.next_poll_at).new == 170
    assert Item.objects.count() == 250


def test_the_interval_grows_while_nothing_comes_and_shrinks_when_items_do(account, settings):
    settings.PARVIS_INBOX_MIN_INTERVAL, settings.PARVIS_INBOX_MAX_INTERVAL = 60, 300
    inbox = ScriptedInbox()
    poller = poller_for(account)
    intervals = []
    for _ in range(6):
        polling.poll(poller.pk, connector=inbox)
        poller.refresh_from_db()
        intervals.append(poller.interval)
    assert intervals == [90, 135, 202, 300, 300, 300]
    inbox.items.append(inbound("Enfin quelqu'un !"))
    now = timezone.now()
    polling.poll(poller.pk, connector=inbox, now=now)
    poller.refresh_from_db()
    assert poller.interval == 60 and poller.next_poll_at == now + timedelta(seconds=60)


def test_errors_back_off_and_a_rate_limit_reset_is_obeyed(account, settings):
    settings.PARVIS_INBOX_MIN_INTERVAL = 60
    inbox = ScriptedInbox(fail_with=NetworkError("server down", ErrorKind.TRANSIENT))
    poller = poller_for(account)
    delays = []
    for _ in range(3):
        now = timezone.now()
        polling.poll(poller.pk, connector=inbox, now=now)
        poller.refresh_from_db()
        delays.append((poller.next_poll_at - now).total_seconds())
    assert delays == [120, 240, 480]
    assert poller.failures == 3 and poller.last_error == "server down"
    inbox.fail_with = NetworkError("rate limited", ErrorKind.TRANSIENT, retry_after=3000)
    now = timezone.now()
    polling.poll(poller.pk, connector=inbox, now=now)
    poller.refresh_from_db()
    assert (poller.next_poll_at - now).total_seconds() == 3000
    inbox.fail_with = None
    polling.poll(poller.pk, connector=inbox)
    poller.refresh_from_db()
    assert poller.failures == 0 and poller.last_error == ""


def test_refused_credentials_flag_the_account_and_tell_its_owners_once(account, people):
    inbox = ScriptedInbox(fail_with=NetworkError("The access token was revoked", ErrorKind.RECONNECT))
    poller = poller_for(account)
    polling.poll(poller.pk, connector=inbox)
    account.refresh_from_db()
    assert account.status == AccountStatus.RECONNECT
    assert people["owner"].notifications.filter(kind="account_reconnect").count() == 1
    Poller.objects.filter(pk=poller.pk).update(next_poll_at=timezone.now())
    assert polling.poll(poller.pk, connector=inbox).skipped  # not read again until reconnected
    assert inbox.polls == 1
    Poller.objects.filter(pk=poller.pk).update(next_poll_at=timezone.now())
    assert polling.claim_due() == []
    account.mark_connected()
    account.save()
    assert polling.claim_due() == [poller.pk]  # reconnected: read again at once


def test_a_poll_already_under_way_is_not_run_twice(account):
    inbox = ScriptedInbox(items=[inbound("Bonjour")])
    poller = poller_for(account)
    assert polling.take_lease(poller.pk, timezone.now()) is not None
    assert polling.poll(poller.pk, connector=inbox).skipped
    assert inbox.polls == 0


def test_thread_context_is_fetched_once_per_thread(account):
    ours = inbound("Notre post", kind=ItemKind.OWN, by=author("Brand", "brand@brand.social"),
                   remote_id="our-post-1", in_reply_to=None)
    first, second = inbound("Première réponse"), inbound("Deuxième réponse")
    inbox = ScriptedInbox(items=[first, second], context={first.remote_id: [ours]})
    polling.poll(poller_for(account).pk, connector=inbox)
    thread = Thread.objects.get()
    assert thread.context_fetched_at is not None
    assert list(thread.items.order_by("created_at").values_list("remote_id", flat=True))[0] == "our-post-1"


def test_every_connected_account_gets_its_pollers_and_due_ones_are_claimed_once(account, mastodon_account):
    created = polling.ensure_pollers()
    assert created >= 3  # notifications, conversations, refresh (per Mastodon account)
    assert polling.ensure_pollers() == 0
    due = polling.claim_due()
    assert due and polling.claim_due() == []  # enqueued: not claimed again until requeue time
    assert set(Poller.objects.filter(pk__in=due).values_list("stream", flat=True)) == {
        "notifications", "conversations"}


def test_a_stream_a_newer_version_adds_reaches_accounts_connected_before(mastodon_account, monkeypatch):
    mastodon_account, _user = mastodon_account
    # As connected by a version that read notifications only (and refreshed).
    now = timezone.now()
    Poller.objects.bulk_create([Poller(account=mastodon_account, stream=s, next_poll_at=now, interval=60)
                                for s in ("notifications", Poller.REFRESH)])
    monkeypatch.setattr(polling, "_streams_checked", [True])  # a process that already looked
    assert polling.ensure_pollers() == 0  # each pass looks at accounts without pollers only
    monkeypatch.setattr(polling, "_streams_checked", [])  # the next version's first pass
    assert polling.ensure_pollers() == 1
    assert set(mastodon_account.inbox_pollers.values_list("stream", flat=True)) == {
        "notifications", "conversations", Poller.REFRESH}
    assert polling.ensure_pollers() == 0


def test_after_a_poll_the_rules_run_and_the_on_duty_people_are_told(account, people):
    from parvis.inbox import rules
    from parvis.inbox.models import Rule
    from parvis.publishing.models import Label

    workspace = people["workspace"]
    urgent = Label.objects.create(workspace=workspace, name="Urgent")
    name, conditions, actions = rules.clean_rule(workspace, "Remboursements", {"words": ["rembours*"]},
                                                 {"labels": [urgent.pk], "priority": 2, "notify": True})
    Rule.objects.create(workspace=workspace, name=name, enabled=True, conditions=conditions, actions=actions)
    inbox = ScriptedInbox(items=[inbound("Je demande le remboursement de ma commande"), inbound("Merci !")])
    polling.poll(poller_for(account).pk, connector=inbox)
    refund = Item.objects.get(text__startswith="Je demande")
    assert list(refund.labels.values_list("name", flat=True)) == ["Urgent"] and refund.priority == 2
    assert not Item.objects.get(text="Merci !").labels.exists()
    # High priority is urgent: told at any hour, to the owners and managers (no rota here).
    told = people["owner"].notifications.get(kind="inbox_items")
    assert "remboursement" in told.message


def test_a_failing_step_after_storing_is_logged_and_neither_loses_the_poll_nor_the_next_steps(
        account, people, monkeypatch, caplog):
    from parvis.inbox import crisis, pipeline, rules

    def broken_rules(items, now=None):
        raise RuntimeError("a rule went wrong")

    checked = []
    monkeypatch.setattr(rules, "run_rules", broken_rules)
    monkeypatch.setattr(crisis, "check_all", lambda workspaces, now=None: checked.extend(workspaces) or [])
    monkeypatch.setattr(pipeline.alerts, "tell_about",
                        lambda outcomes, now=None: checked.extend(o.item for o in outcomes))
    poller = poller_for(account)
    result = polling.poll(poller.pk, connector=ScriptedInbox(items=[inbound("Bonjour"), inbound("Merci !")]))

    assert result.new == 2 and not result.error
    assert Item.objects.count() == 2  # stored, and the poll recorded as a good one
    poller.refresh_from_db()
    assert poller.failures == 0 and not poller.last_error and poller.cursor == "2"
    assert "inbox rules failed for 2 item(s)" in caplog.text
    # The notifications saw every new item (with no rule outcome) and the crisis check ran.
    assert {getattr(x, "text", None) for x in checked} >= {"Bonjour", "Merci !"}
    assert people["workspace"] in checked


def test_planner_statistics_are_refreshed_at_most_every_six_hours(db):
    from parvis.inbox import tasks

    tasks._last_refreshed.clear()
    now = timezone.now()
    assert tasks.refresh_planner_statistics(now) == 3  # the three inbox tables, in full detail
    assert tasks.refresh_planner_statistics(now + timedelta(hours=1)) == 0
    assert tasks.refresh_planner_statistics(now + timedelta(hours=7)) == 3


def _flush_postgresql_counters() -> None:
    """PostgreSQL reports a backend's row counts to pg_stat_* at the end of a transaction,
    at most once a second; force it so the check below sees this test's writes."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")


@pytest.mark.django_db(transaction=True)
def test_ingestion_refreshes_planner_statistics_once_a_table_has_grown(account, monkeypatch):
    from parvis.inbox import planner

    monkeypatch.setattr(planner, "CHECK_EVERY", 10**9)  # only the explicit checks below
    planner.refresh(force=True)  # analysed while (nearly) empty, as on a new install
    _flush_postgresql_counters()
    assert planner.refresh() == []
    store(account, [inbound(f"Commentaire {n}") for n in range(700)], analyser=lambda items: None)
    _flush_postgresql_counters()
    assert "inbox_item" in planner.refresh()  # 700 new rows over an empty table: stale
    _flush_postgresql_counters()
    assert planner.refresh() == []  # just analysed

    monkeypatch.setattr(planner, "CHECK_EVERY", 100)
    monkeypatch.setitem(planner._written, "rows", 0)
    checked = []
    monkeypatch.setattr(planner, "refresh", lambda force=False: checked.append(force) or [])
    assert planner.note_writes(60) is False
    assert planner.note_writes(60) is True and checked == [False]
    assert planner.note_writes(60) is False


def test_the_row_writer_stores_exactly_what_bulk_create_stores(account, people):
    """Items are written by parvis's own INSERT (Django's per-value preparation was half
    of an insert's cost); every column must read back as bulk_create's does."""
    from parvis.inbox.ingest import _insert_items
    from parvis.inbox.models import Kind, Priority

    now = timezone.now()
    writer = Author.objects.create(workspace=people["workspace"], network="mastodon", key="k@ex.social",
                                   remote_id="1", handle="k@ex.social")
    thread = Thread.objects.create(workspace=people["workspace"], account=account, key="t1")

    def item(remote_id: str) -> Item:
        return Item(
            workspace=people["workspace"], account=account, thread=thread, author=writer, network="mastodon",
            remote_id=remote_id, kind=Kind.MENTION, in_inbox=True, private=True,
            text="Café « ouvert » ?\n😀 'quote' \"double\"", search_text="cafe ouvert", url="https://ex.social/1",
            created_at=now - timedelta(hours=1), received_at=now, edited_at=now, in_reply_to_remote_id="r",
            root_remote_id="root", extra={"media": [1, "é"], "none": None}, language="fr", sentiment="negative",
            sentiment_score=0.8123, toxic=True, toxic_score=0.9, spam=False, spam_score=0.01, analysed_with="v1",
            status=Status.PENDING, priority=Priority.HIGH, assignee=people["owner"],
            snoozed_until=now + timedelta(hours=2))

    fast = _insert_items([item("fast"), item("fast-2")])
    slow = Item.objects.bulk_create([item("slow")])[0]
    assert all(i.pk and not i._state.adding for i in fast) and fast[0].pk != fast[1].pk
    columns = [f.attname for f in Item._meta.concrete_fields if f.attname not in ("id", "remote_id")]
    written, expected = Item.objects.get(pk=fast[0].pk), Item.objects.get(pk=slow.pk)
    assert {c: getattr(written, c) for c in columns} == {c: getattr(expected, c) for c in columns}
    from parvis.inbox.search import search

    assert set(search(Item.objects.all(), "cafe").values_list("remote_id", flat=True)) == {"fast", "fast-2", "slow"}


def test_an_author_or_thread_created_meanwhile_by_another_poll_is_reused_not_doubled(account, people):
    """Two polls of one account can meet the same new author or thread: the second one's
    insert finds the first one's row and gets its key back, changing nothing in it."""
    from parvis.inbox.ingest import _create

    first = Author.objects.create(workspace=people["workspace"], network="mastodon", key="camille@ex.social",
                                  remote_id="9", handle="camille@ex.social", display_name="Camille")
    late = Author(workspace=people["workspace"], network="mastodon", key="camille@ex.social", remote_id="9",
                  handle="camille@ex.social", display_name="Camille (stale copy)")
    fresh = Author(workspace=people["workspace"], network="mastodon", key="lou@ex.social", remote_id="10",
                   handle="lou@ex.social")
    got = _create(Author, [late, fresh], ["workspace", "network", "key"])
    assert got[0].pk == first.pk and got[1].pk and Author.objects.count() == 2
    assert Author.objects.get(pk=first.pk).display_name == "Camille"
    thread = Thread.objects.create(workspace=people["workspace"], account=account, key="t9", private=True)
    again = _create(Thread, [Thread(workspace=people["workspace"], account=account, key="t9", private=True)],
                    ["account", "key"])
    assert again[0].pk == thread.pk and Thread.objects.filter(key="t9").count() == 1


def test_a_failed_statistics_check_never_fails_the_ingestion(account, monkeypatch, caplog):
    from django.db import DatabaseError

    from parvis.inbox import planner

    def refuse(force: bool = False) -> list[str]:
        raise DatabaseError("must be owner of table inbox_item")

    monkeypatch.setattr(planner, "CHECK_EVERY", 1)
    monkeypatch.setattr(planner, "refresh", refuse)
    stored = store(account, [inbound("Bonjour")], analyser=lambda items: None)
    assert len(stored.created) == 1 and "planner statistics" in caplog.text
