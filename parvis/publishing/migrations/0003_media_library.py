"""Every image already attached to a post becomes an asset of its workspace's library.

The asset takes over the very same stored file (no copy): after 0004 the library is the
one place that knows a medium's file, type, size and dimensions. Backwards, each post
medium gets its file and facts back, and the assets that only existed for posts go away
(their files stay: the post media own them again). Assets uploaded to the library alone
are kept.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import migrations

CHUNK = 1024 * 1024


def _sha256(field_file: Any) -> str:
    """The digest of a stored file, or "" when the file is gone from storage (an old
    upload lost in a move): the asset is still created, it just cannot be deduplicated."""
    if not field_file.name or not field_file.storage.exists(field_file.name):
        return ""
    digest = hashlib.sha256()
    with field_file.storage.open(field_file.name, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_to_assets(apps: Any, schema_editor: Any) -> None:
    PostMedia = apps.get_model("publishing", "PostMedia")
    MediaAsset = apps.get_model("publishing", "MediaAsset")
    alias = schema_editor.connection.alias
    for media in PostMedia.objects.using(alias).filter(asset__isnull=True).select_related("post", "post__author"):
        asset = MediaAsset.objects.using(alias).create(
            workspace_id=media.post.workspace_id, file=media.file.name, kind="image",
            original_name=media.original_name, mime_type=media.mime_type, size=media.size,
            width=media.width, height=media.height, sha256=_sha256(media.file),
            alt_text=media.alt_text, uploaded_by_id=media.post.author_id,
        )
        # created_at is auto_now_add: keep the library in the order the images came in.
        MediaAsset.objects.using(alias).filter(pk=asset.pk).update(created_at=media.post.created_at)
        media.asset = asset
        media.save(update_fields=["asset"])


def assets_to_media(apps: Any, schema_editor: Any) -> None:
    PostMedia = apps.get_model("publishing", "PostMedia")
    MediaAsset = apps.get_model("publishing", "MediaAsset")
    alias = schema_editor.connection.alias
    used: set[int] = set()
    for media in PostMedia.objects.using(alias).filter(asset__isnull=False).select_related("asset"):
        asset = media.asset
        media.file = asset.file.name
        media.original_name, media.mime_type, media.size = asset.original_name, asset.mime_type, asset.size
        media.width, media.height = asset.width, asset.height
        media.alt_text = media.alt_text or asset.alt_text
        media.asset = None
        media.save()
        used.add(asset.pk)
    MediaAsset.objects.using(alias).filter(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("publishing", "0002_editorial_workflow")]

    operations = [migrations.RunPython(media_to_assets, assets_to_media)]
