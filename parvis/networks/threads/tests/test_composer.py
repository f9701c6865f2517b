"""Threads in the composer: its post options (who may reply, the topic) cleaned by its
form and kept with the post, its rules named before scheduling, its way of counting."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from parvis.networks.models import SocialAccount
from parvis.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def compose(people: dict[str, Any], account: SocialAccount, **fields: Any) -> Any:
    data = {"text": "Nouvelle fournée", "accounts": [account.pk], "mode": "draft", "timezone": "Europe/Paris",
            **fields}
    return client_for(people["owner"]).post(reverse("web:compose", args=[people["workspace"].pk]), data)


def test_the_options_are_offered_cleaned_and_kept(people, threads_account):
    page = client_for(people["owner"]).get(reverse("web:compose", args=[people["workspace"].pk]))
    html = page.content.decode()
    assert 'data-testid="options-threads"' in html and 'name="opt_threads-reply_control"' in html
    saved = compose(people, threads_account, **{"opt_threads-reply_control": "followers_only",
                                                "opt_threads-topic_tag": "#Boulangerie"})
    assert saved.status_code == 302
    post = threads_account.publications.get().post
    assert post.options == {"threads": {"reply_control": "followers_only", "topic_tag": "Boulangerie"}}


def test_a_topic_threads_refuses_is_named_before_saving(people, threads_account):
    refused = compose(people, threads_account, **{"opt_threads-topic_tag": "pain.levain"})
    html = refused.content.decode()
    assert refused.status_code == 400 and 'data-field="options.threads.topic_tag"' in html
    assert not threads_account.publications.exists()


def test_the_live_check_counts_emoji_as_threads_does(people, threads_account):
    response = client_for(people["owner"]).post(reverse("web:compose_check", args=[people["workspace"].pk]),
                                                {"text": "🎉" * 125 + "!", "accounts": [threads_account.pk]})
    assert "501 / 500" in response.content.decode()
