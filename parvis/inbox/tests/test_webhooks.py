"""Outgoing notifications in the formats of Slack, Mattermost, Matrix and ntfy, sent to a
real HTTP server on loopback that records what it receives."""

from __future__ import annotations

import json

import pytest

from parvis.inbox.models import Webhook
from parvis.inbox.webhooks import Message, check_webhook, send

HOSTILE = 'Ça brûle <script>alert(1)</script> *gras* [lien](javascript:alert(1)) <@channel>'


@pytest.fixture
def server(http_recorder):
    return http_recorder


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = True


def url(server, path="/hook") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def message(**kwargs) -> Message:
    return Message(title=kwargs.pop("title", "3 messages à traiter"), text=kwargs.pop("text", HOSTILE),
                   url="https://parvis.example/inbox/?workspace=1", **kwargs)


def test_slack_gets_escaped_mrkdwn_with_a_link(people, server):
    hook = Webhook.objects.create(workspace=people["workspace"], name="Slack", format="slack", url=url(server))
    assert send(hook, message())
    body = json.loads(server.received[0]["body"])
    assert "&lt;script&gt;" in body["text"] and "<script>" not in body["text"]
    assert "&lt;@channel&gt;" in body["text"]  # no mass mention from a stranger's text
    assert "<https://parvis.example/inbox/?workspace=1|" in body["text"]
    hook.refresh_from_db()
    assert hook.last_status == "HTTP 200" and hook.last_sent_at is not None


def test_mattermost_gets_escaped_markdown(people, server):
    hook = Webhook.objects.create(workspace=people["workspace"], name="MM", format="mattermost", url=url(server))
    assert send(hook, message())
    body = json.loads(server.received[0]["body"])
    assert body["username"] == "parvis"
    assert "\\[lien\\]\\(javascript:alert\\(1\\)\\)" in body["text"]
    assert body["text"].startswith("**3 messages à traiter**")


def test_matrix_puts_an_html_escaped_message_with_a_transaction_id(people, server):
    hook = Webhook.objects.create(workspace=people["workspace"], name="Matrix", format="matrix",
                                  url=f"http://127.0.0.1:{server.server_address[1]}",
                                  secret={"room": "!équipe:matrix.example", "token": "syt_secret"})
    assert send(hook, message(key="items-42"))
    request = server.received[0]
    assert request["method"] == "PUT"
    assert request["path"] == ("/_matrix/client/v3/rooms/%21%C3%A9quipe%3Amatrix.example/send/m.room.message/"
                               "items-42")
    assert request["headers"]["Authorization"] == "Bearer syt_secret"
    body = json.loads(request["body"])
    assert body["msgtype"] == "m.text" and HOSTILE in body["body"]
    assert "&lt;script&gt;" in body["formatted_body"] and "<script>" not in body["formatted_body"]


def test_ntfy_posts_plain_text_with_priority_and_click(people, server):
    hook = Webhook.objects.create(workspace=people["workspace"], name="ntfy", format="ntfy",
                                  url=url(server, "/parvis-alerts"), secret={"token": "tk_abc"})
    assert send(hook, message(urgent=True, title="🚨 Crise possible sur Boulangerie Dupont"))
    request = server.received[0]
    assert request["path"] == "/parvis-alerts" and request["body"].decode() == HOSTILE
    assert request["headers"]["Priority"] == "5"
    assert request["headers"]["Click"] == "https://parvis.example/inbox/?workspace=1"
    assert request["headers"]["Authorization"] == "Bearer tk_abc"
    assert request["headers"]["Title"].startswith("=?utf-8?")  # RFC 2047: an emoji is not latin-1


def test_ntfy_titles_outside_ascii_are_encoded(people, server):
    hook = Webhook.objects.create(workspace=people["workspace"], name="ntfy", format="ntfy", url=url(server, "/t"))
    assert send(hook, message(title="3 messages à traiter"))  # latin-1, not ASCII: httpx refused it
    assert server.received[0]["headers"]["Title"] == "=?utf-8?q?3_messages_=C3=A0_traiter?="


def test_a_refusal_is_recorded_not_raised(people, server):
    server.status = 500
    hook = Webhook.objects.create(workspace=people["workspace"], name="Slack", format="slack", url=url(server))
    assert not send(hook, message())
    hook.refresh_from_db()
    assert hook.last_status == "HTTP 500"


def test_private_addresses_are_refused_unless_allowed(people, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    hook = Webhook.objects.create(workspace=people["workspace"], name="x", format="slack",
                                  url="http://127.0.0.1:9/hook")
    assert not send(hook, message())
    assert check_webhook("slack", "http://127.0.0.1:9/hook", {})["url"]


def test_webhook_settings_are_checked_by_field(settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = True
    # Addresses are resolved when checked: literal ones, since tests have no DNS.
    assert set(check_webhook("teams", "https://127.0.0.1/h", {})) == {"format"}
    assert set(check_webhook("matrix", "https://127.0.0.1:8448", {})) == {"room", "token"}
    assert set(check_webhook("slack", "ftp://x", {})) == {"url"}
    assert check_webhook("ntfy", "https://127.0.0.1/parvis", {}) == {}


def test_the_background_job_delivers_and_raises_for_a_retry_when_refused(people, server):
    from parvis.inbox.tasks import webhook_task

    hook = Webhook.objects.create(workspace=people["workspace"], name="ntfy", format="ntfy", url=url(server, "/t"))
    webhook_task.call_local(hook.pk, "Titre", "Texte", "https://parvis.example/inbox/", False, "k1")
    assert server.received[0]["body"] == b"Texte"
    server.status = 503
    with pytest.raises(RuntimeError):  # huey retries the job
        webhook_task.call_local(hook.pk, "Titre", "Texte", "", False, "k2")


def test_a_name_that_resolves_elsewhere_the_second_time_never_reaches_loopback(people, server, settings,
                                                                                monkeypatch):
    from parvis.testing.resolver import rebinding

    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    resolver = rebinding(monkeypatch, "hooks.example")  # a public address, then 127.0.0.1
    hook = Webhook.objects.create(workspace=people["workspace"], name="Slack", format="slack",
                                  url=f"http://hooks.example:{server.server_address[1]}/hook")
    assert not send(hook, message())
    assert server.received == [] and resolver.asked == 1
    hook.refresh_from_db()
    assert hook.last_status.startswith("ConnectError")  # the public address, unreachable from tests


def test_a_server_trickling_its_answer_is_given_up_at_the_total_limit(people, settings, english):
    from parvis.testing.scripted_server import Answer, ScriptedServer

    settings.PARVIS_HTTP_TOTAL_TIMEOUT = 0.5
    with ScriptedServer() as slow:
        slow.answer("/hook", Answer(200, body=b"ok" * 200, trickle=0.02))
        hook = Webhook.objects.create(workspace=people["workspace"], name="Slack", format="slack",
                                      url=slow.url("/hook"))
        assert not send(hook, message())
    hook.refresh_from_db()
    assert hook.last_status == "The server 127.0.0.1 did not finish answering within 0.5 s: parvis stopped waiting."
