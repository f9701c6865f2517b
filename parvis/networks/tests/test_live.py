"""Opt-in checks against the real networks: with a developer's own credentials in
`PARVIS_LIVE_…` variables, publish one post, find it again, delete it. Skipped
otherwise (never in CI: it has no credentials, and no internet).

    PARVIS_LIVE_MASTODON_URL=https://mastodon.social PARVIS_LIVE_MASTODON_TOKEN=… \\
    .venv/bin/pytest parvis/networks/tests/test_live.py -m live -p no:xdist -s

Each network's variables are listed in `LIVE` below and in the README ("Checking against
the real networks"). The post says it is a test and is deleted at once; use a test
account or page all the same.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from parvis.networks import registry
from parvis.networks.base import MediaFile, Presence, PublishRequest
from parvis.networks.models import SocialAccount
from parvis.networks.tests.contract import Subject, publish_to_end

pytestmark = [pytest.mark.django_db, pytest.mark.live]


def _mastodon(env: dict[str, str]) -> dict[str, Any]:
    return {"server_url": env["URL"].rstrip("/"), "remote_id": env["ACCOUNT_ID"],
            "credentials": {"access_token": env["TOKEN"]}}


def _bluesky(env: dict[str, str]) -> dict[str, Any]:
    return {"server_url": env.get("PDS", "https://bsky.social"), "remote_id": env["DID"],
            "credentials": {"identifier": env["HANDLE"], "app_password": env["APP_PASSWORD"]}}


def _wordpress(env: dict[str, str]) -> dict[str, Any]:
    url = env["URL"].rstrip("/")
    return {"server_url": url, "remote_id": env["USER_ID"], "config": {"api_root": f"{url}/wp-json/"},
            "credentials": {"username": env["USERNAME"], "app_password": env["APP_PASSWORD"]},
            "options": {"title": "parvis : test automatique"}}


def _threads(env: dict[str, str]) -> dict[str, Any]:
    return {"server_url": "https://www.threads.com", "remote_id": env["USER_ID"],
            "credentials": {"access_token": env["TOKEN"], "user_id": env["USER_ID"]}}


def _linkedin(env: dict[str, str]) -> dict[str, Any]:
    author = env["AUTHOR"]  # urn:li:organization:… (or urn:li:person:…)
    return {"server_url": "https://www.linkedin.com", "remote_id": author,
            "credentials": {"access_token": env["TOKEN"]},
            "config": {"kind": "organization" if ":organization:" in author else "person"}}


def _facebook(env: dict[str, str]) -> dict[str, Any]:
    return {"server_url": "https://www.facebook.com", "remote_id": env["PAGE_ID"],
            "credentials": {"access_token": env["PAGE_TOKEN"]}}


def _instagram(env: dict[str, str]) -> dict[str, Any]:
    # Instagram takes no post without an image, which it downloads itself: a public JPEG.
    login = env.get("LOGIN", "instagram")
    credentials = {"access_token": env["TOKEN"], "login": login}
    if login == "facebook":
        credentials["page_id"] = env["PAGE_ID"]
    return {"server_url": "https://www.instagram.com", "remote_id": env["USER_ID"], "credentials": credentials,
            "media": [MediaFile(path=Path("live.jpg"), mime_type="image/jpeg", alt_text="Test", url=env["IMAGE_URL"])]}


# network key -> (the variables after PARVIS_LIVE_<KEY>_, how they make an account)
LIVE: dict[str, tuple[tuple[str, ...], Callable[[dict[str, str]], dict[str, Any]]]] = {
    "mastodon": (("URL", "TOKEN", "ACCOUNT_ID"), _mastodon),
    "bluesky": (("HANDLE", "APP_PASSWORD", "DID"), _bluesky),
    "wordpress": (("URL", "USERNAME", "APP_PASSWORD", "USER_ID"), _wordpress),
    "threads": (("TOKEN", "USER_ID"), _threads),
    "linkedin": (("TOKEN", "AUTHOR"), _linkedin),
    "facebook": (("PAGE_ID", "PAGE_TOKEN"), _facebook),
    "instagram": (("TOKEN", "USER_ID", "IMAGE_URL"), _instagram),
}


def live_env(network: str) -> dict[str, str] | None:
    names, _make = LIVE[network]
    prefix = f"PARVIS_LIVE_{network.upper()}_"
    values = {name.removeprefix(prefix): value for name, value in os.environ.items() if name.startswith(prefix)}
    return values if all(values.get(name) for name in names) else None


@pytest.mark.parametrize("network", sorted(LIVE))
def test_a_post_is_published_found_and_deleted_on_the_real_network(network: str, people: dict[str, Any]) -> None:
    env = live_env(network)
    if env is None:
        names = ", ".join(f"PARVIS_LIVE_{network.upper()}_{name}" for name in LIVE[network][0])
        pytest.skip(f"set {names} to check {network} for real")
    if network not in registry.NETWORKS:
        pytest.skip(f"{network} is not registered")
    made = LIVE[network][1](env)
    options, media = made.pop("options", {}), made.pop("media", [])
    account = SocialAccount.objects.create(workspace=people["workspace"], network=network,
                                           handle=f"live-{network}", **made)
    subject = Subject(account=account, posts=list, options=options, media=media)
    text = f"Test automatique de parvis {uuid.uuid4().hex[:8]} : ce message sera supprimé aussitôt."
    request = PublishRequest(text=text, idempotency_key=str(uuid.uuid4()), created_at=datetime.now(UTC),
                             options=options, media=tuple(media))
    assert subject.connector().identity().remote_id
    post = publish_to_end(subject, request)
    try:
        found = subject.connector().find_published(request, datetime.now(UTC) - timedelta(minutes=5))
        assert found.presence is Presence.FOUND and found.post is not None
        assert found.post.remote_id == post.remote_id
    finally:
        subject.connector().delete(post.remote_id)
