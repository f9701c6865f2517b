"""The claim reads its row through SQL compiled once per process (`core.compiled`): what it
builds must be what the ORM builds, field for field, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from parvis.core.compiled import STAND_IN_ID, CompiledRead, Param
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.actions import Upload
from parvis.publishing.models import AccountQueue, Charter, EditorialSettings, Publication
from parvis.publishing.tests.helpers import pub, schedule

pytestmark = pytest.mark.django_db

ANNOTATIONS = ("release_paused_at", "release_requires_approval", "release_queue_paused", "utm_on", "has_media")


def _account(workspace: Any, name: str = "lecture") -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=workspace, network="bluesky", server_url="https://bsky.social", remote_id=f"did:plc:{name}",
        handle=f"@{name}.bsky.social", credentials={"identifier": f"{name}.bsky.social", "app_password": "x"})


def _fields(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _same_as_the_orm(publication_id: int) -> Publication:
    now = timezone.now()
    with transaction.atomic():
        compiled = engine.claim_row(publication_id, now)
    orm = engine.claim_query(now).get(pk=publication_id)
    assert compiled is not None
    for mine, theirs in [(compiled, orm), (compiled.post, orm.post), (compiled.account, orm.account),
                         (compiled.post.workspace, orm.post.workspace)]:
        assert type(mine) is type(theirs)
        assert _fields(mine) == _fields(theirs), type(mine).__name__
        assert mine._state.adding is False and mine._state.db == "default"
    for name in ANNOTATIONS:
        assert getattr(compiled, name) == getattr(orm, name), name
        assert type(getattr(compiled, name)) is type(getattr(orm, name)), name
    return compiled


def test_the_compiled_claim_read_builds_what_the_orm_builds(people: dict[str, Any], png: bytes) -> None:
    workspace = people["workspace"]
    plain = schedule(workspace, people["owner"], [_account(workspace)], "Sans image, sans règle")
    read = _same_as_the_orm(pub(plain).pk)
    assert (read.has_media, read.utm_on, read.release_paused_at, read.release_queue_paused) == (
        False, False, None, None)
    assert isinstance(read.created_at, type(timezone.now())) and read.post.options == {}

    # Every annotation set: media, UTM on, a paused queue, the workspace paused and
    # requiring approval (the claim reads them; `is_released` then says no).
    second = _account(workspace, "seconde")
    busy = schedule(workspace, people["owner"], [second], "Avec image https://exemple.fr",
                    uploads=(Upload("pain.png", io.BytesIO(png), len(png), "Une miche"),))
    Charter.objects.update_or_create(workspace=workspace, defaults={"utm_enabled": True})
    AccountQueue.objects.create(account=second, paused=True)
    EditorialSettings.objects.filter(workspace=workspace).update(paused_at=timezone.now(), requires_approval=True)
    Publication.objects.filter(pk=pub(busy).pk).update(in_queue=True, progress={"container": "17"})
    read = _same_as_the_orm(pub(busy).pk)
    assert (read.has_media, read.utm_on, read.release_requires_approval, read.release_queue_paused) == (
        True, True, True, True)
    assert read.release_paused_at is not None and read.progress == {"container": "17"}
    assert not engine.is_released(read)


def test_each_call_reads_its_own_row_and_nothing_not_claimable(people: dict[str, Any]) -> None:
    workspace = people["workspace"]
    account = _account(workspace)
    first = schedule(workspace, people["owner"], [account], "Première")
    later = schedule(workspace, people["owner"], [_account(workspace, "autre")], "Demain", delay=3600)
    now = timezone.now()
    with transaction.atomic():
        assert engine.claim_row(pub(first).pk, now).pk == pub(first).pk
        assert engine.claim_row(pub(later).pk, now) is None  # not due
        assert engine.claim_row(pub(later).pk, now + timedelta(hours=2)).pk == pub(later).pk
        assert engine.claim_row(STAND_IN_ID, now) is None


def test_a_read_whose_sql_does_not_carry_a_parameter_is_refused_when_it_compiles(
        people: dict[str, Any]) -> None:
    # The value is compared through an expression the stand-in does not survive unchanged.
    field = Publication._meta.get_field("id")
    read = CompiledRead(lambda pk: Publication.objects.filter(pk=pk + 1), pk=Param(field, STAND_IN_ID))
    with pytest.raises(ImproperlyConfigured, match="'pk'"):
        read.first(pk=1)
