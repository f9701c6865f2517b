"""The inbox API: the filtered list, an item with its conversation, triage, notes,
corrections, replies, network actions and saved replies; bad input named, other
workspaces' items 404, viewers 403 on anything that acts; the schema still builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.tests.conftest import World
from parvis.inbox.ingest import store
from parvis.inbox.models import Correction, Item, Kind, Note, Reply, SavedReply, Sentiment, Status
from parvis.inbox.saved_replies import SavedReplyInput, create_saved_reply
from parvis.inbox.tests.factories import author, inbound
from parvis.networks.base import ErrorKind, InboundItem, ItemKind, Moderation, NetworkError, RemoteAuthor
from parvis.publishing.models import EditorialSettings, Label, Publication, State

pytestmark = pytest.mark.django_db
ITEMS = "/api/v1/inbox/items/"


def no_analysis(items: list[Item]) -> None:
    """Language and sentiment are not what these tests are about."""


def ingest(account: Any, *texts: str, **kwargs: Any) -> list[Item]:
    """Items through the real way in, a minute apart, returned oldest first."""
    start = timezone.now() - timedelta(minutes=len(texts))
    stored = store(account, [inbound(text, at=start + timedelta(minutes=n), **kwargs)
                             for n, text in enumerate(texts)], analyser=no_analysis)
    return sorted(stored.new_in_inbox, key=lambda item: item.created_at)


def url(item: Item, suffix: str = "") -> str:
    return f"{ITEMS}{item.pk}/{suffix}"


@pytest.fixture
def item(world: World) -> Item:
    return ingest(world.mastodon, "Vous livrez à Lyon ?", by=author("Camille Martin", "camille@example.social"))[0]


@pytest.fixture
def editor(world: World, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(world.editor)


@pytest.fixture
def viewer(world: World, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(world.viewer)


class FakeNetwork:
    """Stands for the network behind the one connector lookup: the API's job is to pass the
    action on and translate the answer; the connectors have their own tests."""

    def __init__(self, offered: frozenset[Moderation], refusal: str | None = None) -> None:
        self.offered, self.refusal = offered, refusal
        self.calls: list[tuple[str, str, str]] = []

    def moderations(self) -> frozenset[Moderation]:
        return self.offered

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor, reason: str = "") -> None:
        if self.refusal:
            raise NetworkError(self.refusal, ErrorKind.PERMANENT)
        self.calls.append((action.value, item.remote_id if item else "", reason))

    def delete(self, remote_id: str) -> None:
        self.calls.append(("delete", remote_id, ""))


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> FakeNetwork:
    fake = FakeNetwork(frozenset({Moderation.LIKE, Moderation.BOOST, Moderation.MUTE, Moderation.BLOCK,
                                  Moderation.REPORT}))
    monkeypatch.setattr("parvis.networks.registry.connector_for", lambda account: fake)
    return fake


# -- list ---------------------------------------------------------------------------------

def test_list_shows_my_workspaces_items_newest_first_paginated(api, world):
    first, second, third = ingest(world.mastodon, "Un", "Deux", "Trois")
    ingest(world.other_account, "Chez les autres")
    page = api.get(ITEMS, {"limit": 2}).json()
    assert page["count"] == 3
    assert [i["id"] for i in page["results"]] == [third.pk, second.pk]
    assert page["results"][0]["author"]["handle"] == "camille@example.social"
    rest = api.get(ITEMS, {"limit": 2, "offset": 2}).json()
    assert [i["id"] for i in rest["results"]] == [first.pk]


def test_list_filters_like_the_inbox(api, world):
    happy, angry = ingest(world.mastodon, "Merci, délicieux !", "Toujours pas livré, scandaleux")
    Item.objects.filter(pk=angry.pk).update(sentiment=Sentiment.NEGATIVE, priority=2)
    Item.objects.filter(pk=happy.pk).update(sentiment=Sentiment.POSITIVE, status=Status.DONE)
    assert [i["id"] for i in api.get(ITEMS, {"sentiment": "negative"}).json()["results"]] == [angry.pk]
    assert [i["id"] for i in api.get(ITEMS, {"view": "done"}).json()["results"]] == [happy.pk]
    assert [i["id"] for i in api.get(ITEMS, {"view": "all", "q": "DELICIEUX"}).json()["results"]] == [happy.pk]
    assert [i["id"] for i in api.get(ITEMS, {"priority": "2"}).json()["results"]] == [angry.pk]
    assert api.get(ITEMS, {"workspace": world.other_workspace.pk}).json()["count"] == 0


def test_invalid_filters_answer_400_naming_each(api, world):
    response = api.get(ITEMS, {"sentiment": "furieux", "priority": "9", "view": "everything", "q": "ok"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"sentiment", "priority", "view"}
    assert "furieux" in response.json()["errors"]["sentiment"][0]


# -- one item -----------------------------------------------------------------------------

def test_detail_has_the_author_and_the_whole_conversation(api, world):
    stored = store(world.mastodon, [
        inbound("Notre galette", kind=ItemKind.OWN, remote_id="ours-1", in_reply_to=None, thread="ours-1",
                by=author("Dupont", "brand@example.social"), at=timezone.now() - timedelta(hours=1)),
        inbound("Elle est à quel prix ?", remote_id="q-1", in_reply_to="ours-1", thread="ours-1"),
    ], analyser=no_analysis)
    question = stored.new_in_inbox[0]
    Note.objects.create(item=question, author=world.owner, text="Client fidèle")
    body = api.get(url(question)).json()
    assert body["author"]["display_name"] == "Camille Martin" and "bio" in body["author"]
    assert [(c["kind"], c["text"]) for c in body["conversation"]] == [
        (Kind.OWN.value, "Notre galette"), (Kind.REPLY.value, "Elle est à quel prix ?")]
    assert [n["text"] for n in body["notes"]] == ["Client fidèle"]


def test_another_workspaces_item_is_not_found(api, world, client_for):
    theirs = ingest(world.other_account, "Chez les autres")[0]
    assert api.get(url(theirs)).status_code == 404
    assert api.patch(url(theirs), {"status": "done"}, format="json").status_code == 404
    assert api.post(url(theirs, "reply/"), {"text": "Coucou"}, format="json").status_code == 404
    assert api.get(f"{ITEMS}999999/").status_code == 404
    assert Item.objects.get(pk=theirs.pk).status == Status.OPEN


# -- triage -------------------------------------------------------------------------------

def test_patch_triages_the_item(editor, world, item):
    label = Label.objects.create(workspace=world.workspace, name="Livraison")
    until = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = editor.patch(url(item), {"assignee": world.editor.pk, "priority": 2, "labels": [label.pk],
                                        "snoozed_until": until.isoformat(), "status": "pending"}, format="json")
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.assignee, item.priority, item.status, item.snoozed_until) == (world.editor, 2, "pending", until)
    assert list(item.labels.all()) == [label]
    assert response.json()["labels"] == [label.pk] and response.json()["status"] == "pending"
    editor.patch(url(item), {"status": "done", "assignee": None}, format="json")
    item.refresh_from_db()
    assert item.status == Status.DONE and item.done_by == world.editor and item.assignee is None
    assert item.first_response_at is not None


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "closed"}, "status"),
    ({"priority": 7}, "priority"),
    ({"snoozed_until": "2030-01-01T09:00:00"}, "snoozed_until"),  # no offset
    ({"labels": ["x"]}, "labels"),  # an item of a list of values: named by the list
    ({"stauts": "done"}, "stauts"),
])
def test_patch_bad_input_names_the_field(editor, item, body, field):
    response = editor.patch(url(item), body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_patch_is_all_or_nothing(editor, world, item):
    theirs = Label.objects.create(workspace=world.other_workspace, name="Ailleurs")
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    for body, field in [({"priority": 2, "assignee": world.outsider.pk}, "assignee"),
                        ({"priority": 2, "labels": [theirs.pk]}, "labels"),
                        ({"priority": 2, "snoozed_until": past}, "snoozed_until")]:
        response = editor.patch(url(item), body, format="json")
        assert response.status_code == 400 and list(response.json()["errors"]) == [field]
        # An outsider's id is refused without saying who they are.
        assert "outsider" not in json.dumps(response.json())
    item.refresh_from_db()
    assert item.priority == 1 and item.assignee is None and item.snoozed_until is None


def test_viewer_reads_but_cannot_act(viewer, item, network):
    assert viewer.get(url(item)).status_code == 200
    assert viewer.patch(url(item), {"status": "done"}, format="json").status_code == 403
    assert viewer.post(url(item, "notes/"), {"text": "x"}, format="json").status_code == 403
    assert viewer.post(url(item, "corrections/"), {"field": "spam", "value": "true"}, format="json").status_code == 403
    assert viewer.post(url(item, "reply/"), {"text": "Oui"}, format="json").status_code == 403
    assert viewer.post(url(item, "actions/"), {"action": "like"}, format="json").status_code == 403
    item.refresh_from_db()
    assert item.status == Status.OPEN and not item.notes.exists() and not item.replies.exists()
    assert network.calls == []


# -- notes and corrections ----------------------------------------------------------------

def test_notes_are_added_and_empty_ones_refused(editor, world, item):
    response = editor.post(url(item, "notes/"), {"text": "  Rappeler demain  "}, format="json")
    assert response.status_code == 201 and response.json()["text"] == "Rappeler demain"
    assert Note.objects.get().author == world.editor
    blank = editor.post(url(item, "notes/"), {"text": "   "}, format="json")
    assert blank.status_code == 400 and list(blank.json()["errors"]) == ["text"]
    assert editor.post(url(item, "notes/"), {}, format="json").json()["errors"].keys() == {"text"}


def test_corrections_are_kept_and_bad_ones_named(editor, item):
    response = editor.post(url(item, "corrections/"), {"field": "sentiment", "value": "negative"}, format="json")
    assert response.status_code == 201 and response.json()["after"] == "negative"
    item.refresh_from_db()
    assert item.sentiment == "negative" and item.corrected
    assert Correction.objects.get().field == "sentiment"
    bad_value = editor.post(url(item, "corrections/"), {"field": "toxic", "value": "maybe"}, format="json")
    assert bad_value.status_code == 400 and list(bad_value.json()["errors"]) == ["value"]
    bad_field = editor.post(url(item, "corrections/"), {"field": "language", "value": "fr"}, format="json")
    assert bad_field.status_code == 400 and list(bad_field.json()["errors"]) == ["field"]
    assert Correction.objects.count() == 1


# -- replies ------------------------------------------------------------------------------

def test_reply_queues_a_publication_threaded_under_the_item(editor, world, item):
    response = editor.post(url(item, "reply/"), {"text": "Oui, dès demain !"}, format="json")
    assert response.status_code == 201
    body = response.json()
    publication = Publication.objects.get(pk=body["publication"])
    assert body["state"] == State.SCHEDULED == publication.state
    assert publication.account == world.mastodon and publication.reply_to["remote_id"] == item.remote_id
    assert Reply.objects.get(pk=body["id"]).item == item and publication.post.text == "Oui, dès demain !"
    item.refresh_from_db()
    assert item.status == Status.PENDING
    detail = editor.get(url(item)).json()
    assert detail["replies"][0]["publication"] == publication.pk


@pytest.mark.parametrize(("body", "field"), [({"text": "  "}, "text"), ({}, "text"), ({"text": "é" * 501}, "text")])
def test_reply_bad_input_names_the_field(editor, item, body, field):
    response = editor.post(url(item, "reply/"), body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Publication.objects.exists()


def test_reply_to_a_message_deleted_on_the_network_is_a_conflict(editor, item):
    Item.objects.filter(pk=item.pk).update(deleted_at=timezone.now())
    response = editor.post(url(item, "reply/"), {"text": "Oui"}, format="json")
    assert response.status_code == 409 and "item" in response.json()["errors"]
    assert not Publication.objects.exists()


# -- network actions ----------------------------------------------------------------------

def test_actions_go_to_the_network_and_are_recorded(editor, item, network):
    liked = editor.post(url(item, "actions/"), {"action": "like"}, format="json")
    assert liked.status_code == 200 and liked.json()["liked_at"] is not None
    blocked = editor.post(url(item, "actions/"), {"action": "block"}, format="json")
    assert blocked.json()["author"]["blocked_at"] is not None
    editor.post(url(item, "actions/"), {"action": "report", "reason": "Spam répété"}, format="json")
    assert network.calls == [("like", item.remote_id, ""), ("block", item.remote_id, ""),
                             ("report", item.remote_id, "Spam répété")]


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "explode"}, "action"),
    ({"action": "hide"}, "action"),  # this network does not offer it
    ({"action": "report", "reason": "x" * 1001}, "reason"),
    ({"action": "delete"}, "action"),  # only our own replies can be deleted
    ({}, "action"),
])
def test_bad_actions_are_named_and_never_sent(editor, item, network, body, field):
    response = editor.post(url(item, "actions/"), body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert network.calls == []


def test_a_network_refusal_is_a_502_with_its_message_and_nothing_recorded(editor, item, network):
    network.refusal = "Record not found"
    response = editor.post(url(item, "actions/"), {"action": "boost"}, format="json")
    assert response.status_code == 502
    assert "Record not found" in response.json()["errors"]["action"][0]
    item.refresh_from_db()
    assert item.boosted_at is None


def test_delete_our_own_reply(editor, world, network):
    ours = store(world.mastodon, [inbound("Notre réponse", kind=ItemKind.OWN, remote_id="ours-9")],
                 analyser=no_analysis).created[0]
    response = editor.post(url(ours, "actions/"), {"action": "delete"}, format="json")
    assert response.status_code == 200 and response.json()["deleted_at"] is not None
    assert network.calls == [("delete", "ours-9", "")]


# -- saved replies ------------------------------------------------------------------------

def saved_url(world: World, saved: SavedReply | None = None) -> str:
    base = f"/api/v1/workspaces/{world.workspace.pk}/saved-replies/"
    return f"{base}{saved.pk}/" if saved else base


def test_saved_replies_crud(editor, world):
    created = editor.post(saved_url(world), {"title": "Horaires", "body": "Bonjour {name}, 7h-19h."}, format="json")
    assert created.status_code == 201 and created.json()["crisis"] is False
    saved = SavedReply.objects.get(pk=created.json()["id"])
    assert saved.workspace == world.workspace and saved.created_by == world.editor
    patched = editor.patch(saved_url(world, saved), {"crisis": True}, format="json")
    assert patched.status_code == 200 and patched.json()["crisis"] is True
    assert patched.json()["title"] == "Horaires"  # left out: kept
    assert editor.get(saved_url(world, saved)).json()["body"] == "Bonjour {name}, 7h-19h."
    assert editor.delete(saved_url(world, saved)).status_code == 204
    assert not SavedReply.objects.exists()


def test_saved_replies_search_and_crisis_pin(api, world):
    for title, crisis in [("Adresse", False), ("Rappel produit", True), ("Épiphanie", False)]:
        create_saved_reply(world.workspace, world.owner, SavedReplyInput(title, f"Texte {title}", crisis))
    assert [s["title"] for s in api.get(saved_url(world)).json()["results"]] == [
        "Adresse", "Épiphanie", "Rappel produit"]
    assert [s["title"] for s in api.get(saved_url(world), {"q": "EPIPHANIE"}).json()["results"]] == ["Épiphanie"]
    editorial = EditorialSettings.of(world.workspace)
    editorial.paused_at = timezone.now()
    editorial.save(update_fields=["paused_at"])
    assert api.get(saved_url(world)).json()["results"][0]["title"] == "Rappel produit"


@pytest.mark.parametrize(("body", "field"), [
    ({"body": "Bonjour"}, "title"),
    ({"title": "x" * 121, "body": "Bonjour"}, "title"),
    ({"title": "Horaires"}, "body"),
    ({"title": "Horaires", "body": "Salut {prenom}"}, "body"),
    ({"title": "Horaires", "body": "Salut", "colour": "red"}, "colour"),
])
def test_saved_reply_bad_input_names_the_field(editor, world, body, field):
    response = editor.post(saved_url(world), body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not SavedReply.objects.exists()


def test_unknown_variable_error_lists_the_known_ones(editor, world):
    response = editor.post(saved_url(world), {"title": "T", "body": "Salut {prenom}"}, format="json")
    message = response.json()["errors"]["body"][0]
    assert "{prenom}" in message and all(v in message for v in ("{name}", "{handle}", "{me}"))


def test_saved_replies_access(world, client_for):
    saved = create_saved_reply(world.workspace, world.owner, SavedReplyInput("Horaires", "7h"))
    viewer, outsider = client_for(world.viewer), client_for(world.outsider)
    assert viewer.get(saved_url(world)).json()["count"] == 1
    assert viewer.post(saved_url(world), {"title": "T", "body": "B"}, format="json").status_code == 403
    assert viewer.patch(saved_url(world, saved), {"title": "T"}, format="json").status_code == 403
    assert viewer.delete(saved_url(world, saved)).status_code == 403
    assert outsider.get(saved_url(world)).status_code == 404
    assert outsider.get(saved_url(world, saved)).status_code == 404
    # Their own workspace's path does not reach this workspace's saved reply.
    theirs = f"/api/v1/workspaces/{world.other_workspace.pk}/saved-replies/{saved.pk}/"
    assert outsider.delete(theirs).status_code == 404
    assert SavedReply.objects.get().title == "Horaires"


# -- schema -------------------------------------------------------------------------------

def test_schema_builds_without_warnings_with_the_inbox_paths(generated_schema: dict[str, Any]) -> None:
    paths = generated_schema["paths"]
    assert set(paths["/api/v1/inbox/items/{id}/"]) == {"get", "patch"}
    assert {"/api/v1/inbox/items/", "/api/v1/inbox/items/{id}/notes/", "/api/v1/inbox/items/{id}/corrections/",
            "/api/v1/inbox/items/{id}/reply/", "/api/v1/inbox/items/{id}/actions/",
            "/api/v1/workspaces/{workspace_id}/saved-replies/"} <= set(paths)
    assert set(paths["/api/v1/workspaces/{workspace_id}/saved-replies/{id}/"]) == {"get", "patch", "delete"}
    assert "502" in paths["/api/v1/inbox/items/{id}/actions/"]["post"]["responses"]
