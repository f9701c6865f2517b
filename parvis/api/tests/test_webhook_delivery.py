"""Outgoing webhooks against a loopback receiver: Standard Webhooks signatures checked by
the reference library, retries with backoff over about a day (time driven through the
`now` the dispatcher passes, no sleeping), the guarded HTTP layer's refusals, rotation,
ping, send again, an endpoint switched off after days of failures, and a crash mid-send."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from parvis.accounts.models import Notification
from parvis.api.tests.webhook_helpers import dispatcher_pass, endpoint_to
from parvis.api.webhooks import actions, delivery
from parvis.api.webhooks.models import WebhookDelivery, WebhookEndpoint
from parvis.core.events import emit
from parvis.core.http import override_policy
from parvis.testing.scripted_server import Answer, LoopbackPorts, ScriptedServer, redirect

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def receiver():
    with ScriptedServer() as server:
        server.answer("/hook", Answer(204, body=b""))
        yield server


def verify(secret: str, request: dict) -> dict:
    headers = {name.lower(): value for name, value in request["headers"].items()}
    return Webhook(secret).verify(request["body"], headers)


def test_a_pause_reaches_the_receiver_signed_per_standard_webhooks(people, receiver):
    workspace = people["workspace"]
    _endpoint, secret = endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "Bad buzz"})
    emit(workspace, "pause.ended", {"workspace_id": workspace.pk})  # not subscribed
    assert dispatcher_pass() == ["delivered"]
    [request] = receiver.received
    payload = verify(secret, request)
    assert payload["type"] == "pause.started" and payload["data"]["reason"] == "Bad buzz"
    assert payload["timestamp"].endswith("Z")
    assert request["headers"]["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        verify(actions.signing.new_secret(), request)
    tampered = dict(request, body=request["body"].replace(b"Bad buzz", b"All good"))
    with pytest.raises(WebhookVerificationError):
        verify(secret, tampered)


def test_failures_are_retried_with_backoff_then_delivered_with_the_same_id(people, receiver):
    workspace = people["workspace"]
    endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    receiver.answer("/hook", Answer(503, body=b"<h1>down for maintenance</h1>" + b"x" * 5000))
    now = timezone.now()
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"}, at=now)
    assert dispatcher_pass(now) == ["retry"]
    sent = WebhookDelivery.objects.get()
    assert sent.state == "pending" and sent.next_attempt_at == now + timedelta(seconds=5)
    assert dispatcher_pass(now + timedelta(seconds=4)) == []  # not yet due
    assert dispatcher_pass(now + timedelta(seconds=5)) == ["retry"]
    sent.refresh_from_db()
    assert sent.next_attempt_at == now + timedelta(seconds=5) + timedelta(minutes=5)
    receiver.answer("/hook", Answer(200, body=b"ok"))
    assert dispatcher_pass(sent.next_attempt_at) == ["delivered"]
    sent.refresh_from_db()
    assert sent.state == "delivered"
    attempts = list(sent.attempt_log.all())
    assert [(a.number, a.status_code, a.ok) for a in attempts] == [(1, 503, False), (2, 503, False), (3, 200, True)]
    assert attempts[0].error == "HTTP 503" and len(attempts[0].response) == delivery.EXCERPT
    assert attempts[0].response.startswith("<h1>down")  # kept as text; pages escape it
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.failing_since is None and endpoint.active


def test_a_delivery_gives_up_after_the_last_attempt_about_a_day_later(people, receiver):
    workspace = people["workspace"]
    endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    receiver.answer("/hook", Answer(500))
    now = timezone.now()
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"}, at=now)
    outcomes, at = [], now
    for _ in range(delivery.MAX_ATTEMPTS):
        outcomes += dispatcher_pass(at)
        at = WebhookDelivery.objects.get().next_attempt_at
    assert outcomes == ["retry"] * (delivery.MAX_ATTEMPTS - 1) + ["failed"]
    sent = WebhookDelivery.objects.get()
    assert sent.state == "failed" and sent.attempts == 8
    assert timedelta(hours=27) < sent.finished_at - now < timedelta(hours=28)
    assert dispatcher_pass(at + timedelta(days=1)) == []


def test_410_switches_the_endpoint_off_and_tells_the_owners(people, receiver):
    workspace = people["workspace"]
    endpoint, _secret = endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    receiver.answer("/hook", Answer(410))
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"})
    assert dispatcher_pass() == ["failed"]
    endpoint.refresh_from_db()
    assert not endpoint.active and "410" in endpoint.shown_disabled_reason
    told = Notification.objects.filter(kind="webhook_disabled")
    assert {n.user for n in told} == {people["owner"], people["manager"]}


def test_an_endpoint_failing_for_days_is_switched_off_and_its_owners_told(people, receiver, settings):
    workspace = people["workspace"]
    endpoint, _secret = endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    receiver.answer("/hook", Answer(502))
    start = timezone.now()
    for day in range(6):
        at = start + timedelta(days=day)
        emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": f"day {day}"}, at=at)
        dispatcher_pass(at)
        endpoint.refresh_from_db()
        if day < settings.PARVIS_WEBHOOK_DISABLE_AFTER_DAYS:
            assert endpoint.active, day
    assert not endpoint.active
    assert endpoint.failing_since == start and "5 days" in endpoint.shown_disabled_reason
    notice = Notification.objects.get(kind="webhook_disabled", user=people["owner"])
    assert receiver.url("/hook") in notice.message
    # Switched off: what is still pending is not sent, and says why.
    count = len(receiver.received)
    dispatcher_pass(start + timedelta(days=7))
    assert len(receiver.received) == count
    assert WebhookDelivery.objects.filter(state="pending").count() == 0


def test_one_success_ends_a_failure_streak(people, receiver):
    workspace = people["workspace"]
    endpoint, _secret = endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    receiver.answer("/hook", Answer(500))
    start = timezone.now()
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"}, at=start)
    dispatcher_pass(start)
    receiver.answer("/hook", Answer(200))
    dispatcher_pass(start + timedelta(days=4, hours=23))
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"}, at=start)
    receiver.answer("/hook", Answer(500))
    dispatcher_pass(start + timedelta(days=6))
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failing_since == start + timedelta(days=6)


def test_a_redirect_is_a_failure_and_is_never_followed(people, receiver):
    with ScriptedServer() as inside:
        workspace = people["workspace"]
        endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
        receiver.answer("/hook", redirect(inside.url("/admin")))
        emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"})
        assert dispatcher_pass() == ["retry"]
        assert inside.received == []
        attempt = WebhookDelivery.objects.get().attempt_log.get()
        assert attempt.status_code == 302 and "redirects are not followed" in attempt.shown_error


def test_a_private_address_is_refused_before_connecting(people, receiver):
    with ScriptedServer() as public:
        workspace = people["workspace"]
        endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
        emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"})
        with override_policy(LoopbackPorts(public.port)):  # the receiver counts as internal
            assert dispatcher_pass() == ["retry"]
        assert receiver.received == []
        attempt = WebhookDelivery.objects.get().attempt_log.get()
        assert attempt.status_code is None and attempt.shown_error


def test_a_private_address_is_refused_when_saved(people, receiver):
    with ScriptedServer() as public, override_policy(LoopbackPorts(public.port)):
        with pytest.raises(actions.PostValidationError) as refused:
            endpoint_to(people["workspace"], receiver.url("/hook"))
        assert "url" in refused.value.by_field()
        endpoint, _secret = endpoint_to(people["workspace"], public.url("/hook"))
        assert endpoint.pk


def test_after_a_rotation_both_secrets_sign_for_a_day(people, receiver):
    workspace = people["workspace"]
    endpoint, old = endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    new = actions.rotate_secret(endpoint)
    assert new != old and new.startswith("whsec_")
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"})
    dispatcher_pass()
    request = receiver.received[-1]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert verify(new, request)["type"] == verify(old, request)["type"] == "pause.started"
    # A day later only the new secret signs.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_until=timezone.now() - timedelta(seconds=1))
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"})
    dispatcher_pass()
    request = receiver.received[-1]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 1
    verify(new, request)
    with pytest.raises(WebhookVerificationError):
        verify(old, request)


def test_ping_is_sent_once_whatever_the_subscriptions(people, receiver):
    endpoint, secret = endpoint_to(people["workspace"], receiver.url("/hook"), ["import.finished"])
    receiver.answer("/hook", Answer(500))
    delivery.ping(endpoint)
    assert dispatcher_pass() == ["failed"]  # a test is not retried
    receiver.answer("/hook", Answer(200))
    delivery.ping(endpoint)
    assert dispatcher_pass() == ["delivered"]
    payload = verify(secret, receiver.received[-1])
    assert payload == {"type": "webhook.ping", "timestamp": payload["timestamp"],
                       "data": {"workspace_id": people["workspace"].pk, "endpoint_id": endpoint.pk}}


def test_send_again_sends_the_same_message_with_the_same_id(people, receiver):
    workspace = people["workspace"]
    _endpoint, secret = endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"})
    dispatcher_pass()
    first = WebhookDelivery.objects.get()
    again = delivery.send_again(first)
    assert dispatcher_pass() == ["delivered"]
    again.refresh_from_db()
    assert again.state == "delivered" and again.pk != first.pk
    one, two = receiver.received
    assert one["headers"]["webhook-id"] == two["headers"]["webhook-id"] and one["body"] == two["body"]
    verify(secret, two)


def test_a_crash_mid_send_is_resumed_once_the_lease_runs_out(people, receiver):
    workspace = people["workspace"]
    endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    now = timezone.now()
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"}, at=now)
    ids: list[int] = []
    delivery.dispatch(ids.append, now)
    # A worker takes the lease, then dies before recording anything.
    taken = WebhookDelivery.objects.filter(pk=ids[0], state="pending").update(
        state="sending", lease_token="dead", lease_expires_at=now + delivery.lease_duration(), attempts=1,
        enqueued_at=None)
    assert taken
    assert dispatcher_pass(now + timedelta(seconds=10)) == []  # the lease still holds
    later = now + delivery.lease_duration() + timedelta(seconds=1)
    assert dispatcher_pass(later) == ["delivered"]
    sent = WebhookDelivery.objects.get()
    assert sent.state == "delivered" and sent.attempts == 2 and len(receiver.received) == 1


def test_a_job_lost_from_the_queue_is_enqueued_again(people, receiver):
    workspace = people["workspace"]
    endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    now = timezone.now()
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"}, at=now)
    lost: list[int] = []
    delivery.dispatch(lost.append, now)
    assert lost and delivery.claim_due(now + timedelta(seconds=10)) == []
    assert delivery.claim_due(now + delivery.REQUEUE_AFTER + timedelta(seconds=1)) == lost


def test_each_event_is_fanned_out_once_to_each_subscribed_active_endpoint(people, receiver):
    workspace = people["workspace"]
    endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    endpoint_to(workspace, receiver.url("/other"), ["pause.ended"])
    off, _ = endpoint_to(workspace, receiver.url("/off"), ["pause.started"])
    actions.update_endpoint(off, off.url, "", off.event_types, active=False)
    endpoint_to(people["other_workspace"], receiver.url("/rival"), ["pause.started"])
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"})
    assert delivery.fan_out() == 1
    assert delivery.fan_out() == 0
    assert [d.endpoint.url for d in WebhookDelivery.objects.all()] == [receiver.url("/hook")]


def test_a_backlog_is_fanned_out_and_queued_over_several_passes_not_in_one(people, receiver, monkeypatch):
    # A pass also releases due publications: webhook work in one pass is bounded.
    monkeypatch.setattr(delivery, "BATCH", 2)
    monkeypatch.setattr(delivery, "PER_PASS", 4)
    workspace = people["workspace"]
    endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    for n in range(7):
        emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": f"r{n}"})
    now = timezone.now()
    queued: list[int] = []
    assert delivery.dispatch(queued.append, now) == 4
    assert WebhookDelivery.objects.count() == 4
    assert delivery.dispatch(queued.append, now) == 3
    assert delivery.dispatch(queued.append, now) == 0
    assert WebhookDelivery.objects.count() == 7 and len(set(queued)) == 7


def test_the_body_carries_the_event_data_unchanged(people, receiver):
    workspace = people["workspace"]
    _endpoint, secret = endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    data = {"workspace_id": workspace.pk, "reason": "Crise « majeure » ☕", "link": "https://parvis.example/w/1/"}
    emit(workspace, "pause.started", data)
    dispatcher_pass()
    assert json.loads(receiver.received[0]["body"])["data"] == data
    assert verify(secret, receiver.received[0])["data"] == data


def test_the_dispatcher_sweep_queues_jobs_that_deliver(people, receiver):
    from huey.contrib.djhuey import HUEY

    from parvis.api import tasks
    from parvis.core.sweeps import sweeps
    from parvis.inbox import tasks as inbox_tasks

    listed = [function for _path, function in sweeps()]
    assert tasks.dispatch_webhooks in listed and inbox_tasks.announce_overdue_items in listed
    HUEY.flush()
    workspace = people["workspace"]
    endpoint_to(workspace, receiver.url("/hook"), ["pause.started"])
    emit(workspace, "pause.started", {"workspace_id": workspace.pk, "reason": "r"})
    assert tasks.dispatch_webhooks(timezone.now()) == 1
    job = HUEY.dequeue()
    assert HUEY.dequeue() is None
    assert job.name.endswith("deliver_task")
    assert tasks.deliver_task.call_local(*job.args) == "delivered"  # executing would close the test's connection
    assert WebhookDelivery.objects.get().state == "delivered" and len(receiver.received) == 1
