"""Why a publication failed reads in each reader's language, whatever language the
worker that met the failure runs in: on the publication page and list, the home page,
in the API (Accept-Language, else the token owner's language), in the email and the
in-app notice. parvis's own words are translated; a network's own message is passed on
as it came. Rows stored before reasons were kept as texts show what they stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from parvis.accounts.models import Notification
from parvis.api.models import ApiToken
from parvis.core.texts import Text
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
GAVE_UP_EN = "Gave up after 1 attempts. Last error: The Mastodon server had an error (HTTP 503)."
GAVE_UP_FR = (f"Abandon après 1 tentatives. Dernière erreur{NBSP}: "
              "Le serveur Mastodon a rencontré une erreur (HTTP 503).")


def speaks(user: Any, language: str) -> Any:
    user.language = language
    user.save()
    return user


def page(user: Any, name: str, *args: Any) -> str:
    return client_for(user, user.language).get(reverse(name, args=args)).content.decode()


def api_error(user: Any, publication: Publication, accept_language: str | None) -> str:
    _token, raw = ApiToken.issue(user, "tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    response = api.get(f"/api/v1/publications/{publication.pk}/", **headers)
    assert response.status_code == 200, response.content
    return str(response.json()["error"])


def fail_on_mastodon(post: Any, worker_language: str, capture: Any) -> Publication:
    """One attempt by a worker running in `worker_language`, as `parvis worker` does."""
    with translation.override(worker_language), capture(execute=True):
        assert engine.publish(pub(post).pk) == "failed"
    return pub(post)


@pytest.mark.parametrize(("worker", "author_speaks", "expected"), [("fr", "en", GAVE_UP_EN), ("en", "fr", GAVE_UP_FR)])
def test_a_server_error_reads_in_each_readers_language_on_every_page_and_in_the_notices(
        worker, author_speaks, expected, people, mastodon_server, mastodon_account, settings,
        django_capture_on_commit_callbacks):
    settings.PARVIS_PUBLISH_MAX_ATTEMPTS = 1
    account, _local = mastodon_account
    workspace = people["workspace"]
    author = speaks(people["owner"], author_speaks)
    english, french = speaks(people["manager"], "en"), speaks(people["editor"], "fr")
    post = schedule(workspace, author, [account], "Galette du jour")
    mastodon_server.fail_next(503)
    publication = fail_on_mastodon(post, worker, django_capture_on_commit_callbacks)
    assert publication.state == State.FAILED

    # The author's email and notice, in the author's language whatever the worker's.
    (email,) = mail.outbox
    assert expected in email.body
    notice = Notification.objects.get(user=author, kind="publication_failed")
    assert expected in notice.message
    with translation.override("en"):
        assert GAVE_UP_EN in notice.shown_message
    with translation.override("fr"):
        assert GAVE_UP_FR in notice.shown_message
    # Each reader of the pages and the API gets their own language.
    for reader, words in ((english, GAVE_UP_EN), (french, GAVE_UP_FR)):
        assert words in page(reader, "web:publication", workspace.pk, publication.pk)
        assert words[:80] in page(reader, "web:publications", workspace.pk)
        assert words[:80] in page(reader, "web:home")
    assert api_error(english, publication, "en") == GAVE_UP_EN
    assert api_error(english, publication, "fr") == GAVE_UP_FR
    # The attempt's log on the publication page reads in the reader's language too.
    assert "Le serveur Mastodon a rencontré une erreur (HTTP 503)." in page(french, "web:publication",
                                                                          workspace.pk, publication.pk)


def test_the_api_answers_in_the_token_owners_language_when_the_client_asks_for_none(
        people, mastodon_server, mastodon_account, settings, django_capture_on_commit_callbacks):
    settings.PARVIS_PUBLISH_MAX_ATTEMPTS = 1
    account, _local = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Galette du jour")
    mastodon_server.fail_next(503)
    publication = fail_on_mastodon(post, "fr", django_capture_on_commit_callbacks)
    assert api_error(speaks(people["manager"], "en"), publication, None) == GAVE_UP_EN
    assert api_error(speaks(people["editor"], "fr"), publication, None) == GAVE_UP_FR


def test_a_networks_own_message_is_passed_on_as_it_came_inside_each_readers_sentence(
        people, mastodon_server, mastodon_account, django_capture_on_commit_callbacks):
    account, _local = mastodon_account
    workspace = people["workspace"]
    post = schedule(workspace, speaks(people["owner"], "en"), [account], "Galette du jour")
    mastodon_server.fail_next(422, body={"error": "Validation failed: Text is too long"})
    publication = fail_on_mastodon(post, "fr", django_capture_on_commit_callbacks)
    assert publication.error_kind == "permanent"
    assert mail.outbox[0].body.count("Mastodon refused the post: Validation failed: Text is too long") == 1
    french = speaks(people["editor"], "fr")
    assert f"Mastodon a refusé le post{NBSP}: Validation failed: Text is too long" in page(
        french, "web:publication", workspace.pk, publication.pk)
    assert api_error(french, publication, "en") == "Mastodon refused the post: Validation failed: Text is too long"


def test_a_refusal_of_the_guarded_http_layer_reads_in_each_readers_language(
        people, mastodon_server, mastodon_account, settings, django_capture_on_commit_callbacks):
    account, _local = mastodon_account  # on 127.0.0.1: refused once private addresses are not allowed
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    workspace = people["workspace"]
    post = schedule(workspace, speaks(people["owner"], "en"), [account], "Galette du jour")
    publication = fail_on_mastodon(post, "fr", django_capture_on_commit_callbacks)
    english = ("127.0.0.1 is a loopback address (this machine): parvis does not connect there. If this server "
               "is on your own network, set PARVIS_ALLOW_PRIVATE_URLS=1.")
    french = (f"127.0.0.1 est une adresse de bouclage (cette machine){NBSP}: parvis ne s’y connecte pas. Si ce "
              "serveur est sur votre propre réseau, définissez PARVIS_ALLOW_PRIVATE_URLS=1.")
    assert english in mail.outbox[0].body and "bouclage" not in mail.outbox[0].body
    assert english in page(people["owner"], "web:publication", workspace.pk, publication.pk)
    assert french in page(speaks(people["editor"], "fr"), "web:publication", workspace.pk, publication.pk)
    assert api_error(people["owner"], publication, "fr") == french
    assert mastodon_server.statuses_of(_local) == []


def test_why_an_account_must_be_reconnected_reads_in_each_readers_language(
        people, mastodon_server, mastodon_account, django_capture_on_commit_callbacks):
    account, _local = mastodon_account
    workspace = people["workspace"]
    owner, manager = speaks(people["owner"], "en"), speaks(people["manager"], "fr")
    post = schedule(workspace, owner, [account], "Galette du jour")
    mastodon_server.fail_next(401, body={"error": "The access token was revoked"})
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        assert engine.publish(pub(post).pk) == "reconnect"
    english = "Mastodon refused the access token (The access token was revoked). Reconnect the account."
    french = "Mastodon a refusé le jeton d’accès (The access token was revoked). Reconnectez le compte."
    assert english in page(owner, "web:accounts", workspace.pk)
    assert french in page(manager, "web:accounts", workspace.pk)
    reconnect = {m.to[0]: m.body for m in mail.outbox if "must be reconnected" in m.subject
                 or "doit être reconnecté" in m.subject}
    assert english in reconnect[owner.email] and french in reconnect[manager.email]
    _token, raw = ApiToken.issue(owner, "tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    listed = api.get(f"/api/v1/workspaces/{workspace.pk}/accounts/", HTTP_ACCEPT_LANGUAGE="fr").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [a["status_reason"] for a in rows if a["id"] == account.pk] == [french]


def test_a_medium_whose_rights_ran_out_reads_in_each_readers_language(
        people, mastodon_server, mastodon_account, png, django_capture_on_commit_callbacks):
    from datetime import date

    from parvis.publishing import library
    from parvis.publishing.tests.test_library import add

    account, _local = mastodon_account
    workspace = people["workspace"]
    asset = add(people, png, "affiche.png", licence="Agence X")
    post = schedule(workspace, speaks(people["owner"], "en"), [account], "Affiche")
    post.media.create(asset=asset, position=0)
    library.update_asset(asset, people["editor"], rights_expire_on=date(2025, 12, 3))
    publication = fail_on_mastodon(post, "fr", django_capture_on_commit_callbacks)
    assert "Not published: the rights to “affiche.png” (licence Agence X) expired on Dec. 3, 2025." in page(
        people["owner"], "web:publication", workspace.pk, publication.pk)
    assert f"les droits d’utilisation de «{NBSP}affiche.png{NBSP}» (licence Agence X) ont expiré le 3 décembre 2025" \
        in page(speaks(people["editor"], "fr"), "web:publication", workspace.pk, publication.pk)


def test_a_reason_stored_before_texts_were_kept_is_shown_as_it_was_stored(people):
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@brand@example.social", credentials={"access_token": "x"})
    post = schedule(people["workspace"], people["owner"], [account], "Ancien post")
    SocialAccount.objects.filter(pk=account.pk).update(status="reconnect", status_reason="Jeton révoqué (ancien texte)")
    Publication.objects.filter(post=post).update(state=State.FAILED, error="Ancienne erreur du serveur")
    reader = speaks(people["manager"], "en")
    assert "Ancienne erreur du serveur" in page(reader, "web:publication", people["workspace"].pk, pub(post).pk)
    assert "Ancienne erreur du serveur" in page(reader, "web:publications", people["workspace"].pk)
    assert "Jeton révoqué (ancien texte)" in page(reader, "web:accounts", people["workspace"].pk)
    assert api_error(reader, pub(post), "en") == "Ancienne erreur du serveur"


def test_a_cleared_error_is_not_shown_even_if_its_text_is_left_behind(people):
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@brand@example.social", credentials={"access_token": "x"})
    post = schedule(people["workspace"], people["owner"], [account], "Réessayé")
    stale = Text.gettext("The Mastodon server had an error (HTTP %(status)s).", status=503).as_json()
    Publication.objects.filter(post=post).update(error="", error_text=stale)
    assert pub(post).shown_error == ""


def test_a_stored_text_that_no_longer_renders_falls_back_to_its_plain_text(people):
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@brand@example.social", credentials={"access_token": "x"})
    post = schedule(people["workspace"], people["owner"], [account], "Texte abîmé")
    Publication.objects.filter(post=post).update(
        state=State.FAILED, error="Le serveur a refusé",
        error_text={"msgid": "%(host)s refused", "params": {"status": 503}})
    assert pub(post).shown_error == "Le serveur a refusé"


def test_a_refusal_that_reaches_the_engine_untranslated_keeps_parvis_words(
        people, monkeypatch, django_capture_on_commit_callbacks):
    from parvis.core.http import AddressRefused
    from parvis.core.http.addresses import describe

    class Refused:  # a connector that lets the guarded layer's refusal through as it is
        def publish(self, request: Any) -> Any:
            raise AddressRefused("social.example", "10.0.0.1", describe("10.0.0.1"), private_allowed=False)

    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://social.example", remote_id="1",
        handle="@brand@social.example", credentials={"access_token": "x"})
    post = schedule(people["workspace"], speaks(people["owner"], "en"), [account], "Galette du jour")
    monkeypatch.setattr(engine.registry, "connector_for", lambda account: Refused())
    publication = fail_on_mastodon(post, "fr", django_capture_on_commit_callbacks)
    assert publication.error_kind == "permanent"
    with translation.override("en"):
        assert Publication.objects.get(pk=publication.pk).shown_error.startswith(
            "The server social.example is at 10.0.0.1, a private network address: parvis does not connect there.")
    assert "a private network address" in mail.outbox[0].body
