"""Contests: the form's checks, opening (the commitment, frozen fields), collecting entries
through a network's ContestConnector, the filters, the draw with parvis-draw-v1, and the
winners (told, replaced when silent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from parvis.accounts.models import Notification
from parvis.publishing.models import EditorialSettings, Post, Publication, State
from parvis.relations import contest_entries, contest_tasks, contest_winners, contests
from parvis.relations import draw as parvis_draw
from parvis.relations.contest_entries import exclusion_detail
from parvis.relations.models import Contest, Entry, Winner
from parvis.relations.tests.contest_fakes import Script, install, person
from parvis.testing.factories import make_account

OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 12, 20, 18, 0, tzinfo=UTC)
DURING = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 20, 19, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def ws(people: dict[str, Any]) -> Any:
    return people["workspace"]


@pytest.fixture
def owner(people: dict[str, Any]) -> Any:
    return people["owner"]


@pytest.fixture
def brand(ws: Any) -> Any:
    return make_account(ws, "mastodon")


def published(ws: Any, *accounts: Any, text: str = "Grand jeu de Noël !") -> Post:
    post = Post.objects.create(workspace=ws, text=text)
    for number, account in enumerate(accounts, 1):
        Publication.objects.create(post=post, account=account, state=State.PUBLISHED, remote_id=f"post-{number}",
                                   remote_url=f"https://example.social/post-{number}", published_at=OPENS)
    return post


def values(post: Post | None, **extra: Any) -> dict[str, Any]:
    return {"name": "Noël gourmand", "prize": "Un panier garni", "prize_value": "49.90",
            "organiser": "Boulangerie Dupont, 1 rue du Pain, 69001 Lyon", "language": "fr", "opens_at": OPENS,
            "closes_at": CLOSES, "winners": 1, "alternates": 2, "ways": ["reply"], "hashtag": "", "mentions": 0,
            "must_follow": False, "exclude_new_accounts": True, "exclude_bots": True, "staff": "",
            "answer_days": 7, "public_value_rule": "", "post": post, **extra}


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Script:
    return install(monkeypatch, Script())


@pytest.fixture
def contest(ws: Any, owner: Any, brand: Any, script: Script) -> Contest:
    return contests.save_contest(ws, owner, values(published(ws, brand)))


# -- the form -----------------------------------------------------------------------------------

def test_a_contest_is_saved_with_its_staff_list_normalised_and_its_rules_drafted(ws, owner, brand, script):
    made = contests.save_contest(ws, owner, values(published(ws, brand), staff="  @Alice@Example.social \n\nbob\n"
                                                   "@bob\n", hashtag="Noël"))
    assert made.staff == "@alice@example.social\n@bob"
    assert made.hashtag == "#Noël"
    assert made.status == Contest.Status.DRAFT and len(made.proof_token) == 32
    assert "Noël gourmand" in made.rules_text and "parvis-draw-v1" in made.rules_text


@pytest.mark.parametrize(("changes", "field"), [
    ({"closes_at": OPENS}, "closes_at"),
    ({"closes_at": OPENS - timedelta(days=1)}, "closes_at"),
    ({"winners": 0}, "winners"),
    ({"winners": 101}, "winners"),
    ({"alternates": -1}, "alternates"),
    ({"alternates": 101}, "alternates"),
    ({"ways": []}, "ways"),
    ({"ways": ["reply", "vote"]}, "ways"),
    ({"hashtag": "#deux mots"}, "hashtag"),
    ({"hashtag": "#2026"}, "hashtag"),
    ({"mentions": 11}, "mentions"),
    ({"answer_days": 0}, "answer_days"),
    ({"answer_days": 61}, "answer_days"),
    ({"staff": "@alice\nnot a handle"}, "staff"),
    ({"opens_at": datetime(2026, 12, 1, 9, 0)}, "opens_at"),  # naive: which zone?
    ({"language": "de"}, "language"),
    ({"prize": ""}, "prize"),
    ({"prize_value": "beaucoup"}, "prize_value"),
    ({"post": None}, "post"),
])
def test_each_wrong_field_is_named_and_nothing_is_saved(ws, owner, brand, script, changes, field):
    with pytest.raises(contests.ContestError) as raised:
        contests.save_contest(ws, owner, {**values(published(ws, brand)), **changes})
    assert field in raised.value.fields
    assert not Contest.objects.exists()


def test_the_post_must_be_another_workspaces_never(ws, owner, people, script):
    theirs = published(people["other_workspace"], make_account(people["other_workspace"], "mastodon"))
    with pytest.raises(contests.ContestError) as raised:
        contests.save_contest(ws, owner, values(theirs))
    assert raised.value.fields == ["post"]


def test_the_post_must_be_published_where_the_network_reads_the_chosen_ways(ws, owner, brand, script):
    draft = Post.objects.create(workspace=ws, text="pas encore publié")
    Publication.objects.create(post=draft, account=brand, state=State.SCHEDULED)
    with pytest.raises(contests.ContestError) as raised:
        contests.save_contest(ws, owner, values(draft))
    assert raised.value.fields == ["post"]
    script.ways = frozenset({"reply"})  # this network cannot list likes
    with pytest.raises(contests.ContestError) as raised:
        contests.save_contest(ws, owner, values(published(ws, brand), ways=["reply", "like"]))
    assert raised.value.fields == ["post"]


def test_a_network_that_is_no_contest_connector_does_not_count(ws, owner, monkeypatch):
    wordpress = make_account(ws, "wordpress", server_url="https://blog.example", remote_id="1", handle="blog")
    with pytest.raises(contests.ContestError) as raised:
        contests.save_contest(ws, owner, values(published(ws, wordpress)))
    assert raised.value.fields == ["post"]


def test_facebook_refuses_share_and_tag_to_enter_naming_the_field(ws, owner, monkeypatch):
    install(monkeypatch, Script(), networks=("facebook",))
    page = make_account(ws, "facebook", server_url="https://graph.facebook.com", remote_id="123", handle="Brand",
                        credentials={"access_token": "x"})
    post = published(ws, page)
    with pytest.raises(contests.ContestError) as raised:
        contests.save_contest(ws, owner, values(post, ways=["reply", "repost"], mentions=2))
    assert sorted(raised.value.fields) == ["mentions", "ways"]
    assert contests.save_contest(ws, owner, values(post, ways=["reply", "like"])).pk


def test_follow_is_a_way_to_enter_in_the_form_the_api_and_both_languages_of_the_rules(ws, owner, brand, script):
    from parvis.api.relations_contests import ContestSerializer
    from parvis.web.views.relations_contests import ContestForm

    assert ("follow", "Follow the account") in [(k, str(v)) for k, v in ContestForm.base_fields["ways"].choices]
    assert ContestSerializer(data={"ways": ["reply", "repost", "like", "follow"]}, partial=True).is_valid()
    made = contests.save_contest(ws, owner, values(published(ws, brand), ways=["follow", "reply"]))
    assert made.ways == ["reply", "follow"]
    assert ("de répondre à la publication ou s'abonner au compte de l'Organisateur qui a publié la publication "
            "(un abonnement antérieur à l'ouverture du jeu ne compte pas) :") in made.rules_text
    english = contests.save_contest(ws, owner, values(made.post, ways=["follow"], language="en", rules_text=""))
    assert ("during the contest, follow the Organiser's account that published the post (following it from "
            "before the contest opened does not count):") in english.rules_text
    script.ways = frozenset({"reply", "repost", "like"})  # this network cannot list who follows
    with pytest.raises(contests.ContestError) as raised:
        contests.save_contest(ws, owner, values(made.post, ways=["follow"]))
    assert raised.value.fields == ["post"]


# -- opening ------------------------------------------------------------------------------------

def test_opening_commits_to_a_secret_seed_and_writes_c_into_the_rules(contest, owner):
    contests.open_contest(contest, OPENS - timedelta(hours=1), owner)
    seed = bytes.fromhex(contest.seed["hex"])
    assert contest.status == Contest.Status.OPEN and len(seed) == 32
    assert contest.commitment == parvis_draw.commitment(seed)
    assert f"C = {contest.commitment}" in contest.rules_text
    assert contest.committed_at == OPENS - timedelta(hours=1)
    assert contest.collect_at == OPENS
    assert contest.seed["hex"] not in contest.rules_text
    with pytest.raises(contests.ContestError, match="already open"):
        contests.open_contest(contest, OPENS, owner)


@pytest.mark.parametrize(("field", "value"), [
    ("closes_at", CLOSES + timedelta(days=1)), ("winners", 3), ("alternates", 0), ("ways", ["reply", "like"]),
    ("public_value_rule", "EuroMillions"), ("must_follow", True), ("hashtag", "#Autre"), ("mentions", 1),
    ("staff", "@quelquun"), ("rules_text", "Autre règlement"), ("exclude_bots", False), ("opens_at", DURING),
])
def test_once_open_what_entrants_rely_on_cannot_change(contest, ws, owner, field, value):
    contests.open_contest(contest, OPENS, owner)
    with pytest.raises(contests.ContestError) as raised:
        contests.save_contest(ws, owner, {field: value}, contest)
    assert raised.value.fields == [field]
    assert raised.value.errors[0].code == "frozen"
    renamed = contests.save_contest(ws, owner, {"name": "Noël très gourmand", field: getattr(contest, field)},
                                    contest)
    assert renamed.name == "Noël très gourmand"


# -- collecting ---------------------------------------------------------------------------------

def _open(contest: Contest, owner: Any, **changes: Any) -> Contest:
    if changes:
        Contest.objects.filter(pk=contest.pk).update(**changes)
        contest.refresh_from_db()
    return contests.open_contest(contest, OPENS, owner)


def test_one_entry_per_stable_id_even_when_the_handle_changed_between_pages(contest, owner, script):
    _open(contest, owner, ways=["reply", "like"])
    at = DURING
    script.pages[("post-1", "reply")] = [
        [person("111", handle="@lea", at=at, text="Moi !", remote_id="c1"), person("222", at=at, text="Je joue")],
        [person("111", handle="@lea_patisse", at=at + timedelta(hours=1), text="Encore moi", remote_id="c2")],
    ]
    script.pages[("post-1", "like")] = [[person("111", "like", handle="@lea_patisse", at=None)]]
    done = contest_entries.collect(contest, DURING)
    assert done.finished and not done.final and done.new == 4
    lea = Entry.objects.get(contest=contest, stable_id="111")
    assert (lea.handle, lea.actions, lea.ways, lea.first_at) == ("@lea_patisse", 3, ["reply", "like"], at)
    assert Entry.objects.filter(contest=contest).count() == 2
    # The next pass reads everything again: nothing is counted twice.
    contest.refresh_from_db()
    assert contest.collect_at == DURING + contest_entries.COLLECT_EVERY and contest.collect_cursor == {}
    assert contest_entries.collect(contest, DURING + timedelta(hours=6)).new == 0
    assert Entry.objects.get(contest=contest, stable_id="111").actions == 3


def test_a_rate_limit_keeps_the_cursor_and_plans_the_next_collection_without_counting_twice(contest, owner,
                                                                                           script):
    _open(contest, owner)
    script.pages[("post-1", "reply")] = [[person("1", at=DURING, text="a", remote_id="c1")],
                                         [person("2", at=DURING, text="b", remote_id="c2")],
                                         [person("1", at=DURING, text="a", remote_id="c1"),
                                          person("3", at=DURING, text="c", remote_id="c3")]]
    script.rate_limit_at = {("post-1", "reply", "2")}
    stopped = contest_entries.collect(contest, DURING)
    assert not stopped.finished and stopped.retry_at == DURING + timedelta(seconds=900)
    contest.refresh_from_db()
    key = f"{contest.post.publications.get().pk}:reply"
    assert contest.collect_cursor[key] == {"cursor": "2", "done": False}
    assert contest.collect_at == DURING + timedelta(seconds=900) and contest.collect_taken_at is None
    # The sweep queues it only when due, and once.
    queued: list[int] = []
    collect = contest_tasks.collect_contest_task
    try:
        contest_tasks.collect_contest_task = queued.append
        assert contest_tasks.dispatch_contest_collections(DURING + timedelta(seconds=60)) == 0
        assert contest_tasks.dispatch_contest_collections(DURING + timedelta(seconds=900)) == 1
        assert contest_tasks.dispatch_contest_collections(DURING + timedelta(seconds=901)) == 0
    finally:
        contest_tasks.collect_contest_task = collect
    assert queued == [contest.pk]
    resumed = contest_entries.collect_claimed(contest.pk, DURING + timedelta(seconds=900))
    assert resumed is not None and resumed.finished
    assert script.calls[-1] == ("post-1", "reply", "2")  # resumed at the page it stopped at
    assert sorted(Entry.objects.filter(contest=contest).values_list("stable_id", "actions")) == [
        ("1", 1), ("2", 1), ("3", 1)]


def test_the_collection_that_starts_after_the_close_is_the_last_and_closes_the_contest(contest, owner, script):
    _open(contest, owner)
    script.pages[("post-1", "reply")] = [[person("1", at=DURING, text="a"),
                                          person("9", at=CLOSES + timedelta(minutes=5), text="trop tard")]]
    assert not contest_entries.collect(contest, DURING).final
    contest.refresh_from_db()
    final = contest_entries.collect(contest, AFTER)
    contest.refresh_from_db()
    assert final.final and contest.status == Contest.Status.CLOSED and contest.collect_at is None
    late = Entry.objects.get(contest=contest, stable_id="9")
    assert late.excluded == Entry.Excluded.LATE


def test_each_exclusion_is_kept_with_its_reason_and_a_detail(contest, owner, script, brand):
    _open(contest, owner, ways=["reply", "like"], hashtag="#Noël", mentions=1, must_follow=True,
          staff="@stagiaire")
    ok = "Je participe #NOEL avec @amie"
    script.pages[("post-1", "reply")] = [[
        person("good", at=DURING, text="Je tente #noël, @copine !"),
        person(brand.remote_id, handle=brand.handle, at=DURING, text=ok),
        person("s1", handle="@Stagiaire", at=DURING, text=ok),
        person("robot", at=DURING, text=ok, bot=True),
        person("young", at=DURING, text=ok, created_at=DURING),
        person("late", at=CLOSES + timedelta(hours=1), text=ok),
        person("notag", at=DURING, text="Je participe #Noelle avec @amie"),
        person("alone", at=DURING, text="#Noël @brand"),  # the brand is not a friend tagged
        person("nofollow", at=DURING, text=ok),
    ]]
    script.pages[("post-1", "like")] = [[person("liker", "like", at=DURING)]]
    script.followers = {"good", "s1", "robot", "young", "late", "notag", "alone", "liker"}
    contest_entries.collect(contest, AFTER)
    got = {e.stable_id: e.excluded for e in Entry.objects.filter(contest=contest)}
    assert got == {"good": "", brand.remote_id: "own", "s1": "staff", "robot": "bot", "young": "new_account",
                   "late": "late", "notag": "no_hashtag", "alone": "mentions", "nofollow": "not_following",
                   "liker": "no_hashtag"}
    entries = {e.stable_id: e for e in Entry.objects.filter(contest=contest)}
    assert entries["good"].text == "Je tente #noël, @copine !" and entries["good"].follows is True
    assert "after the close" in exclusion_detail(entries["late"])
    assert exclusion_detail(entries["alone"]) == "Their reply mentions 0 other accounts; the rules ask for 1."
    assert "#Noël" in exclusion_detail(entries["notag"])
    assert exclusion_detail(entries["good"]) == ""
    # Running the filters again changes nothing (and asks the network nothing more).
    assert contest_entries.apply_filters(contest) == 1
    assert {e.stable_id: e.excluded for e in Entry.objects.filter(contest=contest)} == got


def test_a_follow_counts_between_the_opening_and_the_close_only(contest, owner, script):
    """Who already followed the brand before the opening enters nothing by it: that follow
    is not stored. A follow after the close is an action like any other late one."""
    _open(contest, owner, ways=["reply", "follow"])
    script.pages[("post-1", "follow")] = [[
        person("new", "follow", at=DURING, remote_id="n1"),
        person("old", "follow", at=OPENS - timedelta(minutes=1), remote_id="n2"),
        person("undated", "follow", at=None),
        person("late", "follow", at=CLOSES + timedelta(minutes=1), remote_id="n3"),
        person("both", "follow", at=OPENS - timedelta(days=3), remote_id="n4"),
    ]]
    script.pages[("post-1", "reply")] = [[person("both", at=DURING, text="Moi !")]]
    contest_entries.collect(contest, AFTER)
    entries = {e.stable_id: e for e in Entry.objects.filter(contest=contest)}
    assert {k: (e.ways, e.excluded) for k, e in entries.items()} == {
        "new": (["follow"], ""), "late": (["follow"], "late"), "both": (["reply"], "")}
    assert entries["new"].first_at == DURING and list(entries["new"].seen) == [
        f"{contest.post.publications.get().pk}:follow:n1"]
    assert contest_entries.collect(contest, AFTER + timedelta(hours=1)).new == 0  # read again: counted once


# -- the draw -----------------------------------------------------------------------------------

def _closed_with(contest: Contest, ids: list[str], seed: bytes = bytes(range(32)), **changes: Any) -> Contest:
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.CLOSED, seed={"hex": seed.hex()},
                                                 commitment=parvis_draw.commitment(seed), **changes)
    for stable_id in ids:
        network, _, rest = stable_id.partition(":")
        Entry.objects.create(contest=contest, network=network, stable_id=rest, handle=f"@h{len(rest)}",
                             first_at=DURING)
    contest.refresh_from_db()
    return contest


# Ids whose order differs between Python's code points, SQLite's binary collation of
# mixed case and PostgreSQL's locale collation, inserted out of order.
IDS = ["mastodon:zoé@piaille.example", "mastodon:Zoe@piaille.example", "bluesky:did:plc:b", "mastodon:Élodie@x.example",
       "bluesky:did:plc:A", "mastodon:e\u0301lodie@x.example", "mastodon:alice@x.example", "bluesky:did:plc:a"]
# Computed once with parvis/relations/draw.py (itself checked against the Node.js vectors):
# seed bytes 0…31, B below, 2 winners and 2 alternates.
PUBLIC_VALUE = "07-12-23-34-45/02-09"
EXPECTED_PICKS = ["mastodon:élodie@x.example", "mastodon:Élodie@x.example", "mastodon:zoé@piaille.example",
                  "bluesky:did:plc:A"]


def test_the_draw_gives_the_same_winners_on_every_database(contest, owner):
    # CI runs this file on SQLite and on PostgreSQL: both must give these picks.
    _closed_with(contest, IDS, winners=2, alternates=2, public_value_rule="EuroMillions")
    contests.draw(contest, PUBLIC_VALUE, owner, now=AFTER)
    assert list(contest.proof["picks"]) == EXPECTED_PICKS
    picks = list(contest.picks.select_related("entry").order_by("rank"))
    assert [parvis_draw.canonical_id(w.entry.draw_id) for w in picks] == EXPECTED_PICKS
    assert [w.status for w in picks] == ["drawn", "drawn", "alternate", "alternate"]


def test_the_draw_picks_exactly_what_draw_py_picks_from_the_same_ids(contest, owner):
    ids = [f"mastodon:user{n}@x.example" for n in range(40)]
    _closed_with(contest, ids, winners=3, alternates=2)
    Entry.objects.filter(contest=contest, stable_id="user7@x.example").update(excluded=Entry.Excluded.BOT)
    contests.draw(contest, "", owner, now=AFTER)
    eligible = [i for i in ids if i != "mastodon:user7@x.example"]
    expected = parvis_draw.make_proof(bytes(range(32)), eligible, "", 3, 2, contest.closes_at, contest.rules_text)
    assert tuple(contest.proof["picks"]) == expected.picks
    assert contest.status == Contest.Status.DRAWN and contest.drawn_at == AFTER
    assert parvis_draw.verify(contests.public_proof(contest)).holds
    with pytest.raises(contests.ContestError, match="already drawn"):
        contests.draw(contest, "", owner)


def test_the_public_value_is_required_when_the_rules_announced_one(contest, owner):
    _closed_with(contest, ["mastodon:a"], public_value_rule="Les numéros de l'EuroMillions du 22/12")
    with pytest.raises(contests.ContestError) as raised:
        contests.draw(contest, "  ", owner)
    assert raised.value.fields == ["public_value"]
    assert not contest.picks.exists()


def test_the_draw_waits_for_the_close_and_its_last_collection(contest, owner):
    contests.open_contest(contest, OPENS, owner)
    with pytest.raises(contests.ContestError) as raised:
        contests.draw(contest, "", owner)
    assert raised.value.fields == ["status"]


def test_the_public_proof_names_entrants_by_id_never_by_handle(contest, owner):
    _closed_with(contest, ["mastodon:42", "mastodon:43"])
    before = contests.public_proof(contest)
    assert before["commitment"] == contest.commitment and "seed" not in before
    contests.draw(contest, "", owner)
    proof = contests.public_proof(contest)
    assert {"algorithm", "commitment", "seed", "public_value", "entries", "entries_hash", "key", "picks",
            "closes_at", "winner_count", "alternate_count", "rules"} <= set(proof)
    assert proof["entries"] == ["mastodon:42", "mastodon:43"]
    assert "@h2" not in str(proof)


# -- the winners --------------------------------------------------------------------------------

def _drawn(contest: Contest, owner: Any, n: int = 1, m: int = 2) -> list[Winner]:
    _closed_with(contest, [f"mastodon:p{i}@x.example" for i in range(6)], winners=n, alternates=m)
    contests.draw(contest, "", owner, now=AFTER)
    return list(contest.picks.select_related("entry").order_by("rank"))


def test_a_silent_winner_is_replaced_by_the_first_alternate_then_the_next(contest, owner, script):
    first, second, third = _drawn(contest, owner)
    assert contest_winners.contact_winners(contest, AFTER, owner) == 1
    first.refresh_from_db()
    assert (first.status, first.contacted_via, first.answer_by) == ("contacted", "direct", AFTER + timedelta(days=7))
    assert script.sent[0][0] == first.entry.stable_id and "Noël gourmand" in script.sent[0][2]
    assert contest_winners.replace_silent_winners(AFTER + timedelta(days=6)) == 0
    week = AFTER + timedelta(days=7, minutes=1)
    assert contest_winners.replace_silent_winners(week) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "no_answer"
    assert (second.status, second.replaces_id, second.contacted_at) == ("contacted", first.pk, week)
    assert contest_winners.replace_silent_winners(week) == 0  # twice in a pass: nothing more
    two_weeks = week + timedelta(days=7, minutes=1)
    assert contest_winners.replace_silent_winners(two_weeks) == 1
    third.refresh_from_db()
    assert (third.status, third.replaces_id) == ("contacted", second.pk)
    # The last alternate silent too: the owners are told, once.
    assert contest_winners.replace_silent_winners(two_weeks + timedelta(days=8)) == 1
    assert contest_winners.replace_silent_winners(two_weeks + timedelta(days=9)) == 0
    told = Notification.objects.filter(kind="contest_no_alternate", user=owner)
    assert told.count() == 1 and "every alternate has been called" in told.get().texts["message"]["msgid"]


def test_a_winner_who_answers_is_not_replaced(contest, owner, script):
    winner, *_ = _drawn(contest, owner)
    contest_winners.contact_winners(contest, AFTER, owner)
    assert contest_winners.mark_answered(winner, AFTER + timedelta(days=1))
    assert contest_winners.replace_silent_winners(AFTER + timedelta(days=30)) == 0
    winner.refresh_from_db()
    assert winner.status == "confirmed"


def test_without_private_messages_the_winner_gets_a_public_reply_that_waits_for_approval(contest, owner, ws,
                                                                                      script):
    EditorialSettings.objects.filter(workspace=ws).update(requires_approval=True)
    winner, *_ = _drawn(contest, owner)
    publication = contest.post.publications.get()
    Entry.objects.filter(pk=winner.entry_id).update(reply_remote_id="c9", seen={
        f"{publication.pk}:reply:c9": {"way": "reply", "at": DURING.isoformat(), "text": "Moi !", "remote_id": "c9",
                                      "post": "post-1", "account": publication.account_id}})
    script.direct = False
    assert contest_winners.contact_winners(contest, AFTER, owner) == 1
    winner.refresh_from_db()
    assert winner.contacted_via == "reply"
    sent = Publication.objects.get(post=winner.contact_post)
    assert sent.reply_to == {"remote_id": "c9", "root_id": "post-1", "extra": {}}
    assert sent.state == State.SCHEDULED
    assert winner.contact_post.approval_state == "in_review"
    assert winner.entry.handle in winner.contact_post.text


def test_the_announcement_is_a_draft_naming_the_winners(contest, owner, script):
    winner, *_ = _drawn(contest, owner, n=1, m=1)
    post = contest_winners.announce_draft(contest, owner)
    assert post.is_draft and post.workspace_id == contest.workspace_id
    assert winner.entry.handle in post.text and contests.proof_url(contest) in post.text
    assert list(post.publications.values_list("state", flat=True)) == [State.DRAFT]


def test_six_months_after_the_draw_entrants_keep_only_their_network_id(contest, owner):
    """The rules promise it: handles, names and replies go; the proof's ids stay."""
    _drawn(contest, owner)
    Entry.objects.filter(contest=contest).update(text="je participe !", seen={"k": {"text": "je participe !"}})
    contests._forgetting.last = None
    assert contests.forget_entrants(AFTER + timedelta(days=100)) == 0
    contests._forgetting.last = None
    assert contests.forget_entrants(AFTER + timedelta(days=200)) == 6
    kept = list(Entry.objects.values_list("handle", "display_name", "text", "seen"))
    assert kept == [("", "", "", {})] * 6
    contest.refresh_from_db()
    assert parvis_draw.verify(contest.proof).holds
    assert sorted(Entry.objects.values_list("stable_id", flat=True)) == sorted(f"p{i}@x.example" for i in range(6))


def test_a_bare_staff_handle_is_someone_on_the_brands_own_server(contest, owner):
    """The brand is @brand@brand.social: "@alice" on the staff list is @alice@brand.social,
    not an @alice on another server."""
    Contest.objects.filter(pk=contest.pk).update(staff="@alice", status=Contest.Status.CLOSED)
    for stable_id, handle in (("101", "@alice@brand.social"), ("102", "@alice@other.example")):
        Entry.objects.create(contest=contest, network="mastodon", stable_id=stable_id, handle=handle, first_at=DURING,
                             ways=["like"])
    contest.refresh_from_db()
    contest_entries.apply_filters(contest)
    assert dict(Entry.objects.values_list("handle", "excluded")) == {
        "@alice@brand.social": Entry.Excluded.STAFF, "@alice@other.example": ""}
