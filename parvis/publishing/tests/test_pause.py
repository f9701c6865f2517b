"""Crisis pause: one switch holds every scheduled publication of a workspace, nothing is
lost, and resume applies a person's decision to each held publication, atomically."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone, translation

from parvis.accounts.models import AuditEntry, Notification, Workspace
from parvis.networks.models import SocialAccount
from parvis.publishing import dispatcher, engine
from parvis.publishing.actions import save_post
from parvis.publishing.models import ApprovalState, EditorialSettings, Publication, State
from parvis.publishing.pause import (
    DROP,
    PUBLISH_NOW,
    RESCHEDULE,
    Decision,
    PauseConflict,
    missed_publications,
    pause_status,
    pause_workspace,
    resume_workspace,
)
from parvis.publishing.tests.helpers import pub, schedule
from parvis.publishing.validation import PostInput, PostValidationError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]

LIMITS = {"max_chars": 500, "max_media": 4, "url_length": 23,
          "image_mime_types": ["image/jpeg", "image/png"], "max_image_bytes": 8_000_000}


@pytest.fixture
def account(people: dict[str, Any]) -> SocialAccount:
    """A Mastodon account row, for tests that never reach the network. Not the root's
    `account`: validation reads the instance limits stored in its config."""
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social",
        remote_id="1", handle="@brand@example.social", credentials={"access_token": "x"},
        config={"limits": LIMITS})


def paused(people: dict[str, Any], reason: str = "Rappel produit en cours") -> Workspace:
    workspace = people["workspace"]
    pause_workspace(workspace, people["manager"], reason)
    return workspace


def field_errors(exc: pytest.ExceptionInfo[PostValidationError]) -> dict[str, list[str]]:
    return exc.value.by_field()


# -- pausing -----------------------------------------------------------------------------

def test_pause_holds_due_publications_even_a_job_enqueued_just_before(people, account):
    post = schedule(people["workspace"], people["owner"], [account], "Promo galettes")
    assert dispatcher.claim_due() == [pub(post).pk]  # the job is in the queue…
    paused(people)
    assert engine.claim(pub(post).pk) is None  # …and does nothing when it runs
    assert engine.publish(pub(post).pk) == "skipped"
    Publication.objects.update(enqueued_at=timezone.now() - timedelta(hours=1))
    assert dispatcher.claim_due() == []  # nor is it enqueued again
    publication = pub(post)
    assert publication.state == State.SCHEDULED and publication.attempts == 0
    assert not publication.attempt_log.exists()


def test_nothing_held_is_lost_and_all_of_it_is_listed_in_order(people, account):
    first = schedule(people["workspace"], people["owner"], [account], "Premier", delay=-600)
    second = schedule(people["workspace"], people["owner"], [account], "Second", delay=-60)
    paused(people)
    missed = list(missed_publications(people["workspace"]))
    assert [p.post.text for p in missed] == ["Premier", "Second"]
    assert {p.state for p in Publication.objects.filter(post__in=[first, second])} == {State.SCHEDULED}


def test_pause_needs_a_reason_naming_the_field(people):
    with pytest.raises(PostValidationError) as exc:
        pause_workspace(people["workspace"], people["manager"], "   ")
    assert list(field_errors(exc)) == ["reason"]
    people["workspace"].refresh_from_db()
    assert not EditorialSettings.of(people["workspace"]).is_paused


def test_pausing_twice_is_refused(people):
    paused(people)
    with pytest.raises(PauseConflict):
        pause_workspace(people["workspace"], people["owner"], "Encore")


def test_pause_is_audited_and_every_member_is_told(people):
    paused(people, "Bad buzz sur Twitter")
    entry = AuditEntry.objects.get(action="workspace.pause")
    assert entry.actor == people["manager"] and "Bad buzz sur Twitter" in entry.summary
    told = Notification.objects.filter(kind="workspace_paused")
    assert {n.user for n in told} == {people[r] for r in ("owner", "manager", "editor", "viewer")}
    assert all("Bad buzz sur Twitter" in n.message for n in told)
    assert not Notification.objects.filter(user=people["outsider"]).exists()


def test_pause_of_one_workspace_does_not_hold_another(people, account):
    other = people["other_workspace"]
    theirs = SocialAccount.objects.create(
        workspace=other, network="mastodon", server_url="https://example.social", remote_id="2",
        handle="@other@example.social", credentials={"access_token": "x"}, config={"limits": LIMITS})
    post = schedule(other, people["outsider"], [theirs], "Autre marque")
    paused(people)
    assert dispatcher.claim_due() == [pub(post).pk]


def test_a_publication_under_way_when_the_pause_starts_finishes(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    post = schedule(people["workspace"], people["owner"], [account], "Déjà parti")
    claim = engine.claim(pub(post).pk, worker="crashed")
    assert claim is not None
    status = pause_workspace(people["workspace"], people["manager"], "Crise")
    assert status.in_flight == 1
    # The worker died mid-call: when its lease runs out another one finishes the job,
    # pause or not — it may already be on the network.
    Publication.objects.filter(pk=claim.publication.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert engine.publish(claim.publication.pk) == "published"
    assert len(mastodon_server.statuses_of(local)) == 1


def test_a_retry_whose_backoff_ends_during_the_pause_is_held_and_listed(people, account):
    post = schedule(people["workspace"], people["owner"], [account], "Après une 503")
    Publication.objects.update(attempts=1, may_exist=True, error="503",
                               next_attempt_at=timezone.now() + timedelta(seconds=30))
    paused(people)
    assert list(missed_publications(people["workspace"])) == []  # not due yet
    Publication.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert dispatcher.claim_due() == []
    assert [p.pk for p in missed_publications(people["workspace"])] == [pub(post).pk]
    resume_workspace(people["workspace"], people["owner"], [Decision(pub(post).pk, PUBLISH_NOW)])
    publication = pub(post)
    assert publication.attempts == 1 and publication.may_exist  # still reconciles first
    assert dispatcher.claim_due() == [publication.pk]


def test_composer_publish_now_during_the_pause_is_held_and_listed(people, account):
    paused(people)
    post = save_post(people["workspace"], people["editor"], PostInput(text="Tout de suite", accounts=[account],
                                                                      mode="now"))
    assert engine.publish(pub(post).pk) == "skipped"  # the job "publish now" enqueued
    assert dispatcher.claim_due() == []
    assert pub(post).state == State.SCHEDULED
    assert [p.post for p in missed_publications(people["workspace"])] == [post]


def test_posts_held_for_approval_are_not_listed_as_missed(people, account):
    EditorialSettings.objects.filter(workspace=people["workspace"]).update(requires_approval=True)
    people["workspace"].refresh_from_db()
    waiting = schedule(people["workspace"], people["owner"], [account], "Pas encore validé")
    approved = schedule(people["workspace"], people["owner"], [account], "Validé")
    approved.approval_state = ApprovalState.APPROVED
    approved.save(update_fields=["approval_state"])
    paused(people)
    assert [p.post for p in missed_publications(people["workspace"])] == [approved]
    assert pub(waiting).state == State.SCHEDULED


# -- resuming ----------------------------------------------------------------------------

def test_resume_applies_each_decision_and_leaves_future_posts_alone(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    workspace = people["workspace"]
    now_post = schedule(workspace, people["owner"], [account], "À publier", delay=-300)
    later_post = schedule(workspace, people["owner"], [account], "À décaler", delay=-200)
    dropped = schedule(workspace, people["owner"], [account], "À oublier", delay=-100)
    future = schedule(workspace, people["owner"], [account], "Demain", delay=86400)
    future_due = pub(future).due_at
    paused(people)
    undecided = schedule(workspace, people["owner"], [account], "Arrivé pendant la pause", delay=-1)
    new_time = timezone.now() + timedelta(hours=2)

    result = resume_workspace(workspace, people["owner"], [
        Decision(pub(now_post).pk, PUBLISH_NOW),
        Decision(pub(later_post).pk, RESCHEDULE, new_time),
        Decision(pub(dropped).pk, DROP),
    ], default=DROP)

    workspace.refresh_from_db()
    assert not EditorialSettings.of(workspace).is_paused and EditorialSettings.of(workspace).pause_reason == ""
    assert result.counts == {PUBLISH_NOW: 1, RESCHEDULE: 1, DROP: 2}
    assert pub(dropped).state == State.CANCELLED and pub(undecided).state == State.CANCELLED
    moved = pub(later_post)
    assert (moved.state, moved.due_at, moved.next_attempt_at) == (State.SCHEDULED, new_time, new_time)
    later_post.refresh_from_db()
    assert later_post.scheduled_at == new_time
    assert (pub(future).state, pub(future).due_at) == (State.SCHEDULED, future_due)
    # Only "publish now" goes out now; it reaches the network.
    assert dispatcher.claim_due() == [pub(now_post).pk]
    assert engine.publish(pub(now_post).pk) == "published"
    assert [s["content"] for s in mastodon_server.statuses_of(local)] == ["<p>À publier</p>"]


def test_resume_is_audited_with_each_decision_and_every_member_is_told(people, account):
    kept = schedule(people["workspace"], people["owner"], [account], "Gardé")
    gone = schedule(people["workspace"], people["owner"], [account], "Abandonné")
    paused(people, "Rappel produit")
    resume_workspace(people["workspace"], people["manager"], [Decision(pub(gone).pk, DROP)], default=PUBLISH_NOW)
    entry = AuditEntry.objects.get(action="workspace.resume")
    assert entry.actor == people["manager"] and entry.before == "Rappel produit"
    assert f"#{pub(kept).pk} " in entry.after and "publish now" in entry.after
    assert f"#{pub(gone).pk} " in entry.after and "drop" in entry.after
    told = Notification.objects.filter(kind="workspace_resumed")
    assert {n.user for n in told} == {people[r] for r in ("owner", "manager", "editor", "viewer")}


def test_resume_with_held_publications_and_no_default_names_the_field(people, account):
    decided = schedule(people["workspace"], people["owner"], [account], "Décidé")
    schedule(people["workspace"], people["owner"], [account], "Oublié dans la liste")
    paused(people)
    with pytest.raises(PostValidationError) as exc:
        resume_workspace(people["workspace"], people["owner"], [Decision(pub(decided).pk, PUBLISH_NOW)])
    assert list(field_errors(exc)) == ["default"]
    people["workspace"].refresh_from_db()
    assert EditorialSettings.of(people["workspace"]).is_paused  # nothing applied
    assert pub(decided).next_attempt_at < timezone.now() - timedelta(milliseconds=500)


@pytest.mark.parametrize(("when", "code"), [
    (None, "scheduled_at"),
    ("past", "scheduled_at"),
    ("naive", "scheduled_at"),
])
def test_reschedule_needs_a_future_aware_time(people, account, when, code):
    post = schedule(people["workspace"], people["owner"], [account], "À décaler")
    other = schedule(people["workspace"], people["owner"], [account], "Autre")
    paused(people)
    at = {None: None, "past": timezone.now() - timedelta(hours=1),
          "naive": (timezone.now() + timedelta(hours=1)).replace(tzinfo=None)}[when]
    with pytest.raises(PostValidationError) as exc:
        resume_workspace(people["workspace"], people["owner"], [
            Decision(pub(other).pk, PUBLISH_NOW), Decision(pub(post).pk, RESCHEDULE, at)], default=DROP)
    assert list(field_errors(exc)) == [f"decisions[1].{code}"]
    assert pub(other).state == State.SCHEDULED


def test_decisions_on_publications_not_held_are_refused(people, account):
    future = schedule(people["workspace"], people["owner"], [account], "Plus tard", delay=3600)
    held = schedule(people["workspace"], people["owner"], [account], "Retenu")
    paused(people)
    with pytest.raises(PostValidationError) as exc:
        resume_workspace(people["workspace"], people["owner"], [
            Decision(pub(held).pk, "explode"), Decision(pub(future).pk, DROP), Decision(999999, DROP),
            Decision(pub(held).pk, DROP)], default=DROP)
    assert set(field_errors(exc)) == {"decisions[0].action", "decisions[1].publication",
                                      "decisions[2].publication", "decisions[3].publication"}


def test_resume_when_not_paused_is_refused(people):
    with pytest.raises(PauseConflict):
        resume_workspace(people["workspace"], people["owner"], default=DROP)


def test_two_resumes_at_once_apply_once(people, account):
    post = schedule(people["workspace"], people["owner"], [account], "Une seule fois")
    paused(people)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def resume() -> None:
        barrier.wait()
        try:
            result = resume_workspace(Workspace.objects.get(pk=people["workspace"].pk), people["owner"],
                                      default=PUBLISH_NOW)
            outcomes.append(f"resumed {sum(result.counts.values())}")
        except PauseConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=resume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "resumed 1"]
    assert AuditEntry.objects.filter(action="workspace.resume").count() == 1
    assert dispatcher.claim_due() == [pub(post).pk]


def test_status_says_who_paused_why_and_what_is_held(people, account):
    post = schedule(people["workspace"], people["owner"], [account], "Retenu")
    paused(people, "Deuil national")
    status = pause_status(Workspace.objects.get(pk=people["workspace"].pk))
    assert (status.paused, status.paused_by, status.reason) == (True, people["manager"], "Deuil national")
    assert [p.pk for p in status.missed] == [pub(post).pk] and status.in_flight == 0


def test_each_member_is_told_in_their_own_language(people):
    people["viewer"].language = "en"
    people["viewer"].save(update_fields=["language"])
    paused(people)
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    for role, language in (("viewer", "en"), ("owner", "fr")):  # the owner follows the workspace (fr)
        with translation.override(language):
            expected = translation.gettext("Publishing paused in %(workspace)s") % {"workspace": "Boulangerie Dupont"}
        assert subjects[people[role].email] == expected
