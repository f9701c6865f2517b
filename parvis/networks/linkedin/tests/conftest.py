"""The LinkedIn loopback fake, a member administering a page, and that page connected in
the people's workspace as the connect flow leaves it (tokens from a real code exchange)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.testing.linkedin_base import Member, Organization
from parvis.testing.linkedin_server import LocalLinkedIn, served


@pytest.fixture
def linkedin(settings: Any) -> Iterator[LocalLinkedIn]:
    yield from served(settings)


@pytest.fixture
def alice(linkedin: LocalLinkedIn) -> Member:
    return linkedin.add_member("Alice Martin")


@pytest.fixture
def shop(linkedin: LocalLinkedIn, alice: Member) -> Organization:
    return linkedin.add_organization("Brûlerie du Port", admins=[alice], vanity_name="brulerie-du-port")


def tokens_for(linkedin: LocalLinkedIn, member: Member) -> dict[str, Any]:
    code = linkedin.authorize(member)
    answer = httpx.post(f"{linkedin.url}/oauth/v2/accessToken", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1/callback",
        "client_id": linkedin.client_id, "client_secret": linkedin.client_secret})
    return dict(answer.json())


def connect_as(people: dict[str, Any], linkedin: LocalLinkedIn, member: Member, author: str,
               handle: str = "") -> SocialAccount:
    tokens = tokens_for(linkedin, member)
    now = timezone.now()
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="linkedin", server_url="https://www.linkedin.com",
        remote_id=author, handle=handle or f"@[Brûlerie du Port]({author})",
        credentials={"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]},
        credentials_expire_at=now + timedelta(seconds=tokens["expires_in"]),
        config={"kind": "organization" if "organization" in author else "person",
                "refresh_expires_at": (now + timedelta(seconds=tokens["refresh_token_expires_in"])).isoformat()},
    )


@pytest.fixture
def page(people: dict[str, Any], linkedin: LocalLinkedIn, alice: Member, shop: Organization) -> SocialAccount:
    return connect_as(people, linkedin, alice, shop.urn)
