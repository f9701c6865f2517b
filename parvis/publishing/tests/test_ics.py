"""The private ICS feed: what it holds (read back with icalendar), whose posts, in UTC,
within its window; the token: hashed, regenerated, revoked, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from parvis.accounts.models import AuditEntry, hash_token
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import save_post
from parvis.publishing.campaigns import CampaignInput, save_campaign
from parvis.publishing.ics import build_feed, issue_feed_token, revoke_feed_token, workspace_for_feed
from parvis.publishing.models import EditorialSettings, Post, State
from parvis.publishing.validation import PostInput

pytestmark = pytest.mark.django_db


def account(workspace: Any, network: str = "bluesky", handle: str = "@brand.bsky.social") -> SocialAccount:
    server = "https://bsky.social" if network == "bluesky" else "https://mastodon.test"
    return SocialAccount.objects.create(
        workspace=workspace, network=network, server_url=server, remote_id=f"{network}-{handle}",
        handle=handle, credentials={"identifier": handle.strip("@"), "app_password": "x", "access_token": "x"})


def planned(workspace: Any, author: Any, text: str, when: datetime, accounts: list[SocialAccount],
            **extra: Any) -> Post:
    return save_post(workspace, author, PostInput(text=text, accounts=accounts, mode="schedule",
                                                  scheduled_at=when, timezone_name=workspace.timezone, **extra))


def parse(feed: bytes) -> Calendar:
    return Calendar.from_ical(feed)


def events(feed: bytes) -> list[Any]:
    return list(parse(feed).walk("VEVENT"))


def test_one_event_per_post_with_its_networks_text_and_link(people):
    workspace = people["workspace"]
    campaign = save_campaign(workspace, people["editor"], CampaignInput(name="Épiphanie 2030"))
    when = timezone.now() + timedelta(days=3)
    post = planned(workspace, people["editor"], "Galette des rois\nFrangipane maison, dès 7 h.", when,
                   [account(workspace), account(workspace, "mastodon", "@boulangerie")], campaign=campaign)
    calendar = parse(build_feed(workspace))
    assert str(calendar["X-WR-CALNAME"]) == "Boulangerie Dupont"
    [event] = list(calendar.walk("VEVENT"))
    assert str(event["SUMMARY"]) == "Galette des rois · Bluesky, Mastodon"
    assert str(event["UID"]).startswith(f"post-{post.pk}@")
    description = str(event["DESCRIPTION"])
    assert "Frangipane maison, dès 7 h." in description
    assert "@brand.bsky.social" in description and "@boulangerie" in description
    assert "Épiphanie 2030" in description
    publication = post.publications.order_by("pk").first()
    assert str(event["URL"]).endswith(f"/w/{workspace.pk}/publications/{publication.pk}/")


def test_times_are_utc(people):
    workspace = people["workspace"]
    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0, second=0)
    planned(workspace, people["editor"], "Brioche", when, [account(workspace)])
    feed = build_feed(workspace)
    [event] = events(feed)
    start = event.decoded("DTSTART")
    assert start == when and start.utcoffset() == timedelta(0)
    assert f"DTSTART:{when.astimezone(UTC):%Y%m%dT%H%M%S}Z".encode() in feed


def test_uid_is_stable_when_the_post_moves(people):
    workspace = people["workspace"]
    post = planned(workspace, people["editor"], "Brioche", timezone.now() + timedelta(days=2), [account(workspace)])
    first = str(events(build_feed(workspace))[0]["UID"])
    post.publications.update(due_at=timezone.now() + timedelta(days=5))
    assert str(events(build_feed(workspace))[0]["UID"]) == first


def test_summary_is_the_first_line_truncated(people):
    workspace = people["workspace"]
    planned(workspace, people["editor"], "Une très longue première ligne " * 5 + "\nsuite",
            timezone.now() + timedelta(days=2), [account(workspace)])
    summary = str(events(build_feed(workspace))[0]["SUMMARY"])
    assert summary.startswith("Une très longue première ligne") and "…" in summary
    assert len(summary.split(" · ")[0]) <= 60 and "suite" not in summary


def test_drafts_cancelled_and_out_of_window_posts_are_left_out(people):
    workspace = people["workspace"]
    bsky = account(workspace)
    keep = planned(workspace, people["editor"], "Dans la fenêtre", timezone.now() + timedelta(days=1), [bsky])
    save_post(workspace, people["editor"], PostInput(text="Brouillon", accounts=[bsky], mode="draft",
                                                     scheduled_at=timezone.now() + timedelta(days=1)))
    cancelled = planned(workspace, people["editor"], "Annulé", timezone.now() + timedelta(days=1), [bsky])
    cancelled.publications.update(state=State.CANCELLED)
    far = planned(workspace, people["editor"], "Trop loin", timezone.now() + timedelta(days=400), [bsky])
    old = planned(workspace, people["editor"], "Trop vieux", timezone.now() + timedelta(days=1), [bsky])
    old.publications.update(state=State.PUBLISHED, due_at=timezone.now() - timedelta(days=120))
    published = planned(workspace, people["editor"], "Publié", timezone.now() + timedelta(days=1), [bsky])
    published.publications.update(state=State.PUBLISHED, due_at=timezone.now() - timedelta(days=10))
    uids = {str(e["UID"]).split("@")[0] for e in events(build_feed(workspace))}
    assert uids == {f"post-{keep.pk}", f"post-{published.pk}"}
    assert far.pk and old.pk


def test_another_workspaces_posts_are_never_in_the_feed(people):
    other = people["other_workspace"]
    planned(other, people["outsider"], "Secret du concurrent", timezone.now() + timedelta(days=1), [account(other)])
    mine = people["workspace"]
    planned(mine, people["editor"], "Notre galette", timezone.now() + timedelta(days=1), [account(mine)])
    feed = build_feed(mine).decode()
    assert "Notre galette" in feed and "Secret du concurrent" not in feed


def test_only_the_hash_of_the_token_is_stored_and_issuing_is_audited(people):
    workspace = people["workspace"]
    token = issue_feed_token(workspace, people["manager"])
    workspace.refresh_from_db()
    stored = EditorialSettings.of(workspace).ics_token_hash
    assert stored == hash_token(token) and token not in stored
    assert workspace_for_feed(token) == workspace
    regenerated = issue_feed_token(workspace, people["manager"])
    assert workspace_for_feed(token) is None and workspace_for_feed(regenerated) == workspace
    assert revoke_feed_token(workspace, people["manager"])
    assert workspace_for_feed(regenerated) is None
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "ics.created", "ics.regenerated", "ics.revoked"]


def test_feed_url_needs_no_login_and_answers_text_calendar(people):
    workspace = people["workspace"]
    planned(workspace, people["editor"], "Brioche", timezone.now() + timedelta(days=1), [account(workspace)])
    token = issue_feed_token(workspace, people["manager"])
    response = Client().get(reverse("web:ics_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert [str(e["SUMMARY"]) for e in events(response.content)] == ["Brioche · Bluesky"]


def test_revoked_and_unknown_tokens_are_not_found(people):
    workspace = people["workspace"]
    token = issue_feed_token(workspace, people["manager"])
    revoke_feed_token(workspace, people["manager"])
    assert Client().get(reverse("web:ics_feed", args=[token])).status_code == 404
    assert Client().get(reverse("web:ics_feed", args=["not-a-token"])).status_code == 404
