"""Ordered rules: conditions, actions, the preview on past items, and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parvis.accounts.models import Membership, Role, User
from parvis.inbox import rules
from parvis.inbox.models import DutySlot, Item, Priority, Rule, Status
from parvis.inbox.tests.factories import author, seed
from parvis.publishing.models import Label


def make_rule(workspace, name="r", position=0, stop=False, **parts):
    conditions = {k: v for k, v in parts.items() if k in rules.CONDITION_LISTS}
    actions = {k: v for k, v in parts.items() if k not in rules.CONDITION_LISTS}
    name, conditions, actions = rules.clean_rule(workspace, name, conditions, actions)
    return Rule.objects.create(workspace=workspace, name=name, position=position, enabled=True, stop=stop,
                               conditions=conditions, actions=actions)


def test_words_match_whole_words_whatever_the_accents_and_case(account):
    item = seed(account, ["Je veux être REMBOURSÉE, c'est la 2e fois"])[0]
    assert rules.matches({"words": ["remboursee"]}, item)
    assert rules.matches({"words": ["rembours*"]}, item)
    assert rules.matches({"words": ["la 2e fois"]}, item)
    assert not rules.matches({"words": ["rembours"]}, item)  # not a whole word
    assert not rules.matches({"words": ["colis"]}, item)


def test_every_condition_must_hold(account):
    item = seed(account, ["Service client nul, je suis furieux"], by=author("Léa", "lea@example.social"))[0]
    assert rules.matches({"words": ["furieux"], "sentiments": ["negative"], "networks": ["mastodon"],
                          "authors": ["@lea@example.social"], "kinds": ["reply"]}, item)
    assert not rules.matches({"words": ["furieux"], "networks": ["bluesky"]}, item)
    assert not rules.matches({"words": ["furieux"], "flags": ["spam"]}, item)


def test_rules_run_in_order_and_stop_ends_the_run(account, people):
    workspace = people["workspace"]
    urgent = Label.objects.create(workspace=workspace, name="Urgent")
    sav = Label.objects.create(workspace=workspace, name="SAV")
    make_rule(workspace, "Remboursements", 0, stop=True, words=["rembours*"], labels=[urgent.pk], priority=2)
    make_rule(workspace, "SAV", 1, words=["commande"], labels=[sav.pk])
    refund, order = seed(account, ["Ma commande : je veux un remboursement", "Où est ma commande ?"])[::-1]
    rules.run_rules([refund, order])
    assert set(refund.labels.values_list("name", flat=True)) == {"Urgent"}  # stopped after the first
    assert Item.objects.get(pk=refund.pk).priority == Priority.HIGH
    assert set(order.labels.values_list("name", flat=True)) == {"SAV"}
    assert Rule.objects.get(name="SAV").matched == 1


def test_a_rule_assigns_to_whoever_is_on_duty(account, people):
    workspace = people["workspace"]
    now = timezone.now()
    member = people["editor"]
    for day in range(7):  # round the clock: mornings, then noon to midnight
        for starts, ends in (("00:00", "12:00"), ("12:00", "00:00")):
            DutySlot.objects.create(workspace=workspace, user=member, weekday=day, starts=starts, ends=ends)
    make_rule(workspace, "À qui", words=["aide"], assign="on_duty")
    item = seed(account, ["J'ai besoin d'aide"])[0]
    rules.run_rules([item], now=now)
    assert Item.objects.get(pk=item.pk).assignee == member


def test_a_rule_can_close_spam(account, people):
    make_rule(people["workspace"], "Spam", flags=["spam"], done=True)
    item = seed(account, ["💰 Gagnez 500€/jour depuis chez vous ! DM moi vite 👉 bit.ly/argent-facile"])[0]
    assert item.spam
    rules.run_rules([item])
    assert Item.objects.get(pk=item.pk).status == Status.DONE


def test_the_preview_counts_past_items_as_the_rule_would(account, people):
    texts = [f"Toujours pas de remboursement (n°{n})" for n in range(37)] + ["Merci !"] * 5
    seed(account, texts)
    old = seed(account, ["remboursement d'il y a longtemps"], start=timezone.now() - timedelta(days=200))
    found = rules.preview(people["workspace"], {"words": ["rembours*"]})
    assert found.count == 37 and found.scanned == 42
    assert old[0] not in found.sample and len(found.sample) == 5


def test_bad_rules_are_refused_with_the_field_named(people):
    workspace = people["workspace"]
    other = Label.objects.create(workspace=people["other_workspace"], name="Ailleurs")
    outsider = User.objects.create_user("out@example.com", "pw-out-12345")
    cases = [
        ("", {"words": ["x"]}, {"priority": 2}, "name"),
        ("r", {}, {"priority": 2}, "conditions"),
        ("r", {"words": ["x"]}, {}, "actions"),
        ("r", {"sentiments": ["furious"]}, {"done": True}, "sentiments"),
        ("r", {"networks": ["myspace"]}, {"done": True}, "networks"),
        ("r", {"words": ["x"]}, {"labels": [other.pk]}, "labels"),
        ("r", {"words": ["x"]}, {"assign": outsider.pk}, "assign"),
        ("r", {"words": ["x"]}, {"priority": 7}, "priority"),
        ("r", {"words": ["x"] * 101}, {"done": True}, "words"),
    ]
    for name, conditions, actions, field in cases:
        with pytest.raises(rules.RuleError) as caught:
            rules.clean_rule(workspace, name, conditions, actions)
        assert caught.value.field == field, (name, conditions, actions)


def test_reordering_needs_every_rule_once(people):
    workspace = people["workspace"]
    a = make_rule(workspace, "a", 0, words=["a"], done=True)
    b = make_rule(workspace, "b", 1, words=["b"], done=True)
    rules.reorder(workspace, [b.pk, a.pk])
    assert list(Rule.objects.filter(workspace=workspace).values_list("name", flat=True)) == ["b", "a"]
    with pytest.raises(rules.RuleError):
        rules.reorder(workspace, [a.pk])


def test_members_only_can_be_assigned(people):
    viewer = User.objects.create_user("v@example.com", "pw-viewer-123")
    Membership.objects.create(workspace=people["workspace"], user=viewer, role=Role.VIEWER)
    _name, _cond, actions = rules.clean_rule(people["workspace"], "r", {"words": ["x"]}, {"assign": viewer.pk})
    assert actions["assign"] == viewer.pk
