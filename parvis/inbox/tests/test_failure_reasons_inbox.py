"""Failures met by a worker in the inbox's work read in each reader's language: a reply
that could not be sent (in the conversation pane), a chat channel that parvis refused to
reach (its last status in the channels' settings). A server's own words stay as they came."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from parvis.inbox import replies
from parvis.inbox.models import Webhook
from parvis.inbox.tests.test_replies import conversation  # noqa: F401 - a fixture
from parvis.inbox.webhooks import Message, send
from parvis.publishing import engine
from parvis.publishing.models import State
from parvis.testing.factories import client_for

NBSP = "\u00a0"


def speaks(user: Any, language: str) -> Any:
    user.language = language
    user.save()
    return user


def page(user: Any, name: str, *args: Any) -> str:
    return client_for(user, user.language).get(reverse(name, args=args)).content.decode()


@pytest.mark.django_db
def test_why_a_reply_was_not_sent_reads_in_each_readers_language(
        conversation, people, mastodon_server, settings):  # noqa: F811
    settings.PARVIS_PUBLISH_MAX_ATTEMPTS = 1
    account, brand, fan, ours, theirs, item, poller = conversation
    reply = replies.send_reply(item, f"@{fan['username']} Oui, deux croissants !", people["editor"])
    mastodon_server.fail_next(503)
    with translation.override("fr"):  # the worker's language
        assert engine.publish(reply.post.publications.get().pk) == "failed"
    assert reply.post.publications.get().state == State.FAILED
    english = "Gave up after 1 attempts. Last error: The Mastodon server had an error (HTTP 503)."
    french = f"Abandon après 1 tentatives. Dernière erreur{NBSP}: Le serveur Mastodon a rencontré une erreur"
    assert english in page(speaks(people["owner"], "en"), "web:inbox_item", item.workspace_id, item.pk)
    assert french in page(speaks(people["manager"], "fr"), "web:inbox_item", item.workspace_id, item.pk)


@pytest.mark.django_db
def test_a_channel_parvis_refused_to_reach_shows_why_in_each_readers_language(people, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    workspace = people["workspace"]
    hook = Webhook.objects.create(workspace=workspace, name="Équipe", format="slack", url="http://127.0.0.1:9/hook")
    with translation.override("fr"):  # sent by the worker
        assert not send(hook, Message(title="Crise possible", text="3 messages"))
    english = "127.0.0.1 is a loopback address (this machine): parvis does not connect there."
    french = f"127.0.0.1 est une adresse de bouclage (cette machine){NBSP}: parvis ne s’y connecte pas."
    assert english in page(speaks(people["owner"], "en"), "web:inbox_channels", workspace.pk)
    assert french in page(speaks(people["manager"], "fr"), "web:inbox_channels", workspace.pk)


@pytest.mark.django_db
def test_a_servers_answer_and_an_old_status_are_shown_as_stored(people):
    workspace = people["workspace"]
    Webhook.objects.create(workspace=workspace, name="Ancien", format="slack", url="https://hooks.example/x",
                           last_status="Refusé (ancien texte)", last_sent_at="2026-01-01T10:00:00Z")
    assert "Refusé (ancien texte)" in page(speaks(people["owner"], "en"), "web:inbox_channels", workspace.pk)
