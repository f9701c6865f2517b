"""The one reader of a post from plain values, shared by the composer, the API and the CSV
import: what it reads, and the field each problem names."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from parvis.networks.models import SocialAccount
from parvis.publishing.actions import save_post
from parvis.publishing.models import Campaign, Label
from parvis.publishing.post_input import PostValues, build_post_input, post_values, read_post, updated
from parvis.publishing.types import MediaInfo, PostValidationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NEXT_YEAR = timezone.now().year + 1


@pytest.fixture
def account(people: dict[str, Any]) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:brand", handle="@brand.bsky.social",
        credentials={"identifier": "brand.bsky.social", "app_password": "x"})


@pytest.fixture
def foreign_account(people: dict[str, Any]) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["other_workspace"], network="bluesky", server_url="https://bsky.social",
        remote_id="did:plc:rival", handle="@rival.bsky.social", credentials={})


def fields(errors: list[Any]) -> dict[str, str]:
    return {e.field: e.code for e in errors}


def test_plain_values_become_a_post_input_in_the_workspace(people, account):
    campaign = Campaign.objects.create(workspace=people["workspace"], name="Noël", slug="noel")
    label = Label.objects.create(workspace=people["workspace"], name="Promo")
    read = read_post(people["workspace"], PostValues(
        text="  Bonjour\r\nà tous  ", accounts=[str(account.pk), account.pk], variants={"bluesky": " Salut ",
                                                                                       "mastodon": "  "},
        scheduled_at=f"{NEXT_YEAR}-06-01T09:30", campaign=str(campaign.pk), labels=[label.pk, ""], language="fr"))
    assert read.errors == []
    data = read.post_input
    assert data.text == "Bonjour\nà tous" and data.variants == {"bluesky": "Salut"}
    assert data.accounts == [account] and data.campaign == campaign and data.labels == [label]
    assert data.mode == "schedule"  # a time and no mode: scheduled
    assert data.timezone_name == "Europe/Paris"  # the workspace's
    assert data.scheduled_at == datetime(NEXT_YEAR, 6, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert data.workspace == people["workspace"] and data.language == "fr"


def test_no_time_and_no_mode_is_a_draft(people, account):
    assert read_post(people["workspace"], PostValues(text="x", accounts=[account.pk])).post_input.mode == "draft"


@pytest.mark.parametrize(("given", "expected"), [
    (datetime(2031, 3, 3, 8, 0, tzinfo=UTC), datetime(2031, 3, 3, 8, 0, tzinfo=UTC)),  # aware: that instant
    ("2031-03-03T09:00:00+01:00", datetime(2031, 3, 3, 8, 0, tzinfo=UTC)),  # an offset: that instant
    (datetime(2031, 3, 3, 9, 0), datetime(2031, 3, 3, 8, 0, tzinfo=UTC)),  # naive: wall clock in the zone
    ("2031-03-03 09:00", datetime(2031, 3, 3, 8, 0, tzinfo=UTC)),
])
def test_a_time_is_an_instant_or_wall_clock_time_in_the_zone(people, account, given, expected):
    read = read_post(people["workspace"], PostValues(text="x", accounts=[account], scheduled_at=given,
                                                     timezone="Europe/Paris"))
    assert read.errors == [] and read.post_input.scheduled_at == expected


@pytest.mark.parametrize("raw", ["2031-03-03", "demain 9h", "2031-13-03T09:00"])
def test_a_time_that_cannot_be_read_names_scheduled_at(people, account, raw):
    read = read_post(people["workspace"], PostValues(text="x", accounts=[account], scheduled_at=raw))
    assert fields(read.errors) == {"scheduled_at": "invalid"} and "ISO 8601" in read.errors[0].message


def test_a_time_skipped_by_the_clocks_changing_is_refused(people, account):
    read = read_post(people["workspace"], PostValues(text="x", accounts=[account], scheduled_at="2031-03-30T02:30",
                                                     timezone="Europe/Paris"))
    assert fields(read.errors) == {"scheduled_at": "nonexistent"} and "02:30" in read.errors[0].message


def test_an_unknown_zone_is_the_one_error_about_the_time(people, account):
    with pytest.raises(PostValidationError) as caught:
        build_post_input(people["workspace"], PostValues(text="x", accounts=[account], mode="schedule",
                                                         scheduled_at="2031-03-03T09:00", timezone="Europe/Pariss"))
    assert fields(caught.value.errors) == {"timezone": "invalid_timezone"}
    assert "“Europe/Pariss” is not a known time zone" in caught.value.errors[0].message


def test_a_time_with_publish_now_is_refused(people, account):
    read = read_post(people["workspace"], PostValues(text="x", accounts=[account], mode="now",
                                                     scheduled_at="2031-03-03T09:00"))
    assert fields(read.errors) == {"scheduled_at": "invalid"}


@pytest.mark.parametrize("value", ["abc", "²", str(2**64), "-3", "0"])
def test_ids_no_row_can_have_name_their_field(people, account, value):
    read = read_post(people["workspace"], PostValues(text="x", accounts=[account.pk, value], campaign=value,
                                                     labels=[value], media_ids=[value]))
    assert fields(read.errors) == {"accounts": "invalid", "campaign": "invalid", "labels": "invalid",
                                   "media_ids": "invalid"}
    assert read.post_input.accounts == [account]  # what could be read is kept


def test_another_workspaces_objects_do_not_exist_here(people, account, foreign_account):
    other = people["other_workspace"]
    campaign = Campaign.objects.create(workspace=other, name="Leur campagne", slug="leur")
    label = Label.objects.create(workspace=other, name="Leur étiquette")
    for values in (PostValues(accounts=[foreign_account.pk], campaign=campaign.pk, labels=[label.pk]),
                   PostValues(accounts=[foreign_account], campaign=campaign, labels=[label])):
        read = read_post(people["workspace"], dataclasses.replace(values, text="x"))
        assert fields(read.errors) == {"accounts": "invalid", "campaign": "invalid", "labels": "invalid"}
        assert "does not exist in this workspace" in read.errors[0].message
        assert read.post_input.accounts == [] and read.post_input.campaign is None and read.post_input.labels == []


def test_a_variant_for_an_unknown_network_names_variants(people, account):
    read = read_post(people["workspace"], PostValues(text="x", accounts=[account], variants={"myspace": "Hi"}))
    assert fields(read.errors) == {"variants": "invalid"} and "myspace" in read.errors[0].message


def test_media_already_read_come_first_then_library_assets_with_their_alt_text(people, account):
    from parvis.publishing.models import MediaAsset

    asset = MediaAsset.objects.create(workspace=people["workspace"], original_name="pain.png",
                                      mime_type="image/png", size=10, alt_text="Une miche")
    other = MediaAsset.objects.create(workspace=people["workspace"], original_name="croissant.png",
                                      mime_type="image/png", size=10, alt_text="Un croissant")
    given = MediaInfo("from-elsewhere.png", "image/png", 3)
    read = read_post(people["workspace"], PostValues(text="x", media=[given], media_ids=[asset.pk, str(other.pk)],
                                                     alt_texts={asset.pk: " Pour ce post "}))
    assert read.errors == []
    assert [(m.name, m.alt_text) for m in read.post_input.media] == [
        ("from-elsewhere.png", ""), ("pain.png", "Pour ce post"), ("croissant.png", "Un croissant")]


def test_build_lists_the_rules_problems_with_the_reading_ones(people, account):
    with pytest.raises(PostValidationError) as caught:
        build_post_input(people["workspace"], PostValues(text="a" * 301, accounts=[account.pk, "²"],
                                                         mode="schedule", scheduled_at="2020-01-01T10:00"))
    # The unreadable account, then what the rules say of the rest: too long, in the past.
    assert fields(caught.value.errors) == {"accounts": "invalid", "text": "too_long", "scheduled_at": "past"}


def test_build_without_problems_leaves_the_rules_to_save_post(people, account):
    data = build_post_input(people["workspace"], PostValues(text="Bonjour", accounts=[account.pk], mode="now"))
    post = save_post(people["workspace"], people["editor"], data)
    assert post.publications.get().account == account


def test_an_update_starts_from_the_saved_post(people, account):
    campaign = Campaign.objects.create(workspace=people["workspace"], name="Noël", slug="noel")
    when = timezone.now() + timedelta(days=3)
    post = save_post(people["workspace"], people["editor"], build_post_input(people["workspace"], PostValues(
        text="Avant", accounts=[account.pk], scheduled_at=when, campaign=campaign.pk, timezone="America/Montreal")))
    values = updated(post_values(post), text="Après")
    assert (values.mode, values.accounts, values.campaign, values.timezone) == (
        "schedule", [account.pk], campaign.pk, "America/Montreal")
    data = build_post_input(people["workspace"], values)
    assert data.text == "Après" and data.scheduled_at == when and data.campaign == campaign
    # Switching to "now" drops the saved time rather than calling it a conflict.
    now = build_post_input(people["workspace"], updated(post_values(post), mode="now"))
    assert now.mode == "now" and now.scheduled_at is None
