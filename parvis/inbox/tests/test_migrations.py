"""The inbox's migrations that act on the database directly, both ways."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from parvis.inbox.ingest import store
from parvis.inbox.models import Item
from parvis.inbox.search import search
from parvis.inbox.tests.factories import inbound
from parvis.networks.models import SocialAccount

BEFORE = [("inbox", "0002_full_text_search")]
AFTER = [("inbox", "0003_fewer_indexes")]
# The single-column indexes 0003 drops: composite indexes start with these columns.
REDUNDANT = {"inbox_author": "workspace_id", "inbox_thread": "account_id", "inbox_item": "workspace_id"}
ITEM_KEYS = ("workspace_id", "account_id", "thread_id", "author_id", "assignee_id")


def single_column_indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {info["columns"][0] for info in constraints.values()
            if info["index"] and not info["unique"] and not info["primary_key"] and len(info["columns"]) == 1}


@pytest.mark.slow  # migrates the database back and forth: minutes on a loaded machine
@pytest.mark.django_db(transaction=True)
def test_redundant_key_indexes_go_and_come_back_and_search_keeps_working(people):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        assert not single_column_indexes("inbox_item") & set(ITEM_KEYS)
        assert "done_by_id" in single_column_indexes("inbox_item")  # not redundant: kept

        executor.migrate(BEFORE)
        assert set(ITEM_KEYS) <= single_column_indexes("inbox_item")
        assert "workspace_id" in single_column_indexes("inbox_author")
        assert "account_id" in single_column_indexes("inbox_thread")

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        for table, column in REDUNDANT.items():
            assert column not in single_column_indexes(table)
    finally:
        MigrationExecutor(connection).migrate(latest)

    # The full-text index is still fed: on SQLite, rebuilding the table would have
    # dropped its triggers.
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://brand.social", remote_id="1",
        handle="@brand@brand.social", credentials={"access_token": "x"})
    store(account, [inbound("Les croissants étaient brûlés", remote_id="1")], analyser=lambda items: None)
    assert [i.remote_id for i in search(Item.objects.all(), "brules")] == ["1"]
