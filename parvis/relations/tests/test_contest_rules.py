"""The rules drafted for a contest: every section in the contest's language, each
network's required clauses from its own package, and C written in at opening."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from parvis.networks import registry
from parvis.publishing.models import Post, Publication, State
from parvis.relations import contests
from parvis.relations.contest_rules import COMMITMENT_MARK, draft_rules
from parvis.relations.tests.contest_fakes import Script, install
from parvis.testing.factories import make_account

OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 12, 20, 18, 0, tzinfo=UTC)
META = ("facebook", "instagram", "threads")


@pytest.fixture
def meta_post(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Post:
    install(monkeypatch, Script(), networks=META)
    workspace = people["workspace"]
    post = Post.objects.create(workspace=workspace, text="Grand jeu")
    for number, network in enumerate(META, 1):
        account = make_account(workspace, network, server_url="https://graph.example", remote_id=str(number),
                               handle="brand", credentials={"access_token": "x"})
        Publication.objects.create(post=post, account=account, state=State.PUBLISHED, remote_id=f"m{number}",
                                   remote_url=f"https://{network}.example/p/{number}")
    return post


def _contest(people: dict[str, Any], post: Post, language: str, **extra: Any) -> Any:
    return contests.save_contest(people["workspace"], people["owner"], {
        "name": "Noël gourmand", "prize": "Un panier garni", "prize_value": "49.90",
        "organiser": "Boulangerie Dupont, 1 rue du Pain, 69001 Lyon", "language": language, "opens_at": OPENS,
        "closes_at": CLOSES, "winners": 2, "alternates": 1, "ways": ["reply", "like"], "must_follow": True,
        "hashtag": "#Noël", "answer_days": 10, "public_value_rule": "", "post": post, **extra})


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_rules_quote_the_meta_clauses_of_each_network_in_the_contest_language(people, meta_post, language):
    rules = _contest(people, meta_post, language).rules_text
    for network in META:
        assert registry.get(network).contest_clauses[language] in rules
    release, sponsor = {"fr": ("décharge entièrement Facebook", "n'est en aucun cas parrainé, soutenu ou administré"),
                        "en": ("complete release of Facebook", "in no way sponsored, endorsed or administered by, "
                                                               "or associated with, Facebook")}[language]
    assert release in rules and sponsor in rules
    assert ("Instagram" in rules) and ("Threads" in rules)
    assert ("ni d'identifier des amis" if language == "fr" else "nor their friend connections") in rules


def test_the_french_rules_say_every_section(people, meta_post):
    contest = _contest(people, meta_post, "fr", public_value_rule="les numéros de l'EuroMillions du 22 décembre 2026")
    rules = contest.rules_text
    for expected in ("Boulangerie Dupont, 1 rue du Pain", "1 décembre 2026", "20 décembre 2026 à 19h00",
                     "Europe/Paris", "répondre à la publication ou aimer la publication", "majeure (18 ans ou plus)",
                     "Une seule participation par personne", "abonné au compte", "#Noël", "49,90 € TTC",
                     "2 gagnant(s) et 1 suppléant(s)", "parvis-draw-v1", f"C = {COMMITMENT_MARK}",
                     "l'EuroMillions du 22 décembre 2026", contests.proof_url(contest), "10 jours pour répondre",
                     "Données personnelles", "droit d'accès", "CNIL", "6 mois"):
        assert expected in rules, expected


def test_the_english_rules_say_every_section(people, meta_post):
    rules = _contest(people, meta_post, "en").rules_text
    for expected in ("organised by Boulangerie Dupont", "December 2026", "aged 18 or over", "One entry per person",
                     "must follow", "€49.90", "No public value enters the draw", "10 days to answer",
                     "Personal data", "rights of access", "Acceptance of the rules"):
        assert expected in rules, expected


def test_opening_writes_c_where_the_draft_left_its_mark_or_adds_it(people, meta_post):
    contest = _contest(people, meta_post, "fr")
    opened = contests.open_contest(contest, OPENS, people["owner"])
    assert COMMITMENT_MARK not in opened.rules_text and f"C = {opened.commitment}" in opened.rules_text
    edited = _contest(people, meta_post, "en", rules_text="Our own rules, written by our lawyer.")
    opened = contests.open_contest(edited, OPENS, people["owner"])
    assert opened.rules_text.startswith("Our own rules") and opened.rules_text.endswith(f"C = {opened.commitment}\n")


def test_a_network_without_required_clauses_adds_none(people, monkeypatch):
    install(monkeypatch, Script())
    workspace = people["workspace"]
    post = Post.objects.create(workspace=workspace, text="Grand jeu")
    Publication.objects.create(post=post, account=make_account(workspace, "mastodon"), state=State.PUBLISHED,
                               remote_id="1")
    contest = _contest(people, post, "en")
    assert "Article 9" not in contest.rules_text and "\n9. Acceptance of the rules" in contest.rules_text
    assert draft_rules(contest) == contest.rules_text
