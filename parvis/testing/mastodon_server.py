"""A real Mastodon-shaped HTTP server on 127.0.0.1 for tests, backed by ``mastodon-mock``.

``mastodon-mock`` (PyPI, 0.6.x) is a stateful FastAPI + SQLite implementation of the
Mastodon REST API. We run it in a *subprocess* rather than the package's own threaded
``MockServer`` because:

* the Django test process stays free of the mock's event loop / SQLAlchemy engine and of
  GIL contention (matters for the 2,000-post benchmark);
* a wedged server can be killed without killing the test run;
* the child can wrap the mock's ASGI app with our own outer middleware, which we need for
  the one fault the mock cannot produce (see "accept then drop" below).

How it works
------------
The parent binds a listening socket on ``127.0.0.1:0`` (the OS picks a free port, no
bind/close/rebind race) and hands the file descriptor to the child, which serves it with
uvicorn. The child runs *this file* as a script (``python mastodon_server.py serve ...``)
so it never imports Django or the ``parvis`` package, keeps its SQLite database, media
and log in a temp dir that ``stop()`` deletes, and shuts itself down (cleaning up) if
the test process dies without calling ``stop()``.

Inside the child the ASGI stack is::

    uvicorn -> _HarnessApp (ours) -> mastodon-mock app (faults -> [rate limit] -> routes)

``_HarnessApp`` adds:

* ``/_parvis/*`` control routes (ping, post-processing faults, rate-limit toggle). They
  never reach the mock, so mock faults and rate limits cannot lock the harness out.
* *post-processing* faults: the mock handles the request completely (the status is
  committed) and only then is the response withheld until the client gives up, or the
  connection is cut after the headers. ``mastodon-mock``'s own fault effects all act
  *before* the route runs; its ``timeout`` effect even leaves nothing behind because the
  handler dies with ``ClientDisconnect`` when it finally reads the body.
* a runtime rate-limit switch. The mock only reads ``[ratelimit]`` when the app is built,
  so the child builds a second, rate-limited app over the same SQLite file, fault store,
  media directory and event bus, and routes to whichever is active.

Everything else (users, tokens, statuses, media, mock fault rules) is the mock's own
behaviour, reached over HTTP. See ``parvis/testing/tests/test_local_mastodon.py``.

Known differences from a real Mastodon (mastodon-mock 0.6.1), worth keeping in mind when
a test passes here:

* status length is ``len(text)`` (code points, spoiler not counted); Mastodon counts
  graphemes of spoiler + text, with each URL as 23 and ``@user@domain`` as ``@user``;
* ``POST /api/v2/media`` is always synchronous (200 with ``url`` set), never 202; mime
  types are not validated; unknown or already-attached ``media_ids`` are ignored (real: 422);
* ``PUT /api/v1/statuses/:id`` only edits text / spoiler / sensitive (no length check, no
  media changes);
* 401 bodies say ``"This method requires an authenticated user"`` for missing, unknown and
  revoked tokens alike (real: ``"The access token is invalid"`` / ``"... was revoked"``),
  with no ``WWW-Authenticate`` header;
* ``Idempotency-Key`` never expires (real: 1 hour); re-using a key whose status was deleted
  gives a 500 (unique constraint);
* the authorization-code flow checks neither client secret, redirect URI nor PKCE, and
  the code is simply ``mockcode_<username>``;
* a conversation's id is its newest status id (it changes with every message) and
  conversations group by participant set; Mastodon's ids are stable, per thread and
  participants. The inbox keys private threads by their root status, so both work;
* no ``quote`` notifications (Mastodon 4.5+ sends them): a quote reaches the quoted
  account only as the ``mention`` of a quote that names it;
* ``GET /api/v1/statuses?id[]=`` returns any status whatever its visibility (Mastodon 4.3+
  leaves out what the viewer may not see; older servers answer 404, where the connector
  falls back to one ``GET /api/v1/statuses/:id`` per status);
* a direct or followers-only status can be boosted (Mastodon answers 403); the
  connector refuses to boost them itself;
* notification policies accept everything until set; Mastodon 4.3 filters private
  mentions from strangers by default (``set_notification_policy`` reproduces it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fnmatch
import itertools
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypedDict

import httpx

__all__ = ["LocalMastodon", "LocalMastodonError", "LocalUser", "RateLimit"]

# Prefix of the harness's own control routes, served by ``_HarnessApp`` in the child.
_CONTROL_PREFIX = "/_parvis/"
# Prefix of mastodon-mock's mock-only routes (users, faults, reset).
_MOCK_PREFIX = "/api/v1/_mock"
# Page size for account timelines: mastodon-mock clamps ``limit`` to 40, like Mastodon.
_PAGE_LIMIT = 40

PostFaultMode = Literal["timeout", "drop"]


class LocalUser(TypedDict):
    """A local account with a ready-to-use bearer token (scopes read write follow push)."""

    id: str
    username: str
    access_token: str


@dataclass(frozen=True, slots=True)
class RateLimit:
    """mastodon-mock's rate limiter: a fixed window per bearer token (or client IP).

    It counts *every* request (GETs included), answers ``429 {"error": "Too many
    requests"}`` and sends ``X-RateLimit-Limit/Remaining/Reset`` with Reset as epoch
    seconds. Real Mastodon has per-endpoint buckets (e.g. 300 statuses / 3 h, 30 media
    uploads / 30 min, 300 API calls / 5 min) and sends Reset as an ISO 8601 timestamp.
    """

    limit: int = 300
    window_seconds: int = 300


class LocalMastodonError(RuntimeError):
    """The harness could not start or control the mock server."""


# --------------------------------------------------------------------------------------
# Parent side: the handle tests use
# --------------------------------------------------------------------------------------


class LocalMastodon:
    """A loopback mastodon-mock server in a subprocess.

    Usage::

        with LocalMastodon() as server:
            alice = server.create_user("alice")
            api = Mastodon(access_token=alice["access_token"], api_base_url=server.url)
            server.fail_next(503)
            ...

    Rate limiting is off by default (the mock's default), which is what benchmarks want.
    Fault helpers default to ``POST /api/v1/statuses`` and fire once.
    """

    def __init__(
        self,
        *,
        rate_limit: RateLimit | None = None,
        max_characters: int | None = None,
        startup_timeout: float = 20.0,
        log_level: str = "warning",
    ) -> None:
        """Configure (but do not start) the server.

        Args:
            rate_limit: Start with the mock's rate limiter on, using these numbers.
            max_characters: Override the instance's ``max_characters`` (advertised *and*
                enforced). Default is the mock's 500, the same as stock Mastodon.
            startup_timeout: Seconds to wait for the child to answer.
            log_level: uvicorn log level in the child (its output goes to a log file,
                see ``log_path``).
        """
        self._rate_limit = rate_limit
        self._max_characters = max_characters
        self._startup_timeout = startup_timeout
        self._log_level = log_level
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._port: int | None = None
        self._http: httpx.Client | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Spawn the child on a free loopback port and wait until it answers."""
        if self._process is not None:
            return self
        workdir = Path(tempfile.mkdtemp(prefix="parvis-mastodon-"))
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(128)
            port = listener.getsockname()[1]
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "serve",
                "--fd",
                str(listener.fileno()),
                "--port",
                str(port),
                "--workdir",
                str(workdir),
                "--log-level",
                self._log_level,
                "--parent-pid",
                str(os.getpid()),
            ]
            if self._rate_limit is not None:
                command += [
                    "--rate-limit",
                    str(self._rate_limit.limit),
                    str(self._rate_limit.window_seconds),
                ]
            if self._max_characters is not None:
                command += ["--max-characters", str(self._max_characters)]
            with (workdir / "server.log").open("wb") as log:
                # The child inherits the listening socket; stdout/stderr go to a file so
                # a chatty server can never block on a full pipe.
                process = subprocess.Popen(
                    command,
                    pass_fds=(listener.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    # Keep the child away from the repo's pyproject.toml / .mastodon_mock.toml.
                    cwd=workdir,
                )
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        finally:
            # The child holds its own copy. Closing ours means connections are refused
            # (not silently queued) once the child is gone.
            listener.close()

        self._process, self._workdir, self._port = process, workdir, port
        try:
            self._http = httpx.Client(base_url=self.url, timeout=10.0)
            self._wait_until_ready()
        except BaseException:
            self.stop()  # never leak the child, whatever went wrong
            raise
        return self

    def stop(self) -> None:
        """Terminate the child and remove its database, media and log. Idempotent."""
        if self._http is not None:
            self._http.close()
            self._http = None
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully on TERM
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234`` (use as Mastodon.py ``api_base_url``)."""
        if self._port is None:
            raise LocalMastodonError("LocalMastodon is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def log_path(self) -> Path | None:
        """The child's combined stdout/stderr (deleted by ``stop()``)."""
        return None if self._workdir is None else self._workdir / "server.log"

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise LocalMastodonError(
                    f"mastodon-mock exited during startup:\n{self._log_tail()}"
                )
            with contextlib.suppress(httpx.TransportError):
                # The ping is answered by our wrapper, so it never consumes rate limit.
                if self._client.get(f"{_CONTROL_PREFIX}ping", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.05)
        raise LocalMastodonError(
            f"mastodon-mock did not answer within {self._startup_timeout:g}s:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 40) -> str:
        path = self.log_path
        if path is None or not path.exists():
            return "<no log>"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    @property
    def _client(self) -> httpx.Client:
        if self._http is None:
            raise LocalMastodonError("LocalMastodon is not started")
        return self._http

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._client.request(method, path, **kwargs)
        if response.is_error:
            raise LocalMastodonError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    # --- state: users, statuses, reset ---------------------------------------------

    def create_user(self, username: str, *, display_name: str | None = None) -> LocalUser:
        """Create a local account and a user token (``POST /api/v1/_mock/dev_user``)."""
        body: dict[str, Any] = {"username": username}
        if display_name is not None:
            body["display_name"] = display_name
        data = self._call("POST", f"{_MOCK_PREFIX}/dev_user", json=body)
        return LocalUser(
            id=data["id"], username=data["username"], access_token=data["access_token"]
        )

    def issue_token(self, username: str) -> str:
        """Mint an additional token for an existing user (``POST /api/v1/_mock/login``)."""
        return str(
            self._call("POST", f"{_MOCK_PREFIX}/login", json={"username": username})["access_token"]
        )

    def approve_authorization(
        self, username: str, *, client_id: str, redirect_uri: str, state: str | None = None
    ) -> str:
        """Act as the user clicking "Authorize" on ``/oauth/authorize``.

        Returns the redirect target (``<redirect_uri>?code=...&state=...``) that a browser
        would follow. The mock's code is ``mockcode_<username>``; ``/oauth/token`` checks
        neither client secret, redirect URI nor PKCE verifier.
        """
        form = {"username": username, "client_id": client_id, "redirect_uri": redirect_uri}
        if state is not None:
            form["state"] = state
        response = self._client.post("/oauth/authorize", data=form)
        if response.status_code != 302:
            raise LocalMastodonError(f"authorize -> {response.status_code}: {response.text}")
        return response.headers["location"]

    def statuses_of(
        self, user: LocalUser | str, *, token: str | None = None
    ) -> list[dict[str, Any]]:
        """Every status on an account's profile timeline, newest first.

        Pass a ``LocalUser`` (its own token is used, so private/direct posts are
        included) or an account id (+ optional token). This is an ordinary API call: a
        fault rule matching ``GET /api/v1/accounts/*`` or an enabled rate limit applies.
        """
        if isinstance(user, str):
            account_id, bearer = user, token
        else:
            account_id, bearer = user["id"], token or user["access_token"]
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        statuses: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": _PAGE_LIMIT}
        while True:
            page = self._call(
                "GET", f"/api/v1/accounts/{account_id}/statuses", params=params, headers=headers
            )
            if not page:
                return statuses
            statuses.extend(page)
            params["max_id"] = page[-1]["id"]

    # --- acting as another user (the people who write to the brand) -----------------
    #
    # Plain HTTP calls with that user's own bearer token, so that the brand's connector
    # sees exactly what a real server would show it. Pass a ``LocalUser`` or a token.

    def post_as(
        self,
        user: LocalUser | str,
        text: str,
        *,
        in_reply_to_id: str | None = None,
        visibility: str | None = None,
        quoted_status_id: str | None = None,
        spoiler_text: str | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        """``POST /api/v1/statuses`` as ``user``. Mentions (``@name``) notify their
        accounts; ``visibility="direct"`` makes a private message."""
        body: dict[str, Any] = {"status": text}
        optional = {
            "in_reply_to_id": in_reply_to_id, "visibility": visibility,
            "quoted_status_id": quoted_status_id, "spoiler_text": spoiler_text,
            "language": language,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return dict(self._call("POST", "/api/v1/statuses", json=body, headers=_bearer(user)))

    def edit_as(self, user: LocalUser | str, status_id: str, text: str) -> dict[str, Any]:
        """``PUT /api/v1/statuses/:id`` as its author (sets ``edited_at``)."""
        return dict(
            self._call("PUT", f"/api/v1/statuses/{status_id}", json={"status": text},
                       headers=_bearer(user))
        )

    def delete_as(self, user: LocalUser | str, status_id: str) -> None:
        """``DELETE /api/v1/statuses/:id`` as its author."""
        self._call("DELETE", f"/api/v1/statuses/{status_id}", headers=_bearer(user))

    def status(self, status_id: str, *, as_user: LocalUser | str | None = None) -> dict[str, Any] | None:
        """``GET /api/v1/statuses/:id``, or None when the server answers 404."""
        headers = _bearer(as_user) if as_user is not None else {}
        response = self._client.get(f"/api/v1/statuses/{status_id}", headers=headers)
        if response.status_code == 404:
            return None
        if response.is_error:
            raise LocalMastodonError(f"GET status {status_id} -> {response.status_code}: {response.text}")
        return dict(response.json())

    def favourited_by(self, status_id: str) -> list[str]:
        """Account ids that favourited (liked) a status."""
        return [a["id"] for a in self._call("GET", f"/api/v1/statuses/{status_id}/favourited_by")]

    def reblogged_by(self, status_id: str) -> list[str]:
        """Account ids that reblogged (boosted) a status."""
        return [a["id"] for a in self._call("GET", f"/api/v1/statuses/{status_id}/reblogged_by")]

    def mutes_of(self, user: LocalUser | str) -> list[str]:
        """Account ids that ``user`` mutes (``GET /api/v1/mutes``)."""
        return [a["id"] for a in self._call("GET", "/api/v1/mutes", headers=_bearer(user))]

    def blocks_of(self, user: LocalUser | str) -> list[str]:
        """Account ids that ``user`` blocks (``GET /api/v1/blocks``)."""
        return [a["id"] for a in self._call("GET", "/api/v1/blocks", headers=_bearer(user))]

    def reports_against(self, account_id: str, *, as_user: LocalUser | str) -> list[dict[str, Any]]:
        """Open reports whose target is ``account_id`` (``GET /api/v1/admin/reports``;
        the mock lets any account read the admin API)."""
        return list(
            self._call("GET", "/api/v1/admin/reports", params={"target_account_id": account_id},
                       headers=_bearer(as_user))
        )

    def set_notification_policy(self, user: LocalUser | str, **policy: str) -> dict[str, Any]:
        """``PATCH /api/v2/notifications/policy`` (Mastodon 4.3+), e.g.
        ``for_private_mentions="filter"``, Mastodon's default for new accounts."""
        return dict(
            self._call("PATCH", "/api/v2/notifications/policy", json=policy, headers=_bearer(user))
        )

    def instance(self, version: Literal[1, 2] = 2) -> dict[str, Any]:
        """``GET /api/v{1,2}/instance``."""
        return dict(self._call("GET", f"/api/v{version}/instance"))

    def reset(self) -> None:
        """Wipe all data back to the (empty) seed and clear every fault rule.

        Created users and their tokens are gone afterwards.
        """
        self._call("POST", f"{_MOCK_PREFIX}/reset")
        self._call("DELETE", f"{_CONTROL_PREFIX}post-faults")

    # --- faults implemented by mastodon-mock (/api/v1/_mock/faults) ------------------
    #
    # A rule matches on method(s) + path (exact, ``*`` glob, or ``path_regex``), fires
    # ``count`` times (None = until cleared), first matching rule wins, and is applied
    # *before* the route runs: nothing is created while a rule fires.

    def add_fault(
        self,
        effect: dict[str, Any],
        *,
        method: str | None = "POST",
        path: str | None = "/api/v1/statuses",
        path_regex: str | None = None,
        count: int | None = 1,
    ) -> str:
        """Register a raw mock fault rule; returns its id. ``effect`` per the mock's
        ``POST /api/v1/_mock/faults``: ``{"type": "status"|"ratelimit"|"latency"|
        "malformed"|"timeout", "status", "body", "headers", "delay_ms", "truncate"}``.
        """
        rule = {
            "match": {
                "methods": None if method is None else [method],
                "path": path,
                "path_regex": path_regex,
            },
            "effect": effect,
            "count": count,
        }
        return str(self._call("POST", f"{_MOCK_PREFIX}/faults", json=rule)["id"])

    def fail_next(
        self,
        status: int = 503,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        method: str | None = "POST",
        path: str | None = "/api/v1/statuses",
        count: int | None = 1,
    ) -> str:
        """Answer the next ``count`` matching requests with ``status``.

        Default body is Mastodon-shaped, e.g. ``{"error": "Service temporarily
        unavailable"}`` for 503.
        """
        effect: dict[str, Any] = {"type": "status", "status": status}
        if body is not None:
            effect["body"] = body
        if headers is not None:
            effect["headers"] = headers
        return self.add_fault(effect, method=method, path=path, count=count)

    def rate_limit_next(
        self,
        retry_after: int = 2,
        *,
        send_retry_after: bool = True,
        method: str | None = "POST",
        path: str | None = "/api/v1/statuses",
        count: int | None = 1,
    ) -> str:
        """Answer the next ``count`` matching requests with a real-Mastodon-shaped 429.

        Body ``{"error": "Too many requests"}``; ``X-RateLimit-Limit: 300``,
        ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset`` as an ISO 8601 timestamp
        ``retry_after`` seconds from *now* (the header is fixed when the rule is added),
        exactly like Mastodon's rack-attack responder. Real Mastodon sends **no**
        ``Retry-After``; set ``send_retry_after=False`` to test that path.

        Built on the mock's plain ``status`` effect because its ``ratelimit`` effect
        always forces ``Retry-After: 300`` and an epoch-seconds Reset.
        """
        reset = datetime.now(UTC) + timedelta(seconds=retry_after)
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        }
        if send_retry_after:
            headers["Retry-After"] = str(retry_after)
        return self.fail_next(
            429,
            body={"error": "Too many requests"},
            headers=headers,
            method=method,
            path=path,
            count=count,
        )

    def slow_next(
        self,
        seconds: float,
        *,
        method: str | None = "POST",
        path: str | None = "/api/v1/statuses",
        count: int | None = 1,
    ) -> str:
        """Delay the next matching requests by ``seconds`` *before* handling them.

        If the client times out during the delay the request is never handled (the
        route fails reading the body), so nothing is created.
        """
        effect = {"type": "latency", "delay_ms": int(seconds * 1000)}
        return self.add_fault(effect, method=method, path=path, count=count)

    def hang_next(
        self,
        *,
        method: str | None = "POST",
        path: str | None = "/api/v1/statuses",
        count: int | None = 1,
    ) -> str:
        """Hold the next matching requests for 30 s before handling them (the mock's
        ``timeout`` effect; the minimum hold is 30 s). A client with a shorter timeout
        gives up and nothing is created: a "timeout, request not processed" fault.
        """
        return self.add_fault({"type": "timeout"}, method=method, path=path, count=count)

    def malformed_next(
        self,
        *,
        method: str | None = "POST",
        path: str | None = "/api/v1/statuses",
        count: int | None = 1,
    ) -> str:
        """Answer ``200`` with the truncated JSON body ``{"error": "truncated``."""
        return self.add_fault({"type": "malformed"}, method=method, path=path, count=count)

    # --- post-processing faults, implemented by our wrapper ----------------------------

    def accept_then_timeout(
        self,
        *,
        hold_seconds: float = 60.0,
        method: str | None = "POST",
        path: str | None = "/api/v1/statuses",
        count: int | None = 1,
    ) -> str:
        """Handle the request fully (the status *is* created), then withhold the response.

        The response is dropped as soon as the client disconnects (its timeout fired);
        if the client is still waiting after ``hold_seconds`` it gets the real response,
        late. This is the "server created it but the client never heard back" case.
        """
        return self._add_post_fault("timeout", hold_seconds, method, path, count)

    def accept_then_drop(
        self,
        *,
        method: str | None = "POST",
        path: str | None = "/api/v1/statuses",
        count: int | None = 1,
    ) -> str:
        """Handle the request fully, send the status line + headers, then cut the
        connection before the body. Clients see a connection/protocol error
        (Mastodon.py: ``MastodonNetworkError``) although the status exists.
        """
        return self._add_post_fault("drop", 0.0, method, path, count)

    def _add_post_fault(
        self,
        mode: PostFaultMode,
        hold_seconds: float,
        method: str | None,
        path: str | None,
        count: int | None,
    ) -> str:
        body = {
            "mode": mode,
            "hold_seconds": hold_seconds,
            "method": method,
            "path": path,
            "count": count,
        }
        return str(self._call("POST", f"{_CONTROL_PREFIX}post-faults", json=body)["id"])

    # --- fault bookkeeping & rate limits ---------------------------------------------

    def faults(self) -> list[dict[str, Any]]:
        """Active rules: the mock's (ids ``r1``...) and ours (ids ``p1``...)."""
        mock_rules = list(self._call("GET", f"{_MOCK_PREFIX}/faults"))
        return mock_rules + list(self._call("GET", f"{_CONTROL_PREFIX}post-faults"))

    def clear_faults(self) -> None:
        """Remove every fault rule (mock and wrapper)."""
        self._call("DELETE", f"{_MOCK_PREFIX}/faults")
        self._call("DELETE", f"{_CONTROL_PREFIX}post-faults")

    def set_rate_limits(
        self, enabled: bool, *, limit: int = 300, window_seconds: int = 300
    ) -> None:
        """Switch the mock's rate limiter on/off at runtime (data is kept).

        Re-enabling (or changing the numbers) starts with fresh counters. See
        ``RateLimit`` for how the mock's limiter differs from Mastodon's.
        """
        body = {"enabled": enabled, "limit": limit, "window_seconds": window_seconds}
        self._call("POST", f"{_CONTROL_PREFIX}ratelimit", json=body)


def _bearer(user: LocalUser | str) -> dict[str, str]:
    token = user if isinstance(user, str) else user["access_token"]
    return {"Authorization": f"Bearer {token}"}


# --------------------------------------------------------------------------------------
# Child side: build the mock app(s), wrap them, serve the inherited socket
# --------------------------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _DeliberateDrop(Exception):
    """Raised after the response headers to make uvicorn close the connection."""


class _DropLogFilter(logging.Filter):
    """Keep uvicorn's "Exception in ASGI application" traceback out of the log for drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, _DeliberateDrop):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


@dataclass(slots=True)
class _PostFault:
    id: str
    mode: PostFaultMode
    hold_seconds: float
    method: str | None
    path: str | None
    remaining: int | None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method.upper() != self.method.upper():
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)


class _HarnessApp:
    """Outer ASGI app: control routes, post-processing faults, rate-limit switch."""

    def __init__(
        self, build_app: Callable[[RateLimit | None], Any], rate_limit: RateLimit | None
    ) -> None:
        self._build_app = build_app
        self._plain = build_app(None)
        self._limited: Any = None
        self._post_faults: list[_PostFault] = []
        self._ids = itertools.count(1)
        if rate_limit is not None:
            self._enable_rate_limit(rate_limit)

    # --- routing -----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "http" and scope["path"].startswith(_CONTROL_PREFIX):
            await self._control(scope, receive, send)
            return
        app = self._limited if self._limited is not None else self._plain
        fault = self._take_post_fault(scope) if scope["type"] == "http" else None
        if fault is None:
            await app(scope, receive, send)
        else:
            await self._with_post_fault(fault, app, scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        # The wrapped apps' own lifespan only disposes their SQLAlchemy engine; the
        # process exits right after shutdown anyway, so we just acknowledge.
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    # --- post-processing faults --------------------------------------------------------

    def _take_post_fault(self, scope: Scope) -> _PostFault | None:
        for fault in self._post_faults:
            if fault.matches(scope["method"], scope["path"]):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._post_faults.remove(fault)
                return fault
        return None

    async def _with_post_fault(
        self, fault: _PostFault, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        # Run the mock to completion with its response buffered: by the time we decide
        # what the client gets, the DB transaction is committed.
        buffered: list[Message] = []

        async def buffer(message: Message) -> None:
            buffered.append(message)

        await app(scope, receive, buffer)

        if fault.mode == "drop":
            start = next(m for m in buffered if m["type"] == "http.response.start")
            await send(start)
            raise _DeliberateDrop(fault.id)

        # "timeout": wait for the client to hang up. Once the body has been read,
        # uvicorn's receive() only returns when the client disconnects.
        async def wait_for_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            await asyncio.wait_for(wait_for_disconnect(), timeout=fault.hold_seconds)
        except TimeoutError:
            for message in buffered:  # the client outlasted us: deliver, late
                await send(message)

    # --- control routes ------------------------------------------------------------------

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (scope["method"], scope["path"][len(_CONTROL_PREFIX) :])
        payload: Any
        if route == ("GET", "ping"):
            payload = {"ok": True}
        elif route == ("GET", "post-faults"):
            payload = [asdict(fault) for fault in self._post_faults]
        elif route == ("POST", "post-faults"):
            body = await _read_json(receive)
            fault = _PostFault(
                id=f"p{next(self._ids)}",
                mode=body["mode"],
                hold_seconds=float(body.get("hold_seconds", 60.0)),
                method=body.get("method"),
                path=body.get("path"),
                remaining=body.get("count"),
            )
            self._post_faults.append(fault)
            payload = asdict(fault)
        elif route == ("DELETE", "post-faults"):
            self._post_faults.clear()
            payload = {"ok": True}
        elif route == ("POST", "ratelimit"):
            body = await _read_json(receive)
            if body["enabled"]:
                self._enable_rate_limit(RateLimit(int(body["limit"]), int(body["window_seconds"])))
            else:
                self._limited = None
            payload = {"enabled": self._limited is not None}
        else:
            await _send_json(send, 404, {"error": "Record not found"})
            return
        await _send_json(send, 200, payload)

    def _enable_rate_limit(self, limit: RateLimit) -> None:
        # Rebuilding (even with the same numbers) resets the limiter's counters.
        self._limited = self._build_app(limit)


async def _read_json(receive: Receive) -> Any:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return json.loads(b"".join(chunks) or b"{}")


async def _send_json(send: Send, status: int, payload: Any) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _build_app_factory(port: int, workdir: Path) -> Callable[[RateLimit | None], Any]:
    """Return ``build(rate_limit) -> FastAPI`` producing apps that share all state."""
    from mastodon_mock.app import create_app
    from mastodon_mock.config import (
        DatabaseConfig,
        MastodonMockConfig,
        RateLimitConfig,
        SeedConfig,
        StreamingConfig,
    )

    shared: dict[str, Any] = {}

    def build(rate_limit: RateLimit | None) -> Any:
        config = MastodonMockConfig(
            # Links in responses (status url/uri, media url, Link headers) point back here.
            domain=f"127.0.0.1:{port}",
            url_scheme="http",
            # A named file rather than ":memory:" so that several app instances (plain +
            # rate limited) see the same data. mastodon-mock backs ":memory:" with a
            # private temp file anyway, so this costs nothing.
            database=DatabaseConfig(path=str(workdir / "mastodon.sqlite3")),
            media_storage_path=str(workdir / "media"),
            # No seeded accounts: tests create exactly the users they need.
            seed=SeedConfig(),
            ratelimit=RateLimitConfig(
                enabled=rate_limit is not None,
                **({} if rate_limit is None else asdict(rate_limit)),
            ),
            # A short SSE heartbeat keeps streaming clients' teardown fast (as the mock's
            # own test server does).
            streaming=StreamingConfig(heartbeat_seconds=0.5),
        )
        app = create_app(config)
        if shared:
            # Faults registered through either app and streaming events published by
            # either app must be visible to both.
            app.state.fault_store = shared["fault_store"]
            app.state.event_bus = shared["event_bus"]
        else:
            shared["fault_store"] = app.state.fault_store
            shared["event_bus"] = app.state.event_bus
        return app

    return build


def _patch_max_characters(limit: int) -> None:
    """Change the status length limit, both advertised and enforced.

    mastodon-mock 0.6.1 hard-codes 500 in ``serializers.instance`` (advertised via the
    ``_STATUS_CONFIG`` dict) and ``routers.statuses`` imports the constant by name
    (enforced), so both modules are patched. Re-check on upgrades.
    """
    from mastodon_mock.routers import statuses as statuses_router
    from mastodon_mock.serializers import instance as instance_serializer

    instance_serializer.MAX_STATUS_CHARACTERS = limit
    instance_serializer._STATUS_CONFIG["max_characters"] = limit
    statuses_router.MAX_STATUS_CHARACTERS = limit


def _serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="mastodon_server.py serve")
    parser.add_argument("--fd", type=int, required=True, help="inherited listening socket")
    parser.add_argument("--port", type=int, required=True, help="port of that socket")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--rate-limit", type=int, nargs=2, metavar=("LIMIT", "WINDOW_SECONDS"))
    parser.add_argument("--max-characters", type=int)
    parser.add_argument("--parent-pid", type=int, help="shut down when this process is gone")
    args = parser.parse_args(argv)

    import uvicorn

    if args.max_characters is not None:
        _patch_max_characters(args.max_characters)
    rate_limit = RateLimit(*args.rate_limit) if args.rate_limit else None
    app = _HarnessApp(_build_app_factory(args.port, args.workdir), rate_limit)

    logging.getLogger("uvicorn.error").addFilter(_DropLogFilter())
    sock = socket.socket(fileno=args.fd)  # family/type auto-detected: AF_INET stream
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        # mastodon-mock sets "Server: Mastodon" itself.
        server_header=False,
        # Held (accept_then_timeout) requests and SSE streams must not stall shutdown.
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    orphaned = threading.Event()
    if args.parent_pid is not None:
        threading.Thread(
            target=_exit_when_orphaned, args=(args.parent_pid, server, orphaned), daemon=True
        ).start()
    server.run(sockets=[sock])
    if orphaned.is_set():
        # Nobody is left to call LocalMastodon.stop(): clean up after ourselves.
        shutil.rmtree(args.workdir, ignore_errors=True)


def _exit_when_orphaned(parent_pid: int, server: Any, orphaned: threading.Event) -> None:
    """Stop serving once the test process is gone (killed, crashed, Ctrl-C'd twice).

    Without this an abandoned server would keep its port and temp dir forever. When the
    parent dies the child is re-parented, so ``getppid()`` changes.
    """
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    orphaned.set()
    server.should_exit = True


if __name__ == "__main__":
    # Running as a script puts this directory first on sys.path, where sibling modules
    # could shadow real packages; the child only needs site-packages.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    if sys.argv[1:2] != ["serve"]:
        sys.exit("usage: mastodon_server.py serve --fd FD --port PORT --workdir DIR [...]")
    _serve(sys.argv[2:])
