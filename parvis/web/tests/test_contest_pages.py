"""The contest pages: the list (and what a contest is when there is none), the form naming
each field the logic refuses, opening (C and the proof page's address, then the frozen
fields read-only), the entries with why some are excluded, collecting through the queue,
the draw and its public value, and the winners told, confirmed and announced — with each
role's rights."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from parvis.publishing.models import Post, Publication, State
from parvis.relations import contest_entries, contest_tasks, contests
from parvis.relations.models import Contest, Winner
from parvis.relations.tests.contest_fakes import Script, install, person
from parvis.testing.factories import client_for, make_account

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NOW = timezone.now().replace(microsecond=0)
OPENS = NOW - timedelta(hours=1)
CLOSES = NOW + timedelta(days=10)
AFTER = CLOSES + timedelta(hours=1)


def _url(name: str, people: dict[str, Any], *args: Any) -> str:
    return reverse(f"web:{name}", args=[people["workspace"].pk, *args])


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Script:
    return install(monkeypatch, Script())


@pytest.fixture
def post(people: dict[str, Any]) -> Post:
    brand = make_account(people["workspace"], "mastodon")
    made = Post.objects.create(workspace=people["workspace"], text="Grand jeu de Noël ! Répondez pour gagner.")
    Publication.objects.create(post=made, account=brand, state=State.PUBLISHED, remote_id="post-1",
                               remote_url="https://example.social/@brand/1", published_at=OPENS)
    return made


def _values(post: Post, **extra: Any) -> dict[str, Any]:
    return {"name": "Noël gourmand", "prize": "Un panier garni", "prize_value": "49.90",
            "organiser": "Boulangerie Dupont, 1 rue du Pain, 69001 Lyon", "language": "fr", "opens_at": OPENS,
            "closes_at": CLOSES, "winners": 1, "alternates": 1, "ways": ["reply"], "hashtag": "", "mentions": 0,
            "must_follow": False, "exclude_new_accounts": True, "exclude_bots": True, "staff": "",
            "answer_days": 7, "public_value_rule": "", "post": post, **extra}


@pytest.fixture
def contest(people: dict[str, Any], post: Post, script: Script) -> Contest:
    return contests.save_contest(people["workspace"], people["owner"], _values(post))


def _form(post: Post, **extra: str) -> dict[str, Any]:
    """The form as a browser sends it: times in the workspace's zone (Europe/Paris)."""
    return {"name": "Noël gourmand", "prize": "Un panier garni", "prize_value": "49,90",
            "organiser": "Boulangerie Dupont, Lyon", "language": "fr", "opens_at": "2026-12-20T09:00",
            "closes_at": "2026-12-24T18:00", "post": str(post.pk), "ways": ["reply", "like"], "winners": "2",
            "alternates": "1", "public_value_rule": "", "hashtag": "#Noël", "mentions": "0",
            "exclude_new_accounts": "on", "exclude_bots": "on", "staff": "@stagiaire", "answer_days": "7", **extra}


def _closed(contest: Contest, script: Script, people: dict[str, Any], **changes: Any) -> Contest:
    """Opened, then the last collection after the close read three entrants (one a bot)."""
    if changes:
        contest = contests.save_contest(people["workspace"], people["owner"], changes, contest)
    contests.open_contest(contest, NOW, people["owner"])
    script.pages[("post-1", "reply")] = [[person("alice", at=NOW, text="Je participe !"),
                                          person("bruno", at=NOW, text="Moi aussi"),
                                          person("robot", at=NOW, text="Moi", bot=True)]]
    contest_entries.collect(contest, AFTER)
    contest.refresh_from_db()
    assert contest.status == Contest.Status.CLOSED
    return contest


def test_the_list_says_what_a_contest_does_when_there_is_none(people):
    page = client_for(people["viewer"]).get(_url("contests", people))
    assert page.status_code == 200
    text = page.content.decode()
    assert "each platform's required clauses" in text and "anyone can verify" in text
    assert 'data-testid="contest-new"' not in text  # a viewer reads only
    assert 'aria-current="page">Contests' in text  # the relations' menu shows where one is


def test_the_list_shows_status_close_in_the_workspace_zone_entries_and_the_proof_link(people, contest):
    contests.open_contest(contest, NOW, people["owner"])
    text = client_for(people["viewer"]).get(_url("contests", people)).content.decode()
    local = timezone.localtime(CLOSES, people["workspace"].tz)
    assert "Noël gourmand" in text and "Open" in text and f"{local:%H:%M}" in text
    assert reverse("web:contest_proof", args=[contest.proof_token]) in text


def test_a_viewer_reads_an_editor_writes_and_another_agency_gets_404(people, contest, post):
    viewer = client_for(people["viewer"])
    assert viewer.get(_url("contest", people, contest.pk)).status_code == 200
    assert viewer.post(_url("contest_new", people), _form(post)).status_code == 403
    assert viewer.post(_url("contest_open", people, contest.pk)).status_code == 403
    outsider = client_for(people["outsider"])
    assert outsider.get(_url("contest", people, contest.pk)).status_code == 404
    theirs = reverse("web:contest", args=[people["other_workspace"].pk, contest.pk])
    assert outsider.get(theirs).status_code == 404
    assert Contest.objects.get().status == Contest.Status.DRAFT


def test_each_wrong_field_is_named_on_its_field_and_nothing_is_saved(people, post, script):
    client = client_for(people["editor"])
    page = client.post(_url("contest_new", people), _form(
        post, winners="0", hashtag="#deux mots", closes_at="2026-12-19T18:00", staff="pas un@ handle@", ways=[],
        prize_value="beaucoup"))
    assert page.status_code == 400
    text = page.content.decode()
    for field in ("winners", "hashtag", "closes_at", "staff", "ways", "prize_value"):
        assert f'data-field="{field}"' in text, field
    assert "#deux mots" in text  # what was typed stays in the form
    assert not Contest.objects.exists()
    skipped = client.post(_url("contest_new", people), _form(post, opens_at="2027-03-28T02:30"))
    assert skipped.status_code == 400 and 'data-field="opens_at"' in skipped.content.decode()  # no such time


def test_a_new_contest_is_saved_with_its_times_in_the_workspace_zone_and_its_rules_drafted(people, post, script):
    client = client_for(people["editor"])
    form = client.get(_url("contest_new", people)).content.decode()
    assert "Grand jeu de Noël" in form and "Europe/Paris" in form and "EuroMillions" in form
    done = client.post(_url("contest_new", people), _form(post))
    made = Contest.objects.get()
    assert done.status_code == 302 and done["Location"] == _url("contest", people, made.pk)
    assert timezone.localtime(made.closes_at, people["workspace"].tz).strftime("%d %H:%M") == "24 18:00"
    assert made.ways == ["reply", "like"] and made.hashtag == "#Noël" and str(made.prize_value) == "49.90"
    page = client.get(_url("contest", people, made.pk)).content.decode()
    assert 'data-testid="rules-form"' in page and "parvis-draw-v1" in page and 'data-testid="open"' in page


def test_rules_never_edited_follow_the_form_and_edited_ones_are_kept(people, contest, post):
    client = client_for(people["editor"])
    client.post(_url("contest_edit", people, contest.pk), _form(post, prize="Une galette géante"))
    contest.refresh_from_db()
    assert "Une galette géante" in contest.rules_text
    client.post(_url("contest_rules", people, contest.pk), {"rules_text": "Mon règlement {{C}}"})
    client.post(_url("contest_edit", people, contest.pk), _form(post, prize="Un gâteau"))
    contest.refresh_from_db()
    assert contest.rules_text == "Mon règlement {{C}}"
    client.post(_url("contest_rules", people, contest.pk), {"redraft": "1"})
    contest.refresh_from_db()
    assert "Un gâteau" in contest.rules_text


def test_opening_shows_c_and_the_proof_address_then_the_form_shows_frozen_fields_read_only(people, contest, post):
    client = client_for(people["editor"])
    assert client.post(_url("contest_open", people, contest.pk)).status_code == 302
    contest.refresh_from_db()
    page = client.get(_url("contest", people, contest.pk)).content.decode()
    assert contest.commitment in page and contests.proof_url(contest) in page
    assert 'data-testid="rules-form"' not in page and 'data-testid="collect"' in page
    form = client.get(_url("contest_edit", people, contest.pk)).content.decode()
    assert 'data-testid="frozen-note"' in form
    assert 'name="prize"' in form and "disabled" in form.split('name="prize"')[1].split(">")[0]
    client.post(_url("contest_edit", people, contest.pk), _form(post, name="Noël 2026", prize="Autre chose"))
    contest.refresh_from_db()
    assert contest.name == "Noël 2026" and contest.prize == "Un panier garni"
    again = client.post(_url("contest_open", people, contest.pk))
    assert again.status_code == 400 and 'data-field="status"' in again.content.decode()


def test_opening_after_the_close_names_the_close_with_a_400(people, post, script):
    late = contests.save_contest(people["workspace"], people["owner"], _values(
        post, opens_at=NOW - timedelta(days=3), closes_at=NOW - timedelta(days=1)))
    page = client_for(people["editor"]).post(_url("contest_open", people, late.pk))
    assert page.status_code == 400 and 'data-field="closes_at"' in page.content.decode()
    late.refresh_from_db()
    assert late.status == Contest.Status.DRAFT


def test_collect_now_queues_a_job_and_never_two(people, contest, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(contest_tasks, "collect_contest_task", queued.append)
    client = client_for(people["editor"])
    contests.open_contest(contest, NOW, people["owner"])
    first = client.post(_url("contest_collect", people, contest.pk), follow=True).content.decode()
    assert queued == [contest.pk] and "being collected" in first
    second = client.post(_url("contest_collect", people, contest.pk), follow=True).content.decode()
    assert queued == [contest.pk] and "already under way" in second


def test_entries_are_listed_with_why_some_are_excluded_and_filtered(people, contest, script):
    _closed(contest, script, people)
    client = client_for(people["viewer"])
    page = client.get(_url("contest", people, contest.pk)).content.decode()
    assert page.count('data-testid="entry-row"') == 3
    assert "@robot" in page and "marks @robot as an automated account" in page
    excluded = client.get(_url("contest", people, contest.pk), {"show": "excluded"}).content.decode()
    assert excluded.count('data-testid="entry-row"') == 1 and "@robot" in excluded
    eligible = client.get(_url("contest", people, contest.pk), {"show": "eligible"}).content.decode()
    assert eligible.count('data-testid="entry-row"') == 2 and "@robot" not in eligible


def test_the_draw_asks_for_the_public_value_the_rules_announced(people, contest, script):
    _closed(contest, script, people, public_value_rule="the EuroMillions numbers of 22 December")
    client = client_for(people["editor"])
    page = client.get(_url("contest", people, contest.pk)).content.decode()
    assert 'data-testid="draw-form"' in page and "the EuroMillions numbers of 22 December" in page
    refused = client.post(_url("contest_draw", people, contest.pk), {"public_value": " "})
    assert refused.status_code == 400 and 'data-field="public_value"' in refused.content.decode()
    assert not Winner.objects.exists()
    done = client.post(_url("contest_draw", people, contest.pk), {"public_value": "3 17 22 40 48 + 2 9"})
    assert done.status_code == 302
    contest.refresh_from_db()
    assert contest.status == Contest.Status.DRAWN and contest.public_value == "3 17 22 40 48 + 2 9"


def test_a_draw_without_an_announced_value_needs_none(people, contest, script):
    _closed(contest, script, people)
    client = client_for(people["editor"])
    assert 'id="id_public_value"' not in client.get(_url("contest", people, contest.pk)).content.decode()
    assert client.post(_url("contest_draw", people, contest.pk)).status_code == 302
    picks = list(Winner.objects.order_by("rank"))
    assert [p.status for p in picks] == [Winner.Status.DRAWN, Winner.Status.ALTERNATE]
    assert {p.entry.stable_id for p in picks} == {"alice", "bruno"}  # never the bot


def test_winners_are_told_marked_as_answered_and_announced_in_a_draft(people, contest, script):
    _closed(contest, script, people)
    client = client_for(people["editor"])
    client.post(_url("contest_draw", people, contest.pk))
    page = client.get(_url("contest", people, contest.pk)).content.decode()
    assert 'data-testid="winners"' in page and 'data-testid="alternates"' in page
    assert 'data-testid="contact-winners"' in page and contests.proof_url(contest) in page
    told = client.post(_url("contest_contact_winners", people, contest.pk), follow=True).content.decode()
    winner = Winner.objects.get(rank=0)
    assert "1 winner told." in told and len(script.sent) == 1 and script.sent[0][0] == winner.entry.stable_id
    client.post(_url("contest_answered", people, contest.pk, winner.pk))
    winner.refresh_from_db()
    assert winner.status == Winner.Status.CONFIRMED and winner.answered_at is not None
    announced = client.post(_url("contest_announce", people, contest.pk))
    draft = Post.objects.exclude(pk=contest.post_id).get()
    assert announced.status_code == 302 and announced["Location"] == _url("post_edit", people, draft.pk)
    assert draft.is_draft and winner.entry.handle in draft.text
    assert client_for(people["viewer"]).post(_url("contest_announce", people, contest.pk)).status_code == 403


def test_a_draft_is_deleted_but_an_open_contest_is_kept(people, contest, post, script):
    client = client_for(people["editor"])
    contests.open_contest(contest, NOW, people["owner"])
    client.post(_url("contest_delete", people, contest.pk))
    assert Contest.objects.filter(pk=contest.pk).exists()
    draft = contests.save_contest(people["workspace"], people["owner"], _values(post, name="Brouillon"))
    assert client.post(_url("contest_delete", people, draft.pk)).status_code == 302
    assert not Contest.objects.filter(pk=draft.pk).exists()
