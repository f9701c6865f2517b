from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from parvis.accounts.models import User
from parvis.api.models import ApiToken
from parvis.api.tests.conftest import World
from parvis.publishing.models import Post, Publication, State

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year + 2  # always in the future, whatever year the suite runs


def create(api: APIClient, world: World, **body: Any) -> Any:
    return api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/", body, format="json")


def scheduled(api: APIClient, world: World, **extra: Any) -> dict[str, Any]:
    body = {"text": "Joyeux Noël", "accounts": [world.mastodon.pk, world.bluesky.pk],
            "scheduled_at": f"{YEAR}-12-24T18:30", **extra}
    response = create(api, world, **body)
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]  # type: ignore[no-any-return]


# -- authentication ----------------------------------------------------------------------

def test_request_without_token_is_401(world: World) -> None:
    response = APIClient().get("/api/v1/workspaces/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_unknown_or_revoked_token_is_401(world: World) -> None:
    _token, raw = ApiToken.issue(world.owner, "old")
    ApiToken.objects.update(revoked_at=timezone.now())
    for value in (raw, "pvs_nope"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        assert client.get("/api/v1/workspaces/").status_code == 401


def test_valid_token_lists_only_my_workspaces_with_my_role(
        world: World, client_for: Callable[[User], APIClient]) -> None:
    body = client_for(world.viewer).get("/api/v1/workspaces/").json()
    assert body["count"] == 1
    assert body["results"] == [{"id": world.workspace.pk, "name": "Brand", "timezone": "Europe/Paris",
                                "language": "fr", "role": "viewer"}]
    assert client_for(world.owner).get(f"/api/v1/workspaces/{world.workspace.pk}/").json()["role"] == "owner"


def test_session_login_also_works_and_times_stay_in_utc(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    world.owner.timezone = "America/Montreal"
    world.owner.save()
    browser = APIClient()
    browser.force_login(world.owner)  # the web UI's session activates the person's zone
    assert browser.get(f"/api/v1/posts/{post['id']}/").json()["scheduled_at"] == f"{YEAR}-12-24T17:30:00Z"


# -- scoping -----------------------------------------------------------------------------

def test_outsider_gets_404_for_everything_in_a_workspace_they_do_not_belong_to(
        api: APIClient, world: World, client_for: Callable[[User], APIClient]) -> None:
    post = scheduled(api, world)
    publication = post["publications"][0]["id"]
    outsider = client_for(world.outsider)
    wid = world.workspace.pk
    for url in (f"/api/v1/workspaces/{wid}/", f"/api/v1/workspaces/{wid}/accounts/",
                f"/api/v1/workspaces/{wid}/posts/", f"/api/v1/workspaces/{wid}/publications/",
                f"/api/v1/posts/{post['id']}/", f"/api/v1/publications/{publication}/",
                "/api/v1/workspaces/999999/", "/api/v1/posts/999999/"):
        assert outsider.get(url).status_code == 404, url
    for url in (f"/api/v1/workspaces/{wid}/posts/", f"/api/v1/posts/{post['id']}/cancel/",
                f"/api/v1/publications/{publication}/cancel/"):
        assert outsider.post(url, {"text": "x"}, format="json").status_code == 404, url
    assert outsider.patch(f"/api/v1/posts/{post['id']}/", {"text": "x"}, format="json").status_code == 404
    assert Publication.objects.filter(state=State.SCHEDULED).count() == 2


def test_viewer_reads_but_may_not_write(
        api: APIClient, world: World, client_for: Callable[[User], APIClient]) -> None:
    post = scheduled(api, world)
    viewer = client_for(world.viewer)
    assert viewer.get(f"/api/v1/posts/{post['id']}/").status_code == 200
    assert create(viewer, world, text="Hello", accounts=[world.mastodon.pk]).status_code == 403
    assert viewer.patch(f"/api/v1/posts/{post['id']}/", {"text": "x"}, format="json").status_code == 403
    assert viewer.post(f"/api/v1/posts/{post['id']}/cancel/").status_code == 403
    assert Post.objects.get().text == "Joyeux Noël"


def test_editor_may_create_posts(world: World, client_for: Callable[[User], APIClient]) -> None:
    response = create(client_for(world.editor), world, text="Hello", accounts=[world.mastodon.pk])
    assert response.status_code == 201
    assert response.json()["author"] == world.editor.pk


def test_accounts_are_listed_without_credentials(api: APIClient, world: World) -> None:
    body = api.get(f"/api/v1/workspaces/{world.workspace.pk}/accounts/").json()
    assert [a["network"] for a in body["results"]] == ["bluesky", "mastodon"]
    assert set(body["results"][1]) == {"id", "network", "handle", "display_name", "server_url",
                                       "status", "status_reason", "profile_url"}
    assert "app_password" not in json.dumps(body) and "access_token" not in json.dumps(body)


# -- creating posts ----------------------------------------------------------------------

def test_local_time_is_read_in_the_workspace_zone_and_stored_in_utc(api: APIClient, world: World) -> None:
    post = scheduled(api, world)  # 18:30 in Paris in winter is 17:30 UTC
    assert post["scheduled_at"] == f"{YEAR}-12-24T17:30:00Z"
    assert post["timezone"] == "Europe/Paris"
    assert post["scheduled_at_local"] == f"{YEAR}-12-24T18:30:00+01:00"
    assert post["is_draft"] is False
    assert {(p["network"], p["state"], p["due_at"]) for p in post["publications"]} == {
        ("mastodon", "scheduled", f"{YEAR}-12-24T17:30:00Z"),
        ("bluesky", "scheduled", f"{YEAR}-12-24T17:30:00Z")}


def test_local_time_in_a_chosen_zone_follows_its_summer_time(api: APIClient, world: World) -> None:
    post = scheduled(api, world, scheduled_at=f"{YEAR}-07-01T09:00", timezone="America/Montreal")
    assert post["scheduled_at"] == f"{YEAR}-07-01T13:00:00Z"
    assert Post.objects.get().scheduled_at == datetime(YEAR, 7, 1, 13, 0, tzinfo=UTC)


def test_time_with_an_offset_is_that_instant(api: APIClient, world: World) -> None:
    post = scheduled(api, world, scheduled_at=f"{YEAR}-12-24T18:30:00Z", timezone="Europe/Paris")
    assert post["scheduled_at"] == f"{YEAR}-12-24T18:30:00Z"
    assert post["scheduled_at_local"] == f"{YEAR}-12-24T19:30:00+01:00"


def test_time_skipped_by_the_spring_dst_change_is_refused(api: APIClient, world: World) -> None:
    day = date(YEAR, 3, 31)
    day -= timedelta(days=(day.weekday() - 6) % 7)  # last Sunday of March: 02:00 → 03:00 in Paris
    response = create(api, world, text="x", accounts=[world.mastodon.pk],
                      scheduled_at=f"{day.isoformat()}T02:30")
    assert "scheduled_at" in errors(response)
    assert not Post.objects.exists()


def test_past_time_is_400_naming_scheduled_at(api: APIClient, world: World) -> None:
    response = create(api, world, text="x", accounts=[world.mastodon.pk], scheduled_at="2020-01-01T10:00")
    assert list(errors(response)) == ["scheduled_at"]


def test_unknown_time_zone_is_400_naming_timezone_only(api: APIClient, world: World) -> None:
    response = create(api, world, text="x", accounts=[world.mastodon.pk],
                      scheduled_at=f"{YEAR}-12-24T18:30", timezone="Mars/Olympus")
    found = errors(response)
    assert list(found) == ["timezone"]
    assert "Mars/Olympus" in found["timezone"][0]


def test_unreadable_time_is_400_naming_scheduled_at(api: APIClient, world: World) -> None:
    for value in ("tomorrow", f"{YEAR}-12-24", 12):
        response = create(api, world, text="x", accounts=[world.mastodon.pk], scheduled_at=value)
        assert list(errors(response)) == ["scheduled_at"], value


def test_text_too_long_for_bluesky_names_the_field_and_the_network(api: APIClient, world: World) -> None:
    response = create(api, world, text="é" * 301, accounts=[world.mastodon.pk, world.bluesky.pk],
                      scheduled_at=f"{YEAR}-12-24T18:30")
    found = errors(response)
    assert list(found) == ["text"]
    assert "Bluesky" in found["text"][0] and "301" in found["text"][0]
    assert not Post.objects.exists()


def test_too_long_bluesky_variant_names_the_variant(api: APIClient, world: World) -> None:
    response = create(api, world, text="Short", accounts=[world.bluesky.pk],
                      variants={"bluesky": "b" * 301}, mode="draft")
    assert list(errors(response)) == ["variants.bluesky"]


def test_variant_is_kept_for_its_network(api: APIClient, world: World) -> None:
    post = scheduled(api, world, variants={"bluesky": "Court", "mastodon": " "})
    assert post["variants"] == {"bluesky": "Court"}


def test_variant_for_an_unknown_network_is_400(api: APIClient, world: World) -> None:
    response = create(api, world, text="x", variants={"myspace": "hi"})
    assert list(errors(response)) == ["variants"]


def test_empty_text_is_400_naming_text(api: APIClient, world: World) -> None:
    response = create(api, world, text="   ", accounts=[world.mastodon.pk], mode="now")
    assert list(errors(response)) == ["text"]


def test_account_of_another_workspace_or_unknown_is_400_naming_accounts(
        api: APIClient, world: World) -> None:
    for ids in ([world.other_account.pk], [world.mastodon.pk, 999999]):
        response = create(api, world, text="x", accounts=ids, scheduled_at=f"{YEAR}-12-24T18:30")
        assert list(errors(response)) == ["accounts"], ids
    assert not Publication.objects.exists()


def test_several_problems_are_reported_at_once(api: APIClient, world: World) -> None:
    response = create(api, world, text="é" * 301, accounts=[world.bluesky.pk, 999999],
                      scheduled_at="nonsense")
    assert set(errors(response)) == {"accounts", "scheduled_at", "text"}


def test_bad_json_wrong_types_and_missing_fields_are_400_never_500(api: APIClient, world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/posts/"
    found = errors(api.post(url, "{not json", content_type="application/json"))
    assert list(found) == ["body"] and isinstance(found["body"], list)
    found = errors(api.post(url, {"accounts": "abc", "mode": "later", "variants": []}, format="json"))
    assert set(found) == {"text", "accounts", "mode", "variants"}
    assert list(errors(api.post(url, [1, 2], format="json"))) == ["body"]


def test_without_a_time_the_post_is_a_draft(api: APIClient, world: World) -> None:
    post = create(api, world, text="Idée", accounts=[world.mastodon.pk]).json()
    assert post["is_draft"] is True
    assert [p["state"] for p in post["publications"]] == ["draft"]


def test_publish_now_enqueues_after_commit(
        api: APIClient, world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post = create(api, world, text="Maintenant", accounts=[world.mastodon.pk], mode="now").json()
    assert world.enqueued == [post["publications"][0]["id"]]
    assert post["publications"][0]["state"] == "scheduled"


def test_publish_now_with_a_time_is_refused_as_ambiguous(api: APIClient, world: World) -> None:
    response = create(api, world, text="x", accounts=[world.mastodon.pk], mode="now",
                      scheduled_at=f"{YEAR}-12-24T18:30")
    assert list(errors(response)) == ["scheduled_at"]
    assert world.enqueued == []


def test_images_can_be_sent_as_multipart(api: APIClient, world: World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(image, "PNG")
    image.seek(0)
    image.name = "red.png"
    response = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {
        "text": "Rouge", "accounts": [world.mastodon.pk], "media": [image], "alt_0": "A red square",
    }, format="multipart")
    assert response.status_code == 201, response.content
    [media] = response.json()["media"]
    assert (media["mime_type"], media["width"], media["alt_text"]) == ("image/png", 4, "A red square")


def test_a_file_that_is_not_an_image_is_400_naming_media(api: APIClient, world: World) -> None:
    fake = io.BytesIO(b"not an image")
    fake.name = "evil.png"
    response = api.post(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {
        "text": "x", "accounts": [world.mastodon.pk], "media": [fake]}, format="multipart")
    assert list(errors(response)) == ["media"]


# -- reading, updating, cancelling -------------------------------------------------------

def test_post_is_read_back_with_its_publications(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    body = api.get(f"/api/v1/posts/{post['id']}/").json()
    assert body == post


def test_update_a_scheduled_post_keeps_what_is_left_out(api: APIClient, world: World) -> None:
    post = scheduled(api, world, variants={"bluesky": "Court"})
    response = api.patch(f"/api/v1/posts/{post['id']}/", {
        "text": "Joyeux Noël à tous", "scheduled_at": f"{YEAR}-12-24T20:00"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["text"] == "Joyeux Noël à tous"
    assert body["scheduled_at"] == f"{YEAR}-12-24T19:00:00Z"
    assert body["variants"] == {"bluesky": "Court"}
    assert {p["id"] for p in body["publications"]} == {p["id"] for p in post["publications"]}
    assert {p["due_at"] for p in body["publications"]} == {f"{YEAR}-12-24T19:00:00Z"}


def test_update_can_drop_a_target(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    body = api.patch(f"/api/v1/posts/{post['id']}/", {"accounts": [world.bluesky.pk]},
                     format="json").json()
    assert [p["network"] for p in body["publications"]] == ["bluesky"]


def test_update_is_validated_like_a_create(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    response = api.patch(f"/api/v1/posts/{post['id']}/", {"text": "é" * 301}, format="json")
    assert "Bluesky" in errors(response)["text"][0]
    assert Post.objects.get().text == "Joyeux Noël"


def test_update_of_a_published_post_is_409(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    Publication.objects.filter(account=world.mastodon).update(
        state=State.PUBLISHED, remote_url="https://example.social/@brand/1")
    response = api.patch(f"/api/v1/posts/{post['id']}/", {"text": "Changed"}, format="json")
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["post"]
    assert Post.objects.get().text == "Joyeux Noël"


def test_cancel_a_post_cancels_its_publications(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    response = api.post(f"/api/v1/posts/{post['id']}/cancel/")
    assert response.status_code == 200
    assert {p["state"] for p in response.json()["publications"]} == {"cancelled"}
    assert api.post(f"/api/v1/posts/{post['id']}/cancel/").status_code == 200  # idempotent


def test_cancel_of_a_published_post_is_409(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    Publication.objects.update(state=State.PUBLISHED)
    assert api.post(f"/api/v1/posts/{post['id']}/cancel/").status_code == 409


# -- publications ------------------------------------------------------------------------

def test_publication_shows_its_outcome(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    pub = Publication.objects.get(account=world.mastodon)
    Publication.objects.filter(pk=pub.pk).update(
        state=State.PUBLISHED, remote_id="110", remote_url="https://example.social/@brand/110",
        published_at=datetime(YEAR, 12, 24, 17, 30, 2, tzinfo=UTC), attempts=1)
    body = api.get(f"/api/v1/publications/{pub.pk}/").json()
    assert body["post"] == post["id"] and body["account"] == world.mastodon.pk
    assert (body["state"], body["remote_url"], body["remote_id"], body["attempts"]) == (
        "published", "https://example.social/@brand/110", "110", 1)
    assert body["published_at"] == f"{YEAR}-12-24T17:30:02Z"


def test_publications_are_filtered_by_state_and_account(api: APIClient, world: World) -> None:
    scheduled(api, world)
    Publication.objects.filter(account=world.bluesky).update(
        state=State.FAILED, error="Bluesky refused the post.", error_kind="permanent")
    url = f"/api/v1/workspaces/{world.workspace.pk}/publications/"
    failed = api.get(url, {"state": "failed"}).json()["results"]
    assert [(p["account"], p["error"], p["error_kind"]) for p in failed] == [
        (world.bluesky.pk, "Bluesky refused the post.", "permanent")]
    assert [p["account"] for p in api.get(url, {"account": world.mastodon.pk}).json()["results"]] == [
        world.mastodon.pk]
    assert api.get(url, {"account": world.mastodon.pk, "state": "failed"}).json()["count"] == 0
    assert list(errors(api.get(url, {"state": "lost", "account": "x"}))) == ["state", "account"]


def test_retry_a_failed_publication_and_refuse_others(api: APIClient, world: World) -> None:
    scheduled(api, world)
    Publication.objects.filter(account=world.bluesky).update(state=State.FAILED, error="boom", attempts=8)
    failed = Publication.objects.get(account=world.bluesky)
    body = api.post(f"/api/v1/publications/{failed.pk}/retry/").json()
    assert (body["state"], body["error"], body["attempts"]) == ("scheduled", "", 0)
    waiting = Publication.objects.get(account=world.mastodon)
    response = api.post(f"/api/v1/publications/{waiting.pk}/retry/")
    assert response.status_code == 409 and list(response.json()["errors"]) == ["publication"]


def test_cancel_one_publication_only(api: APIClient, world: World) -> None:
    scheduled(api, world)
    pub = Publication.objects.get(account=world.bluesky)
    assert api.post(f"/api/v1/publications/{pub.pk}/cancel/").json()["state"] == "cancelled"
    assert Publication.objects.get(account=world.mastodon).state == State.SCHEDULED
    Publication.objects.filter(account=world.mastodon).update(state=State.PUBLISHING)
    mastodon = Publication.objects.get(account=world.mastodon)
    assert api.post(f"/api/v1/publications/{mastodon.pk}/cancel/").status_code == 409


def test_cancelled_target_is_not_revived_by_an_edit(api: APIClient, world: World) -> None:
    post = scheduled(api, world)
    pub = Publication.objects.get(account=world.bluesky)
    api.post(f"/api/v1/publications/{pub.pk}/cancel/")
    api.patch(f"/api/v1/posts/{post['id']}/", {"text": "Edited"}, format="json")
    assert Publication.objects.get(pk=pub.pk).state == State.CANCELLED


def test_lists_are_paginated(api: APIClient, world: World) -> None:
    for i in range(3):
        create(api, world, text=f"Idée {i}")
    page = api.get(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {"limit": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert [p["text"] for p in page["results"]] == ["Idée 2", "Idée 1"]
    rest = api.get(f"/api/v1/workspaces/{world.workspace.pk}/posts/", {"limit": 2, "offset": 2}).json()
    assert [p["text"] for p in rest["results"]] == ["Idée 0"]


# -- schema ------------------------------------------------------------------------------

def test_schema_generates_without_warnings_and_has_every_path(generated_schema: dict[str, Any]) -> None:
    paths = generated_schema["paths"]
    assert {
        "/api/v1/workspaces/", "/api/v1/workspaces/{id}/", "/api/v1/workspaces/{workspace_id}/accounts/",
        "/api/v1/workspaces/{workspace_id}/posts/", "/api/v1/workspaces/{workspace_id}/publications/",
        "/api/v1/posts/{id}/", "/api/v1/posts/{id}/cancel/", "/api/v1/publications/{id}/",
        "/api/v1/publications/{id}/retry/", "/api/v1/publications/{id}/cancel/",
    } <= set(paths)
    assert set(paths["/api/v1/posts/{id}/"]) == {"get", "patch"}


def test_schema_and_docs_page_are_served(world: World) -> None:
    client = APIClient()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "bearerAuth" in schema.json()["components"]["securitySchemes"]
    assert client.get("/api/v1/docs/").status_code == 200


def test_post_list_query_count_does_not_grow_with_posts(
        api: APIClient, world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(5):
        scheduled(api, world, text=f"Post {i}")
    # 9: one of them asks the token throttle whether this address may try (accounts/throttle.py).
    with django_assert_max_num_queries(9):
        assert api.get(f"/api/v1/workspaces/{world.workspace.pk}/posts/").json()["count"] == 5
