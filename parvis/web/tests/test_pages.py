"""The web UI: scoping, the composer's validation (nothing saved is lost), connecting
accounts through the real servers, invitations."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.publishing.models import Post, Publication, State
from parvis.testing.factories import client_for
from parvis.testing.images import png_bytes

pytestmark = pytest.mark.django_db


def compose(client: Client, workspace: Any, **data: Any) -> Any:
    return client.post(reverse("web:compose", args=[workspace.pk]), data)


def in_one_hour_paris() -> str:
    return (timezone.now() + timedelta(hours=1)).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("name", ["web:calendar", "web:publications", "web:accounts", "web:compose", "web:members"])
def test_outsider_gets_not_found_like_a_missing_workspace(people, name):
    client = client_for(people["outsider"])
    assert client.get(reverse(name, args=[people["workspace"].pk])).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404


def test_viewer_can_look_but_not_compose(people):
    client = client_for(people["viewer"])
    assert client.get(reverse("web:calendar", args=[people["workspace"].pk])).status_code == 200
    assert client.get(reverse("web:compose", args=[people["workspace"].pk])).status_code == 403


def test_anonymous_is_sent_to_login(people):
    response = Client().get(reverse("web:calendar", args=[people["workspace"].pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_login_with_email(people):
    client = Client()
    response = client.post(reverse("web:login"), {"username": "OWNER@agence.test", "password": "pw-owner-123"})
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200


def test_scheduling_stores_utc_and_shows_it_in_the_calendar(people, bluesky_offline):
    client = client_for(people["owner"])
    response = compose(client, people["workspace"], text="Galette des rois #boulangerie",
                       accounts=[bluesky_offline.pk], mode="schedule", scheduled_at="2030-01-06T09:30",
                       timezone="Europe/Paris")
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.state == State.SCHEDULED
    assert publication.due_at == datetime(2030, 1, 6, 8, 30, tzinfo=UTC)
    page = client.get(reverse("web:calendar", args=[people["workspace"].pk]) + "?day=2030-01-06&tz=Europe/Paris")
    assert "Galette des rois" in page.content.decode() and "09:30" in page.content.decode()
    calendar = reverse("web:calendar", args=[people["workspace"].pk])
    montreal = client.get(calendar + "?day=2030-01-06&tz=America/Montreal")
    assert "03:30" in montreal.content.decode()


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"text": "   "}, "text", "Write something"),
    ({"text": "é" * 301}, "text", "Bluesky"),
    ({"scheduled_at": "2001-01-01T10:00"}, "scheduled_at", "past"),
    ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
    ({"scheduled_at": "2030-03-31T02:30"}, "scheduled_at", "does not exist"),
    ({"scheduled_at": "demain midi"}, "scheduled_at", "2026-12-24"),
    ({"accounts": []}, "accounts", "at least one account"),
])
def test_bad_input_names_the_field_and_keeps_the_text(people, bluesky_offline, data, field, words):
    client = client_for(people["owner"])
    form = {"text": "Texte du brouillon", "accounts": [bluesky_offline.pk], "mode": "schedule",
            "scheduled_at": in_one_hour_paris(), "timezone": "Europe/Paris", **data}
    response = compose(client, people["workspace"], **form)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'data-field="{field}"' in body and words in body
    assert form["text"].strip()[:20] in body or not form["text"].strip()  # nothing typed is lost
    assert Post.objects.count() == 0


@pytest.mark.parametrize("repeat", ["", "weekly"])
def test_an_unknown_time_zone_is_named_and_a_given_date_is_not_asked_for_again(people, bluesky_offline, repeat):
    client = client_for(people["owner"])
    response = compose(client, people["workspace"], text="Galette", accounts=[bluesky_offline.pk], mode="schedule",
                       scheduled_at="2030-01-06T09:30", timezone="Europe/Pariss", repeat=repeat)
    assert response.status_code == 400
    body = response.content.decode()
    assert re.findall(r'<li data-field="(\w+)"', body) == ["timezone"]
    assert "“Europe/Pariss” is not a known time zone" in body and "Choose a date and time" not in body
    assert 'value="2030-01-06T09:30"' in body  # the date typed is kept


def test_a_file_that_is_not_an_image_is_refused(people, bluesky_offline):
    client = client_for(people["owner"])
    fake = SimpleUploadedFile("photo.jpg", b"this is not an image", content_type="image/jpeg")
    response = compose(client, people["workspace"], text="Avec photo", accounts=[bluesky_offline.pk],
                       mode="schedule", scheduled_at=in_one_hour_paris(), timezone="Europe/Paris", media=fake)
    assert response.status_code == 400
    assert "photo.jpg" in response.content.decode() and "not an image" in response.content.decode()
    assert Post.objects.count() == 0


def test_too_many_images_for_bluesky(people, bluesky_offline, png):
    client = client_for(people["owner"])
    # Five different files: the same file five times is one library image.
    files = [SimpleUploadedFile(f"i{i}.png", png_bytes(color=c), content_type="image/png")
             for i, c in enumerate(("red", "green", "blue", "white", "black"))]
    response = compose(client, people["workspace"], text="Album", accounts=[bluesky_offline.pk], mode="draft",
                       media=files)
    assert response.status_code == 400 and "Too many images for Bluesky" in response.content.decode()


def test_live_check_counts_like_each_network(people, bluesky_offline):
    client = client_for(people["owner"])
    response = client.post(reverse("web:compose_check", args=[people["workspace"].pk]),
                           {"text": "👩‍👩‍👧 ok", "accounts": [bluesky_offline.pk]})
    assert "4 / 300" in response.content.decode()


def test_draft_then_edit_then_cancel(people, bluesky_offline):
    client = client_for(people["owner"])
    compose(client, people["workspace"], text="Brouillon", accounts=[bluesky_offline.pk], mode="draft")
    post = Post.objects.get()
    assert post.publications.get().state == State.DRAFT
    edit = reverse("web:post_edit", args=[people["workspace"].pk, post.pk])
    assert client.get(edit).status_code == 200
    client.post(edit, {"text": "Programmé", "accounts": [bluesky_offline.pk], "mode": "schedule",
                       "scheduled_at": in_one_hour_paris(), "timezone": "Europe/Paris"})
    post.refresh_from_db()
    assert post.text == "Programmé" and post.publications.get().state == State.SCHEDULED
    client.post(reverse("web:post_cancel", args=[people["workspace"].pk, post.pk]))
    assert post.publications.get().state == State.CANCELLED


def authorisation_url(response: Any) -> str:
    """Where the page shown after the connect form sends the person (it moves on by itself:
    a redirect would be held to the page's form-action, which names parvis alone)."""
    html = response.content.decode()
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html)
    link = re.search(r'data-testid="authorise">.*?href="([^"]+)"', html, re.S)
    assert refresh and link and refresh.group(1) == link.group(1)
    return unescape(link.group(1))


def test_connect_mastodon_with_oauth(people, mastodon_server):
    client = client_for(people["owner"])
    workspace = people["workspace"]
    local = mastodon_server.create_user("oauthbrand")
    response = client.post(reverse("mastodon:connect", args=[workspace.pk]), {"instance": mastodon_server.url})
    assert response.status_code == 200
    authorize = authorisation_url(response)
    assert authorize.startswith(mastodon_server.url + "/oauth/authorize")
    params = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", authorize))
    from urllib.parse import unquote

    redirect = mastodon_server.approve_authorization(
        local["username"], client_id=unquote(params["client_id"]), redirect_uri=unquote(params["redirect_uri"]),
        state=unquote(params["state"]))
    callback = redirect.split("/connect/mastodon/callback/", 1)[1]
    done = client.get(reverse("mastodon:callback") + callback)
    assert done.status_code == 302
    account = SocialAccount.objects.get(workspace=workspace, network="mastodon")
    assert account.handle.startswith("@oauthbrand@") and account.config["limits"]["max_chars"] == 500
    # The OAuth app registered on the instance is kept and reused for the next account.
    again = client.post(reverse("mastodon:connect", args=[workspace.pk]), {"instance": mastodon_server.url})
    assert again.status_code == 200 and authorisation_url(again)
    from parvis.networks.models import ServerApp

    assert ServerApp.objects.filter(base_url=mastodon_server.url).count() == 1


def test_unreachable_instance_is_a_clear_error(people):
    client = client_for(people["owner"])
    response = client.post(reverse("mastodon:connect", args=[people["workspace"].pk]),
                           {"instance": "http://127.0.0.1:9"})
    assert response.status_code == 200
    assert 'data-field="instance"' in response.content.decode()
    assert SocialAccount.objects.count() == 0


def test_connect_bluesky_with_app_password(people, pds_server):
    created = pds_server.create_account("webbrand", "main-password-123")
    app_password = pds_server.create_app_password(created["handle"], "main-password-123", "parvis")
    client = client_for(people["owner"])
    response = client.post(reverse("bluesky:connect", args=[people["workspace"].pk]),
                           {"handle": created["handle"], "app_password": app_password, "server": pds_server.url})
    assert response.status_code == 302
    account = SocialAccount.objects.get(network="bluesky")
    assert account.remote_id == created["did"] and "app_password" in account.credentials
    wrong = client.post(reverse("bluesky:connect", args=[people["workspace"].pk]),
                        {"handle": created["handle"], "app_password": "nope-nope", "server": pds_server.url})
    assert 'data-field="app_password"' in wrong.content.decode()


def test_credentials_are_encrypted_at_rest(people, bluesky_offline):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM networks_socialaccount WHERE id = %s", [bluesky_offline.pk])
        raw = cursor.fetchone()[0]
    assert "app_password" not in raw and "brand.bsky.social" not in raw


def test_invitation_by_email_link(people, django_capture_on_commit_callbacks):
    client = client_for(people["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:members", args=[people["workspace"].pk]),
                               {"email": "client@brand.test", "role": "editor"})
    assert response.status_code == 302
    link = re.search(r"http://testserver(/invitations/[^\s]+/)", mail.outbox[-1].body).group(1)
    newcomer = Client(headers={"accept-language": "en"})
    page = newcomer.post(link, {"first_name": "Chloé", "password": "une-phrase-longue-42"})
    assert page.status_code == 302
    assert newcomer.get(reverse("web:calendar", args=[people["workspace"].pk])).status_code == 200
    assert newcomer.get(link).status_code == 404  # used once


def test_pages_follow_the_browser_language_then_the_persons_choice(people):
    from django.utils import translation

    with translation.override("fr"):
        french = translation.gettext("New post")
    assert french != "New post"
    client = client_for(people["editor"], language="fr-FR,fr;q=0.9")
    page = client.get(reverse("web:calendar", args=[people["workspace"].pk])).content.decode()
    assert '<html lang="fr">' in page and french in page
    people["editor"].language = "en"
    people["editor"].save()
    page = client.get(reverse("web:calendar", args=[people["workspace"].pk])).content.decode()
    assert '<html lang="en">' in page and "New post" in page


def test_errors_are_in_french_for_a_french_browser(people, bluesky_offline):
    client = client_for(people["owner"], language="fr")
    response = compose(client, people["workspace"], text="", accounts=[bluesky_offline.pk], mode="draft")
    assert response.status_code == 400
    from django.utils import translation

    with translation.override("fr"):
        expected = translation.gettext("Write something to publish.")
    assert expected != "Write something to publish." and expected in response.content.decode()


@pytest.mark.parametrize("name", ["web:members", "web:api_tokens"])
def test_a_forged_revoke_value_is_ignored_not_a_server_error(people, name):
    client = client_for(people["owner"])
    url = reverse(name, args=[people["workspace"].pk]) if name == "web:members" else reverse(name)
    assert client.post(url, {"revoke": "'; DROP TABLE"}).status_code == 302


def test_the_folded_menu_shows_the_sum_of_its_badges() -> None:
    from parvis.web.context import menu_badge

    assert [menu_badge("", 0), menu_badge("5", 3), menu_badge("", 2), menu_badge("999+", 4)] == ["", "8", "2", "999+"]


def test_the_switcher_jumps_to_the_clients_pages_and_to_pages_everywhere(people):
    html = client_for(people["editor"]).get(reverse("web:queues", args=[people["workspace"].pk])).content.decode()
    panel = html.split('id="switcher-panel"', 1)[1].split("</nav>", 1)[0]
    w = people["workspace"].pk
    for url in (reverse("web:compose", args=[w]), reverse("web:queues", args=[w]), reverse("web:library", args=[w]),
                reverse("web:workspace_pause", args=[w]), reverse("web:inbox"), reverse("web:calendar_all"),
                reverse("web:notification_settings")):
        assert f'href="{url}"' in panel, url
