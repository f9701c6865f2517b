"""Campaigns and labels pages, campaign and labels in the composer, internal comments on
the publication page (escaped, mentions highlighted, editors write, viewers read)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from parvis.accounts.models import AuditEntry
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import save_post
from parvis.publishing.comments import add_internal_comment
from parvis.publishing.models import Campaign, Comment, Label, Post
from parvis.publishing.validation import PostInput
from parvis.testing.factories import client_for
from parvis.web.tests.test_pages import in_one_hour_paris

pytestmark = pytest.mark.django_db


@pytest.fixture
def bsky(people: dict[str, Any]) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:brand", handle="@brand.bsky.social",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})


def campaigns_url(people: dict[str, Any]) -> str:
    return reverse("web:campaigns", args=[people["workspace"].pk])


def test_editor_creates_a_campaign_with_its_utm_name_from_the_name(people):
    response = client_for(people["editor"]).post(campaigns_url(people), {
        "name": "Fête des Rois 2030", "colour": "#aa3300", "starts_on": "2030-01-01", "ends_on": "2030-01-31"})
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.slug == "fete-des-rois-2030" and campaign.workspace == people["workspace"]
    assert AuditEntry.objects.filter(action="campaign.created", actor=people["editor"]).exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "épiphanie"}, "name"),
    ({"name": "Autre", "slug": "Épiphanie"}, "slug"),
    ({"name": "Été", "starts_on": "2030-07-10", "ends_on": "2030-07-01"}, "ends_on"),
    ({"name": "Été", "colour": "rouge"}, "colour"),
])
def test_bad_campaign_input_names_the_field(people, data, field):
    Campaign.objects.create(workspace=people["workspace"], name="Épiphanie", slug="epiphanie")
    response = client_for(people["editor"]).post(campaigns_url(people), {"colour": "#5b6ee1", **data})
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert Campaign.objects.count() == 1


def test_edit_and_archive_a_campaign(people):
    campaign = Campaign.objects.create(workspace=people["workspace"], name="Noël", slug="noel")
    client = client_for(people["editor"])
    url = reverse("web:campaign_edit", args=[people["workspace"].pk, campaign.pk])
    assert client.post(url, {"name": "Noël 2030", "slug": "", "colour": "#112233"}).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.slug, campaign.colour) == ("Noël 2030", "noel-2030", "#112233")
    client.post(reverse("web:campaign_archive", args=[people["workspace"].pk, campaign.pk]), {"archived": "1"})
    campaign.refresh_from_db()
    assert campaign.archived
    compose = client.get(reverse("web:compose", args=[people["workspace"].pk])).content.decode()
    assert "Noël 2030" not in compose  # archived campaigns are not offered


def test_labels_are_created_and_deleted(people):
    client = client_for(people["editor"])
    assert client.post(campaigns_url(people), {"label-name": "Recette", "label-colour": "#00aa00"}).status_code == 302
    label = Label.objects.get()
    duplicate = client.post(campaigns_url(people), {"label-name": "recette", "label-colour": "#00aa00"})
    assert duplicate.status_code == 400 and 'data-field="name"' in duplicate.content.decode()
    client.post(reverse("web:label_delete", args=[people["workspace"].pk, label.pk]))
    assert not Label.objects.exists()


def test_viewer_reads_the_lists_but_cannot_change_them(people):
    Campaign.objects.create(workspace=people["workspace"], name="Noël", slug="noel")
    client = client_for(people["viewer"])
    page = client.get(campaigns_url(people))
    assert page.status_code == 200 and "Noël" in page.content.decode()
    assert 'data-testid="campaign-form"' not in page.content.decode()
    assert client.post(campaigns_url(people), {"name": "Pâques", "colour": "#5b6ee1"}).status_code == 403
    assert client_for(people["outsider"]).get(campaigns_url(people)).status_code == 404


def test_composer_saves_campaign_and_labels_and_shows_them_back(people, bsky):
    campaign = Campaign.objects.create(workspace=people["workspace"], name="Épiphanie", slug="epiphanie")
    labels = [Label.objects.create(workspace=people["workspace"], name=n) for n in ("Recette", "Vidéo")]
    client = client_for(people["editor"])
    response = client.post(reverse("web:compose", args=[people["workspace"].pk]), {
        "text": "Galette des rois", "accounts": [bsky.pk], "mode": "schedule", "scheduled_at": in_one_hour_paris(),
        "timezone": "Europe/Paris", "campaign": str(campaign.pk), "labels": [str(label.pk) for label in labels]})
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.campaign == campaign and set(post.labels.all()) == set(labels)
    edit = client.get(reverse("web:post_edit", args=[people["workspace"].pk, post.pk])).content.decode()
    assert f'<option value="{campaign.pk}" selected>' in edit
    assert all(f'<option value="{label.pk}" selected>' in edit for label in labels)


@pytest.mark.parametrize("field", ["campaign", "labels"])
def test_composer_refuses_ids_of_another_workspace_naming_the_field(people, bsky, field):
    other = people["other_workspace"]
    foreign = (Campaign.objects.create(workspace=other, name="X", slug="x") if field == "campaign"
               else Label.objects.create(workspace=other, name="X"))
    response = client_for(people["editor"]).post(reverse("web:compose", args=[people["workspace"].pk]), {
        "text": "Galette", "accounts": [bsky.pk], "mode": "schedule", "scheduled_at": in_one_hour_paris(),
        "timezone": "Europe/Paris", field: str(foreign.pk)})
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode() and not Post.objects.exists()
    # The text typed is kept.
    assert "Galette" in response.content.decode()


# -- internal comments -------------------------------------------------------------------

@pytest.fixture
def post(people: dict[str, Any], bsky: SocialAccount) -> Post:
    return save_post(people["workspace"], people["editor"], PostInput(
        text="Galette des rois", accounts=[bsky], mode="schedule",
        scheduled_at=datetime(2030, 1, 6, 8, 30, tzinfo=UTC), timezone_name="Europe/Paris"))


def publication_url(post: Post) -> str:
    return reverse("web:publication", args=[post.workspace_id, post.publications.get().pk])


def test_editor_comments_from_the_publication_page(people, post):
    client = client_for(people["editor"])
    url = reverse("web:post_comment", args=[post.workspace_id, post.pk])
    response = client.post(url, {"body": "À relire avec @manager avant lundi."})
    assert response.status_code == 302 and response["Location"].endswith("#internal-comments")
    html = client.get(publication_url(post)).content.decode()
    assert '<mark class="mention">@manager</mark>' in html and "avant lundi." in html
    assert Comment.objects.get().internal


def test_htmx_comment_swaps_the_section_and_keeps_a_refused_text(people, post):
    client = client_for(people["editor"])
    url = reverse("web:post_comment", args=[post.workspace_id, post.pk])
    ok = client.post(url, {"body": "Validé"}, headers={"HX-Request": "true"}).content.decode()
    assert ok.startswith('<section class="internal-comments') and "Validé" in ok
    refused = client.post(url, {"body": "  "}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-field="body"' in refused


def test_comment_bodies_are_escaped(people, post):
    add_internal_comment(post, people["editor"], '<script>alert("x")</script> <b>@manager</b> <img src=x onerror=y>')
    html = client_for(people["viewer"]).get(publication_url(post)).content.decode()
    section = html[html.index('id="internal-comments"'):]
    assert "<script>alert" not in section and "<img src=x" not in section and "<b>" not in section
    assert "&lt;script&gt;" in section and '<mark class="mention">@manager</mark>' in section


def test_a_mention_of_a_non_member_is_not_highlighted(people, post):
    add_internal_comment(post, people["editor"], "Demander à @outsider")
    html = client_for(people["editor"]).get(publication_url(post)).content.decode()
    assert "@outsider" in html and '<mark class="mention">@outsider' not in html


def test_viewers_read_comments_but_cannot_write(people, post):
    add_internal_comment(post, people["editor"], "Note de l'équipe")
    client = client_for(people["viewer"])
    html = client.get(publication_url(post)).content.decode()
    assert "Note de l&#x27;équipe" in html and 'name="body"' not in html
    url = reverse("web:post_comment", args=[post.workspace_id, post.pk])
    assert client.post(url, {"body": "Moi aussi"}).status_code == 403
    assert client_for(people["outsider"]).post(url, {"body": "Coucou"}).status_code == 404
    assert Comment.objects.count() == 1
