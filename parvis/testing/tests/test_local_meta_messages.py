"""The fake Graph API's private messages, driven with plain HTTP as a client would: the
conversation lists (per platform, paged), a conversation's messages newest first, one
message, and the Send API keeping the 24-hour window with Meta's error shapes."""

from __future__ import annotations

import json

import httpx
import pytest

from parvis.testing.meta_server import LocalMeta

V = "/v27.0"


@pytest.fixture
def meta():
    with LocalMeta() as server:
        yield server


@pytest.fixture
def http():
    with httpx.Client(timeout=10) as client:
        yield client


def send(http, meta, node: str, token: str, to: str, text: str, **extra: str) -> httpx.Response:
    return http.post(f"{meta.url}{V}/{node}/messages", headers={"Authorization": f"Bearer {token}"},
                     data={"recipient": json.dumps({"id": to}), "message": json.dumps({"text": text}),
                           "messaging_type": "RESPONSE", **extra})


def get(http, meta, path: str, token: str, **params: str) -> httpx.Response:
    return http.get(f"{meta.url}{V}{path}", params=params, headers={"Authorization": f"Bearer {token}"})


def error_of(answer: httpx.Response) -> tuple[int, int | None]:
    error = answer.json()["error"]
    assert answer.status_code == 400 and {"message", "type", "code", "fbtrace_id"} <= error.keys()
    return error["code"], error.get("error_subcode")


def test_a_pages_conversations_list_each_platform_newest_first_with_participants(meta, http):
    page = meta.add_page("Brand")
    ig = meta.add_instagram_account("brand", page=page)
    older = meta.add_message(page, "Alex", "Bonjour", at=meta.now - 60)
    newer = meta.add_message(page, "Sam", "Salut")
    insta = meta.add_message(ig, "lea.b", "Coucou")
    listed = get(http, meta, f"/{page.id}/conversations", page.token, platform="messenger",
                 fields="id,updated_time,participants").json()["data"]
    assert [c["id"] for c in listed] == [newer.conversation, older.conversation]
    assert {p["id"] for p in listed[0]["participants"]["data"]} == {page.id, meta.conversations[newer.conversation]
                                                                    .user_id}
    (instagram,) = get(http, meta, f"/{page.id}/conversations", page.token, platform="instagram").json()["data"]
    assert instagram["id"] == insta.conversation and set(instagram) == {"id", "updated_time"}
    messages = get(http, meta, f"/{insta.conversation}/messages", page.token,
                   fields="id,message,from,created_time").json()["data"]
    assert messages[0]["from"] == {"username": "lea.b", "id": meta.conversations[insta.conversation].user_id}


def test_the_send_api_answers_within_24_hours_only_and_with_metas_errors(meta, http):
    page = meta.add_page("Brand")
    alex = meta.add_message(page, "Alex", "Bonjour", at=meta.now - 23 * 3600)
    psid = meta.conversations[alex.conversation].user_id
    answer = send(http, meta, page.id, page.token, psid, "Bonjour Alex")
    assert answer.status_code == 200 and answer.json()["recipient_id"] == psid
    assert answer.json()["message_id"].startswith("m_")
    meta.advance(2 * 3600)  # 25 hours after their message
    assert error_of(send(http, meta, page.id, page.token, psid, "Encore là ?")) == (10, 2018278)
    meta.human_agent_approved = True
    tagged = send(http, meta, page.id, page.token, psid, "Un humain vous répond", messaging_type="MESSAGE_TAG",
                  tag="HUMAN_AGENT")
    assert tagged.status_code == 200
    assert error_of(send(http, meta, page.id, page.token, "123", "Qui ?")) == (100, 2018001)
    meta.add_message(page, "Alex", "Re-bonjour")
    meta.make_unavailable(alex.conversation)
    assert error_of(send(http, meta, page.id, page.token, psid, "…")) == (551, 1545041)
    assert [m.text for m in meta.sent_messages(alex.conversation)] == ["Bonjour Alex", "Un humain vous répond"]


def test_an_instagram_login_token_reads_its_own_conversations_and_needs_its_permission(meta, http):
    solo = meta.add_instagram_account("atelier")
    lea = meta.add_message(solo, "lea.b", "Bonjour")
    (listed,) = get(http, meta, "/me/conversations", solo.token, platform="instagram").json()["data"]
    assert listed["id"] == lea.conversation
    igsid = meta.conversations[lea.conversation].user_id
    assert send(http, meta, "me", solo.token, igsid, "é" * 501).status_code == 400  # over 1,000 bytes
    assert send(http, meta, solo.id, solo.token, igsid, "Bonjour Léa").status_code == 200
    meta.tokens[solo.token].scopes.remove("instagram_business_manage_messages")
    code, _subcode = error_of(get(http, meta, "/me/conversations", solo.token, platform="instagram"))
    assert code == 230


def test_only_a_conversations_20_newest_messages_are_read_one_by_one(meta, http):
    page = meta.add_page("Brand")
    first = meta.add_message(page, "Alex", "Le premier", at=meta.now - 3600)
    for number in range(20):
        meta.add_message(page, "Alex", f"Puis {number}", at=meta.now - 1800 + number)
    newest = meta.conversations[first.conversation].messages[-1]
    assert get(http, meta, f"/{newest}", page.token, fields="message").json()["message"] == "Puis 19"
    assert error_of(get(http, meta, f"/{first.id}", page.token, fields="message")) == (100, 33)
    listed = get(http, meta, f"/{first.conversation}/messages", page.token, limit="25").json()
    assert len(listed["data"]) == 21 and "next" not in listed.get("paging", {})
