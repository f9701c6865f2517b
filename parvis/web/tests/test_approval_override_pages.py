"""Pages of a workspace that requires approval: a scheduled post that approval holds shows
"Awaiting approval" wherever its state is shown, saving it warns, and managers and
owners publish it without approval through a confirmation page (a form, no script)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.models import AuditEntry
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import save_post
from parvis.publishing.models import ApprovalState, EditorialSettings, Post, State
from parvis.publishing.validation import PostInput
from parvis.testing.factories import client_for, make_account
from parvis.web.tests.test_pages import compose, in_one_hour_paris

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(people: dict[str, Any]) -> Any:
    workspace = people["workspace"]
    editorial = EditorialSettings.of(workspace)
    editorial.requires_approval = True
    editorial.save()
    return workspace


@pytest.fixture
def account(ws: Any) -> SocialAccount:
    """A Bluesky account row (no network) in `ws`, which asks for approval: a test that
    takes only `account` still gets a workspace where posts need approving."""
    return make_account(ws, "bluesky")


@pytest.fixture
def post(people: dict[str, Any], account: SocialAccount) -> Post:
    return save_post(account.workspace, people["editor"], PostInput(
        text="Galette des rois", accounts=[account], mode="schedule",
        scheduled_at=timezone.now() + timedelta(days=2)))


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    jobs: list[int] = []
    monkeypatch.setattr("parvis.publishing.dispatcher.default_enqueue", jobs.append)
    return jobs


def state_shown(html: str) -> str:
    start = html.index('data-testid="state">') + len('data-testid="state">')
    return html[start:html.index("<", start)]


def test_the_list_the_page_and_the_calendar_say_awaiting_approval(people, ws, post):
    client = client_for(people["editor"])
    publication = post.publications.get()
    listing = client.get(reverse("web:publications", args=[ws.pk])).content.decode()
    assert state_shown(listing) == "Awaiting approval"
    detail = client.get(reverse("web:publication", args=[ws.pk, publication.pk])).content.decode()
    assert state_shown(detail) == "Awaiting approval" and 'data-testid="awaiting-approval"' in detail
    day = post.scheduled_at.astimezone(ws.tz).date().isoformat()
    calendar = client.get(reverse("web:calendar", args=[ws.pk]), {"day": day}).content.decode()
    assert 'title="Awaiting approval' in calendar
    review = client.get(reverse("web:post_review", args=[ws.pk, post.pk])).content.decode()
    assert "Awaiting approval" in review


def test_a_recurring_posts_occurrences_say_awaiting_approval(people, ws, post):
    from parvis.publishing.recurrence import create_series

    series = create_series(ws, people["editor"], post, "FREQ=WEEKLY;COUNT=3", post.scheduled_at, "Europe/Paris")
    page = client_for(people["editor"]).get(reverse("web:series", args=[ws.pk, series.pk])).content.decode()
    assert page.count(">Awaiting approval</span>") == 3


def test_the_state_is_scheduled_again_once_approved(people, ws, post):
    Post.objects.filter(pk=post.pk).update(approval_state=ApprovalState.APPROVED)
    listing = client_for(people["editor"]).get(reverse("web:publications", args=[ws.pk])).content.decode()
    assert state_shown(listing) == "Scheduled"


def test_scheduling_in_a_workspace_requiring_approval_warns_when_saving(people, ws, account):
    response = compose(client_for(people["editor"]), ws, text="Sans validation", accounts=[account.pk],
                       mode="schedule", scheduled_at=in_one_hour_paris(), timezone="Europe/Paris")
    assert response.status_code == 302
    shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert any(level == "warning" and "will not be published unless" in text for level, text in shown), shown


def test_managers_get_the_override_and_editors_do_not(people, ws, post):
    publication = post.publications.get()
    page = reverse("web:publication", args=[ws.pk, publication.pk])
    assert b'data-testid="publish-without-approval"' in client_for(people["manager"]).get(page).content
    assert b'data-testid="publish-without-approval"' not in client_for(people["editor"]).get(page).content
    override = reverse("web:post_publish_without_approval", args=[ws.pk, post.pk])
    assert client_for(people["editor"]).get(override).status_code == 403
    assert client_for(people["outsider"]).get(override).status_code == 404
    confirm = client_for(people["manager"]).get(override)
    assert confirm.status_code == 200 and b'data-testid="override-confirm"' in confirm.content
    assert b"<script" not in confirm.content.split(b'data-testid="override-form"')[1].split(b"</form>")[0]


def test_the_override_needs_a_reason_then_publishes_now_and_is_audited(people, ws, post, queued,
                                                                      django_capture_on_commit_callbacks):
    client = client_for(people["manager"])
    url = reverse("web:post_publish_without_approval", args=[ws.pk, post.pk])
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 400 and b"Say why it is published without approval" in refused.content
    assert post.publications.get().state == State.SCHEDULED and queued == []
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"reason": "Le client a validé par téléphone"})
    assert done.status_code == 302
    assert "Published without approval" in [str(m) for m in get_messages(done.wsgi_request)][-1]
    publication = post.publications.get()
    assert publication.next_attempt_at <= timezone.now() and queued == [publication.pk]
    assert AuditEntry.objects.filter(action="post.approval_overridden", actor=people["manager"]).exists()
    review = client.get(reverse("web:post_review", args=[ws.pk, post.pk])).content.decode()
    assert 'data-kind="override"' in review and "published it without approval" in review
    assert "Le client a validé par téléphone" in review
    again = client.post(url, {"reason": "Encore"})
    assert again.status_code == 400 and b"already approved" in again.content
