"""The webhook pages of the workspace settings: a manager creates an endpoint and sees its
secret once, edits it, rotates the secret, sends a test ping, reads each delivery's
attempts (the receiver's answer escaped) and sends one again, deletes it. Editors get 403,
outsiders and other workspaces' endpoints 404; bad input names the field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from parvis.api.tests.webhook_helpers import dispatcher_pass, endpoint_to
from parvis.api.webhooks.models import WebhookDelivery, WebhookEndpoint
from parvis.testing.scripted_server import Answer, ScriptedServer
from parvis.web.tests.test_pages import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HOSTILE = b'<script>alert("x")</script>'


@pytest.fixture
def receiver():
    with ScriptedServer() as server:
        server.answer("/hook", Answer(500, body=HOSTILE))
        yield server


def url(name: str, people: dict[str, Any], *args: Any) -> str:
    return reverse(name, args=[people["workspace"].pk, *args])


def page(response: Any) -> str:
    return response.content.decode()


def test_a_manager_creates_an_endpoint_and_sees_its_secret_once(people, receiver):
    client = client_for(people["manager"])
    response = client.post(url("web:webhooks", people), {
        "url": receiver.url("/hook"), "description": "n8n", "event_types": ["publication.published", "crisis.alert"],
        "active": "on"})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["publication.published", "crisis.alert"] and endpoint.active
    secret = endpoint.keys["current"]
    assert secret in page(response)
    assert secret not in page(client.get(url("web:webhooks", people)))
    assert secret not in page(client.get(url("web:webhook_endpoint", people, endpoint.pk)))
    assert "webhooks-link" in page(client.get(url("web:workspace_settings", people)))


@pytest.mark.parametrize(("changes", "field"), [
    ({"url": "not an address"}, "url"),
    ({"event_types": []}, "event_types"),
    ({"event_types": ["post.eaten"]}, "event_types"),
])
def test_bad_input_names_the_field(people, changes, field):
    data = {"url": "http://127.0.0.1:9/x", "event_types": ["crisis.alert"], **changes}
    response = client_for(people["owner"]).post(url("web:webhooks", people), data)
    assert response.status_code == 400
    assert set(re.findall(r'data-field="([a-z_]+)"', page(response))) == {field}
    assert not WebhookEndpoint.objects.exists()


def test_editors_are_refused_and_outsiders_find_nothing(people, receiver):
    endpoint, _secret = endpoint_to(people["workspace"], receiver.url("/hook"))
    editor, outsider = client_for(people["editor"]), client_for(people["outsider"])
    assert editor.get(url("web:webhooks", people)).status_code == 403
    assert editor.post(url("web:webhook_rotate", people, endpoint.pk)).status_code == 403
    assert outsider.get(url("web:webhooks", people)).status_code == 404
    assert outsider.get(url("web:webhook_endpoint", people, endpoint.pk)).status_code == 404
    theirs = people["other_workspace"].pk
    for name in ("web:webhook_endpoint", "web:webhook_delete", "web:webhook_rotate", "web:webhook_ping"):
        response = (outsider.get if name == "web:webhook_endpoint" else outsider.post)(
            reverse(name, args=[theirs, endpoint.pk]))
        assert response.status_code == 404, name
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_edit_rotate_ping_attempts_send_again_and_delete(people, receiver):
    client = client_for(people["owner"])
    endpoint, old = endpoint_to(people["workspace"], receiver.url("/hook"), ["crisis.alert"])
    response = client.post(url("web:webhook_endpoint", people, endpoint.pk), {
        "url": receiver.url("/hook"), "description": "Make", "event_types": ["pause.started", "pause.ended"]})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.description == "Make" and endpoint.event_types == ["pause.started", "pause.ended"]
    assert not endpoint.active  # the box was left unticked
    client.post(url("web:webhook_endpoint", people, endpoint.pk), {
        "url": receiver.url("/hook"), "event_types": ["pause.started"], "active": "on"})
    rotated = client.post(url("web:webhook_rotate", people, endpoint.pk))
    endpoint.refresh_from_db()
    assert endpoint.keys["current"] in page(rotated) and old not in page(rotated)
    assert client.post(url("web:webhook_ping", people, endpoint.pk)).status_code == 302
    assert dispatcher_pass() == ["failed"]  # the receiver answers 500; a ping is not retried
    detail = page(client.get(url("web:webhook_endpoint", people, endpoint.pk)))
    assert "webhook.ping" in detail and "HTTP 500" in detail
    assert HOSTILE.decode() not in detail and "&lt;script&gt;" in detail
    delivery = WebhookDelivery.objects.get()
    receiver.answer("/hook", Answer(200))
    assert client.post(url("web:webhook_send_again", people, endpoint.pk, delivery.pk)).status_code == 302
    assert dispatcher_pass() == ["delivered"]
    assert "Delivered" in page(client.get(url("web:webhook_endpoint", people, endpoint.pk)))
    assert client.post(url("web:webhook_delete", people, endpoint.pk)).status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_a_switched_off_endpoint_says_why(people, receiver):
    from django.utils import timezone

    from parvis.api.webhooks.delivery import disable
    from parvis.core.texts import Text

    endpoint, _secret = endpoint_to(people["workspace"], receiver.url("/hook"))
    disable(endpoint, Text.gettext("The receiver answered 410 Gone: it asks not to be called any more."),
            timezone.now())
    response = client_for(people["owner"]).get(url("web:webhook_endpoint", people, endpoint.pk))
    assert "410 Gone" in page(response) and 'data-testid="disabled-reason"' in page(response)
