"""Fixtures shared by every app's tests: people with each role, workspaces, account rows,
logged-in clients (parvis/testing/factories.py), and the real loopback servers
(mastodon-mock, the Bluesky PDS, WordPress) started once per session.

Real network calls are blocked: only loopback addresses may be reached.

Markers (pyproject.toml) say what a test needs, so that the fast part runs alone:
`pytest -m "not slow and not browser and not e2e and not fuzz"`. Tests that use a server
fixture are marked here by the fixtures they use, so a new test is marked without anyone
remembering to.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from parvis.testing.images import png_bytes
from parvis.testing.mastodon_server import LocalMastodon

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in {"127.0.0.1", "::1", "localhost"} and not host.startswith("/"):
        raise OSError(f"tests may not reach {host!r}: only loopback servers are allowed")
    return _real_connect(self, address)


# Fixtures that start something outside the test process: a test using one, even through
# another fixture, is slow (`parvis` is `parvis up` in a subprocess, so also end-to-end).
SLOW_FIXTURES = frozenset({"mastodon_server", "pds_server", "bsky_network", "wordpress_server", "parvis"})
E2E_FIXTURES = frozenset({"parvis"})
BROWSER_FIXTURES = frozenset({"browser"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", action="store_true",
                     help="write the README's screenshots (docs/screenshots/) from the browser tests")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--screenshots"):
        os.environ["PARVIS_SCREENSHOTS"] = "1"  # read by parvis/web/tests/browser.py's shot()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
        if used & E2E_FIXTURES:
            item.add_marker(pytest.mark.e2e)
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def _forget_workspace_models() -> Iterator[None]:
    """Workspace models are looked up once every 30 s per process; a test's rolled-back
    workspace must not lend its model to the next test's (ids are reused on SQLite)."""
    yield
    from parvis.inbox import learning

    learning._current.clear()


@pytest.fixture(scope="session")
def mastodon_server() -> Iterator[LocalMastodon]:
    with LocalMastodon() as server:
        yield server


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, for tests that read them (the default language is French)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    """A workspace with an owner, a manager, an editor and a viewer; an outsider owns
    another workspace."""
    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import Membership, Role, User

    owner = User.objects.create_user("owner@agence.test", "pw-owner-123", first_name="Olivia")
    org = create_organisation("Agence", owner)
    workspace = create_workspace(org, "Boulangerie Dupont", owner, "Europe/Paris", "fr")
    made = {"owner": owner, "workspace": workspace, "organisation": org}
    for role in (Role.MANAGER, Role.EDITOR, Role.VIEWER):
        user = User.objects.create_user(f"{role}@agence.test", f"pw-{role}-123")
        Membership.objects.create(workspace=workspace, user=user, role=role)
        made[str(role)] = user
    outsider = User.objects.create_user("outsider@other.test", "pw-outsider-123")
    other_org = create_organisation("Other", outsider)
    made["outsider"] = outsider
    made["other_workspace"] = create_workspace(other_org, "Concurrent", outsider, "America/Montreal")
    return made


@pytest.fixture
def account(people: dict[str, Any]) -> Any:
    """A Mastodon account row in the people's workspace, as connecting leaves it; it never
    reaches a server (see parvis/testing/factories.py; `mastodon_account` is a real one)."""
    from parvis.testing.factories import make_account

    return make_account(people["workspace"])


@pytest.fixture
def bluesky_offline(people: dict[str, Any]) -> Any:
    """A Bluesky account row in the people's workspace: enough for validation, which never
    calls the network (`bluesky_account` is a real one on the local PDS)."""
    from parvis.testing.factories import make_account

    return make_account(people["workspace"], "bluesky")


@pytest.fixture
def png() -> bytes:
    return png_bytes()


@pytest.fixture
def mastodon_account(people: dict[str, Any], mastodon_server: LocalMastodon) -> tuple[Any, dict[str, Any]]:
    from parvis.testing.accounts import connect_mastodon

    mastodon_server.clear_faults()
    return connect_mastodon(mastodon_server, people["workspace"], people["owner"])


@pytest.fixture(scope="session")
def pds_server() -> Iterator[Any]:
    from parvis.testing.bluesky_server import LocalPDS, pds_available

    available, reason = pds_available()
    if not available:
        pytest.skip(reason)
    with LocalPDS() as server:
        yield server


@pytest.fixture
def bluesky_account(people: dict[str, Any], pds_server: Any) -> tuple[Any, dict[str, Any]]:
    from parvis.testing.accounts import connect_bluesky

    return connect_bluesky(pds_server, people["workspace"], people["owner"])


@pytest.fixture(scope="session")
def bsky_network() -> Iterator[Any]:
    """The full local Bluesky network (PLC, PDS, AppView, ozone from @atproto/dev-env, on
    the loopback PostgreSQL and Redis): notifications and threads work, unlike a bare PDS."""
    from parvis.testing.bsky_network import LocalBlueskyNetwork, bsky_network_available

    available, reason = bsky_network_available()
    if not available:
        pytest.skip(reason)
    with LocalBlueskyNetwork() as network:
        yield network


@pytest.fixture
def bluesky_inbox_account(people: dict[str, Any], bsky_network: Any) -> tuple[Any, dict[str, Any]]:
    """A brand account on the full local Bluesky network, connected as a CM would."""
    from parvis.testing.accounts import connect_bluesky

    return connect_bluesky(bsky_network, people["workspace"], people["owner"])


@pytest.fixture(scope="session")
def wordpress_server() -> Iterator[Any]:
    """A real WordPress (Debian's package on PHP's built-in server, its database on the
    loopback MariaDB/MySQL) with an administrator and his application password; see
    parvis/testing/wordpress_server.py. Skips, saying why, where it cannot run; CI must."""
    from parvis.testing.wordpress_server import LocalWordPress, wordpress_available

    available, reason = wordpress_available()
    if not available:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the WordPress tests: {reason}")
        pytest.skip(reason)
    with LocalWordPress() as server:
        yield server


@pytest.fixture
def http_recorder() -> Iterator[Any]:
    """A loopback HTTP server recording what it receives (see parvis/testing/http_recorder.py)."""
    from parvis.testing.http_recorder import RecordingServer

    with RecordingServer() as server:
        yield server
