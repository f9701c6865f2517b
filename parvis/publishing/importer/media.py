"""Media that a CSV import names by web address: checked with the rows (the address
alone: well formed, http(s), not a private network address), downloaded once each when
the import runs, through the guarded HTTP layer, into the workspace's media library.

A download that fails refuses its row only, with a message naming the address."""

from __future__ import annotations

import posixpath
import re
import tempfile
from urllib.parse import unquote, urlsplit

import httpx
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from parvis.accounts.models import User, Workspace
from parvis.core import http
from parvis.publishing import library
from parvis.publishing.models import MediaAsset
from parvis.publishing.types import PostValidationError, Upload

URL_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|https?:)", re.IGNORECASE)
MAX_REDIRECTS = 3


def is_url(value: str) -> bool:
    return bool(URL_LIKE.match(value))


def check_media_url(url: str) -> str:
    """The message refusing a media address ("" if it looks usable): http(s), a host,
    no spaces, and not a private network address (unless settings allow them)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        if parts.scheme.lower() not in {"http", "https"} or not parts.hostname or re.search(r"\s", url):
            raise http.UnsafeURLError(_("Enter a valid https:// address."))
        http.check_url(url)
    except (ValueError, http.UnsafeURLError) as exc:  # UnsafeURLError is a ValueError
        reason = str(exc) if isinstance(exc, http.UnsafeURLError) else _("Enter a valid https:// address.")
        return _("“%(url)s” cannot be used as a web address: %(reason)s") % {"url": url, "reason": reason}
    return ""


def url_file_name(url: str) -> str:
    """The name a downloaded file gets in the library: the last part of its path."""
    name = unquote(posixpath.basename(urlsplit(url).path)).strip()
    return name[:200] or "image"


def download_media(workspace: Workspace, user: User | None, url: str) -> MediaAsset | str:
    """Download the image or video at `url` through the guarded HTTP layer (each redirect
    hop checked like the address itself, the address connected to the one checked, the
    size capped while reading, the time bounded) and add it to the library. The asset, or
    the message saying why not, naming the address."""
    def refused(reason: str) -> str:
        return _("The file at “%(url)s” cannot be used: %(reason)s") % {"url": url, "reason": reason}

    cap = max(library.max_bytes(MediaAsset.Kind.IMAGE), library.max_bytes(MediaAsset.Kind.VIDEO))
    too_large = _("it is larger than %(max)s.") % {"max": filesizeformat(cap)}
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed below
    try:
        size = 0
        try:
            with http.client(budget=http.Budget.default(max_bytes=cap), redirects="follow",
                             max_redirects=MAX_REDIRECTS) as client, client.stream("GET", url) as response:
                if not response.is_success:
                    return refused(_("the server answered with the error %(status)d.")
                                   % {"status": response.status_code})
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    buffer.write(chunk)
        except http.ResponseTooLarge:
            return refused(too_large)
        except http.GuardError as exc:
            return refused(exc.message)
        except httpx.TooManyRedirects:
            return refused(_("it redirects too many times."))
        except httpx.TimeoutException:
            return refused(_("the server did not answer in time."))
        except httpx.HTTPError as exc:
            return refused(_("it could not be downloaded (%(error)s).") % {"error": exc.__class__.__name__})
        if not size:
            return refused(_("the file is empty."))
        buffer.seek(0)
        try:
            added = library.add_asset(workspace, user, Upload(url_file_name(url), buffer, size),
                                      source=url[:255])
        except PostValidationError as exc:
            return refused(exc.errors[0].message if exc.errors else _("it is not an image or a video."))
        return added.asset
    finally:
        buffer.close()
