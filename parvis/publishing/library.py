"""The media library of a workspace: images and videos uploaded once and reused, with
their usage rights ("achat d'art": where a picture comes from, under which licence, until
when it may be used).

A file is stored once per workspace: uploading the same bytes again (same SHA-256) gives
back the asset already there. A post whose media rights run out before its date cannot
be scheduled, and the engine refuses to publish one whose rights ran out meanwhile.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import IO, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image

from parvis.accounts import audit
from parvis.accounts.models import User, Workspace
from parvis.core.texts import Text
from parvis.publishing.media_types import inspect_media, max_pixels
from parvis.publishing.models import MediaAsset, Post, PostMedia, State
from parvis.publishing.schedule import parse_timezone
from parvis.publishing.types import FieldError, MediaInfo, PostInput, PostValidationError, Upload

log = logging.getLogger(__name__)

EXPIRING_SOON_DAYS = 30
MAX_TAGS, MAX_TAG_CHARS = 30, 50
THUMBNAIL_SIZE = (480, 480)
RIGHTS_FILTERS = ("expired", "expiring", "none")
# Posts whose publications are still to go out: what a library change must not break.
PENDING_STATES = (State.SCHEDULED, State.PUBLISHING, State.PROCESSING)


def max_bytes(kind: str) -> int:
    """The largest file the library takes. Networks have their own, lower limits,
    checked against each chosen account when a post is saved."""
    if kind == MediaAsset.Kind.VIDEO:
        return int(settings.PARVIS_MAX_VIDEO_BYTES)
    return int(settings.PARVIS_MAX_IMAGE_BYTES)


class Added(NamedTuple):
    asset: MediaAsset
    created: bool  # False: the same file was already in the library


class AssetInUse(PostValidationError):
    """A delete refused because scheduled posts still need the file."""


# -- reading uploads -------------------------------------------------------------------

def sha256_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def inspect_upload(upload: Upload) -> MediaInfo:
    """Check the file (what it is, how big) and fingerprint it. PostValidationError on `media`."""
    info = inspect_media(upload.name, upload.stream, upload.size)
    limit = max_bytes(info.kind)
    if info.size > limit:
        raise PostValidationError([FieldError(
            "media", _("“%(name)s” is too large: %(size)s, %(max)s at most for %(kind)s.")
            % {"name": info.name, "size": filesizeformat(info.size), "max": filesizeformat(limit),
               "kind": _("a video") if info.kind == MediaAsset.Kind.VIDEO else _("an image")},
            "media_too_large")])
    info.sha256 = sha256_of(upload.stream)
    info.alt_text = upload.alt_text
    return info


def parse_tags(raw: str | Iterable[str]) -> list[str]:
    """Tags from "a, b" or a list: trimmed, without duplicates (case-insensitive)."""
    items = raw.split(",") if isinstance(raw, str) else [str(t) for t in raw]
    tags: list[str] = []
    for item in items:
        tag = " ".join(item.split()).lstrip("#")
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    errors = []
    if len(tags) > MAX_TAGS:
        errors.append(FieldError("tags", _("%(max)d tags at most.") % {"max": MAX_TAGS}, "too_many"))
    long = [t for t in tags if len(t) > MAX_TAG_CHARS]
    if long:
        errors.append(FieldError("tags", _("The tag “%(tag)s” is too long (%(max)d characters at most).")
                                 % {"tag": long[0][:60], "max": MAX_TAG_CHARS}, "too_long"))
    if errors:
        raise PostValidationError(errors)
    return tags


def _check_text_fields(source: str, licence: str) -> None:
    errors = [FieldError(name, _("%(max)d characters at most.") % {"max": 255}, "too_long")
              for name, value in (("source", source), ("licence", licence)) if len(value) > 255]
    if errors:
        raise PostValidationError(errors)


# -- writing -----------------------------------------------------------------------------

def existing_asset(workspace: Workspace, sha256: str) -> MediaAsset | None:
    if not sha256:
        return None
    return MediaAsset.objects.filter(workspace=workspace, sha256=sha256).order_by("pk").first()


@transaction.atomic
def add_asset(
    workspace: Workspace, user: User | None, upload: Upload, alt_text: str = "",
    tags: str | Iterable[str] = (), source: str = "", licence: str = "",
    rights_expire_on: date | None = None, *, info: MediaInfo | None = None,
) -> Added:
    """Put a file in the library. The same bytes uploaded again give back the asset
    already there, with what was missing (alt text, source, licence, expiry, new tags)
    filled in from this upload; what it already had is never overwritten."""
    info = info or inspect_upload(upload)
    tag_list = parse_tags(tags)
    source, licence, alt_text = source.strip(), licence.strip(), alt_text.strip()
    _check_text_fields(source, licence)
    found = existing_asset(workspace, info.sha256)
    if found is not None:
        _fill_gaps(found, alt_text, tag_list, source, licence, rights_expire_on)
        return Added(found, False)
    asset = MediaAsset(
        workspace=workspace, kind=info.kind, original_name=info.name[:255], mime_type=info.mime_type,
        size=info.size, width=info.width, height=info.height, sha256=info.sha256, alt_text=alt_text,
        tags=tag_list, source=source, licence=licence, rights_expire_on=rights_expire_on,
        uploaded_by=user,
    )
    upload.stream.seek(0)
    asset.file.save(info.name, File(upload.stream, name=info.name), save=False)
    asset.save()
    audit.record(workspace, "media.added", actor=user, target=asset, summary=asset.original_name,
                 after=_rights_text(asset))
    return Added(asset, True)


def _fill_gaps(asset: MediaAsset, alt_text: str, tags: list[str], source: str, licence: str,
               rights_expire_on: date | None) -> None:
    changed = []
    for field, value in (("alt_text", alt_text), ("source", source), ("licence", licence)):
        if value and not getattr(asset, field):
            setattr(asset, field, value)
            changed.append(field)
    if rights_expire_on and asset.rights_expire_on is None:
        asset.rights_expire_on = rights_expire_on
        changed.append("rights_expire_on")
    merged = asset.tags + [t for t in tags if t.casefold() not in {x.casefold() for x in asset.tags}]
    if merged != asset.tags:
        asset.tags = merged
        changed.append("tags")
    if changed:
        asset.save(update_fields=changed)


def adopt_alt_texts(workspace: Workspace, alt_texts: dict[int, str]) -> None:
    """Assets of this workspace without alt text take the one a post gave them ({asset id:
    text}): an image uploaded from the composer gets its description from the first post
    that used it. An asset that has one keeps it."""
    wanted = {pk: text.strip() for pk, text in alt_texts.items() if text.strip()}
    for asset in MediaAsset.objects.filter(workspace=workspace, pk__in=wanted, alt_text=""):
        asset.alt_text = wanted[asset.pk]
        asset.save(update_fields=["alt_text"])


_UNSET = object()


@transaction.atomic
def update_asset(
    asset: MediaAsset, user: User | None, *, alt_text: str | None = None,
    tags: str | Iterable[str] | None = None, source: str | None = None, licence: str | None = None,
    rights_expire_on: date | None | object = _UNSET,
) -> MediaAsset:
    """Change the metadata (None / left out: unchanged). Rights changes are audited."""
    before = _rights_text(asset)
    changes: dict[str, object] = {}
    if alt_text is not None:
        changes["alt_text"] = alt_text.strip()
    if tags is not None:
        changes["tags"] = parse_tags(tags)
    if source is not None:
        changes["source"] = source.strip()
    if licence is not None:
        changes["licence"] = licence.strip()
    _check_text_fields(str(changes.get("source", "")), str(changes.get("licence", "")))
    if rights_expire_on is not _UNSET:
        changes["rights_expire_on"] = rights_expire_on
    for field, value in changes.items():
        setattr(asset, field, value)
    if changes:
        asset.save(update_fields=list(changes))
        audit.record(asset.workspace, "media.updated", actor=user, target=asset, summary=asset.original_name,
                     before=before, after=_rights_text(asset))
    return asset


def pending_posts(asset: MediaAsset) -> QuerySet[Post]:
    """The posts using this asset that still have publications to go out."""
    return Post.objects.filter(media__asset=asset, publications__state__in=PENDING_STATES).distinct()


@transaction.atomic
def delete_asset(asset: MediaAsset, user: User | None) -> None:
    """Remove from the library, unless a scheduled post still uses it. Drafts and past
    posts lose the medium (what went out stays on the networks)."""
    pending = list(pending_posts(asset).order_by("scheduled_at", "pk")[:3])
    if pending:
        count = pending_posts(asset).count()
        first = pending[0]
        raise AssetInUse([FieldError("asset", ngettext(
            "“%(name)s” is used by %(count)d scheduled post (“%(text)s”). Remove it from that post "
            "or cancel the post before deleting it.",
            "“%(name)s” is used by %(count)d scheduled posts (the first: “%(text)s”). Remove it from "
            "those posts or cancel them before deleting it.", count)
            % {"name": asset.original_name, "count": count, "text": first.text[:60]}, "in_use")])
    PostMedia.objects.filter(asset=asset).delete()
    names = [asset.file.name or "", thumbnail_name(asset)]
    storage = asset.file.storage
    audit.record(asset.workspace, "media.deleted", actor=user, target=asset, summary=asset.original_name,
                 before=_rights_text(asset))
    asset.delete()
    transaction.on_commit(lambda: _delete_files(storage, names))


def _delete_files(storage: object, names: Sequence[str]) -> None:
    for name in names:
        try:
            if name and storage.exists(name):  # type: ignore[attr-defined]
                storage.delete(name)  # type: ignore[attr-defined]
        except OSError:
            log.warning("could not delete media file %s", name, exc_info=True)


def _rights_text(asset: MediaAsset) -> str:
    expiry = asset.rights_expire_on.isoformat() if asset.rights_expire_on else "-"
    return (f"alt: {asset.alt_text}\ntags: {', '.join(asset.tags)}\nsource: {asset.source}\n"
            f"licence: {asset.licence}\nrights expire on: {expiry}")


# -- finding -----------------------------------------------------------------------------

def workspace_today(workspace: Workspace, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(workspace.timezone)).date()


def rights_status(asset: MediaAsset, today: date) -> str:
    """"expired", "expiring" (within 30 days), "valid" or "none" (no expiry date)."""
    if asset.rights_expire_on is None:
        return "none"
    if asset.rights_expire_on < today:
        return "expired"
    if asset.rights_expire_on <= today + timedelta(days=EXPIRING_SOON_DAYS):
        return "expiring"
    return "valid"


def search_assets(
    workspace: Workspace, *, text: str = "", tag: str = "", kind: str = "", rights: str = "",
    today: date | None = None,
) -> QuerySet[MediaAsset]:
    """The workspace's assets matching every filter given (blank: no filter)."""
    today = today or workspace_today(workspace)
    found = MediaAsset.objects.filter(workspace=workspace)
    if kind in MediaAsset.Kind.values:
        found = found.filter(kind=kind)
    if rights == "expired":
        found = found.filter(rights_expire_on__lt=today)
    elif rights == "expiring":
        found = found.filter(rights_expire_on__gte=today,
                             rights_expire_on__lte=today + timedelta(days=EXPIRING_SOON_DAYS))
    elif rights == "none":
        found = found.filter(rights_expire_on__isnull=True)
    # Tags are compared here, not in SQL: JSON containment is not available on SQLite,
    # and SQLite stores non-ASCII tags escaped ("p\u00e2te"), out of reach of LIKE. A
    # library holds hundreds of assets, not millions.
    for word in text.split():
        tagged = _with_tags(found, _tag_contains(word.casefold()))
        found = found.filter(Q(original_name__icontains=word) | Q(alt_text__icontains=word)
                             | Q(source__icontains=word) | Q(licence__icontains=word) | Q(pk__in=tagged))
    tag = tag.strip().lstrip("#").casefold()
    if tag:
        found = found.filter(pk__in=_with_tags(found, lambda tags: tag in {t.casefold() for t in tags}))
    return found.order_by("-created_at", "-pk")


def _with_tags(assets: QuerySet[MediaAsset], matches: Callable[[list[str]], bool]) -> list[int]:
    return [pk for pk, tags in assets.values_list("pk", "tags") if matches(tags)]


def _tag_contains(needle: str) -> Callable[[list[str]], bool]:
    return lambda tags: any(needle in t.casefold() for t in tags)


def workspace_tags(workspace: Workspace) -> list[str]:
    tags: dict[str, str] = {}
    for asset_tags in MediaAsset.objects.filter(workspace=workspace).values_list("tags", flat=True):
        for tag in asset_tags:
            tags.setdefault(tag.casefold(), tag)
    return sorted(tags.values(), key=str.casefold)


def find_asset_by_name(workspace: Workspace, name: str) -> MediaAsset | None:
    """The asset of this workspace with this file name (case-insensitive; the newest if
    several): how a CSV import refers to a library image."""
    name = name.strip()
    if not name:
        return None
    found = MediaAsset.objects.filter(workspace=workspace, original_name__iexact=name)
    return found.order_by("-created_at", "-pk").first()


def assets_in(workspace: Workspace, ids: Sequence[int], field: str) -> list[MediaAsset]:
    """The assets with these ids, in this order; PostValidationError naming `field` if one
    is not in this workspace (missing and foreign look the same)."""
    wanted = list(dict.fromkeys(ids))
    found = {a.pk: a for a in MediaAsset.objects.filter(workspace=workspace, pk__in=wanted)}
    if len(found) != len(wanted):
        raise PostValidationError([FieldError(field, _("One of the chosen media is not in this workspace's "
                                                       "library."), "invalid")])
    return [found[pk] for pk in wanted]


def recognise(workspace: Workspace, infos: Sequence[MediaInfo]) -> None:
    """Uploads already in the library are that asset, with its rights: mark them so."""
    known = {a.sha256: a for a in MediaAsset.objects.filter(
        workspace=workspace, sha256__in=[i.sha256 for i in infos if i.sha256]).order_by("-pk")}
    for info in infos:
        asset = known.get(info.sha256)
        if asset is not None:
            info.asset_id, info.rights_expire_on = asset.pk, asset.rights_expire_on
            info.alt_text = info.alt_text or asset.alt_text


def media_info(asset: MediaAsset, alt_text: str = "") -> MediaInfo:
    """What validation needs to know of a library asset used in a post."""
    return MediaInfo(name=asset.original_name or str(asset), mime_type=asset.mime_type, size=asset.size,
                     width=asset.width, height=asset.height, alt_text=alt_text or asset.alt_text,
                     asset_id=asset.pk, kind=asset.kind, rights_expire_on=asset.rights_expire_on,
                     sha256=asset.sha256)


# -- usage rights ------------------------------------------------------------------------

def _publication_day(data: PostInput, now: datetime) -> date | None:
    if data.mode == "draft":
        return None  # a draft has no date yet: checked when it is scheduled
    when = data.scheduled_at if data.mode != "now" and data.scheduled_at else now
    zone = (ZoneInfo(data.workspace.timezone) if data.workspace is not None
            else parse_timezone(data.timezone_name) or ZoneInfo("UTC"))
    return when.astimezone(zone).date()


def _terms(asset: MediaAsset | None) -> str:
    """" (licence CC BY 4.0, source Getty)", or "" when neither is known."""
    if asset is None:
        return ""
    parts = []
    if asset.licence:
        parts.append(_("licence %(licence)s") % {"licence": asset.licence})
    if asset.source:
        parts.append(_("source %(source)s") % {"source": asset.source})
    return f" ({', '.join(parts)})" if parts else ""


def _long_date(day: date) -> str:
    return date_format(day, "j F Y")


def rights_errors(data: PostInput, now: datetime | None = None) -> list[FieldError]:
    """A blocking error for each medium whose rights run out before the post's date.
    Rights expiring on day D are valid through D, in the workspace's time zone."""
    dated = [m for m in data.media if m.rights_expire_on is not None]
    day = _publication_day(data, now or timezone.now()) if dated else None
    if day is None:
        return []
    expired = [m for m in dated if m.rights_expire_on is not None and m.rights_expire_on < day]
    if not expired:
        return []
    assets = MediaAsset.objects.in_bulk([m.asset_id for m in expired if m.asset_id])
    errors = []
    for media in expired:
        assert media.rights_expire_on is not None
        asset = assets.get(media.asset_id or 0)
        if media.kind == MediaAsset.Kind.VIDEO:
            advice = _("Renew the rights or choose another video.")
        else:
            advice = _("Renew the rights or choose another image.")
        errors.append(FieldError("media", _(
            "The rights to “%(name)s”%(terms)s expire on %(expiry)s, before this post's date "
            "(%(date)s).") % {"name": media.name, "terms": _terms(asset),
                             "expiry": _long_date(media.rights_expire_on), "date": _long_date(day)}
            + " " + advice, "rights_expired"))
    return errors


def rights_refusal(post: Post, now: datetime | None = None) -> Text | None:
    """Why the engine must not publish this post now (None if it may): a medium whose
    rights ran out since it was scheduled. A `Text`: stored, then read by each person in
    their own language."""
    # The engine's claim prefetches the media with their assets; most posts have none,
    # or none with an expiry, and need no date.
    dated = [(m.asset, m.asset.rights_expire_on) for m in post.media.all()]
    if all(expiry is None for _asset, expiry in dated):
        return None
    today = workspace_today(post.workspace, now)
    for asset, expiry in dated:
        if expiry is not None and expiry < today:
            return Text.gettext("Not published: the rights to “%(name)s”%(terms)s expired on %(expiry)s. Renew "
                                "the rights or choose another medium, then retry.",
                                name=asset.original_name, terms=_terms_text(asset), expiry=expiry)
    return None


def _terms_text(asset: MediaAsset) -> Text | str:
    """`_terms` kept as a `Text`."""
    if asset.licence and asset.source:
        return Text.gettext(" (licence %(licence)s, source %(source)s)", licence=asset.licence, source=asset.source)
    if asset.licence:
        return Text.gettext(" (licence %(licence)s)", licence=asset.licence)
    if asset.source:
        return Text.gettext(" (source %(source)s)", source=asset.source)
    return ""


# -- thumbnails --------------------------------------------------------------------------

def thumbnail_name(asset: MediaAsset) -> str:
    return f"w{asset.workspace_id}/thumbs/{asset.pk}-{(asset.sha256 or 'x')[:12]}.webp"


def thumbnail(asset: MediaAsset) -> IO[bytes] | None:
    """A small WebP of an image asset, made once and kept next to the file; None for a
    video, an image that can no longer be read, or one over the pixel budget (stored
    before the budget was checked at upload: it is never decoded)."""
    if asset.kind != MediaAsset.Kind.IMAGE:
        return None
    if (asset.width or 0) * (asset.height or 0) > max_pixels():
        return None
    storage, name = asset.file.storage, thumbnail_name(asset)
    if not storage.exists(name):
        try:
            with asset.file.open("rb") as source, Image.open(source) as image:
                image.thumbnail(THUMBNAIL_SIZE)
                out = io.BytesIO()
                image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(out, "WEBP", quality=80)
        except (OSError, ValueError, Image.DecompressionBombError):
            log.warning("no thumbnail for media asset %s", asset.pk, exc_info=True)
            return None
        storage.save(name, ContentFile(out.getvalue()))
    return storage.open(name, "rb")
