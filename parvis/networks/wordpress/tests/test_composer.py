"""WordPress in the composer, served from its package alone: its options fieldset, a
title required to schedule an article but not to keep a draft."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def blog(people: dict[str, Any]) -> SocialAccount:
    # Checking a post never reaches the site: no server is needed.
    return SocialAccount.objects.create(workspace=people["workspace"], network="wordpress",
                                        server_url="https://blog.example", remote_id="3",
                                        handle="redaction@blog.example",
                                        credentials={"username": "redaction", "app_password": "x" * 24})


def compose(people: dict[str, Any], account: SocialAccount, **fields: Any) -> Any:
    data = {"text": "Le pain du jour", "accounts": [account.pk], "mode": "schedule",
            "scheduled_at": "2030-01-07T09:00", "timezone": "Europe/Paris", **fields}
    return client_for(people["owner"]).post(reverse("web:compose", args=[people["workspace"].pk]), data)


def test_the_composer_shows_the_wordpress_options(people, blog):
    html = client_for(people["owner"]).get(reverse("web:compose", args=[people["workspace"].pk])).content.decode()
    assert 'data-testid="options-wordpress"' in html and "WordPress options" in html
    for name in ("title", "excerpt", "categories", "tags", "featured_image", "slug"):
        assert f'name="opt_wordpress-{name}"' in html
    assert "must already exist on the site" in html


def test_scheduling_an_article_without_a_title_is_refused_on_that_field_once(people, blog):
    refused = compose(people, blog)
    html = refused.content.decode()
    assert refused.status_code == 400
    # Said by the options form (at the top and at the field); the network's own rule on the
    # same field is not said a second time.
    assert '<p class="error" data-field="options.wordpress.title">' in html
    assert "needs a title" not in html
    assert not blog.publications.exists()


def test_a_draft_may_wait_for_its_title(people, blog):
    assert compose(people, blog, mode="draft").status_code == 302
    assert blog.publications.get().post.is_draft


def test_an_article_with_its_options_is_scheduled_with_them(people, blog):
    sent = compose(people, blog, **{"opt_wordpress-title": "Pain du jour", "opt_wordpress-categories": "Pains, 2024",
                                    "opt_wordpress-tags": "levain"})
    assert sent.status_code == 302
    post = blog.publications.get().post
    assert post.options == {"wordpress": {"title": "Pain du jour", "excerpt": "", "categories": ["Pains", "2024"],
                                          "tags": ["levain"], "featured_image": None, "slug": ""}}
    page = client_for(people["owner"]).get(reverse("web:post_edit", args=[people["workspace"].pk, post.pk]))
    assert 'value="Pains, 2024"' in page.content.decode()
