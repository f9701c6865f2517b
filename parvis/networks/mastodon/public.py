"""Public statuses read from an instance with the Mastodon API (Mastodon, GoToSocial,
Akkoma…) for the keyword monitors: a hashtag's timeline, and full-text search where the
instance allows it.

The instance is an address a person typed: every request goes through the guarded HTTP
layer, redirects refused. Only statuses whose visibility is `public` come out: a search
made with an account's token also finds what only that account may see (followers-only
posts, private mentions), which must never reach a shared monitor.

Paging: the cursor is the newest status id seen, and a poll asks `min_id=cursor`, which
brings the `limit` statuses right above it (Mastodon's `since_id` would bring the newest
ones and skip whatever lies between when more than `limit` arrived between two polls).
A full page means more are waiting. A post keeps its ActivityPub `uri` as `remote_id`,
so the same status read on two instances is one post.

A rate-limited answer (429) carries `X-RateLimit-Reset` (an ISO 8601 time; Mastodon does
not send Retry-After, other servers may): it becomes `ReadError.retry_after`. A
successful answer that spends the last request of the window (`X-RateLimit-Remaining:
0`) says so in `Page.retry_after`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from parvis.core.http import GuardError, client, normalise_base_url
from parvis.core.texts import Text
from parvis.networks.mastodon.content import html_to_text
from parvis.networks.mastodon.info import typed_account
from parvis.networks.public import (
    Page,
    PublicPost,
    PublicProfile,
    ReadError,
    Timeline,
    aware_utc,
    count,
    counts,
    seconds_until,
)
from parvis.networks.text import clean_text

NETWORK = "mastodon"
MAX_LIMIT = 40  # what the API serves at most per request
RATE_WINDOW = 300.0  # Mastodon's API limits reset every five minutes: the wait when none is said


def hashtag_timeline(instance_url: str, tag: str, *, since_id: str = "", limit: int = 40, token: str = "",
                     http: httpx.Client | None = None) -> Page:
    """Public statuses tagged `tag` on the instance, newest first, newer than `since_id`.
    `token` is only for instances that show their hashtag timelines to signed-in
    accounts alone."""
    name = tag.strip().lstrip("#").strip()
    if not name:
        raise ReadError(Text.gettext("Enter a hashtag."), transient=False)
    params: dict[str, Any] = {"limit": _limit(limit)}
    if since_id:
        params["min_id"] = since_id
    base = _base(instance_url)
    response = _get(base, f"/api/v1/timelines/tag/{quote(name, safe='')}", params, token, http)
    host = _host(base)
    if response.status_code == 404 and isinstance(_json(response), dict):
        return Page([], since_id)  # a hashtag nobody has used there yet: not an error
    if response.status_code in (401, 403):
        raise ReadError(Text.gettext("The instance %(host)s shows its hashtag timelines only to its signed-in "
                                     "accounts (%(detail)s).", host=host, detail=_detail(response)),
                        transient=False)
    data = _json(response) if response.status_code == 200 else None
    if not isinstance(data, list):
        raise _not_understood(host, response)
    return _page(data, since_id, base, response)


def search_statuses(instance_url: str, query: str, *, token: str, since_id: str = "", limit: int = 40,
                    http: httpx.Client | None = None) -> Page:
    """Public statuses matching `query` by full-text search, newer than `since_id`.
    Mastodon searches statuses only for a signed-in account, and only where its admin
    set up a search engine: elsewhere it answers an error, or no `statuses` at all."""
    if not query.strip():
        raise ReadError(Text.gettext("Enter words to search for."), transient=False)
    params: dict[str, Any] = {"q": query, "type": "statuses", "limit": _limit(limit), "resolve": "false"}
    if since_id:
        params["min_id"] = since_id  # the search's lower bound on ids (it has no since_id)
    base = _base(instance_url)
    response = _get(base, "/api/v2/search", params, token, http)
    host, detail = _host(base), _detail(response)
    if response.status_code == 401:
        raise ReadError(Text.gettext("The instance %(host)s refused the access token (%(detail)s). Reconnect the "
                                     "account.", host=host, detail=detail), transient=False, reconnect=True)
    if response.status_code == 403:
        raise ReadError(Text.gettext("The instance %(host)s does not allow full-text search for this account "
                                     "(%(detail)s).", host=host, detail=detail), transient=False)
    if response.status_code == 422:
        raise ReadError(Text.gettext("The instance %(host)s could not read the search “%(query)s” (%(detail)s).",
                                     host=host, query=query[:100], detail=detail), transient=False)
    data = _json(response) if response.status_code == 200 else None
    statuses = data.get("statuses") if isinstance(data, dict) else None
    if not isinstance(statuses, list):
        raise ReadError(Text.gettext("This instance (%(host)s) does not allow full-text search.", host=host),
                        transient=False)
    return _page(statuses, since_id, base, response)


def _limit(limit: int) -> int:
    return max(1, min(MAX_LIMIT, int(limit)))


def _base(instance_url: str) -> str:
    try:
        return normalise_base_url(instance_url)
    except GuardError as exc:
        raise ReadError(exc.reason, transient=False) from exc


def _host(base: str) -> str:
    return urlsplit(base).netloc


def _get(base: str, path: str, params: dict[str, Any], token: str, http: httpx.Client | None) -> httpx.Response:
    """The answer to one GET, with what no endpoint can use already raised: refusals of
    the guard, a server out of reach, rate limits, server errors."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    session = http or client(redirects="refuse")
    try:
        response = session.get(base + path, params=params, headers=headers)
    except GuardError as exc:
        raise ReadError(exc.reason, transient=exc.transient) from exc
    except httpx.HTTPError as exc:
        raise ReadError(Text.gettext("The instance %(host)s could not be reached or did not answer in time.",
                                     host=_host(base)), transient=True) from exc
    finally:
        if http is None:
            session.close()
    if response.status_code == 429:
        raise ReadError(Text.gettext("The instance %(host)s asks parvis to slow down (rate limit reached).",
                                     host=_host(base)), transient=True, retry_after=_wait(response))
    if response.status_code >= 500 or response.status_code == 408:
        raise ReadError(Text.gettext("The instance %(host)s had an error (HTTP %(status)s).",
                                     host=_host(base), status=response.status_code), transient=True)
    return response


def _wait(response: httpx.Response) -> float:
    """Seconds before asking again: Retry-After if the server sent one, else the reset of
    its rate-limit window."""
    for header in ("Retry-After", "X-RateLimit-Reset"):
        seconds = seconds_until(response.headers.get(header))
        if seconds is not None:
            return seconds
    return RATE_WINDOW


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    """The server's own words about an error ("" without them), kept short."""
    data = _json(response)
    text = data.get("error") if isinstance(data, dict) else None
    return clean_text(text)[:200] or f"HTTP {response.status_code}"


def _not_understood(host: str, response: httpx.Response) -> ReadError:
    return ReadError(Text.gettext("The server %(host)s did not answer as a Mastodon instance does (HTTP %(status)s).",
                                  host=host, status=response.status_code), transient=False)


def _newer(candidate: str, than: str) -> bool:
    # Ids are ordered but not always numbers: Mastodon's are decimal snowflakes,
    # GoToSocial's ULIDs, Akkoma's flake ids. All sort by length, then as text.
    return (len(candidate), candidate) > (len(than), than)


def _page(statuses: list[Any], since_id: str, base: str, response: httpx.Response) -> Page:
    domain = urlsplit(base).hostname or ""
    cursor = since_id
    posts = []
    for status in statuses:
        status_id = status.get("id") if isinstance(status, dict) else None
        if not isinstance(status_id, str) or not status_id or (since_id and not _newer(status_id, since_id)):
            continue  # a server that ignored min_id sends what was already read
        if not cursor or _newer(status_id, cursor):
            cursor = status_id
        if (post := _post(status, domain)) is not None:
            posts.append(post)
    remaining = response.headers.get("X-RateLimit-Remaining", "").strip()
    return Page(posts, cursor, retry_after=_wait(response) if remaining == "0" else None)


def _post(status: dict[str, Any], domain: str) -> PublicPost | None:
    if isinstance(status.get("reblog"), dict):
        status = status["reblog"]  # a boost says nothing itself: the boosted status does
    account = status.get("account")
    created_at = aware_utc(status.get("created_at"))
    if status.get("visibility") != "public" or not isinstance(account, dict) or created_at is None:
        return None
    remote_id = clean_text(status.get("uri")) or clean_text(status.get("url")) or clean_text(status.get("id"))
    if not remote_id:
        return None
    acct = clean_text(account.get("acct"))
    # A local account's acct has no domain; the instance's own name stands in for it (an
    # instance may use a shorter domain for handles, which only its /api/v2/instance says).
    handle = acct if "@" in acct or not acct else f"{acct}@{domain}"
    name = clean_text(account.get("display_name")) or clean_text(account.get("username"))
    # Mastodon leaves a space before a paragraph's end; a monitor's excerpt has no use for it.
    text = "\n".join(line.rstrip() for line in html_to_text(clean_text(status.get("content"))).split("\n"))
    if warning := clean_text(status.get("spoiler_text")).strip():
        text = f"{warning}\n\n{text}" if text else warning  # the warning is words of the post too
    return PublicPost(
        network=NETWORK, remote_id=remote_id, url=clean_text(status.get("url")) or remote_id,
        author_handle=handle, author_name=name,
        author_id=clean_text(account.get("uri")) or clean_text(account.get("url")) or clean_text(account.get("id")),
        text=text, created_at=created_at, language=clean_text(status.get("language")),
        # Mastodon names the parent only by its id on this instance: a marker that the
        # status is a reply rather than a key into other instances' posts.
        in_reply_to=clean_text(status.get("in_reply_to_id")),
        counts=counts(replies=status.get("replies_count"), reposts=status.get("reblogs_count"),
                      likes=status.get("favourites_count"), quotes=status.get("quotes_count")),  # quotes: 4.5+
    )


class HashtagReader:
    """La veille's watches on an instance: a hashtag's timeline (no account needed), and a
    full-text search, made with the token of an account of that instance."""

    kinds = ("hashtag", "search")
    account_kinds = ("search",)

    def page_url(self, instance_url: str, kind: str, term: str) -> str:
        if kind == "search":
            return f"{_base(instance_url)}/search?q={quote(term, safe='')}"
        return f"{_base(instance_url)}/tags/{quote(term.lstrip('#'), safe='')}"

    def read(self, instance_url: str, kind: str, term: str, cursor: str, *, account: Any = None) -> Page:
        if kind == "search":
            token = account.credentials.get("access_token", "") if account is not None else ""
            if not token:
                raise ReadError(Text.gettext("Connect an account of this network to search it."), transient=False)
            return search_statuses(instance_url, term, token=token, since_id=cursor)
        return hashtag_timeline(instance_url, term.lstrip("#"), since_id=cursor)


# A competitor's account, as la veille follows it. Its handle names the server to ask:
# an instance serving its accounts under a shorter domain (Mastodon's LOCAL_DOMAIN set
# apart from WEB_DOMAIN) is only reachable by the address of one of its profiles.
def account_handle(typed: str) -> str | None:
    """"@user@instance.tld" from a handle ("@user@instance.tld", "user@instance.tld") or a
    profile's address ("https://instance.tld/@user"); None for anything else."""
    found = typed_account(typed)
    return f"@{found[0]}@{found[1]}" if found else None


def account_timeline(instance_url: str, username: str, *, limit: int = 40,
                     http: httpx.Client | None = None) -> Timeline:
    """The public profile of the instance's local account `username` and its latest
    public statuses, newest first: neither boosts nor replies to others (a reply to
    itself, a thread, is its own words)."""
    base = _base(instance_url)
    host, domain = _host(base), urlsplit(base).hostname or ""
    response = _get(base, "/api/v1/accounts/lookup", {"acct": username}, "", http)
    if response.status_code in (404, 410):
        raise _no_such_account(username, host)
    if response.status_code in (401, 403):
        raise _accounts_hidden(host, response)
    found = _json(response) if response.status_code == 200 else None
    account_id = clean_text(found.get("id")) if isinstance(found, dict) else ""
    if not isinstance(found, dict) or not account_id:
        raise _not_understood(host, response)
    profile = _profile(found, domain)
    params = {"exclude_replies": "true", "exclude_reblogs": "true", "limit": _limit(limit)}
    response = _get(base, f"/api/v1/accounts/{quote(account_id, safe='')}/statuses", params, "", http)
    if response.status_code in (404, 410):  # 410: suspended between the two requests
        raise _no_such_account(username, host)
    if response.status_code in (401, 403):
        raise _accounts_hidden(host, response)
    statuses = _json(response) if response.status_code == 200 else None
    if not isinstance(statuses, list):
        raise _not_understood(host, response)
    posts = [post for status in statuses
             if _own_words(status, account_id) and (post := _post(status, domain)) is not None]
    posts.sort(key=lambda post: post.created_at, reverse=True)
    remaining = response.headers.get("X-RateLimit-Remaining", "").strip()
    return Timeline(profile, posts, retry_after=_wait(response) if remaining == "0" else None)


def _own_words(status: Any, account_id: str) -> bool:
    # A server may ignore exclude_replies / exclude_reblogs: they are checked here again.
    if not isinstance(status, dict) or status.get("reblog"):
        return False
    replied_to = clean_text(status.get("in_reply_to_account_id"))
    return not status.get("in_reply_to_id") or replied_to == account_id


def _profile(account: dict[str, Any], domain: str) -> PublicProfile:
    acct = clean_text(account.get("acct"))
    handle = acct if "@" in acct or not acct else f"{acct}@{domain}"
    return PublicProfile(
        network=NETWORK,
        # As PublicPost.author_id names it, so that a profile and its posts match.
        remote_id=clean_text(account.get("uri")) or clean_text(account.get("url")) or clean_text(account.get("id")),
        handle=f"@{handle}" if handle else "",
        name=clean_text(account.get("display_name")) or clean_text(account.get("username")),
        url=clean_text(account.get("url")),
        followers=count(account.get("followers_count")), following=count(account.get("following_count")),
        posts=count(account.get("statuses_count")),
    )


def _no_such_account(username: str, host: str) -> ReadError:
    return ReadError(Text.gettext("No account has the name %(name)s on %(server)s. Check the spelling: the "
                                  "account may also have been deleted or moved.", name=f"@{username}", server=host),
                     transient=False)


def _accounts_hidden(host: str, response: httpx.Response) -> ReadError:
    return ReadError(Text.gettext("The instance %(host)s shows its accounts only to its signed-in users "
                                  "(%(detail)s).", host=host, detail=_detail(response)), transient=False)


class ProfileReader:
    """La veille's follow of a competitor's public account (no account needed)."""

    needs_account = False

    def normalise(self, typed: str) -> str | None:
        return account_handle(typed)

    def read(self, handle: str, *, account: Any = None, limit: int = 40) -> Timeline:
        stored = account_handle(handle)
        if stored is None:
            raise ReadError(Text.gettext("Enter the account as @name@server, or the address of its profile."),
                            transient=False)
        username, _, server = stored.lstrip("@").partition("@")
        return account_timeline(f"https://{server}", username, limit=limit)
