"""Bluesky (any AT Protocol PDS) behind the parvis network contract."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from atproto import Client, models
from atproto_client import exceptions as atx
from atproto_client.request import Request
from django.conf import settings

from parvis.core.http import GuardedTransport, GuardError
from parvis.core.texts import Text
from parvis.networks.base import (
    BaseConnector,
    ErrorKind,
    Identity,
    InboundItem,
    InboxPage,
    Limits,
    Lookup,
    MediaFile,
    Moderation,
    NetworkError,
    ParticipantPage,
    PublishRequest,
    RemoteAuthor,
    RemotePost,
    ReplyTarget,
    counters,
)
from parvis.networks.bluesky.contest import WAYS, BlueskyContest
from parvis.networks.bluesky.inbox import STREAMS, BlueskyInbox, _str, as_dict, strong_ref
from parvis.networks.bluesky.info import INFO
from parvis.networks.bluesky.moderation import MODERATIONS, BlueskyModeration
from parvis.networks.bluesky.richtext import build_facets
from parvis.networks.bluesky.tid import deterministic_tid
from parvis.networks.guarded import ServerKind, network_error

if TYPE_CHECKING:
    from parvis.networks.models import SocialAccount

POST_COLLECTION = "app.bsky.feed.post"
# The counters analytics reads (INFO.metric_names says what parvis calls them).
POST_COUNTERS = ("likeCount", "repostCount", "replyCount", "quoteCount")
ACCOUNT_COUNTERS = ("followersCount", "followsCount", "postsCount")
LIMITS = Limits(
    max_chars=300,  # graphemes, from the app.bsky.feed.post lexicon (maxGraphemes)
    max_media=4,
    image_mime_types=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    max_image_bytes=1_000_000,  # app.bsky.embed.images: maxSize of one image blob
    max_alt_chars=2000,
    # app.bsky.embed.video: one MP4 blob, 100 MB at most (the lexicon's accept and maxSize).
    video_mime_types=frozenset({"video/mp4"}),
    max_video_bytes=100_000_000,
)
MAX_TEXT_BYTES = 3000  # the lexicon's maxLength, in UTF-8 bytes
_DEFAULT_PDS = "https://bsky.social"
RECONNECT_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AccountTakedown"}
# What every PDS answers without a login (bsky.social's entryway too).
SERVER = ServerKind(
    "Bluesky (PDS)", "/xrpc/com.atproto.server.describeServer",
    lambda data: isinstance(data, dict) and (str(data.get("did") or "").startswith("did:")
                                             or "availableUserDomains" in data),
)


def _error_name(exc: atx.RequestErrorBase) -> tuple[int, str, str]:
    response = exc.response
    if response is None:
        return 0, "", ""
    content = response.content
    error = getattr(content, "error", None) or (content.get("error") if isinstance(content, dict) else "")
    message = getattr(content, "message", None) or (content.get("message") if isinstance(content, dict) else "")
    return int(response.status_code), str(error or ""), str(message or "")


def translate(exc: Exception, *, write: bool) -> NetworkError:
    """Map an atproto SDK exception to what the engine should do."""
    if isinstance(exc, GuardError):  # the SDK lets it through as it is
        return network_error(exc, write=write)
    if isinstance(exc, atx.RateLimitExceededError):
        return NetworkError(Text.gettext("Bluesky rate limit reached."), ErrorKind.TRANSIENT,
                            retry_after=rate_limit_wait(exc))
    if isinstance(exc, atx.RequestErrorBase):
        status, error, message = _error_name(exc)
        detail = message or error or str(status)
        if isinstance(exc, atx.UnauthorizedError) or error in RECONNECT_ERRORS:
            return NetworkError(
                Text.gettext("Bluesky refused the login (%(detail)s). Reconnect the account.", detail=detail),
                ErrorKind.RECONNECT,
            )
        if status == 0 or status >= 500 or status in (408, 502):
            return NetworkError(
                Text.gettext("The Bluesky server could not be reached or did not answer in time."),
                ErrorKind.TRANSIENT, uncertain=write,
            )
        return NetworkError(Text.gettext("Bluesky refused the post: %(detail)s", detail=detail), ErrorKind.PERMANENT)
    if isinstance(exc, atx.AtProtocolError):
        return NetworkError(str(exc) or exc.__class__.__name__, ErrorKind.PERMANENT)
    raise exc


def rate_limit_wait(exc: atx.RateLimitExceededError) -> float:
    """Seconds until the PDS lets the account in again: Retry-After, else RateLimit-Reset
    (unix seconds; the SDK gives it as a datetime, older ones as a number), else a minute."""
    wait = getattr(exc, "retry_after", None)
    if isinstance(wait, int | float):
        return max(1.0, float(wait))
    reset = getattr(exc, "reset_at", None)
    if isinstance(reset, datetime):
        return max(1.0, (reset - datetime.now(UTC)).total_seconds())
    if isinstance(reset, int | float):
        return max(1.0, reset - datetime.now(UTC).timestamp())
    return 60.0


class BlueskyConnector(BaseConnector):
    network: ClassVar[str] = "bluesky"

    def __init__(self, account: SocialAccount) -> None:
        super().__init__(account)
        self.client = new_client(account.server_url)
        self.client.on_session_change(self._keep_session)
        self._logged_in = False

    # -- sessions ------------------------------------------------------------------
    def _keep_session(self, event: Any, session: Any) -> None:
        # Reusing the session (and its refresh token) instead of logging in for every
        # post matters: the PDS rate-limits createSession hard (30 per 5 minutes).
        creds = {**self.account.credentials, "session": self.client.export_session_string()}
        self.account.credentials = creds
        if self.account.pk:
            type(self.account).objects.filter(pk=self.account.pk).update(credentials=creds)

    def _login(self, force: bool = False) -> None:
        if self._logged_in and not force:
            return
        creds = self.account.credentials
        try:
            if creds.get("session") and not force:
                try:
                    self.client.login(session_string=creds["session"], fetch_bsky_profile=False)
                    self._logged_in = True
                    return
                except atx.AtProtocolError:
                    pass  # expired refresh token: log in again with the app password
            self.client.login(creds["identifier"], creds["app_password"], fetch_bsky_profile=False)
        except Exception as exc:  # noqa: BLE001 - translated
            raise translate(exc, write=False) from exc
        self._logged_in = True

    def _call(self, fn: Any, *args: Any, write: bool = False, **kwargs: Any) -> Any:
        self._login()
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - translated
            error = translate(exc, write=write)
            if error.kind is not ErrorKind.RECONNECT:
                raise error from exc
        # The stored session was refused: one fresh login with the app password.
        self._login(force=True)
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - translated
            raise translate(exc, write=write) from exc

    def access(self, *, fresh: bool = False) -> tuple[str, str]:
        """The PDS's address and an access token, for requests parvis makes without the
        SDK (la veille's search): the stored session, refreshed when it is about to
        expire; `fresh` logs in again with the app password (the PDS refused the token)."""
        self._login(force=fresh)
        try:
            with self.client._refresh_lock:  # noqa: SLF001 - the SDK refreshes only around its own calls
                if self.client._should_refresh_session():  # noqa: SLF001
                    self.client._refresh_and_set_session()  # noqa: SLF001
        except Exception as exc:  # noqa: BLE001 - translated
            raise translate(exc, write=False) from exc
        session = self.client._session  # noqa: SLF001 - the SDK exposes no public accessor
        assert session is not None  # a login that returns has set one
        return self.client._base_url.removesuffix("/xrpc"), session.access_jwt  # noqa: SLF001

    @property
    def did(self) -> str:
        return self.account.remote_id

    # -- contract --------------------------------------------------------------------
    def identity(self) -> Identity:
        self._login()
        me = self.client.me
        session = self.client._session  # noqa: SLF001 - the SDK exposes no public accessor
        did = session.did if session else ""
        handle = session.handle if session else self.account.credentials.get("identifier", "")
        display = getattr(me, "display_name", None) or handle
        return Identity(remote_id=did, handle=f"@{handle}", display_name=display,
                        url=f"https://bsky.app/profile/{handle}")

    def limits(self) -> Limits:
        return LIMITS

    def count(self, text: str) -> int:
        return INFO.count(text, self.limits())

    def publish(self, request: PublishRequest) -> RemotePost:
        rkey = self.record_key(request)
        record = self._record(request)
        try:
            response = self._call(
                self.client.com.atproto.repo.create_record,
                models.ComAtprotoRepoCreateRecord.Data(
                    repo=self.did, collection=POST_COLLECTION, rkey=rkey, record=record, validate=True,
                ),
                write=True,
            )
        except NetworkError:
            # The record key is deterministic: if an earlier attempt created it, the PDS
            # refuses this one. That record is our post: report it, never post twice.
            existing = self.find_published(request, since=datetime.now(UTC))
            if existing.post is not None:
                return existing.post
            raise
        return RemotePost(remote_id=response.uri, url=self.web_url(rkey), extra={"cid": response.cid})

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        """The record key is derived from the publication: the PDS says for sure."""
        rkey = self.record_key(request)
        found = self.get_record(POST_COLLECTION, rkey)
        if found is None:  # never created
            return Lookup.absent()
        return Lookup.found(RemotePost(remote_id=found["uri"], url=self.web_url(rkey), extra={"cid": found["cid"]}))

    def get_record(self, collection: str, rkey: str, repo: str | None = None) -> dict[str, Any] | None:
        """``{"uri", "cid", "value"}`` of a record (in the account's own repository unless
        ``repo`` is given), or None when there is no such record."""
        try:
            found = self._call(self.client.com.atproto.repo.get_record, models.ComAtprotoRepoGetRecord.Params(
                repo=repo or self.did, collection=collection, rkey=rkey))
        except NetworkError as error:
            if error.kind is ErrorKind.PERMANENT:  # RecordNotFound
                return None
            raise
        data = as_dict(found)
        return {"uri": _str(data.get("uri")), "cid": _str(data.get("cid")), "value": as_dict(data.get("value"))}

    def delete(self, remote_id: str) -> None:
        rkey = remote_id.rsplit("/", 1)[-1]
        self._call(
            self.client.com.atproto.repo.delete_record,
            models.ComAtprotoRepoDeleteRecord.Data(repo=self.did, collection=POST_COLLECTION, rkey=rkey),
            write=True,
        )

    # -- inbox (the bulk is in inbox.py and moderation.py) ---------------------------
    @cached_property
    def inbox(self) -> BlueskyInbox:
        return BlueskyInbox(self)

    def inbox_streams(self) -> Sequence[str]:
        """Notifications only. Bluesky's direct messages live in a separate chat service
        (chat.bsky), whose server is not among the reference servers published on npm:
        parvis does not read or send them."""
        return STREAMS

    def fetch_inbox(self, stream: str, cursor: str | None) -> InboxPage:
        if stream not in STREAMS:
            raise NetworkError(Text.gettext("Bluesky has no inbox stream %(name)s.", name=stream), ErrorKind.PERMANENT)
        return self.inbox.fetch(cursor)

    def refresh_items(self, remote_ids: Sequence[str]) -> dict[str, InboundItem | None]:
        return self.inbox.refresh(remote_ids)

    def thread_context(self, remote_id: str) -> list[InboundItem]:
        return self.inbox.thread(remote_id)

    def moderations(self) -> frozenset[Moderation]:
        return MODERATIONS

    def moderate(self, action: Moderation, item: InboundItem | None, author: RemoteAuthor,
                 reason: str = "") -> None:
        BlueskyModeration(self).moderate(action, item, author, reason)

    # -- contests (the work is in contest.py) ----------------------------------------
    @cached_property
    def contest(self) -> BlueskyContest:
        return BlueskyContest(self)

    def contest_ways(self) -> frozenset[str]:
        return WAYS

    def participants(self, remote_id: str, way: str, cursor: str | None) -> ParticipantPage:
        return self.contest.participants(remote_id, way, cursor)

    def followers_among(self, stable_ids: Sequence[str]) -> dict[str, bool]:
        return self.contest.followers_among(stable_ids)

    def send_direct(self, stable_id: str, handle: str, text: str) -> str | None:
        """None: Bluesky's private messages live in its chat service, which parvis does
        not speak (see contest.py); the caller answers in public."""
        return None

    # -- figures (analytics) ---------------------------------------------------------
    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Each post's counters as the AppView counts them now (getPosts, 25 uris a call);
        a post it does not return (deleted, or taken down) is absent. An id that is no
        at:// uri would make the AppView refuse the whole batch: it is left out too."""
        views = self.inbox.get_posts([uri for uri in dict.fromkeys(remote_ids) if uri.startswith("at://")])
        return {uri: counters(view, POST_COUNTERS) for uri, view in views.items()}

    def fetch_account_metrics(self) -> dict[str, int]:
        profile = self._call(self.client.app.bsky.actor.get_profile,
                             models.AppBskyActorGetProfile.Params(actor=self.did))
        return counters(as_dict(profile), ACCOUNT_COUNTERS)

    # -- helpers ---------------------------------------------------------------------
    def record_key(self, request: PublishRequest) -> str:
        return deterministic_tid(request.created_at or datetime(2024, 1, 1, tzinfo=UTC), request.idempotency_key)

    def web_url(self, rkey: str) -> str:
        handle = self.account.handle.lstrip("@")
        return f"https://bsky.app/profile/{handle}/post/{rkey}"

    def _resolve(self, handle: str) -> str | None:
        try:
            return str(self._call(self.client.resolve_handle, handle).did)
        except NetworkError:
            return None

    def _record(self, request: PublishRequest) -> models.AppBskyFeedPost.Record:
        facets = [facet_model(f) for f in build_facets(request.text, self._resolve)]
        embed: Any = None
        videos = [m for m in request.media if m.is_video]
        if videos:
            embed = self._video_embed(videos[0])
        elif request.media:
            images = []
            for media in request.media:
                blob = self._call(self.client.upload_blob, media.path.read_bytes(), write=True).blob
                images.append(models.AppBskyEmbedImages.Image(alt=media.alt_text or "", image=blob))
            embed = models.AppBskyEmbedImages.Main(images=images)
        created = (request.created_at or datetime.now(UTC)).astimezone(UTC)
        return models.AppBskyFeedPost.Record(
            text=request.text, created_at=created.isoformat().replace("+00:00", "Z"),
            facets=facets or None, embed=embed, langs=[request.language] if request.language else None,
            reply=self._reply_ref(request.reply_to) if request.reply_to else None,
        )

    def _reply_ref(self, target: ReplyTarget) -> models.AppBskyFeedPost.ReplyRef:
        """Thread a reply: its parent is the item answered, its root that item's root.
        Both come from the item's `extra` (uri + cid, kept at ingestion); an item stored
        without them is read back from the AppView."""
        extra = target.extra or {}
        parent = strong_ref(extra) if extra.get("uri") == target.remote_id else None
        root = strong_ref(extra.get("root"))
        if parent is None or root is None:
            view = self.inbox.get_posts([target.remote_id]).get(target.remote_id)
            if view is None:
                raise NetworkError(Text.gettext("The post to answer was deleted or cannot be seen any more."),
                                   ErrorKind.PERMANENT)
            parent = strong_ref(view)
            if parent is None:
                raise NetworkError(Text.gettext("The post to answer cannot be read."), ErrorKind.PERMANENT)
            root = strong_ref(as_dict(as_dict(view.get("record")).get("reply")).get("root")) or parent
        return models.AppBskyFeedPost.ReplyRef(
            root=models.ComAtprotoRepoStrongRef.Main(**root), parent=models.ComAtprotoRepoStrongRef.Main(**parent),
        )

    def _video_embed(self, media: MediaFile) -> models.AppBskyEmbedVideo.Main:
        """The video as a blob of the account's own repository (uploadBlob), embedded
        with its alt text and aspect ratio."""
        blob = self._call(self.client.upload_blob, media.path.read_bytes(), write=True).blob
        ratio = None
        if media.width and media.height:
            ratio = models.AppBskyEmbedDefs.AspectRatio(width=media.width, height=media.height)
        return models.AppBskyEmbedVideo.Main(video=blob, alt=media.alt_text or None, aspect_ratio=ratio)


def facet_model(facet: dict[str, Any]) -> models.AppBskyRichtextFacet.Main:
    feature = facet["features"][0]
    kind = feature["$type"].rsplit("#", 1)[-1]
    if kind == "link":
        model: Any = models.AppBskyRichtextFacet.Link(uri=feature["uri"])
    elif kind == "tag":
        model = models.AppBskyRichtextFacet.Tag(tag=feature["tag"])
    else:
        model = models.AppBskyRichtextFacet.Mention(did=feature["did"])
    index = models.AppBskyRichtextFacet.ByteSlice(
        byte_start=facet["index"]["byteStart"], byte_end=facet["index"]["byteEnd"]
    )
    return models.AppBskyRichtextFacet.Main(index=index, features=[model])


def new_client(server_url: str) -> Client:
    """An SDK client whose every request goes through the guarded layer. A PDS has no
    redirects: one answering 307 to a login must not get the app password re-sent
    elsewhere. The SDK also switches to the PDS named in the account's DID document:
    that address is checked the same way when connected to."""
    transport = GuardedTransport(redirects="refuse")
    return Client(base_url=server_url or _DEFAULT_PDS,
                  request=Request(transport=transport, timeout=settings.PARVIS_HTTP_TIMEOUT, trust_env=False))
