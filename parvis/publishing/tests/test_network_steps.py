"""What the engine does with the contract's harder answers: a network that cannot say
whether a post went out ("to check", decided by a person), and a network that publishes
in steps (a container recorded at once, no lease held while the network processes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.accounts.models import Notification
from parvis.networks import registry
from parvis.networks.base import (
    BaseConnector,
    ErrorKind,
    Limits,
    Lookup,
    NetworkError,
    Pending,
    PublishRequest,
    RemotePost,
)
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.actions import cancel_publication, confirm_published, send_again
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule

pytestmark = pytest.mark.django_db

LIMITS = Limits(max_chars=500, max_media=4, image_mime_types=frozenset({"image/png"}), max_image_bytes=10**6)


class Scripted(BaseConnector):
    """A network driven by the test: what `publish` and `find_published` do is set per test.
    Its state is class-level: the engine builds a new connector for every attempt."""

    network: ClassVar[str] = "mastodon"
    published: ClassVar[list[str]] = []
    lookups: ClassVar[list[Lookup]] = []
    steps: ClassVar[list[Any]] = []  # what each publish call does, in turn
    seen_progress: ClassVar[list[dict[str, Any]]] = []
    seen_leases: ClassVar[list[str]] = []

    def limits(self) -> Limits:
        return LIMITS

    def publish(self, request: PublishRequest) -> RemotePost | Pending:
        Scripted.seen_progress.append(dict(request.progress))
        step = Scripted.steps.pop(0) if Scripted.steps else "post"
        if callable(step):
            return step(request)  # type: ignore[no-any-return]
        Scripted.published.append(request.idempotency_key)
        return RemotePost(remote_id=f"r{len(Scripted.published)}", url=f"https://example.social/{len(Scripted.published)}")

    def find_published(self, request: PublishRequest, since: datetime) -> Lookup:
        if Scripted.lookups:
            return Scripted.lookups.pop(0)
        return super().find_published(request, since)


@pytest.fixture
def account(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> SocialAccount:
    Scripted.published, Scripted.lookups, Scripted.steps = [], [], []
    Scripted.seen_progress, Scripted.seen_leases = [], []
    monkeypatch.setattr(registry, "connector_for", Scripted)
    return SocialAccount.objects.create(workspace=people["workspace"], network="mastodon",
                                        server_url="https://example.social", remote_id="1",
                                        handle="@brand@example.social")


def due_now(publication: Publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())


def uncertain_failure(request: PublishRequest) -> RemotePost:
    raise NetworkError("connection lost after sending", ErrorKind.TRANSIENT, uncertain=True)


# -- "to check" ----------------------------------------------------------------------------

def test_an_unsure_network_holds_the_post_as_to_check_and_tells_its_author(account, people, english, monkeypatch):
    emitted: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr("parvis.publishing.events.emit_many",
                        lambda ws, type_, data: emitted.extend((type_, item) for item in data))
    post = schedule(people["workspace"], people["editor"], [account], "Peut-être partie")
    Scripted.steps = [uncertain_failure]
    assert engine.publish(pub(post).pk) == "retry"
    due_now(pub(post))
    # The default `find_published` (a network that cannot be asked) answers "unknown".
    assert engine.publish(pub(post).pk) == "to_check"
    publication = pub(post)
    assert publication.state == State.TO_CHECK and Scripted.published == []
    assert "cannot be asked" in publication.shown_error
    notice = Notification.objects.get(user=people["editor"], kind="publication_to_check")
    [(type_, data)] = [e for e in emitted if e[0] == "publication.to_check"]  # for the workspace's webhooks
    assert data["publication"]["id"] == publication.pk and data["publication"]["state"] == "to_check"
    assert "le renvoyer" in notice.message and notice.url.endswith(f"/publications/{publication.pk}/")
    # Held for good: neither the dispatcher nor a direct call sends it again.
    assert engine.publish(publication.pk) == "skipped"
    assert [a.outcome for a in publication.attempt_log.all()] == ["retry", "to_check"]


def test_it_is_there_marks_it_published_with_the_address_given(account, people):
    post = schedule(people["workspace"], people["editor"], [account], "Elle y est")
    Publication.objects.filter(pk=pub(post).pk).update(state=State.TO_CHECK)
    assert confirm_published(pub(post), people["editor"], "https://example.social/@brand/9")
    publication = pub(post)
    assert publication.state == State.PUBLISHED and publication.remote_url == "https://example.social/@brand/9"
    assert not confirm_published(publication, people["editor"])  # only once, only from "to check"


def test_a_publication_to_check_may_be_cancelled(account, people):
    post = schedule(people["workspace"], people["editor"], [account], "Finalement non")
    Publication.objects.filter(pk=pub(post).pk).update(state=State.TO_CHECK)
    assert cancel_publication(pub(post)) and pub(post).state == State.CANCELLED


def test_send_it_again_publishes_without_asking_the_network_first(account, people):
    post = schedule(people["workspace"], people["editor"], [account], "Elle n'y est pas")
    Publication.objects.filter(pk=pub(post).pk).update(state=State.TO_CHECK, may_exist=True, attempts=3)
    assert send_again(pub(post), people["editor"])
    publication = pub(post)
    assert (publication.state, publication.may_exist, publication.attempts) == (State.SCHEDULED, False, 0)
    assert engine.publish(publication.pk) == "published"
    assert len(Scripted.published) == 1


def test_a_sure_absence_sends_again_and_a_find_records_what_is_there(account, people):
    first = schedule(people["workspace"], people["editor"], [account], "Absente")
    second = schedule(people["workspace"], people["editor"], [account], "Trouvée")
    for post in (first, second):
        Publication.objects.filter(pk=pub(post).pk).update(may_exist=True)
    Scripted.lookups = [Lookup.absent(), Lookup.found(RemotePost("r9", "https://example.social/9"))]
    assert engine.publish(pub(first).pk) == "published"
    assert engine.publish(pub(second).pk) == "found"
    assert pub(second).remote_id == "r9" and len(Scripted.published) == 1


def test_a_sure_refusal_does_not_make_the_next_attempt_look_first(account, people):
    post = schedule(people["workspace"], people["editor"], [account], "Refusée net")

    def refused(request: PublishRequest) -> RemotePost:
        raise NetworkError("503, nothing done", ErrorKind.TRANSIENT)

    Scripted.steps = [refused]
    assert engine.publish(pub(post).pk) == "retry"
    assert not pub(post).may_exist
    due_now(pub(post))
    # A network that cannot be asked would hold it as "to check" if it looked.
    assert engine.publish(pub(post).pk) == "published"


def test_the_publication_page_offers_both_answers(account, people, client):
    post = schedule(people["workspace"], people["editor"], [account], "À vérifier")
    publication = pub(post)
    Publication.objects.filter(pk=publication.pk).update(state=State.TO_CHECK, error="unsure")
    client.force_login(people["editor"])
    page = client.get(reverse("web:publication", args=[people["workspace"].pk, publication.pk]))
    assert b'data-testid="confirm-published"' in page.content and b'data-testid="send-again"' in page.content
    bad = client.post(reverse("web:publication_confirm", args=[people["workspace"].pk, publication.pk]),
                      {"url": "javascript:alert(1)"}, follow=True)
    assert "adresse web" in bad.content.decode() and pub(post).state == State.TO_CHECK
    client.post(reverse("web:publication_confirm", args=[people["workspace"].pk, publication.pk]),
                {"url": "https://example.social/@brand/1"})
    assert pub(post).state == State.PUBLISHED


def test_the_api_confirms_or_sends_again_and_refuses_other_states(account, people, client):
    post = schedule(people["workspace"], people["editor"], [account], "Par l'API")
    publication = pub(post)
    client.force_login(people["editor"])
    url = f"/api/v1/publications/{publication.pk}/send-again/"
    assert client.post(url).status_code == 409
    Publication.objects.filter(pk=publication.pk).update(state=State.TO_CHECK)
    answer = client.post(url)
    assert answer.status_code == 200 and answer.json()["state"] == "scheduled"
    Publication.objects.filter(pk=publication.pk).update(state=State.TO_CHECK)
    bad = client.post(f"/api/v1/publications/{publication.pk}/confirm/", {"url": "not a url"},
                      content_type="application/json")
    assert bad.status_code == 400 and "url" in bad.content.decode()
    good = client.post(f"/api/v1/publications/{publication.pk}/confirm/", {"url": "https://example.social/2"},
                       content_type="application/json")
    assert good.status_code == 200 and good.json()["state"] == "published"


# -- publishing in steps -------------------------------------------------------------------

def make_container(request: PublishRequest) -> Pending:
    request.record({"container": "c1", "made_at": timezone.now().isoformat()})
    return Pending(check_in=30, note="the network is processing the video")


def still_processing(request: PublishRequest) -> Pending:
    assert request.progress["container"] == "c1"  # resumed, not made again
    return Pending(check_in=30)


def test_a_processing_step_is_recorded_and_no_lease_is_held_meanwhile(account, people):
    post = schedule(people["workspace"], people["editor"], [account], "Une vidéo")
    Scripted.steps = [make_container, still_processing]
    assert engine.publish(pub(post).pk) == "waiting"
    publication = pub(post)
    assert publication.state == State.PROCESSING and publication.lease_token == ""
    assert publication.progress["container"] == "c1" and not publication.may_exist
    assert publication.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert engine.publish(publication.pk) == "skipped"  # not before its time
    due_now(publication)
    assert engine.publish(publication.pk) == "waiting"
    due_now(publication)
    assert engine.publish(publication.pk) == "published"
    publication = pub(post)
    # Polls of a processing network are not attempts: only the last one counts.
    assert publication.attempts == 1 and len(Scripted.published) == 1
    assert [a.outcome for a in publication.attempt_log.all()] == ["waiting", "waiting", "published"]
    assert publication.attempt_log.first().shown_error == "the network is processing the video"


def test_a_crash_after_a_step_resumes_from_what_it_recorded(account, people):
    post = schedule(people["workspace"], people["editor"], [account], "Conteneur puis crash")

    def container_then_crash(request: PublishRequest) -> RemotePost:
        request.record({"container": "c1"})
        raise KeyboardInterrupt  # stands for SIGKILL: nothing after this runs

    Scripted.steps = [container_then_crash]
    with pytest.raises(KeyboardInterrupt):
        engine.publish(pub(post).pk)
    Publication.objects.filter(pk=pub(post).pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    Scripted.lookups = [Lookup.absent()]  # the container is not published yet
    assert engine.publish(pub(post).pk) == "published"
    assert Scripted.seen_progress[-1] == {"container": "c1"}


def test_a_step_recorded_after_the_lease_was_lost_stops_the_attempt(account, people):
    post = schedule(people["workspace"], people["editor"], [account], "Bail perdu")

    def lease_lost(request: PublishRequest) -> RemotePost:
        Publication.objects.filter(pk=pub(post).pk).update(lease_token="someone-else")
        request.record({"container": "c2"})
        raise AssertionError("record must stop the attempt")

    Scripted.steps = [lease_lost]
    assert engine.publish(pub(post).pk) == "lost"
    assert pub(post).progress == {}
