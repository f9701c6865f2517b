"""A self-hosted WordPress site behind the parvis network contract: one user of the site,
authenticated with an Application Password, publishing blog articles.

Exactly once: WordPress has no idempotency key, and a second article with the same slug
is not refused but created as `<slug>-2`. So every article's slug ends with a suffix of
the publication's idempotency key (`article_slug`), and the site is asked for that slug
(`status=any`, drafts and scheduled ones included) before each attempt, inside `publish`
as well as through `find_published`: an article an earlier attempt created is reported,
never created again. Should the title (so the start of the slug) change between two
attempts, the user's articles changed since the first attempt are searched for the
suffix alone. The images are uploaded with slugs derived the same way and found again by
them, so a retry after a failure half-way reuses them too. The site answers for sure
whether such an article is there, so `find_published` says found or absent; a site that
cannot answer raises `NetworkError` (the engine tries again later).

An article published later than planned (retries, a worker down) is dated when it was
planned (`PublishRequest.scheduled_at`), so the blog's order follows the calendar.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from django.utils.text import slugify

from parvis.core.texts import Text
from parvis.networks.base import (
    BaseConnector,
    Draft,
    ErrorKind,
    Identity,
    InboundItem,
    InboxPage,
    Limits,
    Lookup,
    MediaFile,
    Moderation,
    NetworkError,
    Problem,
    PublishRequest,
    RemoteAuthor,
    RemotePost,
)
from parvis.networks.wordpress.client import WordPressClient, WordPressError
from parvis.networks.wordpress.content import Figure, article_html
from parvis.networks.wordpress.inbox import MODERATIONS, STREAMS, WordPressInbox, comment_id
from parvis.networks.wordpress.options import MAX_SLUG, featured_position, problems, split_tags

if TYPE_CHECKING:
    from parvis.networks.models import SocialAccount

# An article has no length limit worth enforcing (the database column holds 4 GB); the
# images are the site's own uploads: the common types, and 8 MB, PHP's default
# post_max_size (the host may allow less or more; the site's answer says so).
LIMITS = Limits(
    max_chars=1_000_000,
    max_media=20,
    image_mime_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    max_image_bytes=8_000_000,
)
WP_DATE = "%Y-%m-%dT%H:%M:%S"  # WordPress's dates, date_gmt included: no zone suffix
# Published this much later than planned, an article is dated when it was planned. Not
# nearer: a date the site's clock finds in the future would make it schedule the article.
LATE_MARGIN = timedelta(seconds=60)
SLUG_BASE = 60  # characters of the title kept in a slug made from it
# WordPress compares `modified_after` with the site's local time: a day back covers every
# time zone (and clocks a little apart); older articles in the answer are just skipped.
LOOKBACK = timedelta(days=1)


def options_of(request: PublishRequest) -> Mapping[str, Any]:
    """The request's WordPress options (the options form's cleaned data)."""
    return request.options


def key_suffix(idempotency_key: str) -> str:
    """8 hex digits standing for the publication: its key's own when it is a UUID (as
    parvis's are, so a person can match them), else a digest of it."""
    try:
        return uuid.UUID(idempotency_key).hex[:8]
    except ValueError:
        return hashlib.sha256(idempotency_key.encode()).hexdigest()[:8]


def article_slug(request: PublishRequest) -> str:
    """`<slug or slugified title>-<key suffix>`: the same for every attempt."""
    options = options_of(request)
    base = str(options.get("slug") or "") or slugify(str(options.get("title") or ""))[:SLUG_BASE].strip("-_")
    return f"{(base or 'article')[:MAX_SLUG]}-{key_suffix(request.idempotency_key)}"


def wp_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:19], WP_DATE).replace(tzinfo=UTC)
    except ValueError:
        return None


def remote_post(post: Mapping[str, Any]) -> RemotePost:
    return RemotePost(remote_id=str(post["id"]), url=str(post.get("link") or ""),
                      created_at=wp_date(post.get("date_gmt")),
                      extra={"slug": post.get("slug"), "status": post.get("status")})


def published_among(posts: Any, slug: str) -> RemotePost | None:
    """The decision of `find_published` from what the site answered for the slug: the
    article with exactly that slug, or None when there is none (the site keeps slugs of
    published and scheduled articles unique, so there is at most one)."""
    matches = [p for p in posts if isinstance(p, dict) and p.get("slug") == slug] if isinstance(posts, list) else []
    return remote_post(min(matches, key=lambda p: int(p["id"]))) if matches else None


def site_host(server_url: str) -> str:
    parts = urlsplit(server_url)
    return (parts.netloc or server_url) + parts.path.rstrip("/")


def identity_from(me: Mapping[str, Any], server_url: str) -> Identity:
    login = str(me.get("username") or me.get("slug") or me["id"])
    avatars = me.get("avatar_urls") if isinstance(me.get("avatar_urls"), dict) else {}
    assert isinstance(avatars, dict)
    return Identity(remote_id=str(me["id"]), handle=f"{login}@{site_host(server_url)}",
                    display_name=str(me.get("name") or login), url=str(me.get("link") or server_url),
                    avatar_url=str(avatars.get("96") or avatars.get("48") or ""))


def api_root_of(account: SocialAccount) -> str:
    return str(account.config.get("api_root") or account.server_url.rstrip("/") + "/wp-json/")


class WordPressConnector(BaseConnector):
    network: ClassVar[str] = "wordpress"

    def __init__(self, account: SocialAccount) -> None:
        super().__init__(account)
        creds = account.credentials
        self.client = WordPressClient(api_root_of(account), str(creds.get("username", "")),
                                      str(creds.get("app_password", "")))

    # -- contract --------------------------------------------------------------------
    def identity(self) -> Identity:
        return identity_from(self.me(), self.account.server_url)

    def me(self) -> dict[str, Any]:
        """The user, with their capabilities (`context=edit`: only the user themself)."""
        return dict(self.client.get("/wp/v2/users/me", {"context": "edit"}))

    def limits(self) -> Limits:
        return LIMITS

    def checks(self, draft: Draft) -> list[Problem]:
        return problems(draft.text, draft.media, draft.options)

    def publish(self, request: PublishRequest) -> RemotePost:
        if request.reply_to is not None:  # an answer to a comment, from the inbox
            return self.inbox.reply(request)
        options = options_of(request)
        if found := problems(request.text, request.media, options):
            raise NetworkError(found[0].message, ErrorKind.PERMANENT, field=found[0].field)
        # No look before posting: the engine asks `find_published` before any attempt that
        # may follow one that reached the site (a lookup here cost every article two more
        # requests, one of them listing the author's recent articles).
        slug = article_slug(request)
        article = self._article(request, options, slug)
        try:
            return remote_post(self.client.post("/wp/v2/posts", article))
        except NetworkError as error:
            if error.kind is not ErrorKind.TRANSIENT:
                raise
            # The answer may be lost after the site created it: look once more.
            try:
                existing = self.lookup(slug)
            except NetworkError:
                raise error from None
            if existing:
                return existing
            raise

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        if request.reply_to is not None:
            found = self.inbox.find_reply(request)
        else:
            found = self.lookup(article_slug(request)) or self._by_key_suffix(request, since)
        return Lookup.found(found) if found else Lookup.absent()

    def lookup(self, slug: str) -> RemotePost | None:
        """The article with this slug, published, scheduled or draft (not in the trash);
        raises NetworkError when the site cannot say."""
        posts = self.client.get("/wp/v2/posts", {"slug": slug, "status": "any", "context": "edit"})
        return published_among(posts, slug)

    def _by_key_suffix(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        """An article of this user's, changed since the first attempt, whose slug ends
        with the publication's suffix: found even if its title (so the start of its
        slug) was edited between two attempts."""
        posts = self.client.get("/wp/v2/posts", {
            "author": self.account.remote_id or self.account.config.get("user_id"), "status": "any",
            "modified_after": (since - LOOKBACK).astimezone(UTC).strftime(WP_DATE), "per_page": 100,
            "context": "edit", "orderby": "id", "order": "desc",  # ours is among the newest
        })
        suffix = "-" + key_suffix(request.idempotency_key)
        slugs = [str(p.get("slug") or "") for p in posts if isinstance(p, dict)] if isinstance(posts, list) else []
        ours = next((slug for slug in slugs if slug.endswith(suffix)), None)
        return published_among(posts, ours) if ours else None

    def delete(self, remote_id: str, *, force: bool = False) -> None:
        """Move the article to the trash (where the site's owner can restore it), or
        delete it for good with `force`. Already gone counts as done. A reply of ours
        (`comment-<id>`) is a comment: trashed the same way."""
        if (number := comment_id(remote_id)) is not None:
            self.inbox.delete(number)
            return
        try:
            self.client.delete(f"/wp/v2/posts/{int(remote_id)}", {"force": True} if force else None)
        except WordPressError as error:
            if error.code not in ("rest_already_trashed", "rest_post_invalid_id"):
                raise

    # -- inbox (in inbox.py) -----------------------------------------------------------
    @cached_property
    def inbox(self) -> WordPressInbox:
        return WordPressInbox(self)

    def inbox_streams(self) -> Sequence[str]:
        """The site's comments, when the user may moderate them (reading held comments
        and every article's comments needs it)."""
        return STREAMS if self.account.config.get("can_moderate", True) else ()

    def fetch_inbox(self, stream: str, cursor: str | None) -> InboxPage:
        if stream not in STREAMS:
            raise NetworkError(Text.gettext("WordPress has no inbox stream %(name)s.", name=stream),
                               ErrorKind.PERMANENT)
        return self.inbox.fetch(cursor)

    def refresh_items(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        return self.inbox.refresh(remote_ids)

    def thread_context(self, remote_id: str) -> list[InboundItem]:
        return self.inbox.thread(remote_id)

    def moderations(self) -> frozenset[Moderation]:
        return MODERATIONS

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor,
                 reason: str = "") -> None:
        self.inbox.moderate(action, item)

    # -- the article -----------------------------------------------------------------
    def _article(self, request: PublishRequest, options: Mapping[str, Any], slug: str) -> dict[str, Any]:
        position = featured_position(options)
        uploaded = self._upload_all(request.media, slug)
        figures = [Figure(int(up["id"]), str(up.get("source_url") or ""), media.alt_text)
                   for index, (media, up) in enumerate(zip(request.media, uploaded, strict=True), 1)
                   if index != position]
        article: dict[str, Any] = {
            "title": str(options["title"]).strip(),
            "content": article_html(request.text, figures),
            "slug": slug,
            "status": "publish",
        }
        if excerpt := str(options.get("excerpt") or "").strip():
            article["excerpt"] = excerpt
        if categories := options.get("categories"):
            article["categories"] = self._category_ids(categories)
        if tags := split_tags(options.get("tags")):
            article["tags"] = self._tag_ids(tags)
        if position:
            article["featured_media"] = int(uploaded[position - 1]["id"])
        if request.scheduled_at and request.scheduled_at < datetime.now(UTC) - LATE_MARGIN:
            article["date_gmt"] = request.scheduled_at.astimezone(UTC).strftime(WP_DATE)
        return article

    def _upload_all(self, media: Any, slug: str) -> list[dict[str, Any]]:
        """Each image as an attachment of the site, with its alt text; those an earlier
        attempt uploaded (found by their slugs) are reused."""
        if not media:
            return []
        slugs = [f"{slug}-image-{index}" for index in range(1, len(media) + 1)]
        found = self.client.get("/wp/v2/media", {"slug": slugs, "per_page": 100, "context": "edit"})
        by_slug = {m.get("slug"): m for m in found if isinstance(m, dict)} if isinstance(found, list) else {}
        return [by_slug.get(name) or self._upload(item, name) for item, name in zip(media, slugs, strict=True)]

    def _upload(self, media: MediaFile, slug: str) -> dict[str, Any]:
        params = {"slug": slug, "alt_text": media.alt_text} if media.alt_text else {"slug": slug}
        return dict(self.client.upload(media.path.read_bytes(), media.path.name, media.mime_type, params))

    # -- categories and tags ---------------------------------------------------------
    def categories(self) -> list[dict[str, Any]]:
        """The site's categories (`{"id", "name", "slug"}`), every page of them."""
        rows: list[dict[str, Any]] = []
        for page in range(1, 21):  # 2,000 categories at most
            response = self.client.request("GET", "/wp/v2/categories",
                                           params={"per_page": 100, "page": page, "hide_empty": False})
            rows += [{"id": c["id"], "name": c.get("name", ""), "slug": c.get("slug", "")}
                     for c in response.json() if isinstance(c, dict)]
            if page >= int(response.headers.get("X-WP-TotalPages") or 1):
                break
        return rows

    def _category_ids(self, values: Any) -> list[int]:
        """Each category looked up among the site's by name, slug or id (never created: a
        category is part of the site's structure, a person chooses it). A name made of
        digits ("2024") is a name first. WordPress itself would skip an unknown id
        silently: every unknown one is refused, named."""
        site = self.categories()
        known = {key: int(c["id"]) for c in site for key in (str(c["name"]).casefold(), str(c["slug"]).casefold())}
        ids = {int(c["id"]) for c in site}
        found, missing = [], []
        for value in split_tags(values):
            name = str(value).strip()
            if name.casefold() in known:
                found.append(known[name.casefold()])
            elif name.isdigit() and int(name) in ids:
                found.append(int(name))
            else:
                missing.append(name)
        if missing:
            raise NetworkError(Text.gettext("The WordPress site has no category named %(name)s (option "
                                            "Categories): create it on the site, or correct the name.",
                                            name=", ".join(missing)),
                               ErrorKind.PERMANENT, field="options.categories")
        return list(dict.fromkeys(found))

    def _tag_ids(self, values: Any) -> list[int]:
        """Typed tags are names, digits included ("2024"), looked up or created; only
        numbers (from a caller other than the form) are ids."""
        return list(dict.fromkeys(value if isinstance(value, int) else self._tag_id(str(value))
                                  for value in split_tags(values)))

    def _tag_id(self, name: str) -> int:
        for tag in self.client.get("/wp/v2/tags", {"search": name, "per_page": 100, "hide_empty": False}):
            if isinstance(tag, dict) and str(tag.get("name", "")).casefold() == name.casefold():
                return int(tag["id"])
        try:
            return int(self.client.post("/wp/v2/tags", {"name": name})["id"])
        except WordPressError as error:
            if error.code == "term_exists" and error.details.get("term_id"):
                return int(error.details["term_id"])  # created meanwhile, or named with other accents
            raise
