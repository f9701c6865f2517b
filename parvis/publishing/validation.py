"""What makes a post publishable, checked the same way for the composer and the API.

Errors name the field, and the network and account when the problem is theirs, before
anything is saved or scheduled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.networks.base import Limits
from parvis.networks.models import SocialAccount
from parvis.publishing.charter import charter_errors
from parvis.publishing.library import rights_errors
from parvis.publishing.network_checks import clean_options, network_errors
from parvis.publishing.schedule import parse_timezone, unknown_timezone
from parvis.publishing.types import FieldError, MediaInfo, PostInput, PostValidationError
from parvis.publishing.utm import final_input_text

__all__ = [  # the shared types and the zone parser, for the many callers that import them from here
    "PAST_GRACE", "FieldError", "MediaInfo", "PostInput", "PostValidationError", "check_account", "check_post",
    "check_schedule", "parse_timezone", "validate_post",
]

PAST_GRACE = timedelta(minutes=1)


def check_schedule(data: PostInput, now: datetime) -> list[FieldError]:
    errors = []
    zone_unknown = bool(data.timezone_name) and parse_timezone(data.timezone_name) is None
    if zone_unknown:
        errors.append(unknown_timezone(data.timezone_name))
    if data.mode == "schedule":
        # A date typed in an unknown zone cannot be placed in time: the zone is the error.
        if data.scheduled_at is None:
            if not zone_unknown:
                errors.append(FieldError("scheduled_at", _("Choose a date and time."), "required"))
        elif data.scheduled_at < now - PAST_GRACE:
            errors.append(FieldError("scheduled_at", _("This time is in the past. Choose a later "
                                                       "time or publish now."), "past"))
    if data.mode != "draft" and not data.accounts:
        errors.append(FieldError("accounts", _("Choose at least one account to publish to."), "required"))
    return errors


def check_account(account: SocialAccount, data: PostInput) -> list[FieldError]:
    connector = account.checking_connector
    limits = connector.limits()
    label = f"{account.network_label} ({account.shown_handle})"
    text = final_input_text(data, account.network)  # with UTM parameters, as it will be sent
    text_field = f"variants.{account.network}" if data.variants.get(account.network) else "text"
    errors = []
    if account.needs_reconnect and data.mode != "draft":
        errors.append(FieldError("accounts", _("%(account)s must be reconnected before it can "
                                               "publish.") % {"account": label}, "reconnect"))
    length = connector.count(text)
    if length > limits.max_chars:
        errors.append(FieldError(text_field, _("Too long for %(account)s: %(count)d characters, "
                                               "%(max)d at most.")
                                 % {"account": label, "count": length, "max": limits.max_chars},
                                 "too_long"))
    if len(data.media) > limits.max_media:
        errors.append(FieldError("media", _("Too many images for %(account)s: %(count)d, %(max)d "
                                            "at most.")
                                 % {"account": label, "count": len(data.media), "max": limits.max_media},
                                 "too_many_media"))
    videos = [m for m in data.media if m.kind == "video"]
    if videos and len(data.media) > 1:
        errors.append(FieldError("media", _("A video must be the only medium of a post on %(account)s "
                                            "(“%(name)s”).") % {"account": label, "name": videos[0].name},
                                 "video_not_alone"))
    for media in data.media:
        if media.kind == "video":
            errors += _video_errors(media, limits, label)
        elif media.mime_type not in limits.image_mime_types:
            errors.append(FieldError("media", _("%(account)s does not accept %(type)s images "
                                                "(“%(name)s”).")
                                     % {"account": label, "type": media.mime_type, "name": media.name},
                                     "unsupported_media"))
        elif media.size > limits.max_image_bytes:
            errors.append(FieldError("media", _("“%(name)s” is too large for %(account)s: "
                                                "%(size)s, %(max)s at most.")
                                     % {"name": media.name, "account": label,
                                        "size": _megabytes(media.size), "max": _megabytes(limits.max_image_bytes)},
                                     "media_too_large"))
        if len(media.alt_text) > limits.max_alt_chars:
            errors.append(FieldError("media", _("The alt text of “%(name)s” is too long for "
                                                "%(account)s (%(max)d characters at most).")
                                     % {"name": media.name, "account": label, "max": limits.max_alt_chars},
                                     "alt_too_long"))
    return errors


def _video_errors(media: MediaInfo, limits: Limits, label: str) -> list[FieldError]:
    if not limits.video_mime_types:
        return [FieldError("media", _("%(account)s does not accept videos (“%(name)s”): choose an image, "
                                      "or leave this account out.") % {"account": label, "name": media.name},
                           "unsupported_media")]
    if media.mime_type not in limits.video_mime_types:
        return [FieldError("media", _("%(account)s does not accept %(type)s videos (“%(name)s”).")
                           % {"account": label, "type": media.mime_type, "name": media.name}, "unsupported_media")]
    if media.size > limits.max_video_bytes:
        return [FieldError("media", _("“%(name)s” is too large for %(account)s: %(size)s, %(max)s at most.")
                           % {"name": media.name, "account": label, "size": _megabytes(media.size),
                              "max": _megabytes(limits.max_video_bytes)}, "media_too_large")]
    return []


def _megabytes(size: int) -> str:
    return filesizeformat(size)  # localised: "1.2 MB", "1,2 Mo"


def check_post(data: PostInput, now: datetime | None = None) -> list[FieldError]:
    now = now or timezone.now()
    errors: list[FieldError] = []
    if not data.text.strip() and not data.media:
        errors.append(FieldError("text", _("Write something to publish."), "required"))
    if data.mode not in {"draft", "now", "schedule", "queue"}:
        errors.append(FieldError("mode", _("Choose publish now, schedule or save as draft."), "invalid"))
    errors += check_schedule(data, now)
    option_errors = clean_options(data)  # before the networks' rules, which read the cleaned options
    errors += option_errors
    if data.text.strip() or data.media:
        for account in data.accounts:
            errors += check_account(account, data)
            if data.mode != "draft":
                # An option its form already refused is not said twice by the network's rules.
                errors += [e for e in network_errors(account, data) if e.field not in {o.field for o in option_errors}]
    errors += rights_errors(data, now)
    errors += charter_errors(data)
    return errors


def validate_post(data: PostInput) -> None:
    errors = check_post(data)
    if errors:
        raise PostValidationError(errors)
