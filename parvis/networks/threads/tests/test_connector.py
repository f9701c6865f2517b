"""What the Threads connector says besides publishing: Graph's refusals as NetworkErrors,
refreshed tokens, metrics, per-network checks and counting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks import registry
from parvis.networks.base import Draft, ErrorKind, MediaFile, NetworkError, PublishRequest, RemotePost
from parvis.networks.threads.connector import ThreadsConnector
from parvis.networks.threads.metrics import METRICS
from parvis.networks.threads.options import OptionsForm
from parvis.networks.tokens import refresh

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English

DAY = 86_400


def publish(connector: ThreadsConnector, text: str) -> Any:
    return connector.publish(PublishRequest(text=text, idempotency_key="k"))


def refusal(connector: ThreadsConnector, text: str = "Bonjour") -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        publish(connector, text)
    return caught.value


# -- errors --------------------------------------------------------------------------------
def test_a_server_error_on_a_write_is_transient_and_uncertain(threads, threads_account):
    threads.polls_until_finished = 0
    threads.fail_next(503, path="/v1.0/*/threads_publish")
    error = refusal(ThreadsConnector(threads_account))
    assert (error.kind, error.uncertain) == (ErrorKind.TRANSIENT, True)
    assert "503" in error.message


def test_an_expired_token_asks_for_a_reconnection(threads, brand, threads_account):
    threads.expire_token(brand.long_token)
    error = refusal(ThreadsConnector(threads_account))
    assert error.kind is ErrorKind.RECONNECT and "Session has expired" in error.message


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_throttling_is_transient_with_a_wait_and_nothing_done(threads, threads_account, code):
    threads.throttle_next(code, path="/v1.0/*/threads")
    error = refusal(ThreadsConnector(threads_account))
    assert error.kind is ErrorKind.TRANSIENT and not error.uncertain
    assert error.retry_after is not None and error.retry_after >= 60
    assert threads.containers == {}


def test_a_429_waits_as_long_as_retry_after_says(threads, threads_account):
    threads.fail_next(429, {"error": {"message": "Too many", "code": 0}}, path="/v1.0/*/threads",
                      headers={"Retry-After": "42"})
    error = refusal(ThreadsConnector(threads_account))
    assert (error.kind, error.retry_after) == (ErrorKind.TRANSIENT, 42)


def test_an_invalid_parameter_is_permanent_and_names_the_field(threads, threads_account):
    error = refusal(ThreadsConnector(threads_account), "x" * 501)
    assert (error.kind, error.field) == (ErrorKind.PERMANENT, "text")
    assert "at most 500 characters" in error.message


def test_a_lost_container_answer_is_uncertain_and_leaves_nothing_recorded(threads, threads_account):
    threads.lose_next(path="/v1.0/*/threads")
    recorded: list[dict[str, Any]] = []
    with pytest.raises(NetworkError) as caught:
        ThreadsConnector(threads_account).publish(
            PublishRequest(text="Perdue", idempotency_key="k", record=recorded.append))
    assert caught.value.uncertain and recorded == []


# -- tokens --------------------------------------------------------------------------------
def test_a_day_old_token_is_refreshed_for_sixty_days_by_the_sweep(threads, brand, threads_account):
    threads.advance(DAY + 1)
    assert refresh(threads_account.pk) == "refreshed"
    threads_account.refresh_from_db()
    assert threads_account.credentials["access_token"] not in ("", brand.long_token)
    assert threads_account.credentials["user_id"] == brand.id
    left = threads_account.credentials_expire_at - timezone.now()
    assert timedelta(days=59, hours=23) < left <= timedelta(days=60)
    assert ThreadsConnector(threads_account).identity().handle == "@brand"  # the new token works


def test_a_refused_refresh_flags_the_account_for_reconnection(threads, brand, threads_account):
    threads.expire_token(brand.long_token)
    assert refresh(threads_account.pk) == "reconnect"
    threads_account.refresh_from_db()
    assert threads_account.needs_reconnect


def test_the_token_sweep_refreshes_ten_days_ahead():
    info = registry.get("threads")
    assert info.refresh_ahead == timedelta(days=10) and info.warn_before < info.refresh_ahead


# -- metrics -------------------------------------------------------------------------------
def test_metrics_are_read_per_post_and_a_deleted_post_is_left_out(threads, threads_account):
    threads.polls_until_finished = 0
    connector = ThreadsConnector(threads_account)
    kept, gone = (publish(connector, text) for text in ("Gardé", "Supprimé"))
    assert isinstance(kept, RemotePost) and isinstance(gone, RemotePost)
    threads.set_media_insights(kept.remote_id, views=120, likes=7, shares=2)
    threads.reply_as("alice", to=kept.remote_id, text="Bravo")
    connector.delete(gone.remote_id)
    assert connector.fetch_metrics([kept.remote_id, gone.remote_id]) == {kept.remote_id: {
        "views": 120, "likes": 7, "replies": 1, "reposts": 0, "quotes": 0, "shares": 2}}
    assert set(METRICS) == {"views", "likes", "replies", "reposts", "quotes", "shares"}


# -- checks, counting, options -------------------------------------------------------------
def image(name: str = "a.png") -> MediaFile:
    return MediaFile(Path(name), "image/png", url=f"https://media.example/{name}")


def test_checks_name_the_field_of_what_threads_refuses(threads_account, english):
    connector = ThreadsConnector(threads_account)
    problems = connector.checks(Draft(text="Album", media=[image(f"{i}.png") for i in range(21)],
                                      options={"topic_tag": "pain.levain"}))
    assert [(p.field, p.network) for p in problems] == [("media", "threads"), ("options.topic_tag", "threads")]
    assert "2 to 20" in problems[0].message
    assert [p.field for p in connector.checks(Draft(text="  "))] == ["text"]
    assert connector.checks(Draft(text="", media=[image(), image("b.png")])) == []


def test_the_limits_are_threads_own(threads_account):
    limits = ThreadsConnector(threads_account).limits()
    assert (limits.max_chars, limits.max_media, limits.max_alt_chars) == (500, 20, 1000)
    assert "video/mp4" in limits.video_mime_types and "image/gif" not in limits.image_mime_types


def test_emoji_count_as_their_utf8_bytes_and_the_rest_as_one(threads_account):
    connector = ThreadsConnector(threads_account)
    assert connector.count("é" * 500) == 500
    assert connector.count("🎉") == 4 and connector.count("👩‍👩‍👧") == 14  # 3 emoji, 2 joiners


def test_mentions_are_bare_usernames_and_no_handle_is_claimed():
    info = registry.get("threads")
    assert info.mention_re is not None
    assert [m.group(1) for m in info.mention_re.finditer("Merci @boulangerie.dupont et @ami_2!")] == \
        ["boulangerie.dupont", "ami_2"]
    assert info.mention_re.search("@alice@example.social") is None
    assert registry.network_of_handle("@brand") is None
    assert registry.network_of_handle("@brand@example.social") == "mastodon"
    assert registry.network_of_handle("@brand.bsky.social") == "bluesky"


def test_the_options_form_cleans_the_topic_and_refuses_what_threads_refuses(english):
    form = OptionsForm({"reply_control": "followers_only", "topic_tag": "#Boulangerie"})
    assert form.is_valid() and form.cleaned_data == {"reply_control": "followers_only", "topic_tag": "Boulangerie"}
    bad = OptionsForm({"reply_control": "nobody", "topic_tag": "pain & co"})
    assert not bad.is_valid() and set(bad.errors) == {"reply_control", "topic_tag"}
