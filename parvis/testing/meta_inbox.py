"""Comments, replies, moderation and insights on the fake Graph API. Facebook and
Instagram comments share one object; they differ in field names (`message`/`text`,
`is_hidden`/`hidden`) and in the reply edge (`/comments` vs `/replies`)."""

from __future__ import annotations

import re
import zlib
from typing import Any

from parvis.testing.fake_network import Request, Response
from parvis.testing.meta_graph import (
    Comment,
    InstagramMedia,
    MetaBase,
    OthersPost,
    graph_error,
    graph_time,
    missing,
    parse_fields,
)

IG_MEDIA_METRICS = ("views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "follows",
                    "profile_visits", "profile_activity", "navigation", "replies", "ig_reels_avg_watch_time",
                    "ig_reels_video_view_total_time", "total_likes", "total_comments", "total_views")
IG_REMOVED = {"impressions", "plays", "clips_replays_count", "ig_reels_aggregated_all_plays_count", "video_views",
              "engagement"}
IG_ACCOUNT_METRICS = ("views", "reach", "accounts_engaged", "total_interactions", "likes", "comments", "shares",
                      "saves", "replies", "profile_links_taps", "follows_and_unfollows", "follower_count",
                      "online_followers", "follower_demographics", "engaged_audience_demographics",
                      "reached_audience_demographics")
IG_TIME_SERIES = ("follower_count", "reach", "online_followers")  # answered with `values` without total_value
POST_METRICS = ("post_media_view", "post_total_media_view_unique", "post_clicks", "post_clicks_by_type",
                "post_reactions_by_type_total", "post_reactions_like_total", "post_video_views")
PAGE_METRICS = ("page_media_view", "page_total_media_view_unique", "page_follows", "page_daily_follows",
                "page_daily_unfollows_unique", "page_post_engagements", "page_views_total", "page_video_views")
TITLES = {"views": "Views", "reach": "Accounts reached", "likes": "Likes", "comments": "Comments", "saved": "Saved",
          "shares": "Shares", "total_interactions": "Interactions"}


class Inbox(MetaBase):
    def add_inbox_routes(self) -> None:
        v = self.V
        self.route("GET", v + r"/(?P<node>\w+)/comments", self.list_comments)
        self.route("POST", v + r"/(?P<node>\w+)/comments", self.add_comment)
        self.route("GET", v + r"/(?P<node>\w+)/replies", self.list_replies)
        self.route("POST", v + r"/(?P<node>\w+)/replies", self.add_reply)
        self.route("POST", v + r"/(?P<node>\w+)/mentions", self.reply_to_mention)
        self.route("GET", v + r"/(?P<node>\w+)/insights", self.read_insights)
        self.route("GET", v + r"/(?P<node>\w+)/tags", self.list_tags)
        self.route("GET", v + r"/(?P<node>\w+)/tagged", self.list_tagged)

    # -- test helpers ----------------------------------------------------------------------
    def comment_as(self, author: str, on: str, text: str, parent: str | None = None) -> Comment:
        """A comment by someone else (`author`: an IG username or a Facebook name) on a post or
        media, or a reply under `parent` (a reply to a reply joins the top-level comment, as on IG)."""
        with self.lock:
            if parent is not None:
                top = self.comments[parent]
                on, parent = top.on, top.parent or top.id
            network = "facebook" if on in self.posts else "instagram"
            if on not in self.posts and on not in self.media:
                raise KeyError(on)
            return self.new_comment(on, str(9 * 10**15 + zlib.crc32(author.encode())), author, text, parent, network)

    def new_comment(self, on: str, author_id: str, author: str, text: str, parent: str | None,
                    network: str) -> Comment:
        base = self.new_id(17_850_000_000_000_000)
        comment_id = f"{on.split('_')[-1]}_{base}" if network == "facebook" else base
        comment = Comment(comment_id, on, author_id, author, text, self.now, parent, network=network)
        self.comments[comment.id] = comment
        return comment

    def set_insights(self, object_id: str, **values: Any) -> None:
        """The metric values `/insights` reports for a media, post or page (others answer 0)."""
        with self.lock:
            self.insights.setdefault(object_id, {}).update(values)

    def tag_account(self, ig_id: str, by: str, caption: str = "") -> str:
        """Another account's media in which `ig_id` is photo-tagged (`/tags`); returns its id."""
        return self.others_media(by, caption, tagged=[ig_id])

    def tag_page(self, page: Any, by: str, message: str, from_visible: bool = False) -> str:
        """A public post by another user (`by`, a Facebook name) that tags `page` (a Page or
        its id), listed by `GET /{page-id}/tagged`; returns its id. As on Facebook, `from`
        is left out unless `from_visible`, and the Page cannot read it by its id."""
        page_id = page if isinstance(page, str) else page.id
        with self.lock:
            if page_id not in self.pages:
                raise KeyError(page_id)
            author_id = str(10**16 + zlib.crc32(by.encode()))
            post = OthersPost(f"{author_id}_{self.new_id(10**15)}", author_id, by, message, self.now,
                              tagged=[page_id], from_visible=from_visible)
            self.tagged_posts[post.id] = post
            return post.id

    def mention_account(self, ig_id: str, by: str, caption: str) -> str:
        """Another account's media whose caption @mentions `ig_id`, readable through
        `GET /{ig_id}?fields=mentioned_media.media_id(<id>){caption,...}`; returns its id
        (real Meta sends it in a `mentions` webhook)."""
        return self.others_media(by, caption, mentioned=[ig_id])

    def mention_in_comment(self, ig_id: str, by: str, text: str, on: str | None = None) -> tuple[str, str]:
        """A comment by `by` that @mentions `ig_id` (its text should name `@username`), on
        another account's media `on` (a new one if None), readable through
        `GET /{ig_id}?fields=mentioned_comment.comment_id(<id>){text,...}`; returns (media id,
        comment id). As on Instagram, the comment itself cannot be read with the account's token."""
        with self.lock:
            on = on or self.others_media(f"{by}_friend", "")
            comment = self.new_comment(on, str(9 * 10**15 + zlib.crc32(by.encode())), by, text, None, "instagram")
            self.mentioning_comments[comment.id] = ig_id
            return on, comment.id

    @property
    def mentioning_comments(self) -> dict[str, str]:
        """Comment id -> the account it @mentions (kept here: the shared state knows no such
        comments)."""
        return self.__dict__.setdefault("_mentioning_comments", {})

    def others_media(self, by: str, caption: str, tagged: list[str] | None = None,
                     mentioned: list[str] | None = None) -> str:
        with self.lock:
            media = InstagramMedia(self.new_id(17_800_000_000_000_000), "", caption, "IMAGE", "FEED", self.now,
                                   shortcode=f"X{self._counter}", tagged=tagged or [], mentioned=mentioned or [])
            self.tagged_by[media.id] = by
            self.tagged_media[media.id] = media
            return media.id

    def others_values(self, media: InstagramMedia) -> dict[str, Any]:
        return {"__type__": "IGMedia", "id": media.id, "caption": media.caption or None,
                "media_type": media.media_type, "timestamp": graph_time(media.created),
                "username": self.tagged_by[media.id], "comments_count": 0, "like_count": media.like_count,
                "permalink": f"https://www.instagram.com/p/{media.shortcode}/"}

    def mentioned_media(self, ig_id: str, fields: str) -> dict[str, Any]:
        """`mentioned_media.media_id(<id>){...}` fields asked of an account, answered as `mentioned_media`."""
        found: dict[str, Any] = {}
        for name, sub in parse_fields(fields).items():
            match = re.fullmatch(r"mentioned_media\.media_id\((\w+)\)", name)
            if match:
                media = self.tagged_media.get(match.group(1))
                if media is None or ig_id not in media.mentioned:
                    raise missing(match.group(1))
                found["mentioned_media"] = self.pick(self.others_values(media), sub or "id")
        return found

    def mentioned_comment(self, ig_id: str, fields: str) -> dict[str, Any]:
        """`mentioned_comment.comment_id(<id>){...}` asked of an account, answered as
        `mentioned_comment` (an IG Comment, its `media` expandable)."""
        found: dict[str, Any] = {}
        for name, sub in parse_fields(fields).items():
            match = re.fullmatch(r"mentioned_comment\.comment_id\((\w+)\)", name)
            if match:
                comment = self.comments.get(match.group(1))
                media = self.tagged_media.get(comment.on) if comment is not None else None
                if comment is None or media is None or self.mentioning_comments.get(comment.id) != ig_id:
                    raise missing(match.group(1))
                values = {"__type__": "IGComment", "id": comment.id, "text": comment.text,
                          "timestamp": graph_time(comment.created), "username": comment.author_name,
                          "like_count": comment.like_count, "hidden": comment.hidden,
                          "media": {"__type__": "IGMedia", "id": media.id,
                                    "permalink": f"https://www.instagram.com/p/{media.shortcode}/"}}
                found["mentioned_comment"] = self.pick(values, sub or "id")
        return found

    def select(self, values: dict[str, Any], request: Request, default: str) -> dict[str, Any]:
        """An account asked for `mentioned_comment.comment_id(<id>){...}` (a field with a
        modifier): answered apart under its plain name, the other fields as usual."""
        fields = request.query.get("fields", "")
        if values.get("__type__") != "IGUser" or "mentioned_comment." not in fields:
            return super().select(values, request, default)
        mentioned = self.mentioned_comment(str(values["id"]), fields)
        rest = ",".join(name + (f"{{{sub}}}" if sub else "") for name, sub in parse_fields(fields).items()
                        if not name.startswith("mentioned_comment."))
        return {**self.pick(values, rest or "id"), **mentioned}

    # -- rendering -------------------------------------------------------------------------
    def comment_values(self, comment: Comment) -> dict[str, Any]:
        replies = [c for c in self.comments.values() if c.parent == comment.id]
        if comment.network == "facebook":
            return {"__type__": "Comment", "id": comment.id, "message": comment.text,
                    "created_time": graph_time(comment.created), "from": {"name": comment.author_name,
                                                                          "id": comment.author_id},
                    "is_hidden": comment.hidden, "can_hide": comment.author_id != self.posts[comment.on].page_id,
                    "can_remove": True, "like_count": comment.like_count, "comment_count": len(replies),
                    "parent": {"id": comment.parent} if comment.parent else None,
                    "permalink_url": f"https://www.facebook.com/{comment.on.replace('_', '/posts/')}"
                    f"?comment_id={comment.id.split('_')[-1]}",
                    "comments": lambda sub: {"data": [self.pick(self.comment_values(r), sub or "id") for r in replies]}}
        return {"__type__": "IGComment", "id": comment.id, "text": comment.text,
                "timestamp": graph_time(comment.created),
                "username": comment.author_name, "from": {"id": comment.author_id, "username": comment.author_name},
                "hidden": comment.hidden, "like_count": comment.like_count,
                "parent_id": comment.parent, "media": {"id": comment.on,
                                                       "media_product_type": self.media[comment.on].product_type},
                "replies": lambda sub: {"data": [self.pick(self.comment_values(r), sub or "id") for r in replies]}}

    def commentable(self, request: Request, node: str) -> str:
        token = self.auth(request)
        if node not in self.posts and node not in self.media and node not in self.comments:
            raise missing(node, request.method.lower())
        self.check_reach(node, token, request.method.lower())
        return node

    def list_comments(self, request: Request, node: str) -> Response:
        node = self.commentable(request, node)
        if node in self.comments:  # Facebook: replies to a comment
            items = [c for c in self.comments.values() if c.parent == node]
        elif request.query.get("filter") == "stream":
            items = [c for c in self.comments.values() if c.on == node]
        else:
            items = [c for c in self.comments.values() if c.on == node and c.parent is None]
        if request.query.get("order") == "reverse_chronological":
            items.reverse()
        instagram = node in self.media or (node in self.comments and self.comments[node].network == "instagram")
        default = "timestamp,text,id" if instagram else "created_time,from,message,id"
        return Response(200, self.paged(request, [self.select(self.comment_values(c), request, default)
                                                  for c in items]))

    def add_comment(self, request: Request, node: str) -> Response:
        """Facebook: a comment on a post or a reply to a comment; Instagram: a comment on a media."""
        node = self.commentable(request, node)
        message = request.form.get("message", "")
        if not message:
            raise graph_error("(#100) Missing message or attachment", 100)
        if node in self.media:
            media = self.media[node]
            if not media.comment_enabled:
                raise graph_error("(#100) Comments are turned off for this media", 100)
            account = self.instagram_accounts[media.owner]
            return Response(200, {"id": self.new_comment(node, account.id, account.username, message, None,
                                                         "instagram").id})
        if node in self.comments and self.comments[node].network == "instagram":
            raise graph_error("(#100) Use the replies edge to reply to an Instagram comment", 100)
        on, parent = (self.comments[node].on, node) if node in self.comments else (node, None)
        page = self.pages[self.posts[on].page_id]
        return Response(200, {"id": self.new_comment(on, page.id, page.name, message, parent, "facebook").id})

    def list_replies(self, request: Request, node: str) -> Response:
        node = self.commentable(request, node)
        items = [c for c in self.comments.values() if c.parent == node]
        return Response(200, self.paged(request, [self.select(self.comment_values(c), request, "timestamp,text,id")
                                                  for c in items]))

    def add_reply(self, request: Request, node: str) -> Response:
        node = self.commentable(request, node)
        comment = self.comments.get(node)
        if comment is None or comment.network != "instagram":
            raise missing(node, "post")
        if comment.hidden:
            raise graph_error("(#100) You cannot reply to a hidden comment", 100)
        message = request.form.get("message", "")
        if not message:
            raise graph_error("(#100) The parameter message is required", 100)
        account = self.instagram_accounts[self.media[comment.on].owner]
        top = comment.parent or comment.id  # replies to replies attach to the top-level comment
        return Response(200, {"id": self.new_comment(comment.on, account.id, account.username, message, top,
                                                     "instagram").id})

    def reply_to_mention(self, request: Request, node: str) -> Response:
        """`POST /{ig-user-id}/mentions` (reference/ig-user/mentions): a comment of the account
        on another account's media whose caption mentions it (`media_id`), or a reply to a
        comment there that mentions it (`media_id` and `comment_id`)."""
        self.check_reach(node, self.auth(request), "post")  # the token may act for this account
        account = self.instagram_accounts.get(node)
        form = request.form
        media = self.tagged_media.get(form.get("media_id", ""))
        message = form.get("message", "")
        if account is None or media is None:
            raise missing(form.get("media_id", "") or node)
        if not message:
            raise graph_error("(#100) The parameter message is required", 100)
        comment_id = form.get("comment_id")
        if comment_id:
            comment = self.comments.get(comment_id)
            if comment is None or comment.on != media.id or self.mentioning_comments.get(comment_id) != node:
                raise missing(comment_id)
            parent: str | None = comment.parent or comment.id
        elif node in media.mentioned:
            parent = None
        else:  # only tagged in the photo, or not mentioned: the reference refuses both
            raise graph_error("(#100) The account is not mentioned in this media's caption", 100)
        return Response(200, {"id": self.new_comment(media.id, account.id, account.username, message, parent,
                                                     "instagram").id})

    def moderate(self, request: Request, comment: Comment) -> Response:
        form = request.form
        flag = form.get("hide") if comment.network == "instagram" else form.get("is_hidden")
        if flag is None:
            raise graph_error("(#100) Invalid parameter", 100)
        comment.hidden = flag.lower() == "true"
        return Response(200, {"success": True})

    # -- insights --------------------------------------------------------------------------
    def read_insights(self, request: Request, node: str) -> Response:
        token = self.auth(request)
        node = self.me(node, token)
        if node not in self.media and node not in self.posts and node not in self.pages \
                and node not in self.instagram_accounts:
            raise missing(node)
        self.check_reach(node, token)
        asked = [m.strip() for m in request.query.get("metric", "").split(",") if m.strip()]
        if not asked:
            raise graph_error("Invalid query", 3001, 1504028, title="No Metric Specified",
                              user_msg="No metric was specified to be fetched. Please specify one or more metrics "
                              "to be fetched and try again.")
        if node in self.media:
            return Response(200, {"data": self.media_insights(node, asked)})
        if node in self.instagram_accounts:
            return Response(200, {"data": self.account_insights(node, asked, request)})
        allowed = POST_METRICS if node in self.posts else PAGE_METRICS
        for metric in asked:
            if metric not in allowed:
                raise graph_error("(#100) The value must be a valid insights metric", 100)
        period = request.query.get("period", "lifetime" if node in self.posts else "day")
        values = self.insights.get(node, {})
        return Response(200, {"data": [
            {"name": m, "period": period, "values": [{"value": values.get(m, 0), "end_time": graph_time(self.now)}],
             "title": m.replace("_", " ").capitalize(), "description": m.replace("_", " ").capitalize(),
             "id": f"{node}/insights/{m}/{period}"} for m in asked]})

    def media_insights(self, node: str, asked: list[str]) -> list[dict[str, Any]]:
        if self.media[node].product_type == "CAROUSEL_ITEM":
            raise graph_error("(#10) Insights are not available for media inside a carousel album", 10)
        for index, metric in enumerate(asked):
            if metric == "impressions":
                raise graph_error("(#100) Starting from version v22.0 and above, the impressions metric is no longer "
                                  "supported for the queried media. Please refer to the documentation at "
                                  "https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/"
                                  "insights for a list of supported metrics.", 100)
            if metric not in IG_MEDIA_METRICS:
                raise graph_error(f"(#100) metric[{index}] must be one of the following values: "
                                  + ", ".join(IG_MEDIA_METRICS), 100)
        values = self.insights.get(node, {})
        return [{"name": m, "period": "lifetime", "values": [{"value": values.get(m, 0)}],
                 "title": TITLES.get(m, m.replace("_", " ").capitalize()),
                 "description": TITLES.get(m, m.replace("_", " ").capitalize()),
                 "id": f"{node}/insights/{m}/lifetime"} for m in asked]

    def account_insights(self, node: str, asked: list[str], request: Request) -> list[dict[str, Any]]:
        for index, metric in enumerate(asked):
            if metric == "impressions":
                raise graph_error("(#100) Starting from version 22 and above, the impressions metric is no longer "
                                  "supported for the queried user. Please refer to the documentation at "
                                  "https://developers.facebook.com/docs/instagram-api/reference/ig-user/insights "
                                  "for a list of supported metrics.", 100)
            if metric not in IG_ACCOUNT_METRICS:
                raise graph_error(f"(#100) metric[{index}] must be one of the following values: "
                                  + ", ".join(IG_ACCOUNT_METRICS), 100)
        total = request.query.get("metric_type") == "total_value"
        values = self.insights.get(node, {})
        answer = []
        for metric in asked:
            if not total and metric not in IG_TIME_SERIES:
                raise graph_error(f"(#100) The following metrics ({metric}) should be specified with parameter "
                                  "metric_type=total_value", 100)
            item: dict[str, Any] = {"name": metric, "period": request.query.get("period", "day"),
                                    "title": TITLES.get(metric, metric.replace("_", " ").capitalize()),
                                    "description": metric.replace("_", " ").capitalize(),
                                    "id": f"{node}/insights/{metric}/day"}
            if total:
                item["total_value"] = {"value": values.get(metric, 0)}
            else:
                item["values"] = [{"value": values.get(metric, 0), "end_time": graph_time(self.now)}]
            answer.append(item)
        return answer

    # -- mentions ----------------------------------------------------------------------------
    def list_tags(self, request: Request, node: str) -> Response:
        token = self.auth(request)
        ig_id = self.me(node, token)
        if ig_id not in self.instagram_accounts or ig_id not in self.reach(token):
            raise missing(ig_id)
        newest_first = sorted(self.tagged_media.values(), key=lambda m: m.created, reverse=True)
        items = [self.others_values(m) for m in newest_first if ig_id in m.tagged]
        return Response(200, self.paged(request, [self.select(i, request, "id") for i in items]))

    def list_tagged(self, request: Request, node: str) -> Response:
        """`GET /{page-id}/tagged`: the public posts that tag the Page, newest first; a Page
        token only (reference page/tagged)."""
        token = self.auth(request)
        page_id = self.me(node, token)
        if page_id not in self.pages or page_id not in self.reach(token):
            raise missing(page_id)
        if token.kind != "page":
            raise graph_error("(#190) This method must be called with a Page Access Token", 190)
        if "pages_read_user_content" not in token.scopes:
            raise graph_error("(#10) This endpoint requires the 'pages_read_user_content' permission", 10)
        newest_first = sorted(self.tagged_posts.values(), key=lambda p: (p.created, p.id), reverse=True)
        items = [self.others_post_values(p) for p in newest_first if page_id in p.tagged]
        return Response(200, self.paged(request, [self.select(i, request, "created_time,message,id")
                                                  for i in items]))

    @staticmethod
    def others_post_values(post: OthersPost) -> dict[str, Any]:
        user, number = post.id.split("_", 1)
        return {"__type__": "Post", "id": post.id, "message": post.message or None,
                "created_time": graph_time(post.created),
                "permalink_url": f"https://www.facebook.com/{user}/posts/{number}",
                "from": {"name": post.author_name, "id": post.author_id} if post.from_visible else None}
