"""A LinkedIn page through the publishing engine: the image's alt text reaches LinkedIn,
and a post whose answer was lost is found on the next attempt, never posted twice."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from parvis.publishing import engine
from parvis.publishing.actions import Upload
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule
from parvis.testing.videos import mp4_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


def due_now(publication: Publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())


def test_a_lost_answer_is_found_on_the_next_attempt_and_posted_once(linkedin, page, shop, people, png):
    text = "Fournée du jour (pain au levain) #boulangerie"
    post = schedule(people["workspace"], people["owner"], [page], text,
                    uploads=(Upload("pain.png", io.BytesIO(png), len(png), "Une miche de pain"),))
    linkedin.lose_next(path="/rest/posts")
    assert engine.publish(pub(post).pk) == "retry"
    publication = pub(post)
    assert publication.may_exist and publication.progress["images"]

    due_now(publication)
    assert engine.publish(publication.pk) == "found"
    publication = pub(post)
    [posted] = linkedin.live_posts(shop.urn)
    assert publication.state == State.PUBLISHED and publication.remote_id == posted.urn
    assert posted.shown == text
    assert posted.fields["content"]["media"]["altText"] == "Une miche de pain"
    assert linkedin.assets[posted.fields["content"]["media"]["id"]].data == png
    assert len(linkedin.requests_to("/rest/posts", "POST")) == 1
    assert [a.outcome for a in publication.attempt_log.all()] == ["retry", "found"]


def test_a_video_waits_for_linkedin_without_holding_the_publication(linkedin, page, shop, people):
    clip = mp4_bytes()
    post = schedule(people["workspace"], people["owner"], [page], "La torréfaction",
                    uploads=(Upload("clip.mp4", io.BytesIO(clip), len(clip)),))
    linkedin.video_polls = 1
    assert engine.publish(pub(post).pk) == "waiting"
    publication = pub(post)
    assert publication.state == State.PROCESSING and publication.progress["video"]["finalized"]
    due_now(publication)
    assert engine.publish(publication.pk) == "published"
    [posted] = linkedin.live_posts(shop.urn)
    assert pub(post).remote_id == posted.urn
    assert linkedin.assets[posted.fields["content"]["media"]["id"]].data == clip
