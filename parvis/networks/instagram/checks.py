"""What Instagram refuses that the common checks (length, count, types, sizes) do not
see. Sources: docs/networks/meta.md, 3.2 (media constraints, caption limits)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parvis.networks.base import Draft, MediaFile, Problem
from parvis.networks.instagram.options import FEED, REEL, STORY
from parvis.networks.text import HASHTAG_RE

KEY = "instagram"
MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
CAROUSEL = (2, 10)
# Feed images: from 4:5 (portrait) to 1.91:1 (landscape), width over height.
MIN_RATIO, MAX_RATIO = 4 / 5, 1.91
REEL_SECONDS = (3.0, 15 * 60.0)
STORY_VIDEO_SECONDS = (3.0, 60.0)


def problem(field: str, message: str) -> Problem:
    return Problem(field, message, KEY)


def post_type(options: object) -> str:
    value = options.get("post_type") if isinstance(options, dict) else None
    return value if value in (FEED, REEL, STORY) else FEED


def check(draft: Draft) -> list[Problem]:
    from parvis.networks.instagram.info import MENTION_RE

    kind = post_type(dict(draft.options))
    media = list(draft.media)
    problems = _media_problems(kind, media)
    if len(draft.text) > MAX_CAPTION:
        problems.append(problem("text", _("The caption has %(count)d characters; Instagram takes %(max)d at most.")
                                % {"count": len(draft.text), "max": MAX_CAPTION}))
    hashtags = len(HASHTAG_RE.findall(draft.text))
    if hashtags > MAX_HASHTAGS:
        problems.append(problem("text", _("The caption has %(count)d hashtags; Instagram takes %(max)d at most.")
                                % {"count": hashtags, "max": MAX_HASHTAGS}))
    mentions = len(MENTION_RE.findall(draft.text))
    if mentions > MAX_MENTIONS:
        problems.append(problem("text", _("The caption mentions %(count)d accounts; Instagram takes %(max)d at "
                                          "most.") % {"count": mentions, "max": MAX_MENTIONS}))
    comment = str(draft.options.get("first_comment") or "")
    if comment and kind == STORY:
        problems.append(problem("options.first_comment", _("A story cannot have a first comment.")))
    return problems


def _media_problems(kind: str, media: list[MediaFile]) -> list[Problem]:
    if not media:
        return [problem("media", _("Instagram needs an image or a video."))]
    if kind in (REEL, STORY) and len(media) > 1:
        return [problem("media", _("A reel or a story has exactly one image or video."))]
    if kind == REEL and not media[0].is_video:
        return [problem("media", _("A reel is a video."))]
    if kind == FEED and len(media) > CAROUSEL[1]:
        return [problem("media", _("A carousel has %(min)d to %(max)d images or videos.")
                        % {"min": CAROUSEL[0], "max": CAROUSEL[1]})]
    problems = []
    for index, item in enumerate(media, start=1):
        if item.is_video:
            problems += _duration(kind, index, item)
        elif kind == FEED and item.width and item.height and not MIN_RATIO <= item.width / item.height <= MAX_RATIO:
            problems.append(problem("media", _("Image %(n)d is %(w)d×%(h)d: Instagram's feed takes shapes from 4:5 "
                                               "(portrait) to 1.91:1 (landscape).")
                                    % {"n": index, "w": item.width, "h": item.height}))
    return problems


def _duration(kind: str, index: int, item: MediaFile) -> list[Problem]:
    if item.duration is None:
        return []
    low, high = STORY_VIDEO_SECONDS if kind == STORY else REEL_SECONDS
    if low <= item.duration <= high:
        return []
    return [problem("media", _("Video %(n)d lasts %(seconds)d s: Instagram takes %(low)d s to %(high)d s here.")
                    % {"n": index, "seconds": round(item.duration), "low": low, "high": high})]
