"""Finding a site's REST API from the address a person typed, before any credentials
are sent.

`/wp-json/` is asked first; a site without pretty permalinks (or with its API elsewhere)
announces the API's root on its home page, in the header
`Link: <https://site/wp-json/>; rel="https://api.w.org/"`. Redirects are followed here
(an http address moving to https, a bare domain to www), each hop checked by the guarded
layer like the first; the API root kept must be on the site the last hop reached, so that
the credentials never go to a host the home page merely names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from parvis.core.http import Budget, GuardError, TooSlow, client
from parvis.core.texts import Text
from parvis.networks.base import ErrorKind, NetworkError
from parvis.networks.guarded import PROBE_MAX_BYTES, network_error, probe_seconds

API_REL = "https://api.w.org/"


@dataclass(frozen=True)
class Site:
    api_root: str  # "https://site/wp-json/" or "https://site/?rest_route=/"
    name: str = ""
    # The index said which authentications it offers; {} when the index needs a login.
    authentication: dict[str, Any] | None = None
    readable: bool = True  # False: the index asked for a login (a "disable REST" plugin)


def _origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parts = urlsplit(str(url))
    return parts.scheme, parts.hostname or "", parts.port


def _api_link(response: httpx.Response) -> str | None:
    for link in response.headers.get_list("link"):
        for part in link.split(","):
            target, _sep, params = part.partition(";")
            if f'rel="{API_REL}"' in params.replace("'", '"') and target.strip().startswith("<"):
                return target.strip()[1:-1]
    return None


def _fetch(http: httpx.Client, url: str) -> httpx.Response:
    response = http.get(url, headers={"Accept": "application/json"})
    response.read()
    return response


def _as_index(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _wordpress_error(response: httpx.Response) -> bool:
    data = _as_index(response)
    return bool(data and isinstance(data.get("code"), str) and isinstance(data.get("data"), dict))


def _site(host: str, response: httpx.Response) -> Site | None:
    """What an answer from a would-be API root says; None when it is not one."""
    if response.status_code in (401, 403) and _wordpress_error(response):
        return Site(api_root=str(response.url), readable=False)
    index = _as_index(response) if response.is_success else None
    if index is None or "namespaces" not in index or "routes" not in index:
        return None
    if "wp/v2" not in (index.get("namespaces") or []):
        raise NetworkError(Text.gettext("%(host)s is a WordPress site, but its REST API offers no posts "
                                        "(wp/v2 is switched off by a plugin or the host).", host=host),
                           ErrorKind.PERMANENT, field="site")
    auth = index.get("authentication")
    return Site(api_root=str(response.url), name=str(index.get("name") or ""),
                authentication=auth if isinstance(auth, dict) else {})


def discover(site_url: str) -> Site:
    """The site's API root; raises NetworkError (field "site") saying in words what the
    address is instead: unreachable, too slow, not WordPress, REST API disabled."""
    host = urlsplit(site_url).hostname or site_url
    seconds = probe_seconds()
    budget = Budget.default(timeout=seconds, total=seconds, max_bytes=PROBE_MAX_BYTES)
    try:
        with client(budget=budget, redirects="follow") as http:
            first = _fetch(http, site_url.rstrip("/") + "/wp-json/")
            if first.status_code >= 500:
                raise NetworkError(Text.gettext("%(host)s answered with an error (HTTP %(status)s): try again later.",
                                                host=host, status=first.status_code), ErrorKind.TRANSIENT,
                                   field="site")
            if found := _site(host, first):
                return found
            home = _fetch(http, site_url.rstrip("/") + "/")
            link = _api_link(home) or _api_link(first)
            if link is None:
                raise _not_wordpress(host)
            if _origin(link) != _origin(home.url):
                raise NetworkError(Text.gettext("%(host)s says its REST API is on another site (%(link)s); "
                                                "enter that site's address instead.", host=host, link=link),
                                   ErrorKind.PERMANENT, field="site")
            found = _site(host, _fetch(http, link))
            if found is None:
                raise NetworkError(Text.gettext("%(host)s is a WordPress site, but its REST API does not answer "
                                                "(switched off by a plugin or the host).", host=host),
                                   ErrorKind.PERMANENT, field="site")
            return found
    except NetworkError:
        raise
    except (TooSlow, httpx.TimeoutException) as exc:
        raise NetworkError(Text.gettext("%(host)s did not answer within %(seconds)s s.", host=host,
                                        seconds=f"{seconds:g}"), ErrorKind.TRANSIENT, field="site") from exc
    except GuardError as exc:
        error = network_error(exc)
        error.field = "site"
        raise error from exc
    except httpx.HTTPError as exc:
        raise NetworkError(Text.gettext("%(host)s cannot be reached (%(error)s).", host=host,
                                        error=str(exc) or exc.__class__.__name__),
                           ErrorKind.TRANSIENT, field="site") from exc


def _not_wordpress(host: str) -> NetworkError:
    return NetworkError(Text.gettext("%(host)s answered, but it is not a WordPress site (no REST API at "
                                     "/wp-json/, and its home page announces none).", host=host),
                        ErrorKind.PERMANENT, field="site")
