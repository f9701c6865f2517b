"""A real Bluesky PDS on loopback, for tests.

Runs the reference ``@atproto/pds`` (plus an in-memory PLC directory) through the
Node launcher ``parvis/testing/pds/run-pds.mjs``, with the Node 22 binary that
``scripts/install_pds.sh`` puts in ``${PARVIS_CACHE_DIR:-~/.cache/parvis}/pds``.
Both servers bind 127.0.0.1 only and keep their data in a temp dir removed on
stop, so every ``LocalPDS`` starts empty.

Usage::

    ok, reason = pds_available()
    if not ok:
        pytest.skip(reason)
    with LocalPDS() as pds:
        account = pds.create_account("alice.test", "hunter2-hunter2")
        app_password = pds.create_app_password("alice.test", "hunter2-hunter2", "parvis")
        client = atproto.Client(base_url=pds.url)
        client.login("alice.test", app_password, fetch_bsky_profile=False)

The helpers talk XRPC over httpx directly so that the harness does not depend
on the SDK that the tests exercise.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, ClassVar, TypedDict

import httpx

from parvis.testing.node_launcher import NodeInstall, NodeLauncher

__all__ = [
    "INSTALL_COMMAND",
    "Account",
    "LocalPDS",
    "LocalPDSError",
    "PDSLauncher",
    "PDSNotInstalledError",
    "PDSRequestError",
    "pds_available",
    "pds_install_dir",
]

PDS_INSTALL = NodeInstall(
    name="pds", package="@atproto/pds", command="scripts/install_pds.sh", label="local Bluesky PDS"
)
PDS_SOURCE_DIR = PDS_INSTALL.source_dir
LAUNCHER = PDS_SOURCE_DIR / "run-pds.mjs"
INSTALL_COMMAND = PDS_INSTALL.command
HANDLE_DOMAIN = ".test"  # the launchers' PDS_SERVICE_HANDLE_DOMAINS
POST_COLLECTION = "app.bsky.feed.post"


class LocalPDSError(RuntimeError):
    """The local PDS (or network) could not be started or stopped, or is not running."""


class PDSNotInstalledError(LocalPDSError):
    """The PDS install in the cache dir is missing or stale."""


class PDSRequestError(RuntimeError):
    """An XRPC call answered with an error (HTTP status + XRPC ``error`` name)."""

    def __init__(self, nsid: str, status: int, error: str | None, message: str | None) -> None:
        super().__init__(f"{nsid} failed: HTTP {status} {error}: {message}")
        self.nsid = nsid
        self.status = status
        self.error = error
        self.message = message


class Account(TypedDict):
    did: str
    handle: str
    password: str
    email: str


def pds_install_dir() -> Path:
    """Where ``scripts/install_pds.sh`` installs (same rule as the script)."""
    return PDS_INSTALL.install_dir()


def pds_available() -> tuple[bool, str]:
    """Whether the local PDS can be started; otherwise why not (for ``pytest.skip``)."""
    return PDS_INSTALL.available()


class PDSLauncher(NodeLauncher):
    """A Node launcher whose front door is a PDS (its ready line has ``pds``, ``plc``,
    ``admin_password`` and ``pid``), with XRPC helpers for it.

    Shared by :class:`LocalPDS` and the whole network
    (:class:`parvis.testing.bsky_network.LocalBlueskyNetwork`), whose PDS is the same
    ``@atproto/pds``.
    """

    error: ClassVar[type[LocalPDSError]] = LocalPDSError
    not_installed_error: ClassVar[type[LocalPDSError]] = PDSNotInstalledError
    http_timeout: ClassVar[float] = 30.0

    def __init__(self, *, startup_timeout: float, install_dir: Path | None = None) -> None:
        super().__init__(startup_timeout=startup_timeout, install_dir=install_dir)
        self._http: httpx.Client | None = None

    def _started(self) -> None:
        self._http = httpx.Client(timeout=self.http_timeout)

    def _stopped(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # -- addresses ---------------------------------------------------------

    @property
    def url(self) -> str:
        """The PDS, e.g. ``http://127.0.0.1:41279``: what clients (and the connector) are given."""
        return str(self._ready_info()["pds"])

    @property
    def plc_url(self) -> str:
        return str(self._ready_info()["plc"])

    @property
    def admin_password(self) -> str:
        """For admin XRPC calls (HTTP basic auth, user ``admin``)."""
        return str(self._ready_info()["admin_password"])

    # -- XRPC --------------------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._http is None:
            raise self.error(f"{type(self).__name__} is not running; call start() first")
        return self._http

    def xrpc(
        self,
        nsid: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        token: str | None = None,
        procedure: bool | None = None,
        base: str | None = None,
        admin: bool = False,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Call an XRPC method on the PDS (or on ``base``); raise PDSRequestError on an
        error answer.

        A procedure (POST) when ``data`` is given or ``procedure`` is true (for
        procedures without input, e.g. ``com.atproto.server.refreshSession``),
        else a query (GET). ``admin`` authenticates with :attr:`admin_password`.
        """
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

    def create_account(self, handle: str, password: str, email: str | None = None) -> Account:
        """``com.atproto.server.createAccount``; the new DID is registered in the local PLC."""
        handle = self.full_handle(handle)
        # The PDS insists on an email even without SMTP; nothing is sent.
        email = email or f"{handle.split('.')[0]}@example.com"
        out = self.xrpc(
            "com.atproto.server.createAccount",
            data={"handle": handle, "password": password, "email": email},
        )
        account = Account(did=out["did"], handle=out["handle"], password=password, email=email)
        self._account_created(handle, account, str(out["accessJwt"]))
        return account

    def _account_created(self, handle: str, account: Account, access_token: str) -> None:
        """Hook, given the handle as asked for (:meth:`full_handle`): the network remembers
        accounts and their session for its ``*_as`` helpers."""

    def create_session(self, identifier: str, password: str) -> dict[str, Any]:
        """``com.atproto.server.createSession`` (identifier: handle, DID or email)."""
        return self.xrpc(
            "com.atproto.server.createSession",
            data={"identifier": self.full_handle(identifier), "password": password},
        )

    def create_app_password(
        self, handle: str, password: str, name: str, *, privileged: bool = False
    ) -> str:
        """Create an app password (needs the main password); return it: ``xxxx-xxxx-xxxx-xxxx``."""
        token = self.create_session(handle, password)["accessJwt"]
        out = self.xrpc(
            "com.atproto.server.createAppPassword",
            data={"name": name, "privileged": privileged},
            token=token,
        )
        return str(out["password"])

    def revoke_app_password(self, handle: str, password: str, name: str) -> None:
        """Revoke an app password by name (needs the main password)."""
        token = self.create_session(handle, password)["accessJwt"]
        self.xrpc("com.atproto.server.revokeAppPassword", data={"name": name}, token=token)

    # -- records -----------------------------------------------------------

    def list_records(self, did: str, collection: str) -> list[dict[str, Any]]:
        """All records of a collection (``com.atproto.repo.listRecords``, following the cursor)."""
        records: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"repo": did, "collection": collection, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = self.xrpc("com.atproto.repo.listRecords", params=params)
            batch = page.get("records", [])
            records.extend(batch)
            cursor = page.get("cursor")
            if not cursor or not batch:
                return records


class LocalPDS(PDSLauncher):
    """A PDS + PLC pair on 127.0.0.1, started by :meth:`start`, removed by :meth:`stop`."""

    install = PDS_INSTALL
    launcher = LAUNCHER
    ready_keys = frozenset({"pds", "plc"})

    def __init__(
        self,
        *,
        startup_timeout: float = 60.0,
        did_doc_with_session: bool = False,
        port: int | None = None,
        install_dir: Path | None = None,
    ) -> None:
        """
        Args:
            startup_timeout: seconds to wait for the launcher's ready line.
            did_doc_with_session: make createSession return the DID document, as
                bsky.social does; the atproto SDK then switches to the document's
                endpoint, ``http://localhost:PORT`` (see :attr:`public_url`).
            port: fixed PDS port; a free one by default.
            install_dir: defaults to :func:`pds_install_dir`.
        """
        super().__init__(startup_timeout=startup_timeout, install_dir=install_dir)
        self._did_doc_with_session = did_doc_with_session
        self._port = port

    def _launcher_env(self) -> dict[str, str]:
        env = {
            "PARVIS_PDS_INSTALL_DIR": str(self._install_dir),
            "PARVIS_PDS_DID_DOC_WITH_SESSION": "true" if self._did_doc_with_session else "false",
            "PARVIS_PDS_EXIT_ON_STDIN_EOF": "true",
        }
        if self._port is not None:
            env["PARVIS_PDS_PORT"] = str(self._port)
        return env

    @property
    def public_url(self) -> str:
        """URL the PDS advertises in DID documents: ``http://localhost:PORT``."""
        return str(self._ready_info()["public_url"])

    def list_posts(self, did: str) -> list[dict[str, Any]]:
        """The account's posts (``app.bsky.feed.post``): dicts with ``uri``, ``cid``, ``value``.

        Ordered by rkey, newest (largest TID) first.
        """
        return self.list_records(did, POST_COLLECTION)
