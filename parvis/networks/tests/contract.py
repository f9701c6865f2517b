"""The contract every connector keeps, written once and run over every network against its
own loopback server (as django-allauth runs one suite over every provider).

A network's tests take part with a `Subject` fixture and a subclass:

    @pytest.fixture
    def subject(people, local_threads) -> Subject:
        account = connect(...)                                 # a connected account
        return Subject(
            account=account,
            posts=lambda: [p.id for p in local_threads.posts_of(user.id)],
            lose_publish=lambda: local_threads.lose_next(path="*/threads_publish"),
            refuse_publish=lambda status: local_threads.fail_next(status, path="*/threads_publish"),
        )

    class TestThreadsContract(ConnectorContract):
        pass

A network whose posts need options (WordPress: a title) gives them as `options`: every
request the suite builds carries them.

What a network cannot do here (a real server without fault injection) is left as None
and the tests that need it are skipped, saying so. Each publish goes through
`publish_to_end`, which builds a new connector for every step and hands it the progress
recorded so far, as the engine does across attempts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

import pytest
from django import forms

from parvis.networks import registry
from parvis.networks.base import (
    Connector,
    Draft,
    ErrorKind,
    MediaFile,
    NetworkError,
    Pending,
    Presence,
    PublishRequest,
    RemotePost,
)
from parvis.networks.models import SocialAccount

MAX_STEPS = 30


@dataclass
class Subject:
    account: SocialAccount
    posts: Callable[[], list[str]]  # the remote ids of the account's posts on the network now
    lose_publish: Callable[[], object] | None = None  # the post-creating request is done, its answer lost
    refuse_publish: Callable[[int], object] | None = None  # it is refused with this status, nothing done
    media: list[MediaFile] = field(default_factory=list)  # what a post on this network needs, if anything
    between_steps: Callable[[], object] = lambda: None  # e.g. move a fake's clock while it processes
    expire: Callable[[], object] | None = None  # how the network stops accepting them, if not by mangling
    options: dict[str, Any] = field(default_factory=dict)  # the post options it needs (a blog's title)

    def connector(self) -> Connector:
        return registry.connector_for(self.account)

    def request(self, text: str = "", **values: Any) -> PublishRequest:
        key = str(uuid.uuid4())
        values = {"options": dict(self.options), **values}
        return PublishRequest(text=text or f"Contrat {key[:8]} : une phrase, un lien https://example.org/{key[:4]}",
                              idempotency_key=key, media=tuple(self.media), created_at=datetime.now(UTC),
                              **values)

    def expire_credentials(self) -> None:
        """The network stops accepting the stored credentials (by default they are mangled:
        every network refuses a token it never issued)."""
        if self.expire is not None:
            self.expire()
            return
        self.account.credentials = {k: f"revoked-{v}" if isinstance(v, str) else v
                                    for k, v in self.account.credentials.items()}
        self.account.save(update_fields=["credentials"])


def publish_to_end(subject: Subject, request: PublishRequest) -> RemotePost:
    """Publish as the engine would: a fresh connector per attempt, the recorded progress
    handed back, until the network is done processing."""
    progress: dict[str, Any] = dict(request.progress)

    def record(new: dict[str, Any]) -> None:
        progress.clear()
        progress.update(new)

    for _step in range(MAX_STEPS):
        outcome = subject.connector().publish(replace(request, progress=dict(progress), record=record))
        if not isinstance(outcome, Pending):
            return outcome
        assert outcome.check_in > 0
        subject.between_steps()
    raise AssertionError(f"still processing after {MAX_STEPS} steps")


def since_a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


class ConnectorContract:
    """Every connector, against its loopback server. Subclass it in the network's tests."""

    def test_identity_names_the_connected_account(self, subject: Subject) -> None:
        assert subject.connector().identity().remote_id == subject.account.remote_id

    def test_counting_is_the_networks_info_with_the_accounts_limits(self, subject: Subject) -> None:
        connector, text = subject.connector(), "Café ☕ à 9 h https://example.org/menu #pause"
        assert connector.count(text) == subject.account.network_info.count(text, connector.limits())

    def test_a_post_is_published_once_and_then_found(self, subject: Subject) -> None:
        before = set(subject.posts())
        request = subject.request()
        post = publish_to_end(subject, request)
        assert set(subject.posts()) - before == {post.remote_id}
        found = subject.connector().find_published(request, since_a_minute_ago())
        assert found.presence is Presence.FOUND and found.post is not None
        assert found.post.remote_id == post.remote_id

    def test_a_post_never_sent_is_never_said_to_be_there(self, subject: Subject) -> None:
        publish_to_end(subject, subject.request())  # another post is there: it must not be taken for ours
        lookup = subject.connector().find_published(subject.request(), since_a_minute_ago())
        assert lookup.presence in (Presence.ABSENT, Presence.UNKNOWN)

    def test_a_lost_answer_never_makes_two_posts(self, subject: Subject) -> None:
        if subject.lose_publish is None:
            pytest.skip("this network's test server cannot lose an answer")
        before = set(subject.posts())
        request = subject.request()
        subject.lose_publish()
        try:
            publish_to_end(subject, request)
        except NetworkError as error:
            assert error.kind is ErrorKind.TRANSIENT and error.uncertain, error
        assert len(set(subject.posts()) - before) == 1  # the network did take it
        lookup = subject.connector().find_published(request, since_a_minute_ago())
        # Found, or "unknown" (a person decides); never "absent", which would post it again.
        assert lookup.presence in (Presence.FOUND, Presence.UNKNOWN)

    def test_a_refused_request_is_worth_retrying_and_posts_nothing(self, subject: Subject) -> None:
        if subject.refuse_publish is None:
            pytest.skip("this network's test server cannot refuse a request")
        before = set(subject.posts())
        subject.refuse_publish(503)
        with pytest.raises(NetworkError) as raised:
            publish_to_end(subject, subject.request())
        assert raised.value.kind is ErrorKind.TRANSIENT
        assert set(subject.posts()) == before

    def test_refused_credentials_ask_for_a_reconnection(self, subject: Subject) -> None:
        subject.expire_credentials()
        with pytest.raises(NetworkError) as raised:
            publish_to_end(subject, subject.request())
        assert raised.value.kind is ErrorKind.RECONNECT

    def test_a_deleted_post_is_gone(self, subject: Subject) -> None:
        post = publish_to_end(subject, subject.request())
        subject.connector().delete(post.remote_id)
        assert post.remote_id not in subject.posts()

    def test_checks_name_the_field_and_the_network(self, subject: Subject) -> None:
        key = subject.account.network
        limits = subject.connector().limits()
        problems = subject.connector().checks(Draft(text="x" * (limits.max_chars + 1)))
        problems += subject.connector().checks(Draft(text="ok", media=tuple(subject.media)))
        for problem in problems:
            assert problem.network == key and problem.message
            assert problem.field in ("text", "media") or problem.field.startswith("options.")

    def test_setting_up_after_connect_never_raises_even_when_refused(self, subject: Subject) -> None:
        # Then with its credentials refused: words to show, never an exception that would
        # lose the account just saved.
        assert subject.connector().after_connect() == []
        subject.expire_credentials()
        assert all(str(w) for w in subject.connector().after_connect())

    def test_post_options_are_a_form_that_names_its_fields(self, subject: Subject) -> None:
        path = subject.account.network_info.options_form
        if not path:
            pytest.skip("this network has no post options")
        module, _, name = path.partition(":")
        form_class = getattr(import_module(module), name)
        assert issubclass(form_class, forms.Form)
        form = form_class(data={})
        if not form.is_valid():
            assert set(form.errors) <= set(form.fields)
