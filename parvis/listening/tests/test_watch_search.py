"""Watching a search through one of the workspace's connected accounts: on Mastodon
(mastodon-mock, its /api/v2/search) and on Bluesky (a loopback server answering as a PDS
does, with the shapes of parvis/networks/bluesky/tests/test_public.py and the
createSession output of the lexicon com.atproto.server.createSession). A shared search
is read once, with any follower's account; without an account, or with one whose login
is refused, the source is paused with the reason."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from parvis.api.models import ApiToken
from parvis.listening import fetching, watching
from parvis.listening.models import Entry, Source, Watch
from parvis.networks.bluesky.tests.test_public import ALICE, FRENCH, REPLY
from parvis.networks.models import AccountStatus
from parvis.testing.factories import client_for, make_account
from parvis.testing.scripted_server import ScriptedServer, json_answer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
ISSUED = int(time.time())


def jwt(subject: str, token_id: str) -> str:
    """An access token as a PDS issues one: only its payload is read by the client."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return ".".join([part({"typ": "at+jwt", "alg": "ES256K"}),
                     part({"scope": "com.atproto.appPass", "sub": subject, "iat": ISSUED, "exp": ISSUED + 7200,
                           "aud": "did:web:pds.example", "jti": token_id}), "c2lnbmF0dXJl"])


def session(subject: str = ALICE, token_id: str = "one") -> str:  # noqa: S107 - a token's id, not a secret
    return json.dumps({"did": subject, "handle": "boulangerie-dupont.fr", "email": "contact@dupont.example",
                       "emailConfirmed": True, "emailAuthFactor": False, "active": True,
                       "accessJwt": jwt(subject, token_id), "refreshJwt": jwt(subject, f"refresh-{token_id}")})


class Answers(dict[str, Any]):
    """Scripted answers per path; a list is answered in turn, its last answer kept."""

    def get(self, key: str, default: Any = None) -> Any:
        value = super().get(key, default)
        if isinstance(value, list):
            return value.pop(0) if len(value) > 1 else value[0]
        return value


@pytest.fixture
def pds() -> Any:
    with ScriptedServer() as running:
        running.answers = Answers()
        running.answer(CREATE_SESSION, json_answer(session()))
        yield running


def bluesky_account(workspace: Any, pds: ScriptedServer, **fields: Any) -> Any:
    return make_account(workspace, "bluesky", server_url=pds.url(), **fields)


def test_a_mastodon_search_is_read_through_a_connected_account_then_only_what_is_new(people, mastodon_server):
    word = f"croissant{uuid.uuid4().hex[:6]}"
    brand = mastodon_server.create_user(f"brand{uuid.uuid4().hex[:8]}")
    make_account(people["workspace"], "mastodon", server_url=mastodon_server.url, remote_id=brand["id"],
                 credentials={"access_token": brand["access_token"]})
    fan = mastodon_server.create_user(f"fan{uuid.uuid4().hex[:8]}")
    mastodon_server.post_as(fan, f"Le meilleur {word} de Lyon est chez Dupont")
    mastodon_server.post_as(fan, "Rien à voir")
    subscription, created = watching.watch(people["workspace"], people["owner"], "mastodon", "search", "", word)
    source = subscription.source
    assert created and source.url == f"{mastodon_server.url}/search?q={word}"
    assert Watch.objects.get(source=source).instance_url == mastodon_server.url  # the account's server
    result = fetching.fetch(source.pk, now=timezone.now())
    assert (result.status, result.new) == (200, 1)
    assert Entry.objects.get(source=source).text.startswith(f"Le meilleur {word}")
    mastodon_server.post_as(fan, f"Encore un {word} ce matin")
    again = fetching.fetch(source.pk, now=timezone.now())
    assert again.new == 1 and Entry.objects.filter(source=source).count() == 2


def test_a_bluesky_search_asks_the_accounts_pds_with_its_session_and_resumes_from_the_newest_post(people, pds):
    pds.answer(SEARCH, json_answer(json.dumps({"posts": [REPLY, FRENCH]}), **{"RateLimit-Remaining": "2900"}))
    bluesky_account(people["workspace"], pds)
    subscription, _ = watching.watch(people["workspace"], people["owner"], "bluesky", "search", "", "croissants")
    assert subscription.source.url == "https://bsky.app/search?q=croissants"
    assert subscription.source.kind_label == "Bluesky search"
    result = fetching.fetch(subscription.source_id, now=timezone.now())
    assert result.new == 2 and not subscription.source.paused_at
    searches = [r for r in pds.received if r["path"].startswith(SEARCH)]
    assert searches[0]["headers"]["Authorization"] == f"Bearer {jwt(ALICE, 'one')}"
    assert "since" not in parse_qs(urlsplit(searches[0]["path"]).query)
    cursor = Watch.objects.get(source=subscription.source).cursor
    assert cursor.startswith("2026-05-25T14:23:28.757")  # the newest post's time
    fetching.fetch(subscription.source_id, now=timezone.now())
    query = parse_qs(urlsplit(pds.received[-1]["path"]).query)
    assert query["since"] == ["2026-05-25T14:23:28.757Z"] and query["sort"] == ["latest"]
    assert Entry.objects.filter(source=subscription.source).count() == 2
    assert pds.paths().count(CREATE_SESSION) == 1  # the session is kept, not made again


def test_a_refused_bluesky_session_is_renewed_once_with_the_app_password(people, pds):
    expired = json_answer('{"error":"ExpiredToken","message":"Token has expired"}', status=400)
    pds.answer(SEARCH, [expired, json_answer(json.dumps({"posts": [FRENCH]}))])
    pds.answer(CREATE_SESSION, [json_answer(session(token_id="one")), json_answer(session(token_id="two"))])
    bluesky_account(people["workspace"], pds)
    subscription, _ = watching.watch(people["workspace"], people["owner"], "bluesky", "search", "", "croissants")
    result = fetching.fetch(subscription.source_id, now=timezone.now())
    assert result.new == 1
    searches = [r for r in pds.received if r["path"].startswith(SEARCH)]
    assert [r["headers"]["Authorization"] for r in searches] == [f"Bearer {jwt(ALICE, 'one')}",
                                                                 f"Bearer {jwt(ALICE, 'two')}"]


def test_a_login_still_refused_pauses_the_search_with_the_reason(people, pds):
    pds.answer(SEARCH, json_answer('{"error":"AuthMissing","message":"Authentication Required"}', status=401))
    bluesky_account(people["workspace"], pds)
    subscription, _ = watching.watch(people["workspace"], people["owner"], "bluesky", "search", "", "croissants")
    result = fetching.fetch(subscription.source_id, now=timezone.now())
    source = Source.objects.get(pk=subscription.source_id)
    assert result.paused and source.paused_at
    assert "Reconnect the account" in source.paused_reason


def test_a_search_without_a_connected_account_left_is_paused_with_the_reason(people, pds):
    account = bluesky_account(people["workspace"], pds)
    subscription, _ = watching.watch(people["workspace"], people["owner"], "bluesky", "search", "", "croissants")
    account.status = AccountStatus.RECONNECT
    account.save(update_fields=["status"])
    result = fetching.fetch(subscription.source_id, now=timezone.now())
    source = Source.objects.get(pk=subscription.source_id)
    assert result.paused and source.paused_reason == "Connect an account of this network to search it."
    assert not pds.received
    page = client_for(people["owner"]).get(reverse("web:veille_sources", args=[people["workspace"].pk]))
    assert "Connect an account of this network to search it." in page.content.decode()


def test_a_search_shared_by_two_workspaces_is_one_source_read_once(people, pds):
    pds.answer(SEARCH, json_answer(json.dumps({"posts": [FRENCH]})))
    bluesky_account(people["other_workspace"], pds, remote_id="did:plc:other")
    with pytest.raises(watching.WatchError):  # a workspace without an account cannot start one
        watching.watch(people["workspace"], people["owner"], "bluesky", "search", "", "croissants")
    bluesky_account(people["workspace"], pds)
    ours, _ = watching.watch(people["workspace"], people["owner"], "bluesky", "search", "", "croissants")
    theirs, created = watching.watch(people["other_workspace"], people["outsider"], "bluesky", "search", "",
                                     "  croissants ")
    assert created and theirs.source_id == ours.source_id
    assert Source.objects.filter(kind="watch").count() == 1
    fetching.fetch(ours.source_id, now=timezone.now())
    assert pds.paths().count(SEARCH) == 1 and Entry.objects.filter(source=ours.source_id).count() == 1


def test_watching_a_search_says_what_to_correct(people, mastodon_server, pds):
    cases = (("mastodon", "", "croissants", "network"),  # no Mastodon account in the workspace
             ("bluesky", "", "   ", "term"))
    bluesky_account(people["workspace"], pds)
    for network, instance, term, field in cases:
        with pytest.raises(watching.WatchError) as caught:
            watching.watch(people["workspace"], people["owner"], network, "search", instance, term)
        assert caught.value.field == field
    make_account(people["workspace"], "mastodon", server_url="https://piaille.fr")
    with pytest.raises(watching.WatchError) as caught:
        watching.watch(people["workspace"], people["owner"], "mastodon", "search", mastodon_server.url, "x")
    assert (caught.value.field, str(caught.value)) == ("instance", "Connect an account of this instance to search it.")
    web = client_for(people["editor"])
    response = web.post(reverse("web:veille_watch", args=[people["workspace"].pk]),
                        {"network": "bluesky", "kind": "search", "instance": "", "term": ""}, follow=True)
    assert "Words: Enter words to search for." in response.content.decode()
    response = web.post(reverse("web:veille_watch", args=[people["workspace"].pk]),
                        {"network": "bluesky", "kind": "search", "instance": "", "term": "croissants"}, follow=True)
    assert "Now following ““croissants””." in response.content.decode()


def test_the_api_watches_a_search_of_the_kind_asked(people, pds):
    bluesky_account(people["workspace"], pds)
    _token, raw = ApiToken.issue(people["owner"], "tests")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {raw}")
    answer = api.post(reverse("api:feeds-watch", args=[people["workspace"].pk]),
                      {"network": "bluesky", "kind": "search", "term": "croissants"}, format="json")
    assert answer.status_code == 201, answer.content
    assert Watch.objects.get().kind == "search"

