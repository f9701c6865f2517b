"""Publishing on the fake Graph API: Facebook Page posts, photos and videos in one call;
Instagram's container -> status -> media_publish flow with its quota. Each container keeps
its state so that a test can prove a publish happened once, even when the answer was lost."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from parvis.testing.fake_network import Request, Response
from parvis.testing.meta_graph import (
    CONTAINER_LIFETIME,
    Container,
    Download,
    InstagramMedia,
    MetaBase,
    PageMedia,
    PagePost,
    Token,
    graph_error,
    graph_time,
    hashtags_and_mentions,
    missing,
    truthy,
)

MEDIA_TYPES = ("IMAGE", "VIDEO", "REELS", "STORIES", "CAROUSEL")
SCHEDULE_MIN, SCHEDULE_MAX = 10 * 60, 182 * 24 * 3600  # 10 minutes to ~6 months (meta.md 3.1)


class Publishing(MetaBase):
    def add_publishing_routes(self) -> None:
        v = self.V
        self.route("POST", v + r"/(?P<node>\w+)/feed", self.create_post)
        self.route("POST", v + r"/(?P<node>\w+)/photos", self.create_photo)
        self.route("POST", v + r"/(?P<node>\w+)/videos", self.create_video)
        for edge in ("feed", "posts", "published_posts", "scheduled_posts"):
            self.route("GET", v + rf"/(?P<node>\w+)/(?P<edge>{edge})", self.list_posts)
        self.route("POST", v + r"/(?P<node>\w+)/media", self.create_container)
        self.route("POST", v + r"/(?P<node>\w+)/media_publish", self.publish_container)
        self.route("GET", v + r"/(?P<node>\w+)/media", self.list_media)
        self.route("GET", v + r"/(?P<node>\w+)/stories", self.list_stories)
        self.route("GET", v + r"/(?P<node>\w+)/content_publishing_limit", self.publishing_limit)

    # -- test helpers ----------------------------------------------------------------------
    def container(self, container_id: str) -> Container:
        return self.containers[container_id]

    def stick_container(self, container_id: str, stuck: bool = True) -> None:
        """Keep the container IN_PROGRESS however often it is polled (until unstuck)."""
        with self.lock:
            self.containers[container_id].stuck = stuck

    def expire_container(self, container_id: str) -> None:
        """The container answers EXPIRED, as one left unpublished for 24 h does."""
        with self.lock:
            self.containers[container_id].expired = True

    def fail_container(self, container_id: str, subcode: int = 2207053, message: str = "unknown upload error") -> None:
        """The container goes to ERROR with this subcode (e.g. 2207026 unsupported video format)."""
        with self.lock:
            container = self.containers[container_id]
            container.error_subcode, container.error_message = subcode, message

    # -- Facebook Pages ----------------------------------------------------------------------
    def page_token_for(self, request: Request, node: str) -> tuple[Token, str]:
        token = self.auth(request)
        page_id = self.me(node, token)
        if page_id not in self.pages or page_id not in self.reach(token):
            raise missing(page_id, request.method.lower())
        if token.kind != "page":
            raise graph_error("(#200) If posting to a page, requires both pages_read_engagement and "
                              "pages_manage_posts as an admin with sufficient administrative permission", 200)
        return token, page_id

    def schedule(self, form: dict[str, str]) -> float | None:
        raw = form.get("scheduled_publish_time", "")
        if not raw:
            return None
        if truthy(form.get("published", "false")):
            raise graph_error("(#100) You cannot specify a scheduled publish time on a published post", 100)
        try:
            when = float(raw) if raw.isdigit() else datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
        except ValueError as exc:
            raise graph_error("(#100) The specified scheduled publish time is invalid.", 100) from exc
        if not SCHEDULE_MIN <= when - self.now <= SCHEDULE_MAX:
            raise graph_error("(#100) The specified scheduled publish time is invalid.", 100,
                              user_msg="Scheduled time must be between 10 minutes and 6 months from now.")
        return when

    def attached(self, form: dict[str, str], page_id: str) -> list[str]:
        items: list[Any] = []
        indexed = sorted((int(m.group(1)), v) for k, v in form.items()
                         if (m := re.fullmatch(r"attached_media\[(\d+)\]", k)))
        try:
            if "attached_media" in form:
                loaded = json.loads(form["attached_media"])
                items = loaded if isinstance(loaded, list) else [loaded]
            items += [json.loads(v) for _, v in indexed]
        except ValueError as exc:
            raise graph_error("(#100) param attached_media must be an array of objects like "
                              '{"media_fbid": "<id>"}', 100) from exc
        ids = [str(item.get("media_fbid", "")) if isinstance(item, dict) else str(item) for item in items]
        for photo_id in ids:
            photo = self.page_media.get(photo_id)
            if photo is None or photo.page_id != page_id or photo.post_id is not None:
                raise graph_error(f"(#100) param attached_media[{ids.index(photo_id)}] must be an unpublished "
                                  "photo of this Page", 100)
        return ids

    def new_post(self, page_id: str, message: str, **extra: Any) -> PagePost:
        post = PagePost(f"{page_id}_{self.new_id(10**15)}", page_id, message, self.now, **extra)
        self.posts[post.id] = post
        return post

    def create_post(self, request: Request, node: str) -> Response:
        _, page_id = self.page_token_for(request, node)
        form = request.form
        message, link = form.get("message", ""), form.get("link", "")
        photos = self.attached(form, page_id)
        if not (message or link or photos):
            raise graph_error("(#100) Missing message or attachment", 100)
        scheduled = self.schedule(form)
        published = truthy(form.get("published", "true")) and scheduled is None
        if published and message and self.last_message(page_id) == message:
            raise graph_error("(#506) Duplicate status message", 506)
        post = self.new_post(page_id, message, link=link, published=published, scheduled_at=scheduled, photos=photos)
        for photo_id in photos:
            self.page_media[photo_id].post_id = post.id
        answer = {"id": post.id}
        if "fields" in request.query:
            answer = self.pick(self.post_values(post), request.query["fields"])
        return Response(200, answer)

    def last_message(self, page_id: str) -> str | None:
        mine = [p for p in self.posts.values() if p.page_id == page_id and p.published]
        return mine[-1].message if mine else None

    def create_photo(self, request: Request, node: str) -> Response:
        _, page_id = self.page_token_for(request, node)
        form = request.form
        if not form.get("url"):
            raise graph_error("(#324) Requires upload file", 324)
        download = self.fetch(form["url"])
        if not download.ok or not download.content_type.startswith("image/"):
            raise graph_error("(#324) Missing or invalid image file", 324, 2069019)
        published = truthy(form.get("published", "true"))
        photo = PageMedia(self.new_id(10**14), page_id, "photo", form["url"], form.get("caption", ""), published,
                          self.now, download=download)
        self.page_media[photo.id] = photo
        if not published:
            return Response(200, {"id": photo.id})
        photo.post_id = self.new_post(page_id, photo.text, photos=[photo.id]).id
        return Response(200, {"id": photo.id, "post_id": photo.post_id})

    def create_video(self, request: Request, node: str) -> Response:
        _, page_id = self.page_token_for(request, node)
        form = request.form
        if not form.get("file_url"):
            raise graph_error("(#100) Requires file_url or an uploaded file", 100)
        download = self.fetch(form["file_url"])
        if not download.ok:
            raise graph_error("(#351) There was a problem with your video file. Please try again.", 351)
        published = truthy(form.get("published", "true"))
        video = PageMedia(self.new_id(10**14), page_id, "video", form["file_url"], form.get("description", ""),
                          published, self.now, title=form.get("title", ""), polls_left=self.video_polls,
                          download=download)
        self.page_media[video.id] = video
        if published:
            video.post_id = self.new_post(page_id, video.text, video_id=video.id).id
        return Response(200, {"id": video.id})

    def post_values(self, post: PagePost) -> dict[str, Any]:
        number = post.id.split("_", 1)[1]
        created = post.scheduled_at if post.scheduled_at and post.published else post.created
        return {"__type__": "Post", "id": post.id, "message": post.message or None, "created_time": graph_time(created),
                "updated_time": graph_time(created), "permalink_url": f"https://www.facebook.com/{post.page_id}/posts/"
                f"{number}", "is_published": post.published, "status_type": "added_photos" if post.photos
                else "added_video" if post.video_id else "mobile_status_update", "link": post.link or None,
                "scheduled_publish_time": int(post.scheduled_at) if post.scheduled_at else None,
                "from": {"name": self.pages[post.page_id].name, "id": post.page_id},
                "attachments": lambda sub: {"data": [{"media_fbid": p, "type": "photo"} for p in post.photos]}}

    def release_scheduled(self) -> None:
        """Scheduled posts whose time has come on the fake clock become published."""
        for post in self.posts.values():
            if not post.published and post.scheduled_at is not None and post.scheduled_at <= self.now:
                post.published = True

    def list_posts(self, request: Request, node: str, edge: str) -> Response:
        token = self.auth(request)
        page_id = self.me(node, token)
        if page_id not in self.pages or page_id not in self.reach(token):
            raise missing(page_id)
        self.release_scheduled()
        wanted = edge != "scheduled_posts"
        posts = [p for p in self.posts.values() if p.page_id == page_id and p.published == wanted
                 and (wanted or p.scheduled_at is not None)]
        posts.sort(key=lambda p: (p.scheduled_at or p.created if p.published else p.created, p.id), reverse=True)
        return Response(200, self.paged(request, [self.select(self.post_values(p), request, "created_time,message,id")
                                                  for p in posts]))

    def page_media_values(self, item: PageMedia, poll: bool) -> dict[str, Any]:
        if poll and item.kind == "video" and item.polls_left > 0:
            item.polls_left -= 1
            state = "processing"
        else:
            state = "ready"
        status = {"video_status": state, "processing_progress": 100 if state == "ready" else 50}
        return {"__type__": "Photo" if item.kind == "photo" else "Video", "id": item.id, "created_time":
                graph_time(item.created), "name": item.text if item.kind == "photo" else None,
                "description": item.text if item.kind == "video" else None, "title": item.title or None,
                "published": item.published, "status": status if item.kind == "video" else None,
                "permalink_url": f"https://www.facebook.com/{item.page_id}/{item.kind}s/{item.id}"}

    # -- Instagram containers ----------------------------------------------------------------
    def instagram_for(self, request: Request, node: str) -> tuple[Token, str]:
        token = self.auth(request)
        ig_id = self.me(node, token)
        if ig_id not in self.instagram_accounts or ig_id not in self.reach(token):
            raise missing(ig_id, request.method.lower())
        return token, ig_id

    def create_container(self, request: Request, node: str) -> Response:
        _, ig_id = self.instagram_for(request, node)
        form = request.form
        media_type = form.get("media_type", "IMAGE").upper()
        if media_type not in MEDIA_TYPES:
            raise graph_error("The media type entered is not one of the expected media types.", 100, 2207023,
                              title="Unknown media type", transient=False)
        self.check_caption(form)
        if form.get("alt_text") and (media_type != "IMAGE" or not form.get("image_url")):
            raise graph_error("(#100) The parameter alt_text is only supported for images.", 100)
        children = self.carousel_children(form, ig_id) if media_type == "CAROUSEL" else []
        video = media_type in ("VIDEO", "REELS") or (media_type == "STORIES" and bool(form.get("video_url")))
        url = form.get("video_url" if video else "image_url", "")
        if media_type != "CAROUSEL" and not url:
            raise graph_error(f"(#100) The parameter {'video_url' if video else 'image_url'} is required.", 100)
        container = Container(self.new_id(17_900_000_000_000_000), ig_id, media_type, self.now, dict(form),
                              self.video_polls if video else self.image_polls, children)
        if url:
            container.download = self.fetch(url)
            if not video:
                self.check_image(container.download)
            elif not container.download.ok or not container.download.content_type.startswith("video/"):
                subcode, text = (2207026, "Unsupported video format") if container.download.ok else \
                    (2207003, "It takes too long to download the media.") if container.download.error == "timeout" \
                    else (2207052, f"Media download has failed. The media could not be fetched from this URI: {url}")
                container.error_subcode, container.error_message = subcode, text
        self.containers[container.id] = container
        return Response(200, {"id": container.id})

    def check_caption(self, form: dict[str, str]) -> None:
        caption = form.get("caption", "")
        hashtags, mentions = hashtags_and_mentions(caption)
        if len(caption) > 2200 or hashtags > 30 or mentions > 20:
            raise graph_error("The caption you provided is too long. Maximum 2200 characters, 30 hashtags, and 20 "
                              "@ tags.", 100, 2207010, title="Caption too long", transient=False)

    def check_image(self, download: Download) -> None:
        """Image downloads fail at creation: Graph refuses the container there and then."""
        if download.error == "timeout":
            raise graph_error("It takes too long to download the media.", -2, 2207003, title="Timeout",
                              user_msg="It takes too long to download the media.", transient=True)
        if not download.ok or not download.content_type.startswith("image/"):
            raise graph_error("Only photo or video can be accepted as media type.", 9004, 2207052,
                              title="Media download has failed.", transient=False,
                              user_msg=f"The media could not be fetched from this URI: {download.url}")
        if download.size > self.max_image_bytes:
            raise graph_error("The image size is too large.", 36000, 2207004, title="Image size too large",
                              user_msg="The image is too large to download. It should be less than 8 MiB.",
                              transient=False)

    def carousel_children(self, form: dict[str, str], ig_id: str) -> list[str]:
        children = [c.strip() for c in form.get("children", "").split(",") if c.strip()]
        valid = [c for c in children if c in self.containers and self.containers[c].owner == ig_id
                 and self.containers[c].is_carousel_item]
        if not 2 <= len(children) <= 10 or valid != children:
            raise graph_error("Carousel validation failed: a carousel has 2 to 10 items, each created with "
                              "is_carousel_item=true by this account.", 100, 2207028, transient=False)
        return children

    def status_of(self, container: Container, poll: bool = False) -> str:
        if container.media_id is not None:
            return "PUBLISHED"
        if container.expired or self.now - container.created_at >= CONTAINER_LIFETIME:
            return "EXPIRED"
        if container.error_subcode is not None:
            return "ERROR"
        if container.children:
            states = [self.status_of(self.containers[c], poll) for c in container.children]
            for state in ("ERROR", "EXPIRED", "IN_PROGRESS"):
                if state in states:
                    return state
        if container.stuck:
            return "IN_PROGRESS"
        if container.polls_left > 0:
            if poll:
                container.polls_left -= 1
            return "IN_PROGRESS"
        return "FINISHED"

    def container_values(self, container: Container, poll: bool) -> dict[str, Any]:
        code = self.status_of(container, poll)
        status = {"FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
                  "IN_PROGRESS": "In Progress: Media is still being processed.",
                  "PUBLISHED": "Published: Media has been successfully published.",
                  "EXPIRED": "Expired: Media was not published within 24 hours.",
                  "ERROR": f"Error: {container.error_message} ({container.error_subcode})"}[code]
        return {"__type__": "ShadowIGMediaBuilder", "id": container.id, "status_code": code, "status": status,
                "copyright_check_status": {"matches_found": False, "status": "completed" if code != "IN_PROGRESS"
                                           else "in_progress"}}

    def publish_container(self, request: Request, node: str) -> Response:
        _, ig_id = self.instagram_for(request, node)
        creation_id = request.form.get("creation_id", "")
        container = self.containers.get(creation_id)
        if container is None or container.owner != ig_id:
            raise graph_error("Media builder not found", 24, 2207008, title="Media not found", transient=False,
                              user_msg="The media builder with creation id could not be found.")
        state = self.status_of(container)
        if state in ("EXPIRED", "PUBLISHED"):
            raise graph_error("The media builder does not exist or has expired", 24, 2207008,
                              title="Media builder expired", transient=False)
        if state == "ERROR":
            raise graph_error("Create media fail, please try to re-create media", -1, 2207032,
                              title="Cannot publish", transient=False)
        if state == "IN_PROGRESS":
            raise graph_error("Media ID is not available", 9007, 2207027, title="Cannot Publish", transient=False,
                              user_msg="The media is not ready for publishing, please wait for a moment")
        if container.is_carousel_item:
            raise graph_error("(#100) A carousel item cannot be published on its own", 100)
        account = self.instagram_accounts[ig_id]
        if self.quota_usage(account.id, self.now - 86400) >= account.quota_total:
            raise graph_error("Application request limit reached", 9, 2207042, title="Cannot publish post",
                              user_msg="You reached maximum number of posts that is allowed to be published by "
                              "Content Publishing API.", transient=False)
        media = self.media_from(container)
        account.publishes.append(self.now)
        return Response(200, {"id": media.id})

    def media_from(self, container: Container) -> InstagramMedia:
        kind = {"IMAGE": ("IMAGE", "FEED"), "VIDEO": ("VIDEO", "REELS"), "REELS": ("VIDEO", "REELS"),
                "CAROUSEL": ("CAROUSEL_ALBUM", "FEED")}.get(container.media_type)
        if kind is None:  # a story: image or video
            kind = ("VIDEO" if container.params.get("video_url") else "IMAGE", "STORY")
        caption = container.params.get("caption", "")
        media = InstagramMedia(self.new_id(17_800_000_000_000_000), container.owner, caption, kind[0], kind[1],
                               self.now, shortcode="", container_id=container.id,
                               media_url=container.params.get("image_url") or container.params.get("video_url", ""),
                               alt_text=container.params.get("alt_text", ""))
        media.shortcode = "C" + format(int(media.id) % 36**10, "x")[:10]
        for child_id in container.children:
            child = self.media_from(self.containers[child_id])
            child.product_type = "CAROUSEL_ITEM"
            media.children.append(child.id)
        container.media_id = media.id
        self.media[media.id] = media
        return media

    def quota_usage(self, ig_id: str, since: float) -> int:
        return sum(1 for moment in self.instagram_accounts[ig_id].publishes if moment > since)

    def publishing_limit(self, request: Request, node: str) -> Response:
        _, ig_id = self.instagram_for(request, node)
        since = float(request.query.get("since") or self.now - 86400)
        values = {"quota_usage": self.quota_usage(ig_id, max(since, self.now - 86400)),
                  "config": {"quota_total": self.instagram_accounts[ig_id].quota_total, "quota_duration": 86400}}
        return Response(200, {"data": [self.pick(values, request.query.get("fields") or "quota_usage")]})

    def media_values(self, media: InstagramMedia) -> dict[str, Any]:
        account = self.instagram_accounts[media.owner]
        comments = [c for c in self.comments.values() if c.on == media.id]
        return {"__type__": "IGMedia", "id": media.id, "caption": media.caption or None,
                "media_type": media.media_type, "media_product_type": media.product_type,
                "timestamp": graph_time(media.created), "permalink": f"https://www.instagram.com/p/{media.shortcode}/",
                "shortcode": media.shortcode, "username": account.username, "media_url": media.media_url,
                "thumbnail_url": media.media_url if media.media_type == "VIDEO" else None,
                "alt_text": media.alt_text or None, "like_count": media.like_count, "comments_count": len(comments),
                "is_comment_enabled": media.comment_enabled, "owner": {"id": account.id},
                "children": lambda sub: {"data": [self.pick(self.media_values(self.media[c]), sub or "id")
                                                  for c in media.children]} if media.children else None}

    def published_media(self, ig_id: str, stories: bool) -> list[InstagramMedia]:
        found = [m for m in self.media.values() if m.owner == ig_id and m.product_type != "CAROUSEL_ITEM"
                 and (m.product_type == "STORY") == stories]
        if stories:  # stories stay readable for 24 hours
            found = [m for m in found if self.now - m.created < 86400]
        return sorted(found, key=lambda m: (m.created, m.id), reverse=True)

    def list_media(self, request: Request, node: str) -> Response:
        _, ig_id = self.instagram_for(request, node)
        return Response(200, self.paged(request, [self.select(self.media_values(m), request, "id")
                                                  for m in self.published_media(ig_id, stories=False)]))

    def list_stories(self, request: Request, node: str) -> Response:
        _, ig_id = self.instagram_for(request, node)
        return Response(200, self.paged(request, [self.select(self.media_values(m), request, "id")
                                                  for m in self.published_media(ig_id, stories=True)]))
