"""Addresses from which a network downloads a post's media itself (Meta's APIs take an
image or video URL, not an upload).

Two ways, both expiring (`PARVIS_MEDIA_URL_SECONDS`, an hour by default: a new address
is made for every attempt, so a network that downloads when the container is made always
gets a fresh one):

- parvis serves the file itself at a signed address under `PARVIS_BASE_URL`
  (`/m/<token>/<name>`): the signature is the only key, checked with the file's digest,
  and it runs out;
- with S3-compatible storage configured (`PARVIS_S3_BUCKET`…), the file is copied there
  once (named by its digest) and the network gets a presigned address. Local storage
  stays the source of truth: the other networks upload from the file.

`reachability_problem` tells the composer, before scheduling, when neither can work: no
bucket, and parvis's own address is not one the internet can reach.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from parvis.accounts.links import base_url
from parvis.core.http.addresses import PrivateAllowed, PublicOnly, default_policy
from parvis.publishing.models import MediaAsset

SALT = "parvis.publishing.media-url"
# Host names that never resolve on the internet.
PRIVATE_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home", ".test", ".example", ".invalid")


def lifetime() -> int:
    return int(settings.PARVIS_MEDIA_URL_SECONDS)


@cache
def _s3(bucket: str) -> Any:
    from storages.backends.s3 import S3Storage

    return S3Storage(
        bucket_name=bucket, endpoint_url=settings.PARVIS_S3_ENDPOINT_URL or None,
        region_name=settings.PARVIS_S3_REGION or None, access_key=settings.PARVIS_S3_ACCESS_KEY_ID or None,
        secret_key=settings.PARVIS_S3_SECRET_ACCESS_KEY or None, default_acl="private", querystring_auth=True,
        file_overwrite=False, location=settings.PARVIS_S3_PREFIX,
        # Self-hosted S3 (MinIO…) answers at one address, bucket in the path.
        addressing_style="path" if settings.PARVIS_S3_ENDPOINT_URL else None,
    )


def s3_storage() -> Any | None:
    """The bucket media are copied to, or None when none is configured."""
    bucket = settings.PARVIS_S3_BUCKET
    return _s3(bucket) if bucket else None


def file_name(asset: MediaAsset) -> str:
    stored = asset.file.name or ""
    extension = stored.rsplit(".", 1)[-1].lower() if "." in stored else "bin"
    return f"{asset.sha256 or asset.pk}.{extension}"


def media_url(asset: MediaAsset) -> str:
    """An address the network can fetch `asset` from, valid for `lifetime()` seconds."""
    storage = s3_storage()
    name = file_name(asset)
    if storage is not None:
        if not storage.exists(name):
            with asset.file.open("rb") as source:
                storage.save(name, source)
        return str(storage.url(name, expire=lifetime()))
    token = signing.dumps({"a": asset.pk, "d": asset.sha256[:16]}, salt=SALT, compress=True)
    return base_url() + reverse("media_download", args=[token, quote(name)])


class Expired(Exception):  # noqa: N818 - a state of the address, as signing's own
    pass


def asset_of(token: str) -> MediaAsset | None:
    """The asset a signed address names; None when the signature is wrong or the file
    changed; `Expired` when it was right but ran out."""
    try:
        data = signing.loads(token, salt=SALT, max_age=lifetime())
    except signing.SignatureExpired as exc:
        raise Expired from exc
    except signing.BadSignature:
        return None
    asset = MediaAsset.objects.filter(pk=data.get("a")).first()
    if asset is None or asset.sha256[:16] != data.get("d"):
        return None
    return asset


def reachability_problem() -> str | None:
    """Why a network cannot download media from parvis, or None when it can (a bucket is
    configured, or `PARVIS_BASE_URL` is an address the internet reaches)."""
    if settings.PARVIS_S3_BUCKET or settings.PARVIS_MEDIA_URL_REACHABLE:
        return None
    if not settings.PARVIS_BASE_URL:
        return _("this network downloads images and videos from parvis, but PARVIS_BASE_URL (parvis's public "
                 "address) is not set: set it, or configure S3 storage (PARVIS_S3_BUCKET).")
    parts = urlsplit(settings.PARVIS_BASE_URL)
    if not _public(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)):
        return _("this network downloads images and videos from parvis at %(url)s, which the internet cannot "
                 "reach: set PARVIS_BASE_URL to parvis's public address, or configure S3 storage "
                 "(PARVIS_S3_BUCKET).") % {"url": settings.PARVIS_BASE_URL}
    return None


def _public(host: str, port: int) -> bool:
    """An address given as a number is judged by the address policy in force (tests allow
    their loopback servers); a name, by whether it can be a public one."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        name = host.lower().rstrip(".")
        return "." in name and name != "localhost" and not name.endswith(PRIVATE_SUFFIXES)
    policy = default_policy()
    # PARVIS_ALLOW_PRIVATE_URLS lets parvis fetch from the LAN; the internet still cannot
    # fetch from a private address of parvis's.
    return (PublicOnly() if isinstance(policy, PrivateAllowed) else policy).allows(address, port)
