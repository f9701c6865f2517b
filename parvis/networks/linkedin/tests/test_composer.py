"""A LinkedIn page in the composer: its visibility option shown and checked, naming the
field, the network and the account; the text counted as LinkedIn counts it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def offline_page(people: dict[str, Any]) -> SocialAccount:
    """A page as connecting leaves it; composing never calls LinkedIn."""
    return SocialAccount.objects.create(workspace=people["workspace"], network="linkedin",
                                        server_url="https://www.linkedin.com", remote_id="urn:li:organization:7",
                                        handle="@[Brûlerie du Port](urn:li:organization:7)",
                                        credentials={"access_token": "t"}, config={"kind": "organization"})


def compose(people: dict[str, Any], account: SocialAccount, **fields: Any) -> Any:
    data = {"text": "Nouveau café", "accounts": [account.pk], "mode": "schedule",
            "scheduled_at": "2030-01-07T09:00", "timezone": "Europe/Paris", **fields}
    return client_for(people["owner"]).post(reverse("web:compose", args=[people["workspace"].pk]), data)


def test_connections_only_on_a_page_is_refused_naming_the_option(people, offline_page):
    page = client_for(people["owner"]).get(reverse("web:compose", args=[people["workspace"].pk]))
    assert 'name="opt_linkedin-visibility"' in page.content.decode()
    refused = compose(people, offline_page, **{"opt_linkedin-visibility": "CONNECTIONS"})
    html = refused.content.decode()
    assert refused.status_code == 400 and 'data-field="options.linkedin.visibility"' in html
    assert "A page has no connections" in html and not offline_page.publications.exists()
    assert compose(people, offline_page, **{"opt_linkedin-visibility": "PUBLIC"}).status_code == 302
    assert offline_page.publications.get().post.options == {"linkedin": {"visibility": "PUBLIC"}}


def test_the_composer_counts_escapes_as_linkedin_does(people, offline_page):
    response = client_for(people["owner"]).post(reverse("web:compose_check", args=[people["workspace"].pk]),
                                                {"text": "(a)", "accounts": [offline_page.pk]})
    assert "5 / 3000" in response.content.decode().replace("\u202f", "").replace(",", "")
