"""A new post's form sent twice makes one post: a double tap, or a draft kept on a phone
without connection and sent again by the page when the connection returns (drafts.js).
The browser side is in test_browser_phone.py."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from parvis.publishing import actions
from parvis.publishing.models import Post
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db


def form(account, key, **extra):
    return {"text": "Fournée du matin", "accounts": [account.pk], "mode": "draft", "timezone": "Europe/Paris",
            "client_key": key, **extra}


def test_the_same_form_sent_twice_makes_one_post(people, bluesky_offline):
    client = client_for(people["editor"])
    url = reverse("web:compose", args=[people["workspace"].pk])
    key = str(uuid.uuid4())
    first = client.post(url, form(bluesky_offline, key))
    again = client.post(url, form(bluesky_offline, key, text="Fournée du matin (envoyé deux fois)"), follow=True)
    (post,) = Post.objects.all()
    assert first.status_code == 302 and post.client_key == key and post.text == "Fournée du matin"
    assert "already saved" in again.content.decode()
    client.post(url, form(bluesky_offline, str(uuid.uuid4()), text="Une autre"))
    assert Post.objects.count() == 2


def test_the_page_script_gets_the_post_id_then_recognises_it(people, bluesky_offline):
    client = client_for(people["editor"])
    url = reverse("web:compose", args=[people["workspace"].pk])
    key = str(uuid.uuid4())
    made = client.post(url, form(bluesky_offline, key), HTTP_ACCEPT="application/json")
    repeated = client.post(url, form(bluesky_offline, key), HTTP_ACCEPT="application/json")
    post = Post.objects.get()
    assert (made.status_code, made.json()["id"], made.json()["again"]) == (201, post.pk, False)
    assert (repeated.status_code, repeated.json()["id"], repeated.json()["again"]) == (200, post.pk, True)
    assert made.json()["url"] == reverse("web:post_edit", args=[people["workspace"].pk, post.pk])
    assert post.is_draft and set(post.publications.values_list("state", flat=True)) == {"draft"}


def test_a_refused_form_answers_its_errors_by_field_and_saves_nothing(people, bluesky_offline):
    client = client_for(people["editor"])
    refused = client.post(reverse("web:compose", args=[people["workspace"].pk]),
                          form(bluesky_offline, str(uuid.uuid4()), text="x" * 400), HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and "text" in refused.json()["errors"]
    assert not Post.objects.exists()


def test_two_copies_at_the_same_moment_still_make_one_post(people, bluesky_offline, monkeypatch):
    client = client_for(people["editor"])
    url = reverse("web:compose", args=[people["workspace"].pk])
    key = str(uuid.uuid4())
    client.post(url, form(bluesky_offline, key))
    # The second copy looked before the first one was written: the database refuses it.
    looked = iter([None])
    monkeypatch.setattr("parvis.web.views.posts.post_of_client_key",
                        lambda w, k: next(looked, actions.post_of_client_key(w, k)))
    second = client.post(url, form(bluesky_offline, key), HTTP_ACCEPT="application/json")
    assert second.status_code == 200 and second.json()["again"] is True
    assert Post.objects.count() == 1


@pytest.mark.parametrize("key", ["", "not-a-uuid", "'; DROP TABLE"])
def test_without_a_valid_key_each_form_is_a_post(people, bluesky_offline, key):
    client = client_for(people["editor"])
    url = reverse("web:compose", args=[people["workspace"].pk])
    client.post(url, form(bluesky_offline, key))
    client.post(url, form(bluesky_offline, key))
    assert list(Post.objects.values_list("client_key", flat=True)) == ["", ""]


def test_a_new_composer_carries_a_fresh_key_and_an_edit_none(people, bluesky_offline):
    client = client_for(people["editor"])
    url = reverse("web:compose", args=[people["workspace"].pk])
    keys = [client.get(url).content.decode().split('name="client_key" value="', 1)[1][:36] for _ in range(2)]
    assert keys[0] != keys[1] and all(uuid.UUID(k) for k in keys)
    client.post(url, form(bluesky_offline, keys[0]))
    post = Post.objects.get()
    edit = client.get(reverse("web:post_edit", args=[post.workspace_id, post.pk]))
    assert 'name="client_key"' not in edit.content.decode()
