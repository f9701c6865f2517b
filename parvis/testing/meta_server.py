"""A stateful loopback fake of Meta's Graph API for Facebook Pages and Instagram
professional accounts, following **Graph API v27.0** (released 2026-11-04), for testing
parvis's Meta connectors at the HTTP level.

One `LocalMeta` serves both flavours under any `/vNN.N` prefix (or none): Facebook
Login (graph.facebook.com: user -> Page tokens, Instagram through the Page) and
Instagram Login (graph.instagram.com and api.instagram.com: Instagram tokens). Tests
create users, Pages and Instagram accounts with helpers, drive the fake with plain HTTP,
read its state directly, move its clock and inject faults (`fail_next`, `lose_next`,
`hang_next` from `FakeNetwork`, `throttle_next` here):

    with LocalMeta() as meta:
        account = meta.add_instagram_account("brand", page=meta.add_page("Brand"))
        meta.lose_next(path="*/media_publish")      # published, answer lost
        ...
        assert meta.container(cid).media_id          # reconcile: status_code PUBLISHED

Test helpers: `add_user`, `add_page`, `add_instagram_account`, `login_code`, `sign_in`, `advance`,
`expire_token`, `invalidate_token`, `set_quota`, `container`, `stick_container`,
`expire_container`, `fail_container`, `comment_as`, `tag_account`, `mention_account`,
`mention_in_comment`, `tag_page`,
`add_message`, `make_unavailable`, `sent_messages`, `set_insights`, `set_counts`, `set_usage`,
`throttle_next`, `add_discoverable_account`, `add_discoverable_media` (business discovery:
meta_discovery.py); knobs `image_polls`, `video_polls`, `download_timeout`, `max_image_bytes`,
`ig_code_response_wrapped`, `human_agent_approved`; state in `pages`, `instagram_accounts`,
`containers`, `media`, `posts`, `page_media`, `comments`, `tagged_posts`, `conversations`,
`direct_messages`, `downloads`, `tokens`, `received`.

A browser sent to a login dialog is answered at once for whoever `sign_in` chose: Facebook
Login's `/vNN.N/dialog/oauth` (a Facebook user) and Instagram Login's `/oauth/authorize`
(an Instagram account) send it back to `redirect_uri` with a code, or with Meta's refusal
when nobody of their kind is signed in.

What follows what (see docs/networks/meta.md, which cites each source):
- tokens: developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived;
  instagram-platform/reference/access_token and /refresh_access_token (24 h rule);
  error codes: docs/graph-api/guides/error-handling (190 with 463 expired, 460 invalidated);
- Pages: docs/pages-api/posts, docs/pages/publishing, docs/graph-api/photo-uploads;
- Instagram: instagram-platform/content-publishing, reference/ig-user/media,
  /media_publish, /content_publishing_limit (quota 50 per moving 24 h), reference/ig-container
  (IN_PROGRESS, FINISHED, PUBLISHED, ERROR, EXPIRED after 24 h), reference/error-codes;
- comments: instagram-platform/comment-moderation; Pages comments [M];
- Page mentions: docs/graph-api/reference/page/tagged (public posts that tag the Page; a Page
  token; `from` of a user's post only for its author);
- insights: reference/instagram-media/insights and ig-user/insights (views, no impressions
  since v22.0; account totals with metric_type=total_value), Page insights with the
  views family (page_media_view, post_total_media_view_unique...);
- usage headers: docs/graph-api/overview/rate-limiting (X-App-Usage, X-Business-Use-Case-Usage);
- private messages (meta_messages.py): docs/messenger-platform/conversations (Page conversations,
  platform=messenger|instagram), instagram-platform/instagram-api-with-instagram-login/
  conversations-api (/me/conversations) and messaging-api, docs/messenger-platform/send-messages
  (recipient, messaging_type, message; the 24-hour window, HUMAN_AGENT 7 days), and
  docs/messenger-platform/error-codes (10 / 2018278 outside the window, 551 / 1545041 person
  unavailable, 100 / 2018001 no matching user).

Known differences from the real API (keep them in mind when a test passes here):
- the login dialogs show no page: they consent (or refuse) at once, granting the scopes asked
  for; Instagram Login's redirect ends with `#_` as the reference says, Facebook Login's not;
- one host for all: the fake does not check that an Instagram-Login token went to
  graph.instagram.com; `/me` of an Instagram-Login token has `id` = `user_id` (real: an
  app-scoped id and the professional account id differ);
- the clock only moves when a test calls `advance`; ids are numeric strings from one counter;
- image containers download the image while `POST /media` is answered, and a failed
  download refuses the call with 9004 / 2207052 as the real API does; a failed *video*
  download gives a container in ERROR instead. The ERROR `status` text is the fake's own
  ("Error: <message> (<subcode>)"); the real wording is not documented. Only the HTTP
  status and the Content-Type are checked, not the bytes (any image/* is accepted,
  although the reference says JPEG only);
- media is fetched while the fake holds its lock: a media server that hangs stalls the
  whole fake for `download_timeout` (then -2 / 2207003), and media served by the fake
  itself would deadlock;
- publishing an already PUBLISHED or EXPIRED container gives 24 / 2207008, an ERROR one
  -1 / 2207032, an unfinished one 9007 / 2207027 (codes seen in public clients, not all in
  Meta's table); the 400-containers-a-day cap, media dimensions, aspect ratios and video
  specs are not checked; caption limits (2,200 chars, 30 hashtags, 20 mentions) are;
- `DELETE /{ig-media-id}` works with Facebook-Login tokens only, whole posts only (third-party
  reports of 2025/2026; meta.md calls deletion UNKNOWN); with an Instagram-Login token it
  answers 100 / 33;
- Pages: posting needs the Page token (a user token gets #200); `scheduled_publish_time`
  must be 10 minutes to ~6 months ahead; #506 only when the message repeats the Page's
  last one; a photo whose `url` cannot be fetched gets #324 / 2069019 (third-party code);
  a video's `status.video_status` is `processing` for `video_polls` reads, then `ready`;
- messages of the fake's own: refusing a too-young or short-lived `ig_refresh_token`, a
  reply to a hidden comment, comments turned off, alt_text on a video; the
  api.instagram.com code exchange answers flat `{access_token, user_id, permissions}`
  (`ig_code_response_wrapped = True` gives the `data[0]` form some copies show);
- usage headers are on every answer (real: only "once enough calls have been made");
  `X-Business-Use-Case-Usage` is sent for Page and Instagram tokens only, keyed by their id;
  throttling answers use HTTP 400 unless a status is given (Meta's status varies);
- no multipart uploads (`source`), no resumable video upload, no Reels or Stories for
  Pages, no `/me/businesses`, no batch requests, no `since`/`until` filters on lists (only
  `limit`, `after`, `before`);
- the fake sends no webhooks (tests post signed notifications to parvis themselves); the
  mentions a notification names are read through `mentioned_media` / `mentioned_comment`
  and answered through `POST /{ig-user-id}/mentions` (reference/ig-user/mentions), which
  refuses a media the account is only tagged in, as the reference says;
- posts that tag a Page (`tag_page`) are other users' text posts only (no photos, no tags in
  comments, no Pages as authors); they are listed by `/{page-id}/tagged` alone: reading one by
  its id or commenting on it answers 100 / 33 (the reference does not say what a Page may do
  with a public post by id; its comments guide speaks of Page posts only), and a user token on
  `/tagged` gets "(#190) This method must be called with a Page Access Token" (the fake's
  choice), and one without `pages_read_user_content` "(#10) This endpoint requires the
  'pages_read_user_content' permission" (wording modelled on Meta's #10 answers);
- private messages are text only (no attachments, reactions, story replies, read receipts,
  private replies to comments); message tags other than HUMAN_AGENT are not modelled, and
  HUMAN_AGENT widens the window to 7 days only when a test sets `human_agent_approved`;
  the window follows the fake clock. `GET /{message-id}` of a message older than its
  conversation's 20 newest answers 100 / 33 (third parties report a "deleted" error: the real
  shape is not documented); a missing messaging permission answers "(#230) Requires <perm>
  permission to manage the object" (wording seen in public clients). Ids have the documented
  shapes (`t_…` and `m_…` on Messenger, base64 letters on Instagram), not their content;
  `updated_time` is an ISO time (some doc copies show a Unix time); Instagram's Requests
  folder (conversations idle 30 days left out) and the `folder` parameter are not modelled;
- `POST /{node}/subscribed_apps` (a Page with its token and `pages_manage_metadata`, or an
  Instagram-Login account with its own token) only records the fields (`subscribed_apps`);
  the error for a missing permission, "(#200) Requires <perm> permission to manage the
  object", follows Meta's usual #200 wording, not a documented answer of this edge;
- per-media-type metric support (e.g. `shares` refused on IMAGE by the real API) is not
  modelled: every current metric answers for every media; values are what tests set (0).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from parvis.testing.fake_network import Fault, Request, Response
from parvis.testing.meta_discovery import Discovery
from parvis.testing.meta_graph import (
    LONG_LIVED,
    SHORT_LIVED,
    InstagramAccount,
    Page,
    Token,
    User,
    graph_error,
    missing,
    parse_fields,
)
from parvis.testing.meta_inbox import Inbox
from parvis.testing.meta_messages import Messaging
from parvis.testing.meta_publishing import Publishing

USER_SCOPES = ["pages_show_list", "pages_manage_posts", "pages_read_engagement", "pages_manage_engagement",
               "pages_read_user_content", "read_insights", "business_management", "instagram_basic",
               "instagram_content_publish", "instagram_manage_comments", "instagram_manage_insights",
               "pages_messaging", "pages_manage_metadata", "instagram_manage_messages"]
INSTAGRAM_SCOPES = ["instagram_business_basic", "instagram_business_content_publish",
                    "instagram_business_manage_comments", "instagram_business_manage_insights",
                    "instagram_business_manage_messages"]
PAGE_COUNTS = ("followers_count", "fan_count")  # the Page fields a test may set (`set_counts`)
ACCOUNT_COUNTS = ("followers_count", "follows_count", "media_count")
THROTTLES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, "
           "please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. For more "
           "info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}


class LocalMeta(Discovery, Publishing, Inbox, Messaging):
    """Graph API v27.0 for Pages and Instagram, on 127.0.0.1 (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.ig_code_response_wrapped = False
        self.subscribed_apps: dict[str, list[str]] = {}  # page or Instagram account -> fields
        self.signed_in: User | InstagramAccount | None = None  # who consents on the login dialogs
        self.app_token = f"{self.app_id}|{self.app_secret}"  # Graph's app access token form
        self.tokens[self.app_token] = Token(self.app_token, "app", self.app_id, self.now, None)
        v = self.V
        self.route("GET", v + r"/dialog/oauth", self.facebook_login_dialog)
        self.route("GET", r"/oauth/authorize", self.instagram_login_dialog)
        self.route("GET", v + r"/oauth/access_token", self.oauth_access_token)
        self.route("POST", v + r"/oauth/access_token", self.oauth_access_token)
        self.route("GET", v + r"/access_token", self.ig_exchange)
        self.route("GET", v + r"/refresh_access_token", self.ig_refresh)
        self.route("GET", v + r"/debug_token", self.debug_token)
        self.route("GET", v + r"/(?P<node>\w+)/accounts", self.list_accounts)
        self.route("GET", v + r"/(?P<node>\w+)/permissions", self.list_permissions)
        self.route("POST", v + r"/(?P<node>\w+)/subscribed_apps", self.subscribe_app)
        self.add_publishing_routes()
        self.add_inbox_routes()
        self.add_messaging_routes()
        self.route("GET", v + r"/(?P<node>\w+)", self.read_node)
        self.route("POST", v + r"/(?P<node>\w+)", self.update_node)
        self.route("DELETE", v + r"/(?P<node>\w+)", self.delete_node)

    # -- test helpers: who exists ----------------------------------------------------------
    def add_user(self, name: str = "Camille Martin") -> User:
        """A Facebook user with a long-lived user token (`user.token`)."""
        with self.lock:
            user_id = self.new_id(10**16)
            user = User(user_id, name, self.issue_token("user", user_id, LONG_LIVED, USER_SCOPES))
            self.users[user.id] = user
            return user

    def add_page(self, name: str, user: User | None = None, followers_count: int = 0) -> Page:
        """A Page managed by `user` (a new user if none), with its Page token (`page.token`, no expiry)."""
        with self.lock:
            user = user or self.add_user()
            page_id = self.new_id(10**14)
            page = Page(page_id, name, self.issue_token("page", page_id, None, USER_SCOPES), user.id,
                        followers_count=followers_count)
            self.pages[page.id] = page
            user.pages.append(page.id)
            return page

    def add_instagram_account(self, username: str, page: Page | None = None, name: str = "",
                              followers_count: int = 0, follows_count: int = 0) -> InstagramAccount:
        """A professional account: linked to `page` (Facebook Login), or standalone with a
        long-lived Instagram-Login token (`account.token`) when no page is given."""
        with self.lock:
            ig_id = self.new_id(17_841_400_000_000_000)
            token = None if page else self.issue_token("instagram", ig_id, LONG_LIVED, INSTAGRAM_SCOPES)
            account = InstagramAccount(ig_id, username, name or username, page.id if page else None, token,
                                       f"https://scontent.cdninstagram.com/v/{ig_id}.jpg", followers_count,
                                       follows_count)
            self.instagram_accounts[ig_id] = account
            if page is not None:
                page.instagram_id = ig_id
            return account

    def login_code(self, who: User | InstagramAccount, redirect_uri: str = "https://parvis.test/callback",
                   scopes: list[str] | None = None) -> str:
        """The code Meta's login dialog hands back to `redirect_uri` for `who`."""
        with self.lock:
            code = "AQ" + secrets.token_urlsafe(30)
            instagram = isinstance(who, InstagramAccount)
            self.codes[code] = {"subject": who.id, "instagram": instagram, "redirect_uri": redirect_uri,
                                "scopes": scopes or (INSTAGRAM_SCOPES if instagram else USER_SCOPES), "used": False}
            return code

    def sign_in(self, who: User | InstagramAccount | None) -> None:
        """Who is logged in to Meta in the browser that reaches the login dialogs: a user
        consents on Facebook Login's, an Instagram account on Instagram Login's (None: nobody)."""
        with self.lock:
            self.signed_in = who

    def set_quota(self, account: InstagramAccount, total: int) -> None:
        with self.lock:
            account.quota_total = total

    def set_counts(self, node: str, **counts: int) -> None:
        """The counts a Page (followers_count, fan_count) or an Instagram account
        (followers_count, follows_count, media_count) shows from now on."""
        with self.lock:
            target: Page | InstagramAccount = self.pages.get(node) or self.instagram_accounts[node]
            allowed = PAGE_COUNTS if isinstance(target, Page) else ACCOUNT_COUNTS
            for name, value in counts.items():
                if name not in allowed:
                    raise TypeError(f"{name} is not one of the counts of {type(target).__name__}: {allowed}")
                setattr(target, name, value)

    def throttle_next(self, code: int = 4, *, path: str = "*", method: str = "*", count: int = 1,
                      status: int = 400, owner: str = "", minutes: int = 5) -> Fault:
        """The next matching request is refused with Graph's throttling answer (code 4, 17,
        32, 613, 80001 Pages or 80002 Instagram) and usage headers at 100 %."""
        full = {"call_count": 100, "total_cputime": 100, "total_time": 100,
                "estimated_time_to_regain_access": minutes}
        headers = {"X-App-Usage": self.usage_headers(None, full)["X-App-Usage"]}
        if code in (32, 80001, 80002):
            kind = "instagram" if code == 80002 else "page"
            subject = owner or next(iter(self.instagram_accounts if code == 80002 else self.pages), "0")
            headers.update(self.usage_headers(Token("", kind, subject, 0, None), full))
        body = graph_error(THROTTLES[code], code, transient=True).response.body
        return self.fail_next(status, body, method=method, path=path, count=count, headers=headers)

    # -- OAuth -----------------------------------------------------------------------------
    def facebook_login_dialog(self, request: Request) -> Response:
        """www.facebook.com/vNN.N/dialog/oauth, for the user `sign_in` chose."""
        return self.consent(request, self.app_id, User, "Permissions error", "")

    def instagram_login_dialog(self, request: Request) -> Response:
        """www.instagram.com/oauth/authorize, for the Instagram account `sign_in` chose."""
        return self.consent(request, self.ig_app_id, InstagramAccount, "The user denied your request", "#_")

    def consent(self, request: Request, app_id: str, kind: type, refusal: str, suffix: str) -> Response:
        """Back to `redirect_uri` with a code for the signed-in `kind`, or with the refusal
        Meta's dialogs send when the person declines."""
        query = request.query
        redirect_uri, state = query.get("redirect_uri", ""), query.get("state", "")
        if query.get("client_id") != app_id or not redirect_uri:
            return Response(400, b"Invalid App ID or redirect_uri", {"Content-Type": "text/plain"})
        who = self.signed_in
        if who is not None and isinstance(who, kind):
            scopes = [scope for scope in query.get("scope", "").split(",") if scope]
            back = {"code": self.login_code(who, redirect_uri, scopes or None), "state": state}
        else:
            back = {"error": "access_denied", "error_reason": "user_denied", "error_description": refusal,
                    "state": state}
        joiner = "&" if "?" in redirect_uri else "?"
        return Response(302, b"", {"Location": f"{redirect_uri}{joiner}{urlencode(back)}{suffix}"})

    def oauth_access_token(self, request: Request) -> Response:
        form = request.form
        grant = form.get("grant_type", "")
        if grant == "authorization_code":
            return self.instagram_code_exchange(form)
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_secret:
            raise graph_error("Error validating client secret.", 1)
        if grant == "client_credentials":
            return Response(200, {"access_token": self.app_token, "token_type": "bearer"})
        if grant == "fb_exchange_token":
            short = self.tokens.get(form.get("fb_exchange_token", ""))
            if short is None or short.kind != "user":
                raise graph_error("Invalid OAuth access token - Cannot parse access token", 190)
            error = self.token_error(short)
            if error is not None:
                raise error
            value = self.issue_token("user", short.subject, LONG_LIVED, short.scopes)
            return Response(200, {"access_token": value, "token_type": "bearer", "expires_in": LONG_LIVED})
        grant_info = self.take_code(form)
        value = self.issue_token("user", grant_info["subject"], SHORT_LIVED, grant_info["scopes"])
        return Response(200, {"access_token": value, "token_type": "bearer", "expires_in": SHORT_LIVED})

    def take_code(self, form: dict[str, str]) -> dict[str, Any]:
        grant_info = self.codes.get(form.get("code", ""))
        if grant_info is None:
            raise graph_error("Invalid verification code format.", 100, 36007)
        if grant_info["used"]:
            raise graph_error("This authorization code has been used.", 100, 36009)
        if form.get("redirect_uri", "") != grant_info["redirect_uri"]:
            raise graph_error("Error validating verification code. Please make sure your redirect_uri is identical "
                              "to the one you used in the OAuth dialog request", 100, 36008)
        grant_info["used"] = True
        return grant_info

    def instagram_code_exchange(self, form: dict[str, str]) -> Response:
        """api.instagram.com/oauth/access_token: a short-lived Instagram-Login token (1 h)."""
        grant_info = self.codes.get(form.get("code", ""))
        if form.get("client_id") != self.ig_app_id or form.get("client_secret") != self.ig_app_secret:
            return Response(400, {"error_type": "OAuthException", "code": 400,
                                  "error_message": "Invalid platform app"})
        if grant_info is None or grant_info["used"] or not grant_info["instagram"] \
                or form.get("redirect_uri", "") != grant_info["redirect_uri"]:
            return Response(400, {"error_type": "OAuthException", "code": 400,
                                  "error_message": "Matching code was not found or was already used"})
        grant_info["used"] = True
        value = self.issue_token("instagram", grant_info["subject"], SHORT_LIVED, grant_info["scopes"])
        answer = {"access_token": value, "user_id": int(grant_info["subject"]), "permissions": grant_info["scopes"]}
        return Response(200, {"data": [answer]} if self.ig_code_response_wrapped else answer)

    def ig_exchange(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "ig_exchange_token":
            raise graph_error("Unsupported grant type", 100)
        if form.get("client_secret") != self.ig_app_secret:
            raise graph_error("Error validating client secret.", 1)
        token = self.auth(request)
        if token.kind != "instagram":
            raise graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        value = self.issue_token("instagram", token.subject, LONG_LIVED, token.scopes)
        return Response(200, {"access_token": value, "token_type": "bearer", "expires_in": LONG_LIVED})

    def ig_refresh(self, request: Request) -> Response:
        if request.form.get("grant_type") != "ig_refresh_token":
            raise graph_error("Unsupported grant type", 100)
        token = self.auth(request)
        if token.kind != "instagram" or token.expires_at is None \
                or token.expires_at - token.issued_at <= SHORT_LIVED:
            raise graph_error("(#100) Only long-lived Instagram User access tokens can be refreshed", 100)
        if self.now - token.issued_at < 24 * 3600:
            raise graph_error("(#100) The access token is not at least 24 hours old and cannot be refreshed yet",
                              100)
        value = self.issue_token("instagram", token.subject, LONG_LIVED, token.scopes)
        return Response(200, {"access_token": value, "token_type": "bearer", "expires_in": LONG_LIVED})

    def debug_token(self, request: Request) -> Response:
        caller = self.tokens.get(self.token_value(request))
        if caller is None or caller.kind != "app":
            raise graph_error("(#100) You must provide an app access token, or a user access token that is an "
                              "owner or developer of the app", 100)
        token = self.tokens.get(request.query.get("input_token", ""))
        if token is None:
            return Response(200, {"data": {"error": {"code": 190, "message": "Invalid OAuth access token."},
                                           "is_valid": False, "scopes": []}})
        error = self.token_error(token)
        data: dict[str, Any] = {"app_id": self.app_id, "type": token.kind.upper(), "application": "parvis",
                                "expires_at": int(token.expires_at or 0), "is_valid": error is None,
                                "issued_at": int(token.issued_at), "scopes": token.scopes,
                                "user_id": self.pages[token.subject].user_id if token.kind == "page"
                                else token.subject}
        if token.kind == "page":
            data["profile_id"] = token.subject
        if error is not None:
            details = error.response.body["error"]
            data["error"] = {"code": 190, "message": details["message"], "subcode": details["error_subcode"]}
        return Response(200, {"data": data})

    # -- identity and nodes ------------------------------------------------------------------
    def list_accounts(self, request: Request, node: str) -> Response:
        token = self.auth(request)
        user_id = self.me(node, token)
        if token.kind != "user" or user_id != token.subject:
            raise missing(node)
        pages = [self.page_values(self.pages[p], token) for p in self.users[user_id].pages]
        default = "access_token,category,name,id,tasks"
        return Response(200, self.paged(request, [self.select(p, request, default) for p in pages]))

    def subscribe_app(self, request: Request, node: str) -> Response:
        """`POST /{page-id}/subscribed_apps` with the Page's token and
        `pages_manage_metadata` (reference page/subscribed_apps), or `/{ig-user-id}` with an
        Instagram-Login token (instagram-platform/webhooks): the account's webhooks on.
        `subscribed_fields` is required; the last call's fields are kept."""
        token = self.auth(request)
        subject = self.me(node, token)
        fields = request.form.get("subscribed_fields", "")
        if token.kind not in ("page", "instagram") or subject != token.subject:
            raise graph_error("(#210) A page access token is required to request this resource.", 210)
        needed = "pages_manage_metadata" if token.kind == "page" else "instagram_business_basic"
        if needed not in token.scopes:
            raise graph_error(f"(#200) Requires {needed} permission to manage the object", 200)
        if not fields:
            raise graph_error("(#100) The parameter subscribed_fields is required", 100)
        with self.lock:
            self.subscribed_apps[subject] = fields.split(",")
        return Response(200, {"success": True})

    def list_permissions(self, request: Request, node: str) -> Response:
        token = self.auth(request)
        return Response(200, {"data": [{"permission": p, "status": "granted"} for p in token.scopes]})

    def page_values(self, page: Page, token: Token) -> dict[str, Any]:
        return {"__type__": "Page", "id": page.id, "name": page.name, "category": page.category,
                "access_token": page.token if token.kind in ("user", "page") else None,
                "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
                "instagram_business_account": {"id": page.instagram_id} if page.instagram_id else None,
                "followers_count": page.followers_count,
                "fan_count": page.followers_count if page.fan_count is None else page.fan_count,
                "link": f"https://www.facebook.com/{page.id}"}

    def account_values(self, account: InstagramAccount) -> dict[str, Any]:
        media_count = len(self.published_media(account.id, stories=False)) if account.media_count is None \
            else account.media_count
        return {"__type__": "IGUser", "id": account.id, "user_id": account.id, "ig_id": int(account.id) % 10**10,
                "username": account.username, "name": account.name,
                "profile_picture_url": account.profile_picture_url, "followers_count": account.followers_count,
                "follows_count": account.follows_count, "media_count": media_count,
                "biography": account.biography, "account_type": "BUSINESS", "website": None}

    def values_of(self, node: str, token: Token) -> tuple[dict[str, Any], str]:
        """A node's fields and its default field list; the check that the token may see it."""
        if node in self.users and token.kind == "user" and node == token.subject:
            return {"__type__": "User", "id": node, "name": self.users[node].name}, "name,id"
        if node in self.pages and node in self.reach(token):
            return self.page_values(self.pages[node], token), "name,id"
        if node in self.instagram_accounts and node in self.reach(token):
            return self.account_values(self.instagram_accounts[node]), "id"
        self.check_reach(node, token)
        if node in self.containers:
            return self.container_values(self.containers[node], poll=True), "id"
        if node in self.media:
            return self.media_values(self.media[node]), "id"
        if node in self.posts:
            self.release_scheduled()
            return self.post_values(self.posts[node]), "created_time,message,id"
        if node in self.page_media:
            return self.page_media_values(self.page_media[node], poll=True), "created_time,id"
        if node in self.direct_messages:
            return self.message_node(node, token), "id,created_time"
        if node in self.conversations:
            self.check_messaging(token, self.conversations[node].platform)
            return self.conversation_values(self.conversations[node]), "id,updated_time"
        comment = self.comments[node]
        return self.comment_values(comment), ("timestamp,text,id" if comment.network == "instagram"
                                              else "created_time,from,message,id")

    def read_node(self, request: Request, node: str) -> Response:
        token = self.auth(request)
        node = self.me(node, token)
        values, default = self.values_of(node, token)
        fields = request.query.get("fields", "")
        if node in self.instagram_accounts and "mentioned_media." in fields:
            # A field with a modifier, answered apart under its plain name `mentioned_media`.
            mentioned = self.mentioned_media(node, fields)
            rest = ",".join(name + (f"{{{sub}}}" if sub else "") for name, sub in parse_fields(fields).items()
                            if not name.startswith("mentioned_media."))
            return Response(200, {**self.pick(values, rest or "id"), **mentioned})
        return Response(200, self.select(values, request, default))

    def update_node(self, request: Request, node: str) -> Response:
        """Hide or unhide a comment; turn comments on a media on or off; edit a Page post."""
        token = self.auth(request)
        node = self.me(node, token)
        self.check_reach(node, token, "post")
        form = request.form
        if node in self.comments:
            return self.moderate(request, self.comments[node])
        if node in self.media and "comment_enabled" in form:
            self.media[node].comment_enabled = form["comment_enabled"].lower() == "true"
            return Response(200, {"success": True})
        if node in self.posts and "message" in form:
            self.posts[node].message = form["message"]
            return Response(200, {"success": True})
        raise graph_error("(#100) Invalid parameter", 100)

    def delete_node(self, request: Request, node: str) -> Response:
        token = self.auth(request)
        self.check_reach(node, token, "delete")
        if not any(node in table for table in (self.posts, self.media, self.page_media, self.comments)):
            raise missing(node, "delete")
        if node in self.media:
            media = self.media[node]
            if token.kind == "instagram" or media.product_type == "CAROUSEL_ITEM":
                raise missing(node, "delete")
            for child in media.children:
                del self.media[child]
        for table in (self.posts, self.media, self.page_media, self.comments):
            if node in table:
                del table[node]
        for reply in [c.id for c in self.comments.values() if c.parent == node or c.on == node]:
            del self.comments[reply]
        return Response(200, {"success": True})
