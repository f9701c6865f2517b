"""The media library: files recognised by content and stored once, usage rights that block
scheduling (and publishing) past their expiry in the workspace's time zone, deletes that
never break a scheduled post, and the migration of issue 2's post images into it."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import override

from parvis.accounts.models import AuditEntry
from parvis.networks.models import SocialAccount
from parvis.publishing import engine, library
from parvis.publishing.actions import Upload, cancel_post, save_post
from parvis.publishing.models import MediaAsset, Post, PostMedia, State
from parvis.publishing.tests.helpers import pub, schedule
from parvis.publishing.validation import PostInput, PostValidationError, check_post
from parvis.testing.images import forbid_decoding, png_bomb, png_bytes
from parvis.testing.videos import ebml_bytes, mp4_bytes

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "pain.png", alt: str = "") -> Upload:
    return Upload(name, io.BytesIO(data), len(data), alt)


def add(people: dict[str, Any], data: bytes, name: str = "pain.png", **kwargs: Any) -> MediaAsset:
    return library.add_asset(people["workspace"], people["editor"], upload(data, name), **kwargs).asset


@pytest.fixture
def bluesky_row(people: dict[str, Any]) -> SocialAccount:
    """Enough of a Bluesky account for validation, which never calls the network."""
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:brand", handle="@brand.bsky.social",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})


# -- uploads -------------------------------------------------------------------------------

def test_the_same_file_uploaded_twice_is_stored_once_and_gains_what_was_missing(people, png):
    first, created = library.add_asset(people["workspace"], people["editor"], upload(png), tags="pain, Vitrine")
    again, created_again = library.add_asset(people["workspace"], people["editor"], upload(png, "copie.png"),
                                             alt_text="Une miche", tags=["vitrine", "été"], licence="CC BY 4.0")
    assert created and not created_again and again.pk == first.pk
    again.refresh_from_db()
    assert again.tags == ["pain", "Vitrine", "été"] and again.alt_text == "Une miche"
    assert again.licence == "CC BY 4.0" and again.original_name == "pain.png"
    assert again.sha256 == hashlib.sha256(png).hexdigest()
    assert MediaAsset.objects.count() == 1
    # Another workspace has its own library: the same bytes are a separate asset there.
    other = library.add_asset(people["other_workspace"], people["outsider"], upload(png)).asset
    assert other.pk != first.pk and other.workspace == people["other_workspace"]


def test_an_upload_is_audited_with_its_rights(people, png):
    asset = add(people, png, licence="Getty editorial", rights_expire_on=date(2026, 12, 31))
    entry = AuditEntry.objects.get(action="media.added")
    assert entry.target_id == str(asset.pk) and "Getty editorial" in entry.after and "2026-12-31" in entry.after


@pytest.mark.parametrize(("data", "name", "mime", "size"), [
    (mp4_bytes(1080, 1920), "story.jpg", "video/mp4", (1080, 1920)),  # the name lies: content wins
    (mp4_bytes(640, 360, brand=b"qt  ", compatible=b"qt  "), "clip.bin", "video/quicktime", (640, 360)),
    (ebml_bytes("webm"), "teaser.mp4", "video/webm", (None, None)),
])
def test_videos_are_recognised_by_their_content(people, data, name, mime, size):
    asset = add(people, data, name)
    assert (asset.kind, asset.mime_type, (asset.width, asset.height)) == ("video", mime, size)


@pytest.mark.parametrize(("data", "name"), [
    (ebml_bytes("matroska"), "film.webm"),  # Matroska, not WebM: no network takes it
    (mp4_bytes(brand=b"heic", compatible=b"mif1heic"), "photo.mp4"),  # a HEIF image in the same container
    (b"PK\x03\x04 this is a zip file", "video.mp4"),
])
def test_files_that_are_neither_image_nor_video_are_refused_naming_the_file(people, data, name):
    with pytest.raises(PostValidationError) as caught:
        add(people, data, name)
    [error] = caught.value.errors
    assert error.field == "media" and name in error.message and "MP4" in error.message
    assert not MediaAsset.objects.exists()


def test_a_video_over_the_size_limit_is_refused(people, settings):
    settings.PARVIS_MAX_VIDEO_BYTES = 1000
    with pytest.raises(PostValidationError) as caught:
        add(people, mp4_bytes(padding=2000), "long.mp4")
    assert caught.value.errors[0].code == "media_too_large" and "long.mp4" in caught.value.errors[0].message


@pytest.mark.usefixtures("english")
def test_an_image_over_the_pixel_budget_is_refused_from_its_header_without_decoding(people, monkeypatch):
    # 169 megapixels in 20 KB: decoding it for a thumbnail took the process from 175 to 825 MB.
    bomb = png_bomb(13_000, 13_000)
    decoded = forbid_decoding(monkeypatch)
    with pytest.raises(PostValidationError) as caught:
        add(people, bomb, "affiche.png")
    [error] = caught.value.errors
    assert (error.field, error.code) == ("media", "too_many_pixels")
    # Past twice the budget Pillow itself refuses to open it: only the pixel count is known.
    assert "“affiche.png” has 169 megapixels" in error.message
    assert "up to 50 megapixels" in error.message  # the limit is stated
    assert decoded == [] and not MediaAsset.objects.exists()


@pytest.mark.usefixtures("english")
def test_the_pixel_budget_is_a_setting_and_states_the_size_found(people, settings, monkeypatch):
    settings.PARVIS_MAX_IMAGE_PIXELS = 3_000_000
    decoded = forbid_decoding(monkeypatch)
    with pytest.raises(PostValidationError) as caught:
        add(people, png_bomb(2_000, 1_600), "vitrine.png")
    message = caught.value.errors[0].message
    assert "2,000 × 1,600 pixels (3.2 megapixels)" in message and "up to 3 megapixels" in message
    assert decoded == []
    monkeypatch.undo()
    assert add(people, png_bomb(2_000, 1_500), "logo.png").width == 2_000  # 3,000,000 pixels: at the limit


def test_pillow_refuses_what_is_far_over_the_budget_anywhere_in_the_process(settings):
    from PIL import Image

    assert Image.MAX_IMAGE_PIXELS == settings.PARVIS_MAX_IMAGE_PIXELS


def test_an_oversized_image_stored_before_the_budget_gets_no_thumbnail_and_is_never_decoded(people, monkeypatch):
    bomb = png_bomb(13_000, 13_000)
    asset = MediaAsset(workspace=people["workspace"], kind="image", original_name="ancien.png", mime_type="image/png",
                       size=len(bomb), width=13_000, height=13_000, sha256=hashlib.sha256(bomb).hexdigest())
    asset.file.save("ancien.png", ContentFile(bomb), save=False)
    asset.save()
    decoded = forbid_decoding(monkeypatch)
    assert library.thumbnail(asset) is None and decoded == []


def test_too_many_or_too_long_tags_name_the_tags_field(people, png):
    with pytest.raises(PostValidationError) as caught:
        add(people, png, tags=["x" * 80])
    assert caught.value.by_field().keys() == {"tags"}


# -- finding ---------------------------------------------------------------------------------

def test_search_by_tag_kind_text_and_rights_status(people):
    today = library.workspace_today(people["workspace"])
    red = add(people, png_bytes(color="red"), "rouge.png", tags=["été", "Vitrine"], source="Studio Lumière",
              rights_expire_on=today - timedelta(days=1))
    blue = add(people, png_bytes(color="blue"), "bleu.png", tags=["hiver"], rights_expire_on=today + timedelta(days=30))
    green = add(people, png_bytes(color="green"), "vert.png", rights_expire_on=today + timedelta(days=31))
    video = add(people, mp4_bytes(), "clip.mp4", tags=["vitrine"])

    def found(**filters: str) -> set[int]:
        return set(library.search_assets(people["workspace"], today=today, **filters).values_list("pk", flat=True))

    assert found(tag="vitrine") == {red.pk, video.pk}
    assert found(tag="vitr") == set()  # a tag filter is exact, not a substring
    assert found(kind="video") == {video.pk}
    assert found(text="lumière") == {red.pk}
    assert found(text="hiver") == {blue.pk}  # words also match tags
    assert found(rights="expired") == {red.pk}
    assert found(rights="expiring") == {blue.pk}  # 30 days from now is "soon"; 31 is not
    assert found(rights="none") == {video.pk}
    assert [library.rights_status(a, today) for a in (red, blue, green, video)] == [
        "expired", "expiring", "valid", "none"]


def test_find_asset_by_name_for_the_csv_import(people, png):
    asset = add(people, png, "Vitrine-Noël.PNG")
    assert library.find_asset_by_name(people["workspace"], " vitrine-noël.png ") == asset
    assert library.find_asset_by_name(people["workspace"], "autre.png") is None
    assert library.find_asset_by_name(people["other_workspace"], "Vitrine-Noël.PNG") is None


# -- usage rights ------------------------------------------------------------------------------

def _paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Paris"))


def test_scheduling_after_the_rights_expire_is_blocked_with_a_clear_message(people, png, bluesky_row):
    asset = add(people, png, "x.jpg", licence="Getty editorial", source="Getty Images",
                rights_expire_on=date(2026, 3, 12))
    data = PostInput(text="Nouvelle vitrine", accounts=[bluesky_row], mode="schedule",
                     scheduled_at=_paris(2026, 3, 15, 9), media=[library.media_info(asset)],
                     workspace=people["workspace"])
    with override("en"):
        errors = [e for e in check_post(data, now=_paris(2026, 3, 1, 9)) if e.code == "rights_expired"]
    assert [(e.field, e.message) for e in errors] == [(
        "media", "The rights to “x.jpg” (licence Getty editorial, source Getty Images) expire on 12 March 2026, "
                 "before this post's date (15 March 2026). Renew the rights or choose another image.")]


@pytest.mark.parametrize(("when", "blocked"), [
    (_paris(2026, 3, 12, 23, 30), False),  # the last evening of the rights, in Paris
    (_paris(2026, 3, 13, 0, 30), True),    # 23:30 UTC on the 12th, but already the 13th in Paris
])
def test_rights_are_valid_through_their_last_day_in_the_workspace_zone(people, png, bluesky_row, when, blocked):
    asset = add(people, png, rights_expire_on=date(2026, 3, 12))
    data = PostInput(text="Soirée", accounts=[bluesky_row], mode="schedule", scheduled_at=when.astimezone(UTC),
                     timezone_name="America/Montreal",  # the zone typed in does not matter: the workspace's does
                     media=[library.media_info(asset)], workspace=people["workspace"])
    codes = [e.code for e in check_post(data, now=_paris(2026, 3, 1, 9))]
    assert ("rights_expired" in codes) is blocked


def test_publishing_now_with_expired_rights_is_blocked_but_a_draft_is_not(people, png, bluesky_row):
    asset = add(people, png, rights_expire_on=library.workspace_today(people["workspace"]) - timedelta(days=1))
    chosen = library.media_info(asset)
    with pytest.raises(PostValidationError) as caught:
        save_post(people["workspace"], people["editor"], PostInput(
            text="Maintenant", accounts=[bluesky_row], mode="now", media=[chosen]))
    assert [e.code for e in caught.value.errors] == ["rights_expired"]
    draft = save_post(people["workspace"], people["editor"], PostInput(
        text="Plus tard", accounts=[bluesky_row], mode="draft", media=[library.media_info(asset)]))
    assert [m.asset for m in draft.media.all()] == [asset]


def test_uploading_a_file_already_in_the_library_brings_its_rights_along(people, png, bluesky_row):
    add(people, png, rights_expire_on=library.workspace_today(people["workspace"]) - timedelta(days=3))
    with pytest.raises(PostValidationError) as caught:
        save_post(people["workspace"], people["editor"], PostInput(
            text="Avec photo", accounts=[bluesky_row], mode="schedule",
            scheduled_at=timezone.now() + timedelta(hours=2)), uploads=[upload(png, "encore.png")])
    assert [e.code for e in caught.value.errors] == ["rights_expired"]


# -- posts use library assets -----------------------------------------------------------------

def test_composer_uploads_join_the_library_and_library_media_keep_their_own_alt_text(people, png, bluesky_row):
    asset = add(people, png_bytes(color="blue"), "bleu.png", alt_text="Un ciel bleu")
    chosen = library.media_info(asset)
    custom = library.media_info(asset, "Le ciel au-dessus de la boutique")
    post = save_post(people["workspace"], people["editor"], PostInput(
        text="Deux fois", accounts=[bluesky_row], mode="draft", media=[chosen]),
        uploads=[upload(png, "nouveau.png", "Une miche")])
    media = list(post.media.select_related("asset"))
    assert [m.asset.original_name for m in media] == ["bleu.png", "nouveau.png"]
    assert [m.effective_alt_text for m in media] == ["Un ciel bleu", "Une miche"]
    assert MediaAsset.objects.get(original_name="nouveau.png").uploaded_by == people["editor"]
    # Editing the asset's alt text reaches posts that did not set their own.
    library.update_asset(asset, people["editor"], alt_text="Le ciel, bleu")
    assert post.media.get(asset=asset).effective_alt_text == "Le ciel, bleu"
    second = save_post(people["workspace"], people["editor"], PostInput(
        text="Autre", accounts=[bluesky_row], mode="draft", media=[custom]))
    assert second.media.get().effective_alt_text == "Le ciel au-dessus de la boutique"


def test_an_asset_of_another_workspace_cannot_be_used(people, png, bluesky_row):
    foreign = library.add_asset(people["other_workspace"], people["outsider"], upload(png)).asset
    with pytest.raises(PostValidationError) as caught:
        save_post(people["workspace"], people["editor"], PostInput(
            text="Vol", accounts=[bluesky_row], mode="draft", media=[library.media_info(foreign)]))
    assert caught.value.by_field().keys() == {"media"}
    assert not Post.objects.exists()


def test_a_video_must_be_alone_and_fit_the_network(people, png, bluesky_row):
    video = library.media_info(add(people, mp4_bytes(), "clip.mp4"))
    image = library.media_info(add(people, png))
    webm = library.media_info(add(people, ebml_bytes(), "clip.webm"))
    codes = {e.code for e in check_post(PostInput(text="x", accounts=[bluesky_row], mode="draft",
                                                  media=[video, image]))}
    assert "video_not_alone" in codes
    [error] = check_post(PostInput(text="x", accounts=[bluesky_row], mode="draft", media=[webm]))
    assert error.code == "unsupported_media" and "Bluesky (@brand.bsky.social)" in error.message
    assert check_post(PostInput(text="x", accounts=[bluesky_row], mode="draft", media=[video])) == []


# -- deleting ----------------------------------------------------------------------------------

def test_delete_is_refused_while_a_scheduled_post_uses_it_and_allowed_after(
        people, png, bluesky_row, django_capture_on_commit_callbacks):
    asset = add(people, png, "vitrine.png")
    post = save_post(people["workspace"], people["editor"], PostInput(
        text="Bientôt la vitrine", accounts=[bluesky_row], mode="schedule",
        scheduled_at=timezone.now() + timedelta(days=2), media=[library.media_info(asset)]))
    with override("en"), pytest.raises(library.AssetInUse) as caught:
        library.delete_asset(asset, people["editor"])
    message = caught.value.errors[0].message
    assert "vitrine.png" in message and "1 scheduled post" in message and "Bientôt la vitrine" in message
    assert MediaAsset.objects.filter(pk=asset.pk).exists()

    cancel_post(post)
    name, pk = asset.file.name, asset.pk
    with django_capture_on_commit_callbacks(execute=True):
        library.delete_asset(asset, people["editor"])
    assert not MediaAsset.objects.exists() and not PostMedia.objects.exists()
    assert AuditEntry.objects.filter(action="media.deleted", target_id=str(pk)).exists()
    assert not default_storage.exists(name)  # removed once the delete is committed


# -- publishing --------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_library_image_is_published_to_mastodon_with_its_alt_text(mastodon_server, mastodon_account, people, png):
    account, local = mastodon_account
    asset = add(people, png, "miche.png", alt_text="Une miche dorée")
    post = schedule(people["workspace"], people["owner"], [account], "Du bon pain")
    post.media.create(asset=asset, position=0)
    assert engine.publish(pub(post).pk) == "published"
    [status] = mastodon_server.statuses_of(local)
    assert status["media_attachments"][0]["description"] == "Une miche dorée"


@pytest.mark.django_db(transaction=True)
def test_a_video_is_published_to_mastodon(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    asset = add(people, mp4_bytes(), "clip.mp4", alt_text="La boulangère au four")
    post = schedule(people["workspace"], people["owner"], [account], "En vidéo")
    post.media.create(asset=asset, position=0)
    assert engine.publish(pub(post).pk) == "published"
    [status] = mastodon_server.statuses_of(local)
    attachment = status["media_attachments"][0]
    assert (attachment["type"], attachment["description"]) == ("video", "La boulangère au four")


@pytest.mark.django_db(transaction=True)
def test_a_video_is_published_to_bluesky_as_a_video_embed(pds_server, bluesky_account, people):
    account, _created = bluesky_account
    asset = add(people, mp4_bytes(1080, 1920), "story.mp4", alt_text="La vitrine, de haut en bas")
    post = schedule(people["workspace"], people["owner"], [account], "Notre vitrine en vidéo")
    post.media.create(asset=asset, position=0)
    assert engine.publish(pub(post).pk) == "published"
    [record] = pds_server.list_posts(account.remote_id)
    embed = record["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video"
    assert (embed["video"]["mimeType"], embed["video"]["size"]) == ("video/mp4", asset.size)
    assert embed["alt"] == "La vitrine, de haut en bas"
    assert (embed["aspectRatio"]["width"], embed["aspectRatio"]["height"]) == (1080, 1920)


@pytest.mark.django_db(transaction=True)
def test_the_engine_refuses_a_post_whose_rights_expired_after_it_was_scheduled(
        mastodon_server, mastodon_account, people, png):
    account, local = mastodon_account
    asset = add(people, png, "affiche.png", licence="Agence X")
    post = schedule(people["workspace"], people["owner"], [account], "Affiche")
    post.media.create(asset=asset, position=0)
    library.update_asset(asset, people["editor"],
                         rights_expire_on=library.workspace_today(people["workspace"]) - timedelta(days=1))
    with override("en"):
        assert engine.publish(pub(post).pk) == "failed"
    publication = pub(post)
    assert publication.state == State.FAILED and publication.error_kind == "permanent"
    assert "affiche.png" in publication.error and "Agence X" in publication.error and "expired" in publication.error
    assert mastodon_server.statuses_of(local) == []


# -- the migration of issue 2's post images --------------------------------------------------

BEFORE = [("publishing", "0002_editorial_workflow")]
AFTER = [("publishing", "0004_post_media_from_library")]


@pytest.mark.slow  # migrates the database back and forth: minutes on a loaded machine
@pytest.mark.django_db(transaction=True)
def test_migration_turns_post_images_into_library_assets_and_back(people, png):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    name = default_storage.save(f"w{people['workspace'].pk}/legacy.png", ContentFile(png))
    try:
        executor.migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        post = old.get_model("publishing", "Post").objects.create(
            workspace_id=people["workspace"].pk, author_id=people["editor"].pk, text="Ancien post")
        old.get_model("publishing", "PostMedia").objects.create(
            post=post, position=0, file=name, original_name="pain.png", mime_type="image/png", size=len(png),
            width=64, height=48, alt_text="Une miche")

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        media = new.get_model("publishing", "PostMedia").objects.select_related("asset").get(post_id=post.pk)
        asset = media.asset
        assert (asset.file.name, asset.kind, asset.mime_type, asset.size, asset.width, asset.height) == (
            name, "image", "image/png", len(png), 64, 48)
        assert (asset.workspace_id, asset.alt_text, asset.original_name) == (
            people["workspace"].pk, "Une miche", "pain.png")
        assert asset.sha256 == hashlib.sha256(png).hexdigest()

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        restored = old.get_model("publishing", "PostMedia").objects.get(post_id=post.pk)
        assert (restored.file.name, restored.mime_type, restored.size, restored.width, restored.alt_text) == (
            name, "image/png", len(png), 64, "Une miche")
        assert restored.asset_id is None
        assert not old.get_model("publishing", "MediaAsset").objects.exists()
        assert default_storage.exists(name)  # the file never moved
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
