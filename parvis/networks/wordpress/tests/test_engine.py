"""A WordPress article through the publishing engine, on the real WordPress: its options
cleaned by the package's form and kept with the post, the article sent once, and an
attempt after a worker crashed finding it instead of sending it again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.networks.wordpress.connector import key_suffix
from parvis.publishing import engine
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def articles_with_suffix(wp: Any, suffix: str) -> list[dict[str, Any]]:
    found = wp.rest_json("GET", "/wp/v2/posts", params={"status": "any", "per_page": 100, "orderby": "id",
                                                        "order": "desc", "context": "edit"})
    return [article for article in found if article["slug"].endswith(f"-{suffix}")]


def test_an_article_with_its_options_goes_out_once_and_a_crashed_attempt_finds_it(
        people: dict[str, Any], wp_account: SocialAccount, wordpress_server: Any) -> None:
    post = schedule(people["workspace"], people["owner"], [wp_account], "Cuit ce matin.\n\nVenez le goûter !",
                    options={"wordpress": {"title": "Pain du jour", "excerpt": "Tout chaud",
                                           "tags": "levain, seigle, Levain"}})
    assert post.options["wordpress"]["tags"] == ["levain", "seigle"]  # cleaned by the package's form
    publication = pub(post)

    assert engine.publish(publication.pk) == "published"

    publication.refresh_from_db()
    (article,) = articles_with_suffix(wordpress_server, key_suffix(str(publication.idempotency_key)))
    assert str(article["id"]) == publication.remote_id and article["link"] == publication.remote_url
    assert article["status"] == "publish" and article["title"]["raw"] == "Pain du jour"
    assert article["excerpt"]["raw"] == "Tout chaud" and "<p>Venez le goûter !</p>" in article["content"]["raw"]
    tags = wordpress_server.rest_json("GET", "/wp/v2/tags", params={"include": ",".join(map(str, article["tags"]))})
    assert sorted(tag["name"] for tag in tags) == ["levain", "seigle"]

    # The worker dies after the site took the article, before recording it: the
    # publication is left under way, "may exist", its lease run out.
    Publication.objects.filter(pk=publication.pk).update(
        state=State.PUBLISHING, may_exist=True, lease_token="dead-worker",
        lease_expires_at=timezone.now() - timedelta(seconds=1))

    assert engine.publish(publication.pk) == "found"

    publication.refresh_from_db()
    assert publication.state == State.PUBLISHED and publication.remote_id == str(article["id"])
    assert [a["id"] for a in articles_with_suffix(wordpress_server, key_suffix(str(publication.idempotency_key)))] \
        == [article["id"]]
    assert [a.outcome for a in publication.attempt_log.order_by("started_at")] == ["published", "found"]
