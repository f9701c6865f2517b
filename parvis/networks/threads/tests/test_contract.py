"""The shared connector contract (`parvis.networks.tests.contract`), against LocalThreads."""

from __future__ import annotations

import pytest

from parvis.networks.models import SocialAccount
from parvis.networks.tests.contract import ConnectorContract, Subject
from parvis.testing.threads_server import LocalThreads, ThreadsAccount

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages read in English


@pytest.fixture
def subject(threads: LocalThreads, brand: ThreadsAccount, threads_account: SocialAccount) -> Subject:
    return Subject(
        account=threads_account,
        posts=lambda: [media.id for media in threads.posts_of(brand.id)],
        lose_publish=lambda: threads.lose_next(path="/v1.0/*/threads_publish"),
        refuse_publish=lambda status: threads.fail_next(status, path="/v1.0/*/threads_publish"),
    )


class TestThreadsContract(ConnectorContract):
    pass
