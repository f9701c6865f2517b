"""A whole local Bluesky network on loopback, for tests: PLC, PDS, AppView, ozone.

A bare PDS (:mod:`parvis.testing.bluesky_server`) has no read side: no notifications,
no threads. This runs ``@atproto/dev-env``'s ``TestNetwork`` (the reference PLC
directory, PDS, bsky AppView with its dataplane and bsync, and the ozone moderation
service) through the Node launcher ``parvis/testing/bsky-network/run-network.mjs``,
with the Node 22 that ``scripts/install_bsky_network.sh`` puts in
``${PARVIS_CACHE_DIR:-~/.cache/parvis}/bsky-network``. Every service binds 127.0.0.1.
The AppView, bsync and ozone need PostgreSQL (fresh schemas per run, dropped on stop)
and TestNetwork wants Redis; :func:`bsky_network_available` says whether all of that is
there.

Usage::

    ok, reason = bsky_network_available()
    if not ok:
        pytest.skip(reason)
    with LocalBlueskyNetwork() as net:
        brand = net.create_account("brand", "hunter2-hunter2")
        net.create_account("fan", "hunter2-hunter2")
        post = net.post_as("brand", "Bonjour")
        net.post_as("fan", "Merci !", reply_to=post.uri)
        net.process_all()  # the AppView has indexed everything written so far

The PDS proxies ``app.bsky.*`` reads to the AppView and reports to ozone, as
bsky.social does, so clients talk to :attr:`url` only. The helpers talk XRPC over httpx
directly so that the harness does not depend on the SDK that the tests exercise.
"""

from __future__ import annotations

import os
import re
import socket
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from parvis.testing.bluesky_server import Account, LocalPDSError, PDSLauncher, PDSRequestError
from parvis.testing.node_launcher import NodeInstall

__all__ = [
    "INSTALL_COMMAND",
    "LocalBlueskyNetwork",
    "NetworkNotInstalledError",
    "PostRef",
    "bsky_network_available",
    "bsky_network_install_dir",
]

NETWORK_INSTALL = NodeInstall(
    name="bsky-network", package="@atproto/dev-env", command="scripts/install_bsky_network.sh",
    label="local Bluesky network",
)
SOURCE_DIR = NETWORK_INSTALL.source_dir
LAUNCHER = SOURCE_DIR / "run-network.mjs"
INSTALL_COMMAND = NETWORK_INSTALL.command
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
POST = "app.bsky.feed.post"
_MENTION = re.compile(r"(?<![\w@])@([a-zA-Z0-9][a-zA-Z0-9.-]*\.[a-zA-Z]+)")


class NetworkNotInstalledError(LocalPDSError):
    """The install in the cache dir is missing or stale."""


@dataclass(frozen=True)
class PostRef:
    """A record's strong reference."""

    uri: str
    cid: str

    @property
    def did(self) -> str:
        return self.uri.split("/")[2]

    @property
    def rkey(self) -> str:
        return self.uri.rsplit("/", 1)[-1]

    def as_ref(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}


def bsky_network_install_dir() -> Path:
    """Where ``scripts/install_bsky_network.sh`` installs (same rule as the script)."""
    return NETWORK_INSTALL.install_dir()


def postgres_url() -> str:
    # The same variable as scripts/test.sh, so the tests use the CI's server.
    return os.environ.get("PARVIS_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def redis_url() -> str:
    return os.environ.get("PARVIS_TEST_REDIS_URL") or DEFAULT_REDIS_URL


def _reachable(url: str, default_port: int) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2).close()
    except OSError:
        return False
    return True


def bsky_network_available() -> tuple[bool, str]:
    """Whether the local network can be started; otherwise why not (for ``pytest.skip``)."""
    installed, reason = NETWORK_INSTALL.available()
    if not installed:
        return False, reason
    if not _reachable(postgres_url(), 5432):
        return False, (f"PostgreSQL is not reachable at {postgres_url()} (set PARVIS_TEST_POSTGRES_URL): "
                       "the Bluesky AppView needs it")
    if not _reachable(redis_url(), 6379):
        return False, (f"Redis is not reachable at {redis_url()} (set PARVIS_TEST_REDIS_URL): "
                       "the Bluesky test network needs it")
    return True, reason


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LocalBlueskyNetwork(PDSLauncher):
    """PLC + PDS + AppView + ozone on 127.0.0.1, started by :meth:`start`, removed by
    :meth:`stop`. Accounts are remembered by handle, so the ``*_as`` helpers act as
    them (``"fan"`` and ``"fan.test"`` are the same account)."""

    install = NETWORK_INSTALL
    launcher = LAUNCHER
    ready_keys = frozenset({"pds", "appview", "control"})
    not_installed_error = NetworkNotInstalledError
    # stop() waits longer: the launcher also drops its PostgreSQL schemas.
    default_stop_timeout = 30.0
    http_timeout: ClassVar[float] = 60.0

    def __init__(
        self, *, startup_timeout: float = 180.0, install_dir: Path | None = None,
        postgres: str | None = None, redis: str | None = None,
    ) -> None:
        super().__init__(startup_timeout=startup_timeout, install_dir=install_dir)
        self._postgres = postgres or postgres_url()
        self._redis = redis or redis_url()
        self._accounts: dict[str, Account] = {}
        self._tokens: dict[str, str] = {}

    def _launcher_env(self) -> dict[str, str]:
        redis = urllib.parse.urlsplit(self._redis)
        return {
            "PARVIS_BSKY_INSTALL_DIR": str(self._install_dir),
            "PARVIS_BSKY_POSTGRES_URL": self._postgres,
            "PARVIS_BSKY_REDIS_HOST": f"{redis.hostname or '127.0.0.1'}:{redis.port or 6379}",
            "PARVIS_BSKY_EXIT_ON_STDIN_EOF": "true",
        }

    def _stopped(self) -> None:
        super()._stopped()
        self._accounts.clear()
        self._tokens.clear()

    # -- addresses (url, plc_url, admin_password, pid: see PDSLauncher) ------

    @property
    def appview_url(self) -> str:
        return str(self._ready_info()["appview"])

    @property
    def ozone_url(self) -> str:
        return str(self._ready_info()["ozone"])

    @property
    def ozone_did(self) -> str:
        return str(self._ready_info()["ozone_did"])

    @property
    def startup_ms(self) -> int:
        """How long the launcher took from its start to the ready line."""
        return int(self._ready_info()["startup_ms"])

    # -- indexing ----------------------------------------------------------

    def process_all(self) -> None:
        """Wait until the AppView, ozone and bsync have indexed everything the PDS has
        written so far (TestNetwork.processAll)."""
        client = self._client()
        response = client.post(f"{self._ready_info()['control']}/process-all", timeout=120.0)
        if response.status_code != 200:
            raise LocalPDSError(f"processAll failed: HTTP {response.status_code} {response.text[:500]}")

    # -- accounts ----------------------------------------------------------

    def create_account(self, handle: str, password: str, email: str | None = None,
                       display_name: str | None = None) -> Account:
        """``com.atproto.server.createAccount`` (and a profile when ``display_name`` is
        given); the account is remembered for the ``*_as`` helpers."""
        account = super().create_account(handle, password, email)
        if display_name is not None:
            self.put_record(handle, "app.bsky.actor.profile", "self",
                            {"$type": "app.bsky.actor.profile", "displayName": display_name})
        return account

    def _account_created(self, handle: str, account: Account, access_token: str) -> None:
        self._accounts[handle] = account
        self._tokens[handle] = access_token

    def account(self, handle: str) -> Account:
        try:
            return self._accounts[self.full_handle(handle)]
        except KeyError:
            raise LocalPDSError(f"no account {handle!r} was created on this network") from None

    def token(self, handle: str) -> str:
        """An access token for a remembered account (access tokens last hours: one
        session per account is enough for a test module)."""
        handle = self.full_handle(handle)
        if handle not in self._tokens:
            account = self.account(handle)
            self._tokens[handle] = self.create_session(handle, account["password"])["accessJwt"]
        return self._tokens[handle]

    def resolve_handle(self, handle: str) -> str:
        return str(self.xrpc("com.atproto.identity.resolveHandle",
                             params={"handle": self.full_handle(handle)})["did"])

    # -- records -----------------------------------------------------------

    def create_record(self, handle: str, collection: str, record: dict[str, Any],
                      rkey: str | None = None) -> PostRef:
        data: dict[str, Any] = {"repo": self.account(handle)["did"], "collection": collection, "record": record}
        if rkey:
            data["rkey"] = rkey
        out = self.xrpc("com.atproto.repo.createRecord", data=data, token=self.token(handle))
        return PostRef(out["uri"], out["cid"])

    def put_record(self, handle: str, collection: str, rkey: str, record: dict[str, Any]) -> PostRef:
        out = self.xrpc("com.atproto.repo.putRecord", token=self.token(handle), data={
            "repo": self.account(handle)["did"], "collection": collection, "rkey": rkey, "record": record,
        })
        return PostRef(out["uri"], out["cid"])

    def get_record(self, uri: str) -> dict[str, Any]:
        """``{"uri", "cid", "value"}`` of a record, from its repo on the PDS."""
        _, _, did, collection, rkey = uri.split("/", 4)
        return self.xrpc("com.atproto.repo.getRecord",
                         params={"repo": did, "collection": collection, "rkey": rkey})

    def _mention_facets(self, text: str) -> list[dict[str, Any]]:
        facets = []
        for match in _MENTION.finditer(text):
            try:
                did = self.resolve_handle(match.group(1))
            except PDSRequestError:
                continue  # not an account here: stays plain text, as in the apps
            start = len(text[: match.start()].encode())
            facets.append({
                "index": {"byteStart": start, "byteEnd": start + len(match.group(0).encode())},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            })
        return facets

    def _post_record(self, text: str, reply_to: str | None, quote: str | None,
                     extra: dict[str, Any] | None) -> dict[str, Any]:
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now()}
        facets = self._mention_facets(text)
        if facets:
            record["facets"] = facets
        if reply_to:
            parent = self.get_record(reply_to)
            parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
            root_ref = parent["value"].get("reply", {}).get("root", parent_ref)
            record["reply"] = {"root": root_ref, "parent": parent_ref}
        if quote:
            quoted = self.get_record(quote)
            record["embed"] = {"$type": "app.bsky.embed.record",
                               "record": {"uri": quoted["uri"], "cid": quoted["cid"]}}
        record.update(extra or {})
        return record

    def post_as(self, handle: str, text: str, *, reply_to: str | None = None, quote: str | None = None,
                extra: dict[str, Any] | None = None) -> PostRef:
        """Post as ``handle``. ``@handle.test`` in the text becomes a mention facet (as
        the apps do); ``reply_to`` is the parent post's uri (the root is read from it);
        ``quote`` embeds that post; ``extra`` adds or overrides record fields.

        A reply or quote first waits for the AppView to have indexed what it answers, as
        a person would have seen it first: the AppView marks a reply whose parent it does
        not know yet as invalid, and sends no notification for it."""
        if reply_to or quote:
            self.process_all()
        return self.create_record(handle, POST, self._post_record(text, reply_to, quote, extra))

    def quote_as(self, handle: str, uri: str, text: str) -> PostRef:
        return self.post_as(handle, text, quote=uri)

    def edit_as(self, handle: str, uri: str, text: str) -> PostRef:
        """Re-write a post in place (putRecord) with new text, keeping its reply and
        embed: the reference apps never do this, other clients can."""
        current = self.get_record(uri)
        value = {**current["value"], "text": text}
        value.pop("facets", None)
        facets = self._mention_facets(text)
        if facets:
            value["facets"] = facets
        return self.put_record(handle, POST, uri.rsplit("/", 1)[-1], value)

    def like_as(self, handle: str, uri: str) -> PostRef:
        subject = self.get_record(uri)
        return self.create_record(handle, "app.bsky.feed.like", {
            "$type": "app.bsky.feed.like", "subject": {"uri": subject["uri"], "cid": subject["cid"]},
            "createdAt": _now(),
        })

    def delete_as(self, handle: str, uri: str) -> None:
        _, _, did, collection, rkey = uri.split("/", 4)
        if did != self.account(handle)["did"]:
            raise LocalPDSError(f"{uri} is not in {handle}'s repository")
        self.xrpc("com.atproto.repo.deleteRecord", token=self.token(handle),
                  data={"repo": did, "collection": collection, "rkey": rkey})

    # -- reading back (through the PDS, which proxies to the AppView) ---------

    def get_post_thread(self, handle: str, uri: str, **params: Any) -> dict[str, Any]:
        return self.xrpc("app.bsky.feed.getPostThread", params={"uri": uri, **params}, token=self.token(handle))

    def get_posts(self, handle: str, uris: list[str]) -> list[dict[str, Any]]:
        return list(self.xrpc("app.bsky.feed.getPosts", params={"uris": uris}, token=self.token(handle))["posts"])

    def get_profile(self, handle: str, actor: str) -> dict[str, Any]:
        return self.xrpc("app.bsky.actor.getProfile", params={"actor": actor}, token=self.token(handle))

    def list_notifications(self, handle: str, **params: Any) -> list[dict[str, Any]]:
        out = self.xrpc("app.bsky.notification.listNotifications", params=params, token=self.token(handle))
        return list(out["notifications"])

    def ozone_reports(self, subject: str | None = None) -> list[dict[str, Any]]:
        """Reports ozone received (``tools.ozone.moderation.queryEvents``, newest first),
        optionally about one subject (a DID or a record uri)."""
        params: dict[str, Any] = {"types": ["tools.ozone.moderation.defs#modEventReport"], "limit": 100}
        if subject:
            params["subject"] = subject
        out = self.xrpc("tools.ozone.moderation.queryEvents", params=params, base=self.ozone_url, admin=True)
        return list(out["events"])
