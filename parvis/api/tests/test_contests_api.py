"""Contests through the API: created with each wrong field named and nothing saved,
opened (C, then the frozen fields refused by name), entries listed with why some are
excluded, collected through the queue, drawn with and without the public value the rules
announced, a proof that `draw.verify` accepts, the winners told, confirmed and announced
— with each role's rights; another agency's contests are 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from parvis.api.tests.conftest import World
from parvis.publishing.models import Post, Publication, State
from parvis.relations import contest_entries, contest_tasks, contests
from parvis.relations import draw as parvis_draw
from parvis.relations.models import Contest, Winner
from parvis.relations.tests.contest_fakes import Script, install, person

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)
OPENS = NOW - timedelta(hours=1)
CLOSES = NOW + timedelta(days=10)
AFTER = CLOSES + timedelta(hours=1)


def base(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/contests"


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Script:
    return install(monkeypatch, Script())


@pytest.fixture
def post(world: World) -> Post:
    made = Post.objects.create(workspace=world.workspace, text="Grand jeu de Noël !")
    Publication.objects.create(post=made, account=world.mastodon, state=State.PUBLISHED, remote_id="post-1",
                               remote_url="https://example.social/@brand/1", published_at=OPENS)
    return made


def body(post: Post, **extra: Any) -> dict[str, Any]:
    return {"name": "Noël gourmand", "prize": "Un panier garni", "prize_value": "49.90",
            "organiser": "Boulangerie Dupont, Lyon", "language": "fr", "opens_at": OPENS.isoformat(),
            "closes_at": CLOSES.isoformat(), "post": post.pk, "ways": ["reply"], "winners": 1, "alternates": 1,
            **extra}


@pytest.fixture
def contest(world: World, post: Post, script: Script) -> Contest:
    values = {**body(post), "opens_at": OPENS, "closes_at": CLOSES, "post": post}
    return contests.save_contest(world.workspace, world.owner, values)


def closed(contest: Contest, script: Script, world: World, **changes: Any) -> Contest:
    """Opened, then the last collection after the close read three entrants (one a bot)."""
    if changes:
        contest = contests.save_contest(world.workspace, world.owner, changes, contest)
    contests.open_contest(contest, NOW, world.owner)
    script.pages[("post-1", "reply")] = [[person("alice", at=NOW, text="Je participe !"),
                                          person("bruno", at=NOW, text="Moi aussi"),
                                          person("robot", at=NOW, text="Moi", bot=True)]]
    contest_entries.collect(contest, AFTER)
    contest.refresh_from_db()
    return contest


def test_a_contest_is_created_as_a_draft_with_its_rules_drafted(world, api, post, script):
    answer = api.post(f"{base(world)}/", body(post, hashtag="Noël", staff="@Stagiaire"), format="json")
    assert answer.status_code == 201, answer.json()
    made = answer.json()
    assert made["status"] == "draft" and made["hashtag"] == "#Noël" and made["staff"] == "@stagiaire"
    assert "parvis-draw-v1" in made["rules_text"] and made["commitment"] == "" and made["entry_count"] == 0
    assert made["proof_url"].endswith(f"/contests/{Contest.objects.get().proof_token}/proof/")
    assert [c["id"] for c in api.get(f"{base(world)}/").json()["results"]] == [made["id"]]


@pytest.mark.parametrize(("changes", "field"), [
    ({"winners": 0}, "winners"),
    ({"alternates": 101}, "alternates"),
    ({"closes_at": OPENS.isoformat()}, "closes_at"),
    ({"ways": ["reply", "vote"]}, "ways"),
    ({"hashtag": "#deux mots"}, "hashtag"),
    ({"mentions": 11}, "mentions"),
    ({"staff": "pas un@ handle@"}, "staff"),
    ({"language": "de"}, "language"),
    ({"prize_value": "beaucoup"}, "prize_value"),
    ({"post": 999999}, "post"),
    ({"name": ""}, "name"),
])
def test_each_wrong_field_is_named_and_nothing_is_saved(world, api, post, script, changes, field):
    answer = api.post(f"{base(world)}/", {**body(post), **changes}, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not Contest.objects.exists()


def test_another_workspaces_post_is_refused_by_name(world, api, script):
    theirs = Post.objects.create(workspace=world.other_workspace, text="x")
    Publication.objects.create(post=theirs, account=world.other_account, state=State.PUBLISHED, remote_id="p")
    answer = api.post(f"{base(world)}/", body(theirs), format="json")
    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["post"]


def test_a_viewer_reads_an_editor_writes_and_another_agency_gets_404(world, client_for, contest, post):
    viewer = client_for(world.viewer)
    assert viewer.get(f"{base(world)}/{contest.pk}/").status_code == 200
    assert viewer.post(f"{base(world)}/", body(post), format="json").status_code == 403
    assert viewer.post(f"{base(world)}/{contest.pk}/open/").status_code == 403
    editor = client_for(world.editor)
    assert editor.patch(f"{base(world)}/{contest.pk}/", {"name": "Noël 2026"}, format="json").status_code == 200
    outsider = client_for(world.outsider)
    assert outsider.get(f"{base(world)}/{contest.pk}/").status_code == 404
    other = f"/api/v1/workspaces/{world.other_workspace.pk}/contests/{contest.pk}/"
    assert outsider.get(other).status_code == 404
    assert outsider.get(f"{base(world)}/{contest.pk}/entries/").status_code == 404


def test_opening_publishes_c_and_then_what_entrants_rely_on_is_refused_by_name(world, api, contest):
    opened = api.post(f"{base(world)}/{contest.pk}/open/")
    assert opened.status_code == 200, opened.json()
    made = opened.json()
    assert made["status"] == "open" and len(made["commitment"]) == 64 and made["commitment"] in made["rules_text"]
    frozen = api.patch(f"{base(world)}/{contest.pk}/", {"winners": 3, "rules_text": "autre"}, format="json")
    assert frozen.status_code == 400 and set(frozen.json()["errors"]) == {"winners", "rules_text"}
    renamed = api.patch(f"{base(world)}/{contest.pk}/", {"name": "Noël 2026"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Noël 2026"
    assert api.post(f"{base(world)}/{contest.pk}/open/").status_code == 409
    assert api.delete(f"{base(world)}/{contest.pk}/").status_code == 409
    proof = api.get(f"{base(world)}/{contest.pk}/proof/").json()
    assert proof["commitment"] == made["commitment"] and proof["algorithm"] == parvis_draw.ALGORITHM


def test_a_draft_is_deleted_and_has_no_proof_yet(world, api, contest):
    assert api.get(f"{base(world)}/{contest.pk}/proof/").status_code == 409
    assert api.delete(f"{base(world)}/{contest.pk}/").status_code == 204
    assert not Contest.objects.exists()


def test_collect_queues_a_job_and_never_two(world, api, contest, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(contest_tasks, "collect_contest_task", queued.append)
    assert api.post(f"{base(world)}/{contest.pk}/collect/").status_code == 409  # a draft collects nothing
    contests.open_contest(contest, NOW, world.owner)
    first = api.post(f"{base(world)}/{contest.pk}/collect/")
    assert first.status_code == 202 and first.json() == {"queued": True} and queued == [contest.pk]
    assert api.post(f"{base(world)}/{contest.pk}/collect/").json() == {"queued": False}


def test_entries_are_listed_with_why_some_are_excluded(world, api, contest, script):
    closed(contest, script, world)
    every = api.get(f"{base(world)}/{contest.pk}/entries/").json()["results"]
    assert {e["stable_id"] for e in every} == {"alice", "bruno", "robot"}
    out = api.get(f"{base(world)}/{contest.pk}/entries/", {"excluded": "true"}).json()["results"]
    assert [(e["stable_id"], e["excluded"]) for e in out] == [("robot", "bot")]
    assert "automated account" in out[0]["excluded_reason"]
    kept = api.get(f"{base(world)}/{contest.pk}/entries/", {"excluded": "false"}).json()["results"]
    assert {e["stable_id"] for e in kept} == {"alice", "bruno"} and all(e["excluded_reason"] == "" for e in kept)
    assert api.get(f"{base(world)}/{contest.pk}/entries/", {"excluded": "maybe"}).status_code == 400


def test_the_draw_waits_for_the_close_and_asks_for_the_announced_public_value(world, api, contest, script):
    contests.open_contest(contest, NOW, world.owner)
    assert api.post(f"{base(world)}/{contest.pk}/draw/", {}, format="json").status_code == 409
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.DRAFT, commitment="", seed={})
    contest.refresh_from_db()
    closed(contest, script, world, public_value_rule="les numéros de l'EuroMillions du 22 décembre")
    refused = api.post(f"{base(world)}/{contest.pk}/draw/", {"public_value": " "}, format="json")
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["public_value"]
    assert not Winner.objects.exists()
    done = api.post(f"{base(world)}/{contest.pk}/draw/", {"public_value": "3 17 22 40 48"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "drawn"
    assert done.json()["public_value"] == "3 17 22 40 48"


def test_the_proof_from_the_api_verifies_and_names_entrants_by_id(world, api, contest, script):
    closed(contest, script, world)
    assert api.post(f"{base(world)}/{contest.pk}/draw/", {}, format="json").status_code == 200
    proof = api.get(f"{base(world)}/{contest.pk}/proof/").json()
    assert parvis_draw.verify(proof).holds
    assert sorted(proof["entries"]) == ["mastodon:alice", "mastodon:bruno"] and "@alice" not in str(proof)


def test_winners_are_listed_told_confirmed_and_announced_in_a_draft(world, api, client_for, contest, script):
    closed(contest, script, world)
    api.post(f"{base(world)}/{contest.pk}/draw/", {}, format="json")
    picks = api.get(f"{base(world)}/{contest.pk}/winners/").json()
    assert [(p["rank"], p["role"], p["status"]) for p in picks] == [(0, "winner", "drawn"),
                                                                      (1, "alternate", "alternate")]
    told = api.post(f"{base(world)}/{contest.pk}/contact-winners/")
    assert told.status_code == 200 and told.json() == {"contacted": 1, "unreached": 0}
    assert script.sent[0][0] == picks[0]["stable_id"]
    answered = api.post(f"{base(world)}/{contest.pk}/winners/{picks[0]['id']}/answered/")
    assert answered.status_code == 200 and answered.json()["status"] == "confirmed"
    assert api.post(f"{base(world)}/{contest.pk}/winners/{picks[1]['id']}/answered/").status_code == 409
    assert client_for(world.viewer).post(f"{base(world)}/{contest.pk}/announce/").status_code == 403
    announced = api.post(f"{base(world)}/{contest.pk}/announce/")
    assert announced.status_code == 201
    draft = Post.objects.get(pk=announced.json()["post"])
    assert draft.is_draft and picks[0]["handle"] in draft.text and draft.workspace == world.workspace
