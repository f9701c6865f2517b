"""LinkedIn's versioned REST API over the guarded HTTP layer, and its errors as
`NetworkError`s.

Every /rest/ call carries the token, `LinkedIn-Version` (from `version.py`, the one
place) and `X-Restli-Protocol-Version: 2.0.0`; URNs in paths are percent-encoded as
Rest.li 2.0 wants. Only a write that creates something visible (a post, a comment)
is *uncertain* when its answer is lost: the engine then asks `find_published` before
anything is sent again.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

from parvis.core.http import Budget, GuardError, client
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.guarded import network_error
from parvis.networks.linkedin import version

API_URL = "https://api.linkedin.com"
OAUTH_URL = "https://www.linkedin.com"
DUPLICATE_OF = re.compile(r"duplicate of (urn:li:[A-Za-z]+:[0-9]+)")
DEFAULT_RETRY = 60.0


def setting(name: str, default: str = "") -> str:
    """A LinkedIn setting: Django's settings first (tests override them), then the
    environment (how a self-hosted parvis is configured), then the real default."""
    return str(getattr(settings, name, "") or os.environ.get(name, "") or default)


def api_url() -> str:
    return setting("PARVIS_LINKEDIN_API_URL", API_URL).rstrip("/")


def oauth_url() -> str:
    return setting("PARVIS_LINKEDIN_OAUTH_URL", OAUTH_URL).rstrip("/")


def enc(urn: str) -> str:
    """A URN as a Rest.li 2.0 path key (or an item inside `List(…)`)."""
    return quote(urn, safe="")


class LinkedInError(NetworkError):
    """A refusal LinkedIn answered, with its status and code kept for the caller."""

    def __init__(self, message: str | Text, kind: ErrorKind, *, status: int, code: str = "",
                 body: Any = None, **kwargs: Any) -> None:
        super().__init__(message, kind, **kwargs)
        self.status = status
        self.code = code
        self.body = body

    @property
    def duplicate_of(self) -> str | None:
        """For a 422 DUPLICATE_POST: the URN of the post LinkedIn says it duplicates."""
        if self.code != "DUPLICATE_POST":
            return None
        found = DUPLICATE_OF.search(str(_get(self.body, "message")))
        return found.group(1) if found else ""


def _get(body: Any, name: str) -> Any:
    return body.get(name) if isinstance(body, dict) else None


def _code(body: Any) -> str:
    code = _get(body, "code")
    if code:
        return str(code)
    details = _get(body, "errorDetails")
    inputs = _get(details, "inputErrors") or []
    return str(_get(inputs[0], "code") or "") if inputs else ""


def _field(body: Any) -> str | None:
    details = _get(body, "errorDetails")
    inputs = _get(details, "inputErrors") or []
    path = str(_get(_get(_get(inputs[0], "input"), "inputPath"), "fieldPath") or "") if inputs else ""
    if path.startswith("/commentary") or _get(body, "message") and "/commentary" in str(body["message"]):
        return "text"
    if path.startswith("/content"):
        return "media"
    return None


def retry_after(response: httpx.Response, now: datetime | None = None) -> float:
    """Seconds to wait after a 429: Retry-After when sent; a daily limit ("… DAY limit
    …") lasts until midnight UTC; otherwise a minute."""
    now = now or datetime.now(UTC)
    value = response.headers.get("Retry-After", "")
    if value:
        try:
            return max(1.0, float(value))
        except ValueError:
            try:
                return max(1.0, (parsedate_to_datetime(value) - now).total_seconds())
            except (TypeError, ValueError):
                pass
    if "DAY limit" in response.text:
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        return max(1.0, (midnight - now).total_seconds())
    return DEFAULT_RETRY


def error_for(response: httpx.Response, *, write: bool) -> LinkedInError:
    """What a refusal means for the engine."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    code = _code(body)
    said = str(_get(body, "message") or _get(body, "error_description") or response.reason_phrase or status)
    common: dict[str, Any] = {"status": status, "code": code, "body": body}
    if status == 401:
        return LinkedInError(Text.gettext("LinkedIn refused parvis's access (%(detail)s): connect the account "
                                          "again.", detail=said), ErrorKind.RECONNECT, **common)
    if status == 403:
        return LinkedInError(Text.gettext("LinkedIn does not let this account do that (%(detail)s): check its "
                                          "role on the page, then connect it again.", detail=said),
                             ErrorKind.RECONNECT, **common)
    if status == 426:
        return LinkedInError(Text.gettext("LinkedIn no longer accepts API version %(version)s, which this parvis "
                                          "speaks: parvis must be updated (LinkedIn: %(detail)s).",
                                          version=version.VERSION, detail=said), ErrorKind.PERMANENT, **common)
    if status == 429:
        return LinkedInError(Text.gettext("LinkedIn's call limit is reached (%(detail)s).", detail=said),
                             ErrorKind.TRANSIENT, retry_after=retry_after(response), **common)
    if status >= 500:
        return LinkedInError(Text.gettext("LinkedIn had an error (HTTP %(status)s).", status=status),
                             ErrorKind.TRANSIENT, uncertain=write, **common)
    return LinkedInError(said, ErrorKind.PERMANENT, field=_field(body), **common)


def more_after(answer: dict[str, Any], start: int, asked: int) -> bool:
    """Whether a Rest.li collection has elements after this page (`start`: how many were
    read, this page included). A `next` link or the total say so; without either, only a
    short page is known to be the last."""
    paging = answer.get("paging") or {}
    if any(link.get("rel") == "next" for link in paging.get("links") or []):
        return True
    if paging.get("total") is not None:
        return start < int(paging["total"])
    return len(answer.get("elements") or []) >= asked


class LinkedInClient:
    """One member's token against the API. Use as a context manager or call `close()`."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.http = client(budget=Budget.default(), redirects="refuse")

    def __enter__(self) -> LinkedInClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "LinkedIn-Version": version.VERSION,
                "X-Restli-Protocol-Version": "2.0.0"}

    def rest(self, method: str, path: str, *, write: bool = False, query: str = "", **kwargs: Any) -> httpx.Response:
        """A /rest/ call (`path` after /rest/, keys already encoded with `enc`). `query`:
        a hand-written query string, for Rest.li syntax httpx would encode."""
        url = f"{api_url()}/rest/{path}" + (f"?{query}" if query else "")
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.send(method, url, write=write, headers=headers, **kwargs)

    def send(self, method: str, url: str, *, write: bool = False, **kwargs: Any) -> httpx.Response:
        """Any call (uploads go to the addresses LinkedIn gave); raises on a refusal."""
        try:
            response = self.http.request(method, url, **kwargs)
        except GuardError as exc:
            raise network_error(exc, write=write) from exc
        except httpx.TimeoutException as exc:
            raise NetworkError(Text.gettext("LinkedIn did not answer in time."), ErrorKind.TRANSIENT,
                               uncertain=write) from exc
        except httpx.TransportError as exc:
            raise NetworkError(Text.gettext("The connection to LinkedIn was lost (%(error)s).",
                                            error=exc.__class__.__name__), ErrorKind.TRANSIENT,
                               uncertain=write) from exc
        if response.status_code >= 400:
            raise error_for(response, write=write)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.rest("GET", path, **kwargs).json()
