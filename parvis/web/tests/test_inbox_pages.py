"""The inbox pages: the list (filters, search, keyset pages), the open item, every triage
action posted as the page posts it (and its errors), replying, network actions on
mastodon-mock, the "new since" poll, and who may see and do what."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parvis.inbox.ingest import store
from parvis.inbox.models import Correction, Item, Note, Reply, Status
from parvis.inbox.tests.factories import author, inbound
from parvis.networks.base import ItemKind
from parvis.networks.models import SocialAccount
from parvis.publishing.models import EditorialSettings, Label, PostKind, Publication, State
from parvis.testing.factories import client_for
from parvis.testing.mastodon_server import LocalMastodon

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
PARIS = ZoneInfo("Europe/Paris")


def no_models(items: list[Item]) -> None:
    """Ingest without the language/sentiment models: tests set what they found
    explicitly, so that a filter test does not depend on a model's guess."""


def seed(account: SocialAccount, texts: list[str], **kwargs: Any) -> list[Item]:
    """Items stored through the real ingest (a minute apart), newest first."""
    start = kwargs.pop("start", timezone.now() - timedelta(minutes=len(texts) + 1))
    stored = store(account, [inbound(text, at=start + timedelta(minutes=n), **kwargs)
                             for n, text in enumerate(texts)], analyser=no_models)
    return sorted(stored.created, key=lambda i: (i.created_at, i.pk), reverse=True)


@pytest.fixture
def other_account(people: dict[str, Any]) -> SocialAccount:
    return SocialAccount.objects.create(
        workspace=people["other_workspace"], network="mastodon", server_url="https://example.social",
        remote_id="77", handle="@concurrent@example.social", credentials={"access_token": "y"})


def item_url(item: Item, name: str = "web:inbox_item", *extra: str) -> str:
    return reverse(name, args=[item.workspace_id, item.pk, *extra])


def act(client: Any, item: Item, action: str, htmx: bool = True, **data: Any) -> Any:
    return client.post(item_url(item, "web:inbox_act", action), data, headers=HX if htmx else {})


def listed(response: Any) -> list[int]:
    return [row.pk for row in response.context["rows"]]


# -- the list --------------------------------------------------------------------------

def test_the_inbox_lists_the_persons_items_newest_first_and_never_another_workspaces(
        people, account, other_account):
    ours = seed(account, ["Premier message", "Deuxième message"])
    theirs = seed(other_account, ["Secret du concurrent"])
    page = client_for(people["editor"]).get(reverse("web:inbox"))
    assert page.status_code == 200
    assert listed(page) == [i.pk for i in ours]
    html = page.content.decode()
    assert "Deuxième message" in html and "Camille Martin" in html
    assert "Secret du concurrent" not in html
    outsider = client_for(people["outsider"]).get(reverse("web:inbox"))
    assert listed(outsider) == [i.pk for i in theirs]


def test_the_workspace_inbox_is_scoped_and_404_for_outsiders(people, account):
    seed(account, ["Bonjour"])
    url = reverse("web:inbox_workspace", args=[people["workspace"].pk])
    assert client_for(people["viewer"]).get(url).status_code == 200
    assert client_for(people["outsider"]).get(url).status_code == 404


def test_empty_states_say_what_to_do(people, account):
    client = client_for(people["outsider"])  # no account connected in their workspace
    assert "connect an account" in client.get(reverse("web:inbox")).content.decode()
    seed(account, ["Bonjour"])
    page = client_for(people["owner"]).get(reverse("web:inbox"), {"q": "introuvable"})
    assert listed(page) == [] and "No item matches these filters" in page.content.decode()


def test_filters_by_status_view_assignee_label_language_sentiment_priority_and_flag(people, account):
    a, b, c, d = seed(account, ["un", "deux", "trois", "quatre"])
    owner = people["owner"]
    Item.objects.filter(pk=a.pk).update(status=Status.DONE)
    Item.objects.filter(pk=b.pk).update(assignee=owner, language="en", sentiment="negative", toxic=True, priority=2)
    Item.objects.filter(pk=c.pk).update(snoozed_until=timezone.now() + timedelta(hours=3), spam=True)
    label = Label.objects.create(workspace=people["workspace"], name="SAV")
    d.labels.add(label)
    client = client_for(owner)

    def ids(**params: str) -> set[int]:
        return set(listed(client.get(reverse("web:inbox"), params)))

    assert ids() == {b.pk, d.pk}  # open: not done, not snoozed
    assert ids(view="done") == {a.pk}
    assert ids(view="snoozed") == {c.pk}
    assert ids(view="all") == {a.pk, b.pk, c.pk, d.pk}
    assert ids(assignee="me") == {b.pk}
    assert ids(assignee="none") == {d.pk}
    assert ids(label=str(label.pk)) == {d.pk}
    assert ids(language="en") == {b.pk}
    assert ids(sentiment="negative") == {b.pk}
    assert ids(priority="2") == {b.pk}
    assert ids(flag="toxic") == {b.pk}
    assert ids(view="all", flag="spam") == {c.pk}
    assert ids(network="bluesky") == set()
    assert ids(kind="reply", account=str(account.pk), workspace=str(people["workspace"].pk)) == {b.pk, d.pk}


def test_a_bad_filter_value_is_named_and_ignored_never_a_500(people, account):
    seed(account, ["Bonjour"])
    page = client_for(people["owner"]).get(reverse("web:inbox"), {"sentiment": "furious", "priority": "x"})
    assert page.status_code == 200
    assert set(page.context["filter_errors"]) == {"sentiment", "priority"}
    assert len(listed(page)) == 1
    assert 'data-field="sentiment"' in page.content.decode()


def test_full_text_search_ignores_case_and_accents_and_matches_word_starts(people, account):
    refund, other = seed(account, ["Je voudrais un REMBOURSEMENT svp", "Le café était froid"])[::-1]
    client = client_for(people["owner"])
    assert listed(client.get(reverse("web:inbox"), {"q": "rembours"})) == [refund.pk]
    assert listed(client.get(reverse("web:inbox"), {"q": "cafe"})) == [other.pk]
    assert listed(client.get(reverse("web:inbox"), {"q": "camille"})) == [other.pk, refund.pk]  # the author


def test_pages_are_keyset_pages_with_no_overlap(people, account):
    items = seed(account, [f"message {n}" for n in range(120)])
    client = client_for(people["owner"])
    first = client.get(reverse("web:inbox"))
    assert listed(first) == [i.pk for i in items[:50]]
    second = client.get(reverse("web:inbox"), {"before": first.context["next_before"]})
    assert listed(second) == [i.pk for i in items[50:100]]
    third = client.get(reverse("web:inbox"), {"before": second.context["next_before"]})
    assert listed(third) == [i.pk for i in items[100:]]
    assert third.context["next_before"] is None
    assert 'data-testid="older-page"' not in third.content.decode()


def test_the_list_costs_the_same_queries_for_5_or_50_rows(people, account):
    client = client_for(people["owner"])
    label = Label.objects.create(workspace=people["workspace"], name="SAV")

    def queries() -> int:
        for item in Item.objects.filter(in_inbox=True):
            item.labels.add(label)
        Item.objects.update(assignee=people["owner"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("web:inbox")).status_code == 200
        return len(captured)

    seed(account, [f"a{n}" for n in range(5)], by=author("Alice", "alice@example.social"))
    few = queries()
    seed(account, [f"b{n}" for n in range(45)], by=author("Bob", "bob@example.social"))
    assert queries() == few


def test_the_nav_counts_open_items(people, account):
    seed(account, ["un", "deux", "trois"])
    html = client_for(people["viewer"]).get(reverse("web:home")).content.decode()
    assert 'data-testid="inbox-open">3<' in html


# -- one item --------------------------------------------------------------------------

def test_an_open_item_shows_the_conversation_oldest_first_and_the_author_panel(people, account):
    fan = author("Léa Dubois", "lea@example.social", bio="Fan de pain au levain", followers=321)
    store(account, [
        inbound("Notre nouvelle baguette !", kind=ItemKind.OWN, remote_id="our-post-1", in_reply_to=None,
                thread="our-post-1", by=author("Boulangerie", "boulangerie@example.social"),
                at=timezone.now() - timedelta(hours=2)),
    ], analyser=no_models)
    earlier = seed(account, ["Elle était délicieuse hier"], by=fan, start=timezone.now() - timedelta(days=3),
                   thread="older-thread", in_reply_to="older-post")[0]
    item = seed(account, ["Elle est encore dispo ?"], by=fan)[0]
    Item.objects.filter(pk=item.pk).update(edited_at=timezone.now())
    client = client_for(people["viewer"])
    pane = client.get(item_url(item), headers=HX)
    assert pane.status_code == 200
    assert [m.pk for m in pane.context["conversation"]][-1] == item.pk
    assert pane.context["conversation"][0].text == "Notre nouvelle baguette !"
    html = pane.content.decode()
    assert "<html" not in html  # the pane alone
    assert 'data-testid="edited"' in html
    assert "Fan de pain au levain" in html and "321" in html
    assert [h.pk for h in pane.context["history"]] == [earlier.pk]
    assert 'data-testid="read-only"' in html and 'id="reply-form"' not in html  # a viewer reads only
    whole = client.get(item_url(item))
    assert "<html" in whole.content.decode() and item.pk in listed(whole)


def test_the_reply_box_starts_with_the_mentions_the_reply_needs(people, account):
    # As ingested from Mastodon: the author as the account's server names them.
    local = seed(account, ["Bonjour"], mentions=["camille"])[0]
    pane = client_for(people["editor"]).get(item_url(local), headers=HX).content.decode()
    assert ">@camille </textarea>" in pane  # Camille is on the account's own server
    assert "/ 500" in pane
    remote = seed(account, ["Hello"], by=author("Alex", "alex@other.social"), mentions=["alex@other.social"])[0]
    pane = client_for(people["editor"]).get(item_url(remote), headers=HX).content.decode()
    assert ">@alex@other.social </textarea>" in pane


def test_outsiders_get_404_on_another_workspaces_item_and_actions(people, account):
    item = seed(account, ["Bonjour"])[0]
    outsider = client_for(people["outsider"])
    assert outsider.get(item_url(item)).status_code == 404
    assert outsider.get(item_url(item, "web:inbox_replies")).status_code == 404
    assert act(outsider, item, "status", status="done").status_code == 404
    assert act(outsider, item, "reply", text="hello").status_code == 404
    # The same item id under the outsider's own workspace is not found either.
    url = reverse("web:inbox_item", args=[people["other_workspace"].pk, item.pk])
    assert outsider.get(url).status_code == 404
    item.refresh_from_db()
    assert item.status == Status.OPEN


def test_a_viewer_reads_but_cannot_act(people, account):
    item = seed(account, ["Bonjour"])[0]
    viewer = client_for(people["viewer"])
    assert act(viewer, item, "status", status="done").status_code == 403
    assert act(viewer, item, "note", text="x").status_code == 403
    item.refresh_from_db()
    assert item.status == Status.OPEN


def test_an_unknown_action_is_not_found(people, account):
    item = seed(account, ["Bonjour"])[0]
    assert act(client_for(people["owner"]), item, "explode").status_code == 404


# -- triage actions --------------------------------------------------------------------

def test_status_changes_and_a_bad_status_is_named(people, account):
    item = seed(account, ["Bonjour"])[0]
    client = client_for(people["editor"])
    response = act(client, item, "status", status="done")
    assert response.status_code == 200
    assert "inbox:acted" in response["HX-Trigger-After-Settle"]
    item.refresh_from_db()
    assert item.status == Status.DONE and item.done_by == people["editor"] and item.first_response_at
    assert f'id="row-{item.pk}" data-id="{item.pk}"' in response.content.decode()  # the row, out of band
    act(client, item, "status", status="pending")
    item.refresh_from_db()
    assert item.status == Status.PENDING
    bad = act(client, item, "status", status="archived")
    assert bad.status_code == 400 and "status" in bad.context["errors"]
    item.refresh_from_db()
    assert item.status == Status.PENDING


def test_a_plain_form_post_redirects_back_to_the_item_keeping_the_list(people, account):
    item = seed(account, ["Bonjour"])[0]
    response = act(client_for(people["editor"]), item, "status", htmx=False, status="done",
                   list="view=all&q=bon&evil=1")
    assert response.status_code == 302
    assert response["Location"] == item_url(item) + "?view=all&q=bon"


def test_assign_to_me_to_a_member_and_not_to_a_stranger(people, account):
    item = seed(account, ["Bonjour"])[0]
    client = client_for(people["editor"])
    act(client, item, "assign", assignee="me")
    item.refresh_from_db()
    assert item.assignee == people["editor"]
    act(client, item, "assign", assignee=str(people["manager"].pk))
    item.refresh_from_db()
    assert item.assignee == people["manager"]
    refused = act(client, item, "assign", assignee=str(people["outsider"].pk))
    assert refused.status_code == 400 and "assignee" in refused.context["errors"]
    assert act(client, item, "assign", assignee="999999").status_code == 400
    act(client, item, "assign", assignee="none")
    item.refresh_from_db()
    assert item.assignee is None


def test_priority_and_its_errors(people, account):
    item = seed(account, ["Bonjour"])[0]
    client = client_for(people["editor"])
    act(client, item, "priority", priority="2")
    item.refresh_from_db()
    assert item.priority == 2
    for bad in ("7", "high", ""):
        response = act(client, item, "priority", priority=bad)
        assert response.status_code == 400 and "priority" in response.context["errors"]


def test_labels_toggle_and_another_workspaces_label_is_refused(people, account):
    item = seed(account, ["Bonjour"])[0]
    mine = Label.objects.create(workspace=people["workspace"], name="Réclamation")
    theirs = Label.objects.create(workspace=people["other_workspace"], name="Leur label")
    client = client_for(people["editor"])
    act(client, item, "label", label=str(mine.pk))
    assert list(item.labels.all()) == [mine]
    act(client, item, "label", label=str(mine.pk))
    assert list(item.labels.all()) == []
    refused = act(client, item, "label", label=str(theirs.pk))
    assert refused.status_code == 400 and "labels" in refused.context["errors"]
    assert list(item.labels.all()) == []


def test_snooze_until_tomorrow_morning_in_the_viewers_zone_and_its_errors(people, account):
    item = seed(account, ["Bonjour"])[0]
    editor = people["editor"]
    editor.timezone = "America/Montreal"
    editor.save(update_fields=["timezone"])
    client = client_for(editor)
    act(client, item, "snooze", until="tomorrow")
    item.refresh_from_db()
    local = item.snoozed_until.astimezone(ZoneInfo("America/Montreal"))
    assert (local.hour, local.minute) == (9, 0)
    assert local.date() == timezone.now().astimezone(ZoneInfo("America/Montreal")).date() + timedelta(days=1)
    assert item.pk not in listed(client.get(reverse("web:inbox")))
    assert item.pk in listed(client.get(reverse("web:inbox"), {"view": "snoozed"}))
    later = (timezone.now() + timedelta(days=3)).astimezone(ZoneInfo("America/Montreal"))
    act(client, item, "snooze", until=later.strftime("%Y-%m-%dT%H:%M"))
    item.refresh_from_db()
    assert item.snoozed_until == later.replace(second=0, microsecond=0)
    for bad in ("2001-01-01T10:00", "not a date", ""):
        response = act(client, item, "snooze", until=bad)
        assert response.status_code == 400 and "snoozed_until" in response.context["errors"]
    act(client, item, "snooze", until="wake")
    item.refresh_from_db()
    assert item.snoozed_until is None


def test_notes_are_added_and_an_empty_one_is_named(people, account):
    item = seed(account, ["Bonjour"])[0]
    client = client_for(people["editor"])
    response = act(client, item, "note", note="Client fidèle, geste commercial OK")
    assert "Client fidèle" in response.content.decode()
    assert Note.objects.get(item=item).author == people["editor"]
    refused = act(client, item, "note", note="   ")
    assert refused.status_code == 400 and "note" in refused.context["errors"]


def test_corrections_show_what_the_model_said_and_that_a_person_corrected_it(people, account):
    item = seed(account, ["C'est pas mal du tout"])[0]
    Item.objects.filter(pk=item.pk).update(sentiment="negative", sentiment_score=0.71)
    client = client_for(people["editor"])
    response = act(client, item, "correct", field="sentiment", value="positive")
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.sentiment == "positive" and item.corrected
    correction = Correction.objects.get(item=item)
    assert (correction.before, correction.after, correction.by) == ("negative", "positive", people["editor"])
    html = response.content.decode()
    assert 'data-testid="corrected"' in html and "the model said Negative" in html
    act(client, item, "correct", field="toxic", value="true")
    item.refresh_from_db()
    assert item.toxic
    for field, value in (("sentiment", "angry"), ("language", "fr"), ("toxic", "maybe")):
        refused = act(client, item, "correct", field=field, value=value)
        assert refused.status_code == 400 and refused.context["errors"]


def test_a_network_action_the_network_lacks_is_refused_and_named(people, account):
    item = seed(account, ["Bonjour"])[0]
    client = client_for(people["editor"])
    response = act(client, item, "network", network_action="hide")  # Mastodon has no hidden replies
    assert response.status_code == 400 and "action" in response.context["errors"]
    assert act(client, item, "network", network_action="nuke").status_code == 400
    item.refresh_from_db()
    assert item.hidden_at is None
    buttons = {a.action for a in client.get(item_url(item), headers=HX).context["actions"]}
    assert buttons == {"like", "boost", "mute", "block", "report"}


# -- replying --------------------------------------------------------------------------

def test_a_reply_becomes_a_reply_publication_due_now_and_shows_as_sending(people, account):
    item = seed(account, ["Vous ouvrez dimanche ?"])[0]
    client = client_for(people["editor"])
    response = act(client, item, "reply", text="@camille@example.social Oui, de 8h à 13h !")
    assert response.status_code == 200
    reply = Reply.objects.get(item=item)
    publication = Publication.objects.get(post=reply.post)
    assert reply.post.kind == PostKind.REPLY and publication.account == account
    assert publication.state == State.SCHEDULED and publication.reply_to["remote_id"] == item.remote_id
    html = response.content.decode()
    assert "sending…" in html and "every 2s" in html  # the replies block polls until sent
    item.refresh_from_db()
    assert item.status == Status.PENDING
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED)
    block = client.get(item_url(item, "web:inbox_replies"), headers=HX).content.decode()
    assert ">sent<" in block and "every 2s" not in block


def test_reply_errors_are_named_and_the_draft_is_kept(people, account):
    item = seed(account, ["Bonjour"])[0]
    client = client_for(people["editor"])
    empty = act(client, item, "reply", text="  ")
    assert empty.status_code == 400 and "text" in empty.context["errors"]
    long = "Merci " * 100  # 600 characters, over Mastodon's 500
    too_long = act(client, item, "reply", text=long)
    assert too_long.status_code == 400 and too_long.context["errors"]
    assert long.strip() in too_long.content.decode()  # the draft is not lost
    Item.objects.filter(pk=item.pk).update(deleted_at=timezone.now())
    gone = act(client, item, "reply", text="Bonjour !")
    assert gone.status_code == 400 and "item" in gone.context["errors"]
    assert not Reply.objects.exists()


# -- against mastodon-mock: like, mute, delete our reply --------------------------------

@pytest.fixture
def live(people: dict[str, Any], mastodon_account: tuple[SocialAccount, dict[str, Any]],
         mastodon_server: LocalMastodon) -> dict[str, Any]:
    """A brand account on mastodon-mock, a fan's real status stored as an item."""
    account, brand = mastodon_account
    fan = mastodon_server.create_user(f"fan{account.pk}x{timezone.now().microsecond}")
    status = mastodon_server.post_as(fan, "Super boutique !")
    item = seed(account, [status["content"]], remote_id=status["id"],
                by=author("Fan", f"{fan['username']}@localhost", remote_id=fan["id"]))[0]
    return {"account": account, "brand": brand, "fan": fan, "item": item, "status": status}


def test_like_and_mute_reach_mastodon_mock_and_are_recorded(people, live, mastodon_server):
    client = client_for(people["editor"])
    item = live["item"]
    assert act(client, item, "network", network_action="like").status_code == 200
    assert live["brand"]["id"] in mastodon_server.favourited_by(live["status"]["id"])
    item.refresh_from_db()
    assert item.liked_at is not None
    pane = client.get(item_url(item), headers=HX)
    assert "unlike" in {a.action for a in pane.context["actions"]}
    act(client, item, "network", network_action="mute")
    assert live["fan"]["id"] in mastodon_server.mutes_of(live["brand"])
    assert 'data-testid="author-muted"' in client.get(item_url(item), headers=HX).content.decode()


def test_our_own_reply_is_deleted_from_the_network(people, live, mastodon_server):
    item = live["item"]
    ours = mastodon_server.post_as(live["brand"], "Merci !", in_reply_to_id=live["status"]["id"])
    store(live["account"], [inbound("Merci !", kind=ItemKind.OWN, remote_id=ours["id"], thread=item.thread.key,
                                    in_reply_to=item.remote_id, by=author("Brand", "brand@localhost"))],
          analyser=no_models)
    own = Item.objects.get(remote_id=ours["id"])
    client = client_for(people["editor"])
    refused = act(client, item, "delete-reply", target=str(item.pk))  # not ours
    assert refused.status_code == 400 and "action" in refused.context["errors"]
    root = mastodon_server.post_as(live["brand"], "Notre post")
    store(live["account"], [inbound("Notre post", kind=ItemKind.OWN, remote_id=root["id"], thread=item.thread.key,
                                    in_reply_to=None, by=author("Brand", "brand@localhost"))], analyser=no_models)
    post = Item.objects.get(remote_id=root["id"])
    assert act(client, item, "delete-reply", target=str(post.pk)).status_code == 400  # our post, not a reply
    assert mastodon_server.status(root["id"]) is not None
    assert act(client, item, "delete-reply", target=str(own.pk)).status_code == 200
    assert mastodon_server.status(ours["id"]) is None
    own.refresh_from_db()
    assert own.deleted_at is not None


# -- new items and bulk ----------------------------------------------------------------

def test_the_new_since_poll_returns_only_newer_matching_rows(people, account, other_account):
    first = seed(account, ["Ancien"])[0]
    client = client_for(people["owner"])
    assert client.get(reverse("web:inbox_new"), {"after": first.pk}).status_code == 204
    seed(other_account, ["Pas pour vous"])
    newer = seed(account, ["Tout nouveau"])[0]
    response = client.get(reverse("web:inbox_new"), {"after": first.pk})
    assert response.status_code == 200
    assert [r.pk for r in response.context["rows"]] == [newer.pk]
    assert "Tout nouveau" in response.content.decode() and "Pas pour vous" not in response.content.decode()
    assert client.get(reverse("web:inbox_new"), {"after": first.pk, "q": "ancien"}).status_code == 204
    assert client.get(reverse("web:inbox_new"), {"after": "x"}).status_code == 204


def test_bulk_marks_ticked_items_done_and_ignores_others(people, account, other_account):
    a, b = seed(account, ["un", "deux"])
    foreign = seed(other_account, ["secret"])[0]
    response = client_for(people["editor"]).post(reverse("web:inbox_bulk"), {
        "bulk": "done", "ids": [str(a.pk), str(b.pk), str(foreign.pk)]})
    assert response.status_code == 302
    assert set(Item.objects.filter(status=Status.DONE).values_list("pk", flat=True)) == {a.pk, b.pk}
    client_for(people["viewer"]).post(reverse("web:inbox_bulk"), {"bulk": "open", "ids": [str(a.pk)]})
    a.refresh_from_db()
    assert a.status == Status.DONE  # a viewer cannot act, even in bulk


# -- hostile text ----------------------------------------------------------------------

def test_hostile_text_and_links_are_shown_as_text(people, account):
    evil = replace(author('<img src=x onerror=alert(1)>', "evil@example.social",
                          bio='<script>alert("bio")</script>'), url="javascript:alert(1)")
    item = seed(account, ['"><svg onload=alert(2)>'], by=evil)[0]
    client = client_for(people["editor"])
    listing = client.get(reverse("web:inbox")).content.decode()
    pane = client.get(item_url(item), headers=HX).content.decode()
    for html in (listing, pane):
        assert "<img src=x" not in html and "<svg onload" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "javascript:alert" not in pane


def test_times_are_shown_in_the_viewers_zone(people, account):
    at = datetime(2026, 1, 15, 12, 0, tzinfo=ZoneInfo("UTC"))
    item = seed(account, ["Bonjour"], start=at)[0]
    editor = people["editor"]
    editor.timezone = "Asia/Tokyo"
    editor.save(update_fields=["timezone"])
    html = client_for(editor).get(item_url(item), headers=HX).content.decode()
    assert "15 Jan 2026 21:00" in html and "Asia/Tokyo" in html


def test_a_crisis_alert_shows_in_the_inbox_with_the_pause_for_managers_only(people, account):
    from parvis.inbox.models import CrisisAlert

    workspace = people["workspace"]
    now = timezone.now()
    CrisisAlert.objects.create(workspace=workspace, started_at=now - timedelta(hours=1), window_end=now,
                               count=30, usual=2)
    page = client_for(people["manager"]).get(reverse("web:inbox")).content.decode()
    assert 'data-testid="crisis-banner"' in page and 'data-testid="crisis-pause"' in page
    viewer_page = client_for(people["viewer"]).get(reverse("web:inbox")).content.decode()
    assert 'data-testid="crisis-banner"' in viewer_page and 'data-testid="crisis-pause"' not in viewer_page
    assert 'data-testid="crisis-acknowledge"' not in viewer_page
    outsider_page = client_for(people["outsider"]).get(reverse("web:inbox")).content.decode()
    assert 'data-testid="crisis-banner"' not in outsider_page
    response = client_for(people["manager"]).post(reverse("web:workspace_pause", args=[workspace.pk]),
                                                  {"reason": "Possible crisis", "confirm": "on"})
    assert response.status_code in (200, 302)
    workspace.refresh_from_db()
    assert EditorialSettings.of(workspace).is_paused
