"""The assistants' tools, called through the SDK's own client (in-process): listed with
typed schemas, scoped to the caller like the REST API, refusing what the API refuses as
tool errors naming the field, and acting through the same functions (what a tool does is
seen through the REST API)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, get_args

import anyio
import pytest
from django.db import connections
from django.utils import timezone
from mcp import Client

from parvis.accounts.models import Membership, Role
from parvis.api.mcp import server
from parvis.api.mcp.auth import stdio_caller
from parvis.api.mcp.server import build_server
from parvis.api.mcp.tests.conftest import call, tools
from parvis.api.models import ApiToken
from parvis.inbox.ingest import store
from parvis.inbox.models import Item, Status
from parvis.inbox.queries import VIEWS
from parvis.inbox.saved_replies import SavedReplyInput, create_saved_reply
from parvis.inbox.tests.factories import author, inbound
from parvis.publishing.models import EditorialSettings, Post, Publication, State
from parvis.publishing.pause import ACTIONS, DEFAULTS

# Tools run in the SDK's worker threads, with their own database connections: the data a
# test makes must be committed for them to see it.
pytestmark = pytest.mark.django_db(transaction=True)
YEAR = timezone.now().year + 1
WHEN = f"{YEAR}-12-24T18:30"


def error(result: Any) -> str:
    """The text of a tool error, without the SDK's "Error executing tool x: " prefix."""
    assert result.is_error, result
    text = str(result.content[0].text)
    assert re.match(r"Error executing tool \w+: ", text), text
    return text.split(": ", 1)[1]


def ok(result: Any) -> Any:
    assert not result.is_error, result.content
    return result.structured_content


def schedule(world: Any, user: Any = None, **extra: Any) -> Any:
    arguments = {"workspace": world.workspace.pk, "text": "Joyeux Noël", "scheduled_at": WHEN,
                 "accounts": [world.mastodon.pk], "timezone": "Europe/Paris", **extra}
    return call(user or world.owner, "schedule_post", arguments)


def test_tools_are_listed_with_descriptions_and_typed_schemas(world):
    listed = {tool.name: tool for tool in tools()}
    assert {"list_workspaces", "list_accounts", "draft_post", "schedule_post", "list_posts", "reschedule_post",
            "cancel_post", "get_publications", "list_inbox_items", "search_inbox", "reply_to_item",
            "assign_item", "mark_item_done", "list_saved_replies", "pause_workspace",
            "resume_workspace"} <= set(listed)
    assert all(tool.description and tool.name.islower() for tool in listed.values())
    schema = listed["schedule_post"].input_schema
    assert set(schema["required"]) == {"workspace", "text", "accounts", "scheduled_at"}
    assert schema["properties"]["workspace"]["type"] == "integer"
    assert schema["properties"]["accounts"]["items"]["type"] == "integer"
    assert listed["list_inbox_items"].input_schema["properties"]["status"]["enum"] == [
        "open", "pending", "done", "snoozed", "all"]


def test_the_schemas_choices_are_the_models():
    assert get_args(server.StateName) == tuple(State.values)
    assert get_args(server.ViewName) == VIEWS
    assert get_args(server.ResumeAction) == ACTIONS and get_args(server.ResumeDefault) == DEFAULTS


def test_workspaces_are_those_of_the_caller_with_their_role(world):
    assert ok(call(world.viewer, "list_workspaces"))["workspaces"] == [
        {"id": world.workspace.pk, "name": "Brand", "timezone": world.workspace.timezone,
         "language": world.workspace.language, "role": "viewer"}]
    assert [w["id"] for w in ok(call(world.outsider, "list_workspaces"))["workspaces"]] == [world.other_workspace.pk]
    accounts = ok(call(world.owner, "list_accounts", {"workspace": world.workspace.pk}))["accounts"]
    assert [a["network"] for a in accounts] == ["bluesky", "mastodon"]


def test_scheduled_and_drafted_posts_are_the_apis(world, client_for):
    post = ok(schedule(world, user=world.editor))
    assert post["scheduled_at"] == f"{YEAR}-12-24T17:30:00Z" and post["author"] == world.editor.pk
    assert [(p["network"], p["state"]) for p in post["publications"]] == [("mastodon", "scheduled")]
    draft = ok(call(world.editor, "draft_post", {"workspace": world.workspace.pk, "text": "Idée"}))
    assert draft["is_draft"] is True
    api = client_for(world.owner)
    listed = api.get(f"/api/v1/workspaces/{world.workspace.pk}/posts/").json()["results"]
    assert {p["id"] for p in listed} == {post["id"], draft["id"]}
    assert api.get(f"/api/v1/posts/{post['id']}/").json()["text"] == "Joyeux Noël"

    page = ok(call(world.viewer, "list_posts", {"workspace": world.workspace.pk, "state": "scheduled"}))
    assert [p["id"] for p in page["results"]] == [post["id"]] and page["next_offset"] is None
    publications = ok(call(world.viewer, "get_publications", {"workspace": world.workspace.pk,
                                                               "post": post["id"]}))["results"]
    assert [p["state"] for p in publications] == ["scheduled"]


def test_approval_is_not_bypassed(world):
    editorial = EditorialSettings.of(world.workspace)
    editorial.requires_approval = True
    editorial.save(update_fields=["requires_approval"])
    post = ok(schedule(world, user=world.editor))
    assert post["approval_state"] == "none"
    assert [p["awaiting_approval"] for p in post["publications"]] == [True]


def test_reschedule_and_cancel(world):
    post = ok(schedule(world))
    moved = ok(call(world.editor, "reschedule_post", {"post": post["id"], "scheduled_at": f"{YEAR}-12-25T09:00:00Z"}))
    assert moved["scheduled_at"] == f"{YEAR}-12-25T09:00:00Z"
    assert Publication.objects.get().due_at.isoformat() == f"{YEAR}-12-25T09:00:00+00:00"
    cancelled = ok(call(world.editor, "cancel_post", {"post": post["id"]}))
    assert [p["state"] for p in cancelled["publications"]] == ["cancelled"]


def test_too_long_for_mastodon_is_a_tool_error_naming_the_field(world):
    text = error(schedule(world, text="x" * 501))
    assert text.startswith("text: ") and "500" in text
    assert not Post.objects.exists()
    assert error(schedule(world, scheduled_at="2020-01-01T10:00")).startswith("scheduled_at: ")
    assert error(schedule(world, accounts=[world.other_account.pk])).startswith("accounts: ")


def test_errors_are_in_the_callers_language(world):
    english = error(schedule(world, scheduled_at="demain"))
    french = error(call(world.owner, "schedule_post", {
        "workspace": world.workspace.pk, "text": "x", "scheduled_at": "demain", "accounts": [world.mastodon.pk]},
        language="fr"))
    assert english.startswith("scheduled_at: ") and french.startswith("scheduled_at: ") and english != french


def test_another_tenants_objects_are_not_found(world):
    post = ok(schedule(world))
    for tool, arguments in (("get_post", {"post": post["id"]}), ("cancel_post", {"post": post["id"]}),
                            ("reschedule_post", {"post": post["id"], "scheduled_at": WHEN}),
                            ("list_accounts", {"workspace": world.workspace.pk}),
                            ("list_posts", {"workspace": world.workspace.pk}),
                            ("get_post", {"post": 999999})):
        assert error(call(world.outsider, tool, arguments)) == "Not found.", tool
    assert Publication.objects.get().state == State.SCHEDULED


def test_viewers_may_not_write(world):
    assert error(schedule(world, user=world.viewer)) == "You do not have permission to perform this action."
    post = ok(schedule(world))
    assert "permission" in error(call(world.viewer, "cancel_post", {"post": post["id"]}))
    assert Post.objects.count() == 1


def _items(world: Any, *texts: str) -> list[Item]:
    start = timezone.now() - timedelta(minutes=len(texts))
    stored = store(world.mastodon, [inbound(text, at=start + timedelta(minutes=n), by=author())
                                    for n, text in enumerate(texts)], analyser=lambda items: None)
    return sorted(stored.new_in_inbox, key=lambda item: item.created_at)


def test_inbox_list_search_reply_assign_done(world):
    first, second = _items(world, "Vous livrez à Lyon ?", "Horaires du dimanche ?")
    listed = ok(call(world.viewer, "list_inbox_items", {"workspace": world.workspace.pk}))
    assert [i["id"] for i in listed["results"]] == [second.pk, first.pk]
    assert ok(call(world.outsider, "list_inbox_items"))["count"] == 0
    found = ok(call(world.viewer, "search_inbox", {"query": "lyon"}))["results"]
    assert [i["id"] for i in found] == [first.pk]

    reply = ok(call(world.editor, "reply_to_item", {"item": first.pk, "text": "Oui, dès demain !"}))
    publication = Publication.objects.get(pk=reply["publication"])
    assert publication.account == world.mastodon and publication.reply_to["remote_id"] == first.remote_id
    assert error(call(world.editor, "reply_to_item", {"item": first.pk, "text": "é" * 501})).startswith("text: ")
    assert error(call(world.viewer, "reply_to_item", {"item": first.pk, "text": "x"})).startswith("You do not")
    assert error(call(world.outsider, "reply_to_item", {"item": first.pk, "text": "x"})) == "Not found."

    assigned = ok(call(world.editor, "assign_item", {"item": second.pk, "assignee": world.viewer.pk}))
    assert assigned["assignee"] == world.viewer.pk
    mine = ok(call(world.viewer, "list_inbox_items", {"assigned": "me"}))["results"]
    assert [i["id"] for i in mine] == [second.pk]
    assert error(call(world.editor, "assign_item", {"item": second.pk, "assignee": world.outsider.pk})
                 ).startswith("assignee: ")
    assert error(call(world.editor, "list_inbox_items", {"assigned": "someone"})).startswith("assigned: ")

    assert ok(call(world.editor, "mark_item_done", {"item": second.pk}))["status"] == "done"
    assert Item.objects.get(pk=second.pk).status == Status.DONE
    assert [i["id"] for i in ok(call(world.viewer, "list_inbox_items"))["results"]] == []  # pending, done
    assert ok(call(world.viewer, "list_inbox_items", {"status": "done"}))["count"] == 1


def test_saved_replies_are_listed(world):
    create_saved_reply(world.workspace, world.owner, SavedReplyInput(title="Livraison", body="Partout en France."))
    found = ok(call(world.viewer, "list_saved_replies", {"workspace": world.workspace.pk}))["saved_replies"]
    assert [r["title"] for r in found] == ["Livraison"]
    assert error(call(world.outsider, "list_saved_replies", {"workspace": world.workspace.pk})) == "Not found."


def test_managers_pause_and_resume(world):
    manager = world.editor
    Membership.objects.filter(user=manager).update(role=Role.MANAGER)
    assert error(call(world.viewer, "pause_workspace", {"workspace": world.workspace.pk, "reason": "Bad buzz"}
                      )).startswith("You do not")
    assert error(call(manager, "pause_workspace", {"workspace": world.workspace.pk, "reason": " "})
                 ).startswith("reason: ")
    paused = ok(call(manager, "pause_workspace", {"workspace": world.workspace.pk, "reason": "Bad buzz"}))
    assert paused["paused"] is True and paused["reason"] == "Bad buzz"
    assert error(call(manager, "pause_workspace", {"workspace": world.workspace.pk, "reason": "Again"})
                 ).startswith("workspace: ")
    assert ok(call(manager, "resume_workspace", {"workspace": world.workspace.pk}))["outcomes"] == []
    world.workspace.refresh_from_db()
    assert not EditorialSettings.of(world.workspace).is_paused
    assert error(call(manager, "resume_workspace", {"workspace": world.workspace.pk})).startswith("workspace: ")


def test_a_revoked_token_stops_a_running_stdio_session(world):
    token, raw = ApiToken.issue(world.owner, "assistant")

    def revoke() -> None:
        try:
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        finally:
            connections.close_all()

    async def session() -> tuple[Any, Any]:
        async with Client(build_server(stdio_caller(raw, "en"))) as client:
            before = await client.call_tool("list_workspaces", {})
            await anyio.to_thread.run_sync(revoke)
            return before, await client.call_tool("list_workspaces", {})

    before, after = anyio.run(session)
    assert ok(before)["workspaces"][0]["id"] == world.workspace.pk
    assert error(after) == "This API token is unknown or revoked."
