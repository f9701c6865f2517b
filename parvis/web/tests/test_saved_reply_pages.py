"""The saved replies page (list, search, create, edit, delete) and the picker next to an
item's reply box: roles (viewers read, editors write, outsiders 404), errors naming the
field, hostile author names kept as text."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from parvis.inbox.ingest import store
from parvis.inbox.models import Item, SavedReply
from parvis.inbox.saved_replies import SavedReplyInput, create_saved_reply
from parvis.inbox.tests.factories import author, inbound
from parvis.networks.models import SocialAccount
from parvis.publishing.models import EditorialSettings
from parvis.testing.factories import client_for

pytestmark = pytest.mark.django_db

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def no_analysis(items: list[Item]) -> None:
    """Language and sentiment are not what these pages are about."""


@pytest.fixture
def item(people: dict[str, Any]) -> Item:
    account = SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@dupont@example.social", credentials={"access_token": "x"})
    stored = store(account, [inbound("Vous livrez ?", by=author(HOSTILE, "camille@example.social"))],
                   analyser=no_analysis)
    return stored.new_in_inbox[0]


def saved(people: dict[str, Any], title: str = "Livraison", body: str = "Bonjour {name}, oui !",
          crisis: bool = False) -> SavedReply:
    return create_saved_reply(people["workspace"], people["owner"], SavedReplyInput(title, body, crisis))


def list_url(people: dict[str, Any]) -> str:
    return reverse("web:saved_replies", args=[people["workspace"].pk])


def test_editor_creates_a_saved_reply(people):
    response = client_for(people["editor"]).post(list_url(people), {
        "title": "Horaires", "body": "Bonjour {name}, nous ouvrons à 7h.", "crisis": "on"})
    assert response.status_code == 302
    created = SavedReply.objects.get()
    assert (created.title, created.crisis, created.workspace) == ("Horaires", True, people["workspace"])


@pytest.mark.parametrize(("data", "field"), [
    ({"title": "", "body": "x"}, "title"),
    ({"title": "x" * 121, "body": "x"}, "title"),
    ({"title": "Horaires", "body": ""}, "body"),
    ({"title": "Horaires", "body": "Bonjour {prenom}"}, "body"),
])
def test_bad_input_names_the_field_and_keeps_what_was_typed(people, data, field):
    response = client_for(people["editor"]).post(list_url(people), data)
    page = response.content.decode()
    assert response.status_code == 400 and f'data-field="{field}"' in page
    assert html.escape(data["body"]) in page or not data["body"]
    assert not SavedReply.objects.exists()


def test_unknown_variable_error_lists_the_known_ones(people):
    response = client_for(people["editor"]).post(list_url(people), {"title": "T", "body": "Salut {prenom}"})
    error = re.search(r'data-field="body">([^<]*)<', response.content.decode()).group(1)
    assert "{prenom}" in error and "{name}" in error and "{brand}" in error


def test_list_searches_and_marks_the_crisis_set(people):
    saved(people, "Livraison", "Nous livrons à Écully.")
    saved(people, "Rappel produit", "Un lot est rappelé.", crisis=True)
    client = client_for(people["viewer"])
    page = client.get(list_url(people), {"q": "ecully"}).content.decode()
    assert "Livraison" in page and "Rappel produit" not in page
    editorial = EditorialSettings.of(people["workspace"])
    editorial.paused_at = timezone.now()
    editorial.save(update_fields=["paused_at"])
    page = client.get(list_url(people)).content.decode()
    assert 'data-testid="crisis-pinned"' in page
    assert page.index("Rappel produit") < page.index("Livraison")


def test_edit_and_delete(people):
    reply = saved(people)
    client = client_for(people["manager"])
    url = reverse("web:saved_reply_edit", args=[people["workspace"].pk, reply.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"title": "", "body": "Oui"})
    assert bad.status_code == 400 and 'data-field="title"' in bad.content.decode()
    assert client.post(url, {"title": "Livraison (été)", "body": "Oui {me}"}).status_code == 302
    reply.refresh_from_db()
    assert (reply.title, reply.body, reply.crisis) == ("Livraison (été)", "Oui {me}", False)
    client.post(reverse("web:saved_reply_delete", args=[people["workspace"].pk, reply.pk]))
    assert not SavedReply.objects.exists()


def test_viewer_reads_but_cannot_write(people):
    reply = saved(people)
    client = client_for(people["viewer"])
    page = client.get(list_url(people)).content.decode()
    assert "Livraison" in page and 'data-testid="saved-reply-form"' not in page
    assert client.post(list_url(people), {"title": "T", "body": "B"}).status_code == 403
    ws = people["workspace"].pk
    assert client.get(reverse("web:saved_reply_edit", args=[ws, reply.pk])).status_code == 403
    assert client.post(reverse("web:saved_reply_delete", args=[ws, reply.pk])).status_code == 403
    assert client.post(reverse("web:saved_reply_use", args=[ws, reply.pk])).status_code == 403
    assert SavedReply.objects.filter(title="Livraison").exists() and SavedReply.objects.count() == 1


def test_outsider_gets_not_found_everywhere(people, item):
    reply = saved(people)
    client = client_for(people["outsider"])
    ws = people["workspace"].pk
    assert client.get(list_url(people)).status_code == 404
    assert client.get(reverse("web:saved_reply_edit", args=[ws, reply.pk])).status_code == 404
    assert client.post(reverse("web:saved_reply_delete", args=[ws, reply.pk])).status_code == 404
    assert client.get(reverse("web:saved_reply_picker", args=[ws, item.pk])).status_code == 404
    # Their own workspace in the URL does not reach another workspace's rows either.
    mine = people["other_workspace"].pk
    assert client.get(reverse("web:saved_reply_edit", args=[mine, reply.pk])).status_code == 404
    assert client.get(reverse("web:saved_reply_picker", args=[mine, item.pk])).status_code == 404
    assert SavedReply.objects.count() == 1


def test_picker_offers_replies_filled_for_the_item_as_text(people, item):
    saved(people, "Livraison", "Bonjour {name} ({handle}), oui !")
    saved(people, "Horaires", "7h")
    response = client_for(people["editor"]).get(
        reverse("web:saved_reply_picker", args=[people["workspace"].pk, item.pk]), {"q": "livraison"})
    page = response.content.decode()
    assert response.status_code == 200 and "Horaires" not in page
    value = re.search(r'data-saved-reply-text="([^"]*)"', page).group(1)
    assert html.unescape(value) == f"Bonjour {HOSTILE} (@camille@example.social), oui !"
    assert "<script>" not in page and "<img" not in page


def test_inserting_counts_a_use(people):
    reply = saved(people)
    client = client_for(people["editor"])
    url = reverse("web:saved_reply_use", args=[people["workspace"].pk, reply.pk])
    assert client.post(url).status_code == 204 and client.post(url).status_code == 204
    reply.refresh_from_db()
    assert reply.uses == 2
    assert client.get(url).status_code == 405


def test_picker_partial_points_at_the_item(people, item):
    page = render_to_string("parvis/inbox/_saved_replies.html", {"item": item, "workspace": people["workspace"]})
    picker = reverse("web:saved_reply_picker", args=[people["workspace"].pk, item.pk])
    assert f'hx-get="{picker}"' in page and "data-saved-reply-search" in page
    # Its script comes with the inbox page: htmx runs no script that a swapped pane brings.
    inbox = client_for(people["editor"]).get(reverse("web:inbox")).content.decode()
    assert "parvis/saved_replies.js" in inbox
