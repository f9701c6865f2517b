"""A contest end to end against the real loopback servers: entries collected from
mastodon-mock and from the local Bluesky network (through the registry's connectors, no
fake), with a duplicate reply, a followers-only rule and excluded accounts, then closed,
filtered and drawn with parvis-draw-v1, the proof checked.

The servers stamp the replies with the real clock: the contest opens five minutes before
the test and closes well after it, and every step after the opening is given an explicit
`now` (the close plus a minute for the final collection and the draw), so nothing here
depends on the time of day.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from parvis.networks.mastodon.connector import MastodonConnector
from parvis.publishing.models import Post, Publication, State
from parvis.relations import contest_entries, contests
from parvis.relations import draw as parvis_draw
from parvis.relations.models import Contest, Entry, Winner
from parvis.testing.mastodon_server import LocalMastodon, LocalUser

pytestmark = pytest.mark.slow  # mastodon-mock, the local Bluesky network

PUBLIC_VALUE = "07-12-23-34-45/02-09"
PASSWORD = "main-password-123"


def _published(workspace: Any, account: Any, remote_id: str, text: str) -> Post:
    """The brand's contest post, as publishing leaves it once it is on the network."""
    post = Post.objects.create(workspace=workspace, text=text)
    Publication.objects.create(post=post, account=account, state=State.PUBLISHED, remote_id=remote_id,
                               published_at=timezone.now())
    return post


def _values(post: Post, opens: datetime, closes: datetime, **extra: Any) -> dict[str, Any]:
    return {"name": "Grand jeu", "prize": "Un panier garni", "prize_value": "49.90",
            "organiser": "Boulangerie Dupont, 1 rue du Pain, 69001 Lyon", "language": "fr", "opens_at": opens,
            "closes_at": closes, "winners": 1, "alternates": 1, "ways": ["reply"], "hashtag": "#GrandJeu",
            "mentions": 0, "must_follow": True, "exclude_new_accounts": False, "exclude_bots": True,
            "answer_days": 7, "public_value_rule": "Les numéros de l'EuroMillions", "post": post, **extra}


def _collect_close_and_draw(contest: Contest, owner: Any, during: datetime, after: datetime) -> Contest:
    """A collection while open, the final one after the close (it closes the contest and
    applies the filters), the filters again (nothing changes), then the draw."""
    first = contest_entries.collect(contest, during)
    assert first.finished and not first.final
    contest.refresh_from_db()
    assert contest.status == Contest.Status.OPEN
    again = contest_entries.collect(contest, after)
    assert again.final and again.new == 0  # nothing new: every action was already counted
    contest.refresh_from_db()
    assert contest.status == Contest.Status.CLOSED
    kept = {e.stable_id: (e.excluded, e.follows) for e in contest.entries.all()}
    eligible = contest_entries.apply_filters(contest)
    assert {e.stable_id: (e.excluded, e.follows) for e in contest.entries.all()} == kept
    assert eligible == sum(1 for excluded, _follows in kept.values() if not excluded)
    return contests.draw(contest, PUBLIC_VALUE, owner, now=after)


def _check_draw(contest: Contest, eligible_ids: list[str]) -> None:
    """The proof holds, and its picks are draw.py's own from the eligible ids."""
    assert contest.status == Contest.Status.DRAWN
    assert parvis_draw.verify(contest.proof).holds
    assert parvis_draw.verify(contests.public_proof(contest)).holds
    expected = parvis_draw.make_proof(bytes.fromhex(contest.seed["hex"]), eligible_ids, PUBLIC_VALUE,
                                      contest.winners, contest.alternates, contest.closes_at, contest.rules_text)
    assert tuple(contest.proof["picks"]) == expected.picks
    assert sorted(contest.proof["entries"]) == sorted(parvis_draw.canonical_id(i) for i in eligible_ids)
    picks = list(contest.picks.select_related("entry").order_by("rank"))
    assert [parvis_draw.canonical_id(w.entry.draw_id) for w in picks] == list(expected.picks)
    assert [w.status for w in picks] == [Winner.Status.DRAWN, Winner.Status.ALTERNATE]


# -- Mastodon (mastodon-mock) ---------------------------------------------------------------------

def _as(server: LocalMastodon, user: LocalUser, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{server.url}{path}", headers={"Authorization": f"Bearer {user['access_token']}"},
                             timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


def test_a_contest_on_mastodon_is_collected_filtered_and_drawn(people, mastodon_server, mastodon_account, english):
    server, (account, brand) = mastodon_server, mastodon_account
    workspace, owner = people["workspace"], people["owner"]
    tag = uuid.uuid4().hex[:6]
    fans = {name: server.create_user(f"{name}{tag}", display_name=f"{name.title()} Fan")
            for name in ("ann", "bob", "cid", "dan", "eve", "fay")}
    _as(server, fans["eve"], "PATCH", "/api/v1/accounts/update_credentials", data={"bot": "true"})
    for name in ("ann", "bob", "dan", "eve", "fay"):  # not Cid
        _as(server, fans[name], "POST", f"/api/v1/accounts/{brand['id']}/follow")
    domain = MastodonConnector(account).local_domain()

    opens = timezone.now() - timedelta(minutes=5)
    closes = opens + timedelta(minutes=30)
    status = server.post_as(brand, "Grand jeu ! Répondez avec #GrandJeu pour tenter de gagner un panier.")
    post = _published(workspace, account, status["id"], "Grand jeu !")
    contest = contests.save_contest(workspace, owner, _values(post, opens, closes, staff=f"@dan{tag}@{domain}"))
    contests.open_contest(contest, opens, owner)

    at_brand = f"@{brand['username']}"
    replies = {
        "ann1": server.post_as(fans["ann"], f"{at_brand} je participe #GrandJeu", in_reply_to_id=status["id"]),
        "bob": server.post_as(fans["bob"], f"{at_brand} moi aussi, sans le mot-dièse", in_reply_to_id=status["id"]),
        "cid": server.post_as(fans["cid"], f"{at_brand} #grandjeu", in_reply_to_id=status["id"]),
        "dan": server.post_as(fans["dan"], f"{at_brand} #GrandJeu (je travaille ici)", in_reply_to_id=status["id"]),
        "eve": server.post_as(fans["eve"], f"{at_brand} #GrandJeu bip", in_reply_to_id=status["id"]),
        "fay": server.post_as(fans["fay"], "#GRANDJEU sans mentionner la marque", in_reply_to_id=status["id"]),
        "ann2": server.post_as(fans["ann"], f"{at_brand} encore moi #GrandJeu", in_reply_to_id=status["id"]),
    }
    stamped = [datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) for r in replies.values()]
    assert all(opens < at < closes for at in stamped)  # the contest brackets the server's clock

    contest = _collect_close_and_draw(contest, owner, during=max(stamped), after=closes + timedelta(minutes=1))

    entries = {e.stable_id: e for e in Entry.objects.filter(contest=contest)}
    ids = {name: fan["id"] for name, fan in fans.items()}
    # One entry per person, keyed by the mock's account ids (the brand is never one).
    assert sorted(entries) == sorted(ids.values())
    assert all(e.network == "mastodon" for e in entries.values())
    ann = entries[ids["ann"]]
    assert ann.actions == 2 and ann.ways == ["reply"]  # two replies, one person
    assert sorted(s["remote_id"] for s in ann.seen.values()) == sorted([replies["ann1"]["id"], replies["ann2"]["id"]])
    assert ann.reply_remote_id == replies["ann1"]["id"] and "#GrandJeu" in ann.text  # the first reply in time
    assert ann.handle == f"@ann{tag}@{domain}"
    assert {name: entries[i].excluded for name, i in ids.items()} == {
        "ann": "", "bob": Entry.Excluded.NO_HASHTAG, "cid": Entry.Excluded.NOT_FOLLOWING,
        "dan": Entry.Excluded.STAFF, "eve": Entry.Excluded.BOT, "fay": ""}
    assert entries[ids["cid"]].follows is False and entries[ids["ann"]].follows is True
    assert "#GrandJeu" in contest_entries.exclusion_detail(entries[ids["bob"]])
    assert "does not follow" in contest_entries.exclusion_detail(entries[ids["cid"]])
    assert "staff list" in contest_entries.exclusion_detail(entries[ids["dan"]])
    assert "automated" in contest_entries.exclusion_detail(entries[ids["eve"]])
    _check_draw(contest, [f"mastodon:{ids['ann']}", f"mastodon:{ids['fay']}"])


# -- Bluesky (the local network: PLC, PDS, AppView) ------------------------------------------------

def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_contest_on_bluesky_is_collected_filtered_and_drawn(people, bsky_network, bluesky_inbox_account,
                                                             english):
    net, (account, brand) = bsky_network, bluesky_inbox_account
    workspace, owner = people["workspace"], people["owner"]
    tag = uuid.uuid4().hex[:6]
    opens = timezone.now() - timedelta(minutes=5)
    closes = opens + timedelta(minutes=30)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    fans: dict[str, dict[str, Any]] = {}
    for name in ("ann", "bob", "cid", "dan", "eve", "fay", "gus"):
        created = net.create_account(f"{name}{tag}", PASSWORD)
        fans[name] = created
        # The profile as the apps write it at sign-up: Gus's account is new (made after
        # the opening), the others are old; Dan says he is a bot.
        profile: dict[str, Any] = {"$type": "app.bsky.actor.profile", "displayName": f"{name.title()} Fan",
                                   "createdAt": _iso(timezone.now() if name == "gus" else long_ago)}
        if name == "dan":
            profile["labels"] = {"$type": "com.atproto.label.defs#selfLabels", "values": [{"val": "bot"}]}
        net.put_record(created["handle"], "app.bsky.actor.profile", "self", profile)
    for name in ("ann", "bob", "dan", "eve", "fay", "gus"):  # not Cid
        follow = {"$type": "app.bsky.graph.follow", "subject": brand["did"], "createdAt": _iso(timezone.now())}
        net.create_record(fans[name]["handle"], "app.bsky.graph.follow", follow)

    ref = net.post_as(brand["handle"], "Grand jeu ! Répondez avec #GrandJeu.")
    post = _published(workspace, account, ref.uri, "Grand jeu !")
    contest = contests.save_contest(workspace, owner, _values(post, opens, closes, exclude_new_accounts=True,
                                                              staff=f"@{fans['eve']['handle']}"))
    contests.open_contest(contest, opens, owner)
    replies = {
        "ann1": net.post_as(fans["ann"]["handle"], "Je participe #GrandJeu", reply_to=ref.uri).uri,
        "bob": net.post_as(fans["bob"]["handle"], "Moi aussi", reply_to=ref.uri).uri,
        "cid": net.post_as(fans["cid"]["handle"], "#grandjeu", reply_to=ref.uri).uri,
        "dan": net.post_as(fans["dan"]["handle"], "#GrandJeu bip", reply_to=ref.uri).uri,
        "eve": net.post_as(fans["eve"]["handle"], "#GrandJeu (je travaille ici)", reply_to=ref.uri).uri,
        "fay": net.post_as(fans["fay"]["handle"], "Pour moi ! #GRANDJEU", reply_to=ref.uri).uri,
        "gus": net.post_as(fans["gus"]["handle"], "#GrandJeu", reply_to=ref.uri).uri,
        "ann2": net.post_as(fans["ann"]["handle"], "Encore moi #GrandJeu", reply_to=ref.uri).uri,
    }
    net.process_all()
    during = timezone.now()
    assert opens < during < closes

    contest = _collect_close_and_draw(contest, owner, during=during, after=closes + timedelta(minutes=1))

    entries = {e.stable_id: e for e in Entry.objects.filter(contest=contest)}
    dids = {name: fan["did"] for name, fan in fans.items()}
    assert sorted(entries) == sorted(dids.values())  # one entry per DID, the brand never one
    ann = entries[dids["ann"]]
    assert ann.actions == 2 and ann.ways == ["reply"]
    assert sorted(s["remote_id"] for s in ann.seen.values()) == sorted([replies["ann1"], replies["ann2"]])
    assert ann.reply_remote_id == replies["ann1"] and ann.handle == f"@{fans['ann']['handle']}"
    assert all(opens < datetime.fromisoformat(s["at"]) < closes for e in entries.values() for s in e.seen.values())
    assert {name: entries[d].excluded for name, d in dids.items()} == {
        "ann": "", "bob": Entry.Excluded.NO_HASHTAG, "cid": Entry.Excluded.NOT_FOLLOWING,
        "dan": Entry.Excluded.BOT, "eve": Entry.Excluded.STAFF, "fay": "",
        "gus": Entry.Excluded.NEW_ACCOUNT}
    assert entries[dids["cid"]].follows is False and ann.follows is True
    assert "after the opening" in contest_entries.exclusion_detail(entries[dids["gus"]])
    _check_draw(contest, [f"bluesky:{dids['ann']}", f"bluesky:{dids['fay']}"])
