"""A stateful loopback fake of LinkedIn's versioned REST API (``api.linkedin.com/rest``) and
OAuth (``www.linkedin.com/oauth/v2``) for organisation pages and personal profiles, so a
LinkedIn connector can be tested at the HTTP level with real response shapes.

It follows **LinkedIn-Version 202610** (Marketing / Community Management APIs). By default
it accepts the versions released and not yet sunset on 2026-12-06 by the one-year rule,
202512 to 202610 (``LocalLinkedIn(versions=…)`` changes that; the calendar does not).
Facts come from docs/networks/linkedin-wordpress.md (its sources and confidence tags) and
Microsoft Learn's LinkedIn reference pages: marketing/versioning and integrations/migrations;
shared/authentication/authorization-code-flow, programmatic-refresh-tokens, token-introspection;
consumer/…/sign-in-with-linkedin-v2 (userinfo); community-management/shares/posts-api,
images-api, videos-api, multiimage-post-api, little-text-format, comments-api;
organizations/organization-access-control-by-role, organization-lookup-api, share-statistics,
follower-statistics (networkSizes); members/post-statistics (memberCreatorPostAnalytics);
shared/api-guide/concepts/rate-limits and error-handling.

    with LocalLinkedIn() as linkedin:
        alice = linkedin.add_member("Alice Martin")            # alice.urn, alice.token
        shop = linkedin.add_organization("Shop", admins=[alice])
        # the connector talks to linkedin.url with LinkedIn-Version and X-Restli-Protocol-Version
        linkedin.comment_as(bob, on=post_urn, text="Nice!")   # the inbox side
        linkedin.advance(61 * 86400)                          # the access token has expired

Every /rest/ call passes one gate, in this order: ``LinkedIn-Version`` (missing: 400
VERSION_MISSING; not active: 426 NONEXISTENT_VERSION, "Requested version 20240101 is not
active"), ``X-Restli-Protocol-Version: 2.0.0``, the Bearer token (401 INVALID / REVOKED /
EXPIRED_ACCESS_TOKEN with serviceErrorCode 65600 / 65601 / 65602), then the daily throttles
(429, serviceErrorCode 101, "Resource level throttle APPLICATION|MEMBER DAY limit …").
Permissions are checked as scopes plus the page role (403 ACCESS_DENIED "Not enough
permissions to access: partnerApiPostsExternal.CREATE.20261001").

Commentary and comment text are read as LinkedIn's little text format
(`linkedin_text`): an unescaped reserved character silently cuts the text there; the post
keeps the cut little text as ``commentary`` and what a reader sees as ``shown``.

Test helpers (state is plain objects: ``posts``, ``comments``, ``assets``, ``members``,
``organizations``, ``tokens``, ``received``): ``add_member``, ``add_organization``,
``grant_role``/``revoke_role``, ``authorize`` (a consent → code), ``sign_in`` (who consents on
the authorization page), ``advance``, ``expire_token``, ``revoke_token``, ``limit_daily``,
``throttle_next``, ``comment_as``, ``fail_processing``/``make_available`` (media),
``set_post_stats``, ``set_creator_stats``, ``set_followers``, ``live_posts``; knobs
``versions``, ``image_polls``, ``video_polls``, ``video_part_size``, ``duplicate_window``;
and the harness's ``fail_next``/``lose_next``/``hang_next``.

Known differences from the real API (beyond fields not modelled):

* No pullable organisation mentions/notifications endpoint: the doc found only webhooks
  (organizationSocialActionNotifications), so the inbox must poll comments per post.
* A missing X-Restli-Protocol-Version is refused with 400 ILLEGAL_ARGUMENT; LinkedIn's answer
  is not documented (some endpoints work without it). Raw, unencoded URN path keys are
  refused the same way.
* The 429 body has no ``code`` (none is confirmed); 403 for a person's posts without
  r_member_social (a probe saw a 400 whose body is unknown).
* Posting with a video not yet AVAILABLE (WAITING_UPLOAD or PROCESSING) is refused with 400
  MEDIA_ASSET_WAITING_UPLOAD, PROCESSING_FAILED with MEDIA_ASSET_PROCESSING_FAILED; bodies
  use the common {status, code, message} shape (names from the Videos API error table).
* DUPLICATE_POST: an identical commentary + content by the same author within
  ``duplicate_window`` (24 h) is refused, deleted posts included (reports of "ghost" URNs).
* Comments are listed oldest first; ``message.attributes`` is always empty (mentions are not
  returned as attributes); ``x-restli-id`` of a created comment is its numeric id.
* Share statistics: lifetime totals only (``timeIntervals`` is refused); engagement is
  (clicks + likes + comments + shares) / impressions unless a test sets it.
  memberCreatorPostAnalytics: TOTAL only (DAILY and dateRange are refused); its element
  shape ({count, dateRange, metricType:{…V1: TYPE}}) comes from one recorded answer.
* The little text reading is strict where LinkedIn's is not documented: a backslash before a
  non-reserved character, or a ``#`` not followed by a word, also cuts the text.
* Images may be posted while PROCESSING (only never-uploaded ones are refused); upload URLs
  live 24 h (real lifetime unknown); the image upload wants the Bearer token, video parts not.
* After a refresh the previous access token keeps working until its own expiry.
* Token answers list scopes comma-separated and carry no ``id_token``; x-linkedin-id is the
  bare numeric id of a created post.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from parvis.testing.fake_network import Refusal, Request, Response
from parvis.testing.linkedin_base import (
    DAY,
    Caller,
    Member,
    Organization,
    li_error,
    page,
    required,
    restli_list,
    schema_error,
    urn_key,
)
from parvis.testing.linkedin_media import LinkedInMedia
from parvis.testing.linkedin_text import LittleText, read_little_text

POST_FIELDS = {"author", "commentary", "visibility", "distribution", "lifecycleState", "isReshareDisabledByAuthor",
               "content", "reshareContext", "contentLandingPage", "contentCallToActionLabel", "container"}
VISIBILITIES = {"PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER"}
LIFECYCLE_STATES = {"PUBLISHED", "DRAFT"}
POSTER_ROLES = ("ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "CONTENT_ADMINISTRATOR")
READER_ROLES = ("ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "CONTENT_ADMINISTRATOR")
MAX_COMMENTARY = 3000
CREATOR_METRICS = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
CREATOR_METRIC_TYPE = "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1"
_CREATOR_ENTITY = re.compile(r"\((?P<kind>share|ugc):(?P<urn>[^)]+)\)")
STAT_NAMES = ("impressionCount", "uniqueImpressionsCount", "clickCount", "likeCount", "commentCount", "shareCount")
_COMMENT_URN = re.compile(r"urn:li:comment:\((?P<post>urn:li:(?:activity|share|ugcPost):\d+),(?P<id>\d+)\)")


@dataclass
class Post:
    urn: str
    activity: str  # urn:li:activity:… — what comments point at
    author: str
    text: LittleText
    fields: dict[str, Any]  # visibility, distribution, lifecycleState, content, …
    created_at: int  # epoch ms
    last_modified_at: int
    deleted: bool = False
    edited: bool = False
    stats: dict[str, float] = field(default_factory=dict)  # set by tests
    creator_stats: dict[str, int] = field(default_factory=dict)  # memberCreatorPostAnalytics, set by tests

    @property
    def commentary(self) -> str:
        return self.text.stored

    @property
    def shown(self) -> str:
        return self.text.shown


@dataclass
class Comment:
    id: str
    post: Post
    actor: str
    text: LittleText
    created: int
    parent: str | None = None  # the parent comment's URN
    deleted: bool = False

    @property
    def urn(self) -> str:
        return f"urn:li:comment:({self.post.activity},{self.id})"


class LocalLinkedIn(LinkedInMedia):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.posts: dict[str, Post] = {}  # by URN, in creation order
        self.comments: dict[str, Comment] = {}  # by id
        self.duplicate_window = DAY
        self.rest_route("POST", r"/rest/posts", self.create_post)
        self.rest_route("GET", r"/rest/posts", self.find_posts)
        self.rest_route("GET", r"/rest/posts/(?P<key>[^/]+)", self.get_post)
        self.rest_route("POST", r"/rest/posts/(?P<key>[^/]+)", self.update_post)
        self.rest_route("DELETE", r"/rest/posts/(?P<key>[^/]+)", self.delete_post)
        self.rest_route("GET", r"/rest/socialActions/(?P<target>[^/]+)/comments", self.list_comments)
        self.rest_route("POST", r"/rest/socialActions/(?P<target>[^/]+)/comments", self.create_comment)
        self.rest_route("DELETE", r"/rest/socialActions/(?P<target>[^/]+)/comments/(?P<comment_id>[^/]+)",
                        self.delete_comment)
        self.rest_route("GET", r"/rest/organizationalEntityShareStatistics", self.share_statistics)
        self.rest_route("GET", r"/rest/networkSizes/(?P<key>[^/]+)", self.network_size)
        self.rest_route("GET", r"/rest/memberCreatorPostAnalytics", self.creator_analytics)

    # -- test helpers --------------------------------------------------------------------
    def live_posts(self, author: str | None = None) -> list[Post]:
        return [p for p in self.posts.values() if not p.deleted and author in (None, p.author)]

    def comment_as(self, who: Member | Organization, *, on: str, text: str, parent: str | None = None) -> Comment:
        """`who` comments on a post (or answers the comment `parent`), as a LinkedIn user would."""
        with self.lock:
            post = self.post_for(on)
            return self.add_comment(post, who.urn, text, parent)

    def set_post_stats(self, urn: str, **values: float) -> None:
        """Statistics of a post as organizationalEntityShareStatistics reports them."""
        unknown = set(values) - set(STAT_NAMES) - {"engagement"}
        assert not unknown, f"unknown statistics {unknown}"
        with self.lock:
            self.posts[urn].stats.update(values)

    def set_creator_stats(self, urn: str, **values: int) -> None:
        """A member's post as memberCreatorPostAnalytics reports it (IMPRESSION=…, REACTION=…)."""
        assert set(values) <= set(CREATOR_METRICS), f"unknown metrics {set(values) - set(CREATOR_METRICS)}"
        with self.lock:
            self.posts[urn].creator_stats.update(values)

    def set_followers(self, org: Organization, count: int) -> None:
        with self.lock:
            org.followers = count

    # -- posts ---------------------------------------------------------------------------
    def create_post(self, request: Request, caller: Caller) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise schema_error("/", "a JSON object is required")
        for name in body:
            if name not in POST_FIELDS:
                raise schema_error(f"/{name}", "unrecognized field found but not allowed")
        required(body, "author", "visibility", "distribution", "lifecycleState")
        self.check_enums(body)
        author = body["author"]
        self.act_as(caller, author, "partnerApiPostsExternal", "CREATE", member_scopes=("w_member_social",),
                    org_scopes=("w_organization_social",), roles=POSTER_ROLES)
        if body["visibility"] == "CONNECTIONS" and not author.startswith("urn:li:person:"):
            raise li_error(422, None, "Visibility CONNECTIONS is only allowed for posts by a member")
        raw = body.get("commentary", "")
        if len(raw) > MAX_COMMENTARY:
            raise input_error("FIELD_LENGTH_TOO_LONG", f"commentary is longer than {MAX_COMMENTARY} characters",
                              "/commentary")
        content = body.get("content") or {}
        kind = self.check_content(content, author)
        text = read_little_text(raw)
        self.refuse_duplicate(author, text, content)
        number = 7_400_000_000_000_000_000 + self.next_number()
        now = self.now_ms()
        fields = {k: v for k, v in body.items() if k not in ("author", "commentary")}
        post = Post(f"urn:li:{kind}:{number}", f"urn:li:activity:{number + 1_000}", author, text, fields, now, now)
        self.posts[post.urn] = post
        return Response(201, b"", {"x-restli-id": post.urn, "x-linkedin-id": str(number)})

    def check_enums(self, body: dict[str, Any]) -> None:
        for name, allowed in (("visibility", VISIBILITIES), ("lifecycleState", LIFECYCLE_STATES)):
            if body[name] not in allowed:
                raise schema_error(f"/{name}", f'"{body[name]}" is not an enum symbol')
        distribution = body["distribution"]
        if not isinstance(distribution, dict) or "feedDistribution" not in distribution:
            raise schema_error("/distribution/feedDistribution",
                               "field is required but not found and has no default value")

    def check_content(self, content: dict[str, Any], author: str) -> str:
        """Checks the media a post carries; answers the URN kind LinkedIn gives the post."""
        if len(content) > 1:
            raise schema_error("/content", "only one content type may be set")
        if "media" in content:
            media = content["media"]
            if "id" not in media:
                raise schema_error("/content/media/id", "field is required but not found and has no default value")
            asset = self.usable_media(media["id"], author)
            return "ugcPost" if asset.kind == "video" else "share"
        if "multiImage" in content:
            images = content["multiImage"].get("images", [])
            if not 2 <= len(images) <= 20:
                raise input_error("INVALID_VALUE_FOR_FIELD", "multiImage needs 2 to 20 images",
                                  "/content/multiImage/images")
            for image in images:
                self.usable_media(image.get("id", ""), author)
            return "ugcPost"
        if "article" in content and "source" not in content["article"]:
            raise schema_error("/content/article/source", "field is required but not found and has no default value")
        return "share"

    def refuse_duplicate(self, author: str, text: LittleText, content: dict[str, Any]) -> None:
        since = self.now_ms() - int(self.duplicate_window * 1000)
        key = json.dumps(content, sort_keys=True)
        for post in self.posts.values():
            same = post.author == author and post.commentary == text.stored and post.created_at >= since
            if same and json.dumps(post.fields.get("content") or {}, sort_keys=True) == key:
                raise Refusal(422, {
                    "errorDetailType": "com.linkedin.common.error.BadRequest",
                    "message": "com.linkedin.content.common.exception.BadRequestResponseException: "
                               f"Content is a duplicate of {post.urn}",
                    "errorDetails": {"inputErrors": [{"description": "Duplicate post is detected", "input": {},
                                                      "code": "DUPLICATE_POST"}]},
                    "status": 422,
                })

    def post_body(self, post: Post) -> dict[str, Any]:
        body: dict[str, Any] = {"isReshareDisabledByAuthor": False, **post.fields, "createdAt": post.created_at,
                                "lastModifiedAt": post.last_modified_at, "author": post.author, "id": post.urn,
                                "commentary": post.commentary,
                                "lifecycleStateInfo": {"isEditedByAuthor": post.edited}}
        distribution = dict(body.get("distribution") or {})
        if not distribution.get("targetEntities"):
            distribution.pop("targetEntities", None)  # LinkedIn leaves empty lists out
        body["distribution"] = distribution
        if body.get("lifecycleState") == "PUBLISHED":
            body["publishedAt"] = post.created_at
        return body

    def post_for(self, urn: str) -> Post:
        post = self.posts.get(urn) or next((p for p in self.posts.values() if p.activity == urn), None)
        if post is None or post.deleted:
            raise li_error(404, "RESOURCE_NOT_FOUND", f"Post {urn} does not exist")
        return post

    def may_read(self, caller: Caller, author: str, resource: str, method: str) -> None:
        self.act_as(caller, author, resource, method, member_scopes=("r_member_social",),
                    org_scopes=("r_organization_social",), roles=READER_ROLES)

    def find_posts(self, request: Request, caller: Caller) -> Response:
        if request.query.get("q") != "author":
            raise li_error(400, "ILLEGAL_ARGUMENT", "Unsupported finder: q=" + request.query.get("q", ""))
        author = request.query.get("author", "")
        if not author:
            raise li_error(400, "ILLEGAL_ARGUMENT", "Parameter 'author' is required for finder 'author'")
        self.may_read(caller, author, "partnerApiPostsExternal", "FINDER-author")
        sort_by = request.query.get("sortBy", "LAST_MODIFIED")
        if sort_by not in ("LAST_MODIFIED", "CREATED"):
            raise li_error(400, "ILLEGAL_ARGUMENT", f"Invalid value for sortBy: {sort_by}")
        posts = sorted(self.live_posts(author), reverse=True,
                       key=lambda p: (p.last_modified_at if sort_by == "LAST_MODIFIED" else p.created_at,
                                      int(p.urn.rsplit(":", 1)[1])))
        return Response(200, page(request, [self.post_body(p) for p in posts]))

    def get_post(self, request: Request, caller: Caller, key: str) -> Response:
        post = self.post_for(urn_key(key))
        self.may_read(caller, post.author, "partnerApiPostsExternal", "GET")
        return Response(200, self.post_body(post))

    def update_post(self, request: Request, caller: Caller, key: str) -> Response:
        if request.header("X-RestLi-Method").upper() != "PARTIAL_UPDATE":
            raise li_error(400, "ILLEGAL_ARGUMENT", "POST on an entity needs X-RestLi-Method: PARTIAL_UPDATE")
        post = self.post_for(urn_key(key))
        self.act_as(caller, post.author, "partnerApiPostsExternal", "PARTIAL_UPDATE",
                    member_scopes=("w_member_social",), org_scopes=("w_organization_social",), roles=POSTER_ROLES)
        changes = ((request.json() or {}).get("patch") or {}).get("$set") or {}
        for name, value in changes.items():
            if name == "commentary":
                post.text = read_little_text(value)
            elif name in ("lifecycleState", "contentLandingPage", "contentCallToActionLabel"):
                post.fields[name] = value
            else:
                raise input_error("UNPROCESSABLE_FIELD", f"{name} cannot be updated", f"/{name}")
        post.edited, post.last_modified_at = True, self.now_ms()
        return Response(204, b"")

    def delete_post(self, request: Request, caller: Caller, key: str) -> Response:
        urn = urn_key(key)
        post = self.posts.get(urn)
        if post is None:
            raise li_error(404, "RESOURCE_NOT_FOUND", f"Post {urn} does not exist")
        self.act_as(caller, post.author, "partnerApiPostsExternal", "DELETE", member_scopes=("w_member_social",),
                    org_scopes=("w_organization_social",), roles=POSTER_ROLES)
        post.deleted = True  # deleting twice is also a 204
        return Response(204, b"")

    # -- comments ------------------------------------------------------------------------
    def add_comment(self, post: Post, actor: str, text: str, parent: str | None) -> Comment:
        if parent is not None:
            match = _COMMENT_URN.fullmatch(parent)
            if match is None or match["id"] not in self.comments or self.comments[match["id"]].deleted:
                raise li_error(404, "RESOURCE_NOT_FOUND", f"Comment {parent} does not exist")
        comment = Comment(str(7_400_000_000_000_000_000 + self.next_number()), post, actor, read_little_text(text),
                          self.now_ms(), parent)
        self.comments[comment.id] = comment
        return comment

    def comment_target(self, target: str) -> tuple[Post, str | None]:
        """The post a socialActions path points at, and the comment when it names one."""
        match = _COMMENT_URN.fullmatch(target)
        if match is None:
            return self.post_for(target), None
        comment = self.comments.get(match["id"])
        if comment is None or comment.deleted:
            raise li_error(404, "RESOURCE_NOT_FOUND", f"Comment {target} does not exist")
        return comment.post, comment.urn

    def comment_body(self, comment: Comment) -> dict[str, Any]:
        replies = [c.urn for c in self.comments.values() if c.parent == comment.urn and not c.deleted]
        stamp = {"actor": comment.actor, "time": comment.created}
        body: dict[str, Any] = {
            "actor": comment.actor, "created": stamp, "lastModified": stamp, "id": comment.id, "$URN": comment.urn,
            "object": comment.post.activity, "message": {"attributes": [], "text": comment.text.stored},
            "commentsSummary": {"selectedComments": replies[:10], "totalFirstLevelComments": len(replies),
                                "aggregatedTotalComments": len(replies)},
            "likesSummary": {"selectedLikes": [], "aggregatedTotalLikes": 0, "likedByCurrentUser": False,
                             "totalLikes": 0},
        }
        if comment.parent is not None:
            body["parentComment"] = comment.parent
        return body

    def list_comments(self, request: Request, caller: Caller, target: str) -> Response:
        post, parent = self.comment_target(urn_key(target))
        self.act_as(caller, post.author, "socialActions", "GET", member_scopes=("r_member_social",),
                    org_scopes=("r_organization_social", "r_organization_social_feed"), roles=READER_ROLES)
        comments = [c for c in self.comments.values() if c.post is post and c.parent == parent and not c.deleted]
        return Response(200, page(request, [self.comment_body(c) for c in comments]))

    def create_comment(self, request: Request, caller: Caller, target: str) -> Response:
        post, parent = self.comment_target(urn_key(target))
        body = request.json() or {}
        required(body, "actor", "message")
        if "text" not in (body["message"] or {}):
            raise schema_error("/message/text", "field is required but not found and has no default value")
        self.act_as(caller, body["actor"], "socialActions", "CREATE",
                    member_scopes=("w_member_social", "w_member_social_feed"),
                    org_scopes=("w_organization_social", "w_organization_social_feed"), roles=POSTER_ROLES)
        parent = body.get("parentComment", parent)
        comment = self.add_comment(post, body["actor"], body["message"]["text"], parent)
        return Response(201, self.comment_body(comment), {"x-restli-id": comment.id})

    def delete_comment(self, request: Request, caller: Caller, target: str, comment_id: str) -> Response:
        post, _ = self.comment_target(urn_key(target))
        actor = request.query.get("actor", "")
        if not actor:
            raise li_error(400, "ILLEGAL_ARGUMENT", "Parameter 'actor' is required")
        key = urn_key(comment_id)
        match = _COMMENT_URN.fullmatch(key)
        comment = self.comments.get(match["id"] if match else key)  # the id, or the whole comment URN
        if comment is None or comment.deleted or comment.post is not post:
            raise li_error(404, "RESOURCE_NOT_FOUND", f"Comment {comment_id} does not exist")
        if actor not in (comment.actor, post.author):  # the author of the post may remove others' comments
            raise self.access_denied(caller, "socialActions", "DELETE")
        self.act_as(caller, actor, "socialActions", "DELETE", member_scopes=("w_member_social", "w_member_social_feed"),
                    org_scopes=("w_organization_social", "w_organization_social_feed"), roles=POSTER_ROLES)
        comment.deleted = True
        return Response(204, b"")

    # -- metrics -------------------------------------------------------------------------
    def post_stats(self, post: Post) -> dict[str, float]:
        comments = sum(1 for c in self.comments.values() if c.post is post and not c.deleted)
        stats: dict[str, float] = {name: 0 for name in STAT_NAMES}
        stats["commentCount"] = comments
        stats.update({k: v for k, v in post.stats.items() if k != "engagement"})
        return with_engagement(stats, post.stats.get("engagement"))

    def share_statistics(self, request: Request, caller: Caller) -> Response:
        query = request.query
        if query.get("q") != "organizationalEntity" or not query.get("organizationalEntity"):
            raise li_error(400, "ILLEGAL_ARGUMENT", "q=organizationalEntity and organizationalEntity are required")
        if any(name.startswith("timeIntervals") for name in query):
            raise li_error(400, "ILLEGAL_ARGUMENT", "timeIntervals is not modelled by the loopback fake")
        org_urn = query["organizationalEntity"]
        self.need_scope(caller, "organizationalEntityShareStatistics", "FINDER-organizationalEntity",
                        "rw_organization_admin")
        self.need_role(caller, org_urn, "organizationalEntityShareStatistics", "FINDER-organizationalEntity")
        posts = self.live_posts(org_urn)
        wanted = [(key, urn) for key in ("shares", "ugcPosts") if key in query for urn in restli_list(query[key])]
        if not wanted:
            totals: dict[str, float] = {name: 0 for name in STAT_NAMES}
            for post in posts:
                for name, value in self.post_stats(post).items():
                    if name != "engagement":
                        totals[name] += value
            elements = [{"totalShareStatistics": with_engagement(totals, None), "organizationalEntity": org_urn}]
        else:
            by_urn = {p.urn: p for p in posts}
            elements = [{"totalShareStatistics": self.post_stats(by_urn[urn]), "organizationalEntity": org_urn,
                         ("share" if key == "shares" else "ugcPost"): urn}
                        for key, urn in wanted if urn in by_urn]
        return Response(200, {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})

    def network_size(self, request: Request, caller: Caller, key: str) -> Response:
        org = self.organization_by_urn(urn_key(key))
        if org is None:
            raise li_error(404, "RESOURCE_NOT_FOUND", f"Entity {urn_key(key)} does not exist")
        if request.query.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
            raise li_error(400, "ILLEGAL_ARGUMENT", "edgeType must be COMPANY_FOLLOWED_BY_MEMBER")
        self.need_scope(caller, "networkSizes", "GET", "rw_organization_admin", "r_organization_admin",
                        "r_organization_social", "w_organization_social")
        return Response(200, {"firstDegreeSize": org.followers})

    def creator_analytics(self, request: Request, caller: Caller) -> Response:
        query = request.query
        self.need_scope(caller, "memberCreatorPostAnalytics", "FINDER-" + query.get("q", ""), "r_member_postAnalytics")
        metric = query.get("queryType", "")
        if metric not in CREATOR_METRICS:
            raise li_error(400, "ILLEGAL_ARGUMENT", f"Invalid value for queryType: {metric}")
        if query.get("aggregation", "TOTAL") != "TOTAL" or "dateRange" in query:
            raise li_error(400, "ILLEGAL_ARGUMENT", "DAILY aggregation and dateRange are not modelled by the fake")
        if query.get("q") == "me":
            posts = self.live_posts(caller.member.urn)
        elif query.get("q") == "entity":
            match = _CREATOR_ENTITY.fullmatch(query.get("entity", ""))
            if match is None:
                raise li_error(400, "ILLEGAL_ARGUMENT", "entity must be (share:…) or (ugc:…)")
            post = self.post_for(unquote(match["urn"]))
            if post.author != caller.member.urn:
                raise self.access_denied(caller, "memberCreatorPostAnalytics", "FINDER-entity")
            posts = [post]
        else:
            raise li_error(400, "ILLEGAL_ARGUMENT", "Unsupported finder: q=" + query.get("q", ""))
        count = sum(self.creator_value(post, metric) for post in posts)
        element = {"count": count, "dateRange": {}, "metricType": {CREATOR_METRIC_TYPE: metric}}
        return Response(200, {"paging": {"start": 0, "count": 10, "links": [], "total": 1}, "elements": [element]})

    def creator_value(self, post: Post, metric: str) -> int:
        if metric in post.creator_stats:
            return post.creator_stats[metric]
        if metric == "COMMENT":
            return sum(1 for c in self.comments.values() if c.post is post and not c.deleted)
        return 0


def with_engagement(stats: dict[str, float], engagement: float | None) -> dict[str, float]:
    if engagement is None:
        engaged = stats["clickCount"] + stats["likeCount"] + stats["commentCount"] + stats["shareCount"]
        engagement = engaged / stats["impressionCount"] if stats["impressionCount"] else 0.0
    return {**stats, "engagement": engagement}


def input_error(code: str, description: str, path: str) -> Refusal:
    """A 422 naming the faulty input, in the shape of LinkedIn's DUPLICATE_POST answer."""
    return Refusal(422, {
        "errorDetailType": "com.linkedin.common.error.BadRequest",
        "message": description,
        "errorDetails": {"inputErrors": [{"description": description,
                                          "input": {"inputPath": {"fieldPath": path}}, "code": code}]},
        "status": 422,
    })


def served(settings: Any) -> Iterator[LocalLinkedIn]:
    """A fake LinkedIn for one test, parvis's settings pointed at it (a fixture's body:
    `yield from served(settings)`); the fake itself must not have failed."""
    with LocalLinkedIn() as server:
        settings.PARVIS_LINKEDIN_API_URL = server.url
        settings.PARVIS_LINKEDIN_OAUTH_URL = server.url
        settings.PARVIS_LINKEDIN_CLIENT_ID = server.client_id
        settings.PARVIS_LINKEDIN_CLIENT_SECRET = server.client_secret
        yield server
    assert server.errors == []
