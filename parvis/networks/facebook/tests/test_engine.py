"""A Facebook Page through the publishing engine, against the fake: a post published
once, and a lost answer found among the Page's posts by the next attempt (one post)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.facebook.connector import SERVER_URL
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.models import Publication, State
from parvis.publishing.tests.helpers import pub, schedule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


@pytest.fixture
def account(people: dict[str, Any], page: Any) -> SocialAccount:
    return SocialAccount.objects.create(workspace=people["workspace"], network="facebook", server_url=SERVER_URL,
                                        remote_id=page.id, handle=page.name, credentials={"access_token": page.token})


def test_a_post_is_published_once(people, meta, account):
    post = schedule(people["workspace"], people["owner"], [account], "Fournée du jour")
    assert engine.publish(pub(post).pk) == "published"
    (stored,) = meta.posts.values()
    assert pub(post).remote_id == stored.id and stored.message == "Fournée du jour"


def test_a_lost_answer_is_found_by_the_next_attempt_never_posted_twice(people, meta, account):
    post = schedule(people["workspace"], people["owner"], [account], "Une seule fois")
    meta.lose_next(path="*/feed")
    assert engine.publish(pub(post).pk) == "retry"
    Publication.objects.filter(pk=pub(post).pk).update(next_attempt_at=timezone.now())
    assert engine.publish(pub(post).pk) == "found"
    (stored,) = meta.posts.values()
    assert (pub(post).state, pub(post).remote_id) == (State.PUBLISHED, stored.id)
