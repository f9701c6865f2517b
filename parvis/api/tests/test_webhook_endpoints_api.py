"""Webhook endpoints through the REST API: owners and managers manage them, editors get
403, another workspace's endpoints and deliveries answer 404; bad input names the field;
the secret is in the creation's answer only; rotate, ping, deliveries, send again."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from parvis.api.tests.conftest import World
from parvis.api.tests.webhook_helpers import dispatcher_pass, endpoint_to
from parvis.api.webhooks.models import WebhookDelivery, WebhookEndpoint
from parvis.core.events import emit
from parvis.testing.scripted_server import Answer, ScriptedServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with ScriptedServer() as server:
        server.answer("/hook", Answer(200, body=b'{"ok": true}'))
        yield server


def base(world: World, workspace: Any = None) -> str:
    return f"/api/v1/workspaces/{(workspace or world.workspace).pk}/webhook-endpoints/"


def test_create_answers_the_secret_once_and_lists_without_it(api: APIClient, world: World, receiver) -> None:
    response = api.post(base(world), {"url": receiver.url("/hook"), "description": "n8n",
                                       "event_types": ["post.approved", "publication.published"]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    assert body["event_types"] == ["publication.published", "post.approved"]
    listed = api.get(base(world)).json()["results"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert "secret" not in api.get(f"{base(world)}{body['id']}/").json()
    with connection.cursor() as cursor:  # stored encrypted
        cursor.execute("SELECT keys FROM api_webhookendpoint")
        [(stored,)] = cursor.fetchall()
    assert body["secret"] not in stored and body["secret"][6:] not in stored


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.com/x", "event_types": ["post.approved"]}, "url"),
    ({"url": "http://127.0.0.1:9/x", "event_types": []}, "event_types"),
    ({"url": "http://127.0.0.1:9/x", "event_types": ["post.eaten"]}, "event_types"),
    ({"url": "http://127.0.0.1:9/x", "event_types": "post.approved"}, "event_types"),
    ({"event_types": ["post.approved"]}, "url"),
    ({"url": "http://127.0.0.1:9/x", "event_types": ["post.approved"], "secret": "whsec_x"}, "secret"),
    ({"url": "http://127.0.0.1:9/" + "x" * 600, "event_types": ["post.approved"]}, "url"),
])
def test_bad_input_names_the_field(api: APIClient, world: World, body: dict[str, Any], field: str) -> None:
    response = api.post(base(world), body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert not WebhookEndpoint.objects.exists()


def test_an_unsafe_address_is_refused_naming_the_url(api: APIClient, world: World, settings) -> None:
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    response = api.post(base(world), {"url": "http://10.0.0.5/hook", "event_types": ["post.approved"]},
                        format="json")
    assert response.status_code == 400 and "url" in response.json()["errors"]


def test_editors_are_refused_and_outsiders_see_nothing(world: World, client_for, receiver) -> None:
    endpoint, _secret = endpoint_to(world.workspace, receiver.url("/hook"))
    editor, outsider = client_for(world.editor), client_for(world.outsider)
    assert editor.get(base(world)).status_code == 403
    assert editor.post(base(world), {"url": receiver.url("/hook"), "event_types": ["post.approved"]},
                       format="json").status_code == 403
    for path in ("", "deliveries/"):
        assert outsider.get(f"{base(world)}{endpoint.pk}/{path}").status_code == 404
    assert outsider.get(base(world)).status_code == 404
    # Through the outsider's own workspace, the endpoint does not exist either.
    mine = base(world, world.other_workspace)
    assert outsider.get(f"{mine}{endpoint.pk}/").status_code == 404
    assert outsider.patch(f"{mine}{endpoint.pk}/", {"active": False}, format="json").status_code == 404
    assert outsider.delete(f"{mine}{endpoint.pk}/").status_code == 404
    assert outsider.post(f"{mine}{endpoint.pk}/rotate-secret/").status_code == 404
    assert outsider.post(f"{mine}{endpoint.pk}/ping/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.active


def test_patch_keeps_what_is_left_out_and_switching_on_clears_the_streak(api: APIClient, world: World,
                                                                        receiver) -> None:
    from django.utils import timezone

    endpoint, _secret = endpoint_to(world.workspace, receiver.url("/hook"), ["post.approved"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False, failing_since=timezone.now(),
                                                          disabled_at=timezone.now(), disabled_reason="x")
    response = api.patch(f"{base(world)}{endpoint.pk}/", {"active": True, "description": "Make"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["active"] and body["description"] == "Make" and body["event_types"] == ["post.approved"]
    assert body["failing_since"] is None and body["disabled_reason"] == ""
    bad = api.patch(f"{base(world)}{endpoint.pk}/", {"event_types": ["nope"]}, format="json")
    assert bad.status_code == 400 and "event_types" in bad.json()["errors"]


def test_rotate_ping_deliveries_and_send_again(api: APIClient, world: World, receiver) -> None:
    created = api.post(base(world), {"url": receiver.url("/hook"), "event_types": ["pause.started"]},
                       format="json").json()
    url = f"{base(world)}{created['id']}/"
    rotated = api.post(f"{url}rotate-secret/")
    assert rotated.status_code == 200
    secret = rotated.json()["secret"]
    assert secret != created["secret"] and rotated.json()["previous_secret_until"].endswith("Z")
    assert api.get(url).json()["previous_secret_until"] == rotated.json()["previous_secret_until"]
    ping = api.post(f"{url}ping/")
    assert ping.status_code == 202 and ping.json()["event_type"] == "webhook.ping"
    assert dispatcher_pass() == ["delivered"]
    request = receiver.received[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert Webhook(secret).verify(request["body"], headers)["type"] == "webhook.ping"
    assert Webhook(created["secret"]).verify(request["body"], headers)  # the old one, for a day
    listed = api.get(f"{url}deliveries/").json()["results"]
    assert listed[0]["state"] == "delivered" and listed[0]["payload"]["type"] == "webhook.ping"
    attempt = listed[0]["attempts"][0]
    assert attempt["status_code"] == 200 and attempt["ok"] and attempt["response"] == '{"ok": true}'
    again = api.post(f"{url}deliveries/{listed[0]['id']}/send-again/")
    assert again.status_code == 202 and again.json()["webhook_id"] == listed[0]["webhook_id"]
    assert dispatcher_pass() == ["delivered"]
    assert len(receiver.received) == 2


def test_another_workspaces_delivery_cannot_be_sent_again(api: APIClient, world: World, receiver) -> None:
    theirs, _ = endpoint_to(world.other_workspace, receiver.url("/hook"), ["pause.started"])
    mine, _ = endpoint_to(world.workspace, receiver.url("/hook"), ["pause.started"])
    emit(world.other_workspace, "pause.started", {"workspace_id": world.other_workspace.pk, "reason": "r"})
    dispatcher_pass()
    delivery = WebhookDelivery.objects.get(endpoint=theirs)
    response = api.post(f"{base(world)}{mine.pk}/deliveries/{delivery.pk}/send-again/")
    assert response.status_code == 404
    assert WebhookDelivery.objects.count() == 1


def test_delete(api: APIClient, world: World, receiver) -> None:
    endpoint, _ = endpoint_to(world.workspace, receiver.url("/hook"))
    assert api.delete(f"{base(world)}{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_the_openapi_document_describes_every_payload(api: APIClient) -> None:
    from parvis.core.events import EVENT_TYPES

    schema = api.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert set(EVENT_TYPES) | {"webhook.ping"} == set(schema["webhooks"])
    request = schema["webhooks"]["publication.published"]["post"]["requestBody"]["content"]["application/json"]
    name = request["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][name]["properties"]) == {"type", "timestamp", "data"}
