"""Every event type is emitted where its change happens, in the same transaction, and
reaches a subscribed endpoint: publications by the engine against the loopback Mastodon
server, reviews, the crisis pause, CSV imports, inbox items stored, assigned, overdue,
and crisis alerts. Each payload matches the schema published in the OpenAPI document."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from parvis.api.tests.webhook_helpers import dispatcher_pass, endpoint_to
from parvis.api.webhooks.models import WebhookEndpoint
from parvis.api.webhooks.schema import DATA
from parvis.core.models import Event
from parvis.inbox import crisis, events, triage
from parvis.inbox.ingest import store
from parvis.inbox.models import InboxSettings, Item
from parvis.inbox.tests.factories import inbound
from parvis.networks.models import SocialAccount
from parvis.publishing import approval, engine, importer
from parvis.publishing.models import EditorialSettings
from parvis.publishing.pause import pause_workspace, resume_workspace
from parvis.publishing.tests.helpers import pub, schedule
from parvis.publishing.validation import PostInput
from parvis.testing.scripted_server import Answer, ScriptedServer

pytestmark = [pytest.mark.usefixtures("english")]


def emitted(type_: str) -> list[dict[str, Any]]:
    return [e.data for e in Event.objects.filter(type=type_).order_by("pk")]


def conforms(type_: str, data: dict[str, Any]) -> None:
    """The payload has every field its published schema says it has."""
    serializer = DATA[type_]()
    required = {name if name != "import_" else "import" for name, f in serializer.fields.items() if f.required}
    assert required <= set(data), (type_, required - set(data))


@pytest.fixture
def listened(people):
    """An endpoint subscribed to everything: events nobody listens to are not recorded."""
    return endpoint_to(people["workspace"], "http://127.0.0.1:9/everything")[0]


@pytest.fixture
def inbox_account(people, listened):
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://brand.social", remote_id="1",
        handle="@brand@brand.social", credentials={"access_token": "x"})


@pytest.mark.django_db(transaction=True)
def test_the_engine_publishing_on_mastodon_reaches_the_receiver(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    with ScriptedServer() as receiver:
        receiver.answer("/hook", Answer(200))
        _endpoint, secret = endpoint_to(people["workspace"], receiver.url("/hook"), ["publication.published"])
        post = schedule(people["workspace"], people["owner"], [account], "Fournée du jour")
        assert engine.publish(pub(post).pk) == "published"
        assert dispatcher_pass() == ["delivered"]
        request = receiver.received[0]
    message = Webhook(secret).verify(request["body"], {k.lower(): v for k, v in request["headers"].items()})
    data = message["data"]["publication"]
    publication = pub(post)
    assert message["type"] == "publication.published"
    assert data["id"] == publication.pk and data["remote_id"] == publication.remote_id
    assert data["remote_url"] == publication.remote_url and [s["id"] for s in mastodon_server.statuses_of(local)] \
        == [publication.remote_id]
    assert data["link"].endswith(f"/w/{people['workspace'].pk}/publications/{publication.pk}/")
    assert "access_token" not in request["body"].decode() and "credentials" not in request["body"].decode()
    conforms("publication.published", message["data"])


@pytest.mark.django_db(transaction=True)
def test_a_failed_publication_is_emitted_with_its_reason(mastodon_server, mastodon_account, people, listened):
    account, _ = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "ok")
    post.text = "x" * 501
    post.save()
    assert engine.publish(pub(post).pk) == "failed"
    [data] = emitted("publication.failed")
    assert data["publication"]["state"] == "failed" and "500" in data["publication"]["error"]
    assert emitted("publication.published") == []
    conforms("publication.failed", data)


@pytest.mark.django_db(transaction=True)
def test_a_retry_is_no_event(mastodon_server, mastodon_account, people, listened):
    account, _ = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Malgré une 503")
    mastodon_server.fail_next(503)
    assert engine.publish(pub(post).pk) == "retry"
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_the_review_cycle_emits_submitted_changes_requested_and_approved(people, listened):
    from parvis.publishing.actions import save_post

    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval = True
    editorial.save()
    account = SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:brand",
        handle="@brand.bsky.social", credentials={"identifier": "brand.bsky.social", "app_password": "x"})
    post = save_post(workspace, people["editor"], PostInput(
        text="Galette des rois", accounts=[account], mode="schedule",
        scheduled_at=timezone.now() + timedelta(hours=48)))
    approval.submit_for_review(post, people["editor"], "Pour jeudi")
    approval.request_changes(post, "Ajoutez le prix", user=people["manager"])
    approval.submit_for_review(post, people["editor"])
    approval.approve(post, user=people["manager"], comment="Parfait")
    submitted = emitted("post.submitted")
    assert [d.get("comment") for d in submitted] == ["Pour jeudi", None]
    [changes] = emitted("post.changes_requested")
    assert changes["comment"] == "Ajoutez le prix" and changes["post"]["approval_state"] == "changes_requested"
    [approved] = emitted("post.approved")
    assert approved["post"]["id"] == post.pk and approved["comment"] == "Parfait"
    assert approved["by"] == str(people["manager"])
    for type_, data in (("post.submitted", submitted[0]), ("post.approved", approved),
                        ("post.changes_requested", changes)):
        conforms(type_, data)


@pytest.mark.django_db
def test_a_refused_action_emits_nothing(people, listened):
    from parvis.publishing.actions import save_post

    post = save_post(people["workspace"], people["editor"], PostInput(text="x", accounts=[], mode="draft"))
    with pytest.raises(approval.ApprovalError):  # this workspace requires no approval
        approval.submit_for_review(post, people["editor"])
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_pause_and_resume_are_emitted(people, listened):
    workspace = people["workspace"]
    pause_workspace(workspace, people["manager"], "Bad buzz")
    resume_workspace(workspace, people["manager"], default="drop")
    [started] = emitted("pause.started")
    [ended] = emitted("pause.ended")
    assert started["reason"] == ended["reason"] == "Bad buzz"
    assert started["by"]["id"] == people["manager"].pk
    conforms("pause.started", started)


@pytest.mark.django_db
def test_an_event_rolls_back_with_its_change(people, listened):
    workspace = people["workspace"]
    with pytest.raises(RuntimeError), transaction.atomic():
        pause_workspace(workspace, people["manager"], "Bad buzz")
        raise RuntimeError("the request failed after the pause")
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_finished_import_is_emitted(people, listened):
    workspace = people["workspace"]
    SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:brand",
        handle="@brand.bsky.social", credentials={"identifier": "brand.bsky.social", "app_password": "x"})
    year = timezone.now().year + 1
    raw = (f"date,time,timezone,text,accounts\n{year}-06-01,09:30,Europe/Paris,Bonjour,brand.bsky.social\n"
           f"{year}-06-02,09:30,Europe/Paris,Bonsoir,brand.bsky.social\n").encode()
    batch = importer.validate(workspace, io.BytesIO(raw), user=people["editor"], filename="plan.csv")
    importer.run_import(batch)
    [data] = emitted("import.finished")
    assert data["import"]["id"] == batch.pk and data["import"]["created_posts"] == 2
    assert data["import"]["filename"] == "plan.csv" and data["import"]["status"] == "done"
    conforms("import.finished", data)


@pytest.mark.django_db
def test_an_import_stopped_by_an_error_is_emitted_as_failed(people, listened, monkeypatch):
    workspace = people["workspace"]
    SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id="did:plc:brand",
        handle="@brand.bsky.social", credentials={"identifier": "brand.bsky.social", "app_password": "x"})
    raw = f"date,time,timezone,text,accounts\n{timezone.now().year + 1}-06-01,09:30,,Bonjour,brand.bsky.social\n"
    batch = importer.validate(workspace, io.BytesIO(raw.encode()), user=people["editor"], filename="plan.csv")

    def broken(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("parvis.publishing.importer.run._run_chunk", broken)
    importer.run_import(batch)
    [data] = emitted("import.finished")
    assert data["import"]["status"] == "failed" and "disk full" in data["import"]["error"]
    conforms("import.finished", data)


@pytest.mark.django_db
def test_new_inbox_items_are_emitted_once(people, inbox_account):
    entry = inbound("Vous livrez à Lyon ?")
    store(inbox_account, [entry], analyser=lambda items: None)
    store(inbox_account, [entry], analyser=lambda items: None)  # polled again: not new
    [data] = emitted("inbox.item.received")
    item = Item.objects.get(remote_id=entry.remote_id)
    assert data["item"]["id"] == item.pk and data["item"]["text"] == "Vous livrez à Lyon ?"
    assert data["item"]["author"]["handle"] == "camille@example.social"
    conforms("inbox.item.received", data)


@pytest.mark.django_db
def test_assigning_an_item_is_emitted(people, inbox_account):
    store(inbox_account, [inbound("Bonjour")], analyser=lambda items: None)
    item = Item.objects.get()
    triage.assign(item, people["editor"])
    triage.assign(item, None)
    first, second = emitted("inbox.item.assigned")
    assert first["assignee"]["id"] == people["editor"].pk and second["assignee"] is None
    conforms("inbox.item.assigned", first)


@pytest.mark.django_db
def test_an_item_past_the_response_target_is_emitted_once(people, inbox_account):
    InboxSettings.objects.update_or_create(workspace=people["workspace"], defaults={"response_target_minutes": 60})
    now = timezone.now()
    store(inbox_account, [inbound("Toujours pas de réponse ?", at=now - timedelta(minutes=30)),
                          inbound("Déjà traité", at=now - timedelta(minutes=30)),
                          inbound("Trop ancien", at=now - timedelta(days=3))], analyser=lambda items: None)
    Item.objects.filter(text="Déjà traité").update(status="done")
    assert events.emit_overdue(now) == 0  # not yet
    assert events.emit_overdue(now + timedelta(minutes=31)) == 1
    assert events.emit_overdue(now + timedelta(minutes=45)) == 0  # once only
    [data] = emitted("inbox.item.overdue")
    assert data["item"]["text"] == "Toujours pas de réponse ?" and data["target_minutes"] == 60
    conforms("inbox.item.overdue", data)


@pytest.mark.django_db
def test_nothing_is_recorded_for_nobody(people):
    endpoint, _ = endpoint_to(people["workspace"], "http://127.0.0.1:9/x", ["pause.ended"])
    pause_workspace(people["workspace"], people["manager"], "Bad buzz")  # pause.started: nobody listens
    assert not Event.objects.exists()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    resume_workspace(people["workspace"], people["manager"], default="drop")  # switched off: nobody either
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_crisis_alert_is_emitted(people, inbox_account):
    now = timezone.now()
    settings = InboxSettings.of(people["workspace"])
    entries = [inbound(f"Honteux {n}", at=now - timedelta(minutes=n + 1)) for n in range(settings.crisis_min_items)]
    store(inbox_account, entries, analyser=lambda items: None)
    Item.objects.update(sentiment="negative")
    alert = crisis.check(people["workspace"], now)
    assert alert is not None
    [data] = emitted("crisis.alert")
    assert data["alert"]["id"] == alert.pk and data["alert"]["count"] == settings.crisis_min_items
    conforms("crisis.alert", data)
