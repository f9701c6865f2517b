"""Ordered rules per workspace: when an item matches every condition, do the actions.

One matching function serves both the live run (on each new item) and the preview on
past items ("this rule would have matched 37 items"), so the preview cannot disagree
with what the rule will do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.accounts.models import Membership, User, Workspace
from parvis.core.ids import parse_id, parse_ids, parse_int
from parvis.inbox.errors import InboxError
from parvis.inbox.models import ADDRESSED_KINDS, Item, Priority, Rule, Sentiment, Status
from parvis.inbox.search import normalise
from parvis.networks import registry
from parvis.publishing.models import Label

CONDITION_LISTS = ("words", "languages", "sentiments", "flags", "networks", "accounts", "authors", "kinds")
MAX_WORDS = 100
PREVIEW_DAYS = 90
PREVIEW_LIMIT = 50_000  # items read for a preview, newest first


class RuleError(InboxError):
    """A rule that cannot be saved or tested as written."""


@lru_cache(maxsize=512)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """Whole words or phrases, accents and case ignored; a trailing * takes any ending
    ("rembours*" finds "remboursement" and "remboursez")."""
    parts = []
    for word in words:
        clean = normalise(word).strip()
        if not clean:
            continue
        if clean.endswith("*"):
            parts.append(r"\b" + re.escape(clean[:-1].strip()) + r"\w*")
        else:
            parts.append(r"\b" + re.escape(clean) + r"\b")
    return re.compile("|".join(parts)) if parts else None


def matches(conditions: Mapping[str, Any], item: Item, text: str | None = None) -> bool:
    """Every condition given must hold; a list condition holds when any value does.
    `text`: the item's text already normalised, when several rules test the same item."""
    words = tuple(conditions.get("words") or ())
    if words:
        pattern = _word_pattern(words)
        if pattern is None or not pattern.search(normalise(item.text) if text is None else text):
            return False
    checks: list[tuple[str, object]] = [
        ("languages", item.language), ("sentiments", item.sentiment), ("networks", item.network),
        ("accounts", item.account_id), ("kinds", item.kind),
    ]
    for name, value in checks:
        wanted = conditions.get(name) or ()
        if wanted and value not in wanted:
            return False
    flags = conditions.get("flags") or ()
    if flags and not any(getattr(item, flag, False) for flag in flags):
        return False
    authors = {a.lower().lstrip("@") for a in conditions.get("authors") or ()}
    return not authors or (item.author.key.lower() in authors or item.author.handle.lower().lstrip("@") in authors)


def clean_rule(workspace: Workspace, name: str, conditions: Mapping[str, Any],
               actions: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Check a rule's parts; raise RuleError naming the first field that is wrong."""
    name = (name or "").strip()
    if not name:
        raise RuleError("name", _("Give the rule a name."))
    if len(name) > 120:
        raise RuleError("name", _("A name holds 120 characters at most."))
    return name, clean_conditions(workspace, conditions), _clean_actions(workspace, actions)


def clean_conditions(workspace: Workspace, conditions: Mapping[str, Any]) -> dict[str, Any]:
    """The conditions part of `clean_rule`, alone: the preview of a rule being written
    checks only its conditions."""
    cond: dict[str, Any] = {}
    for key in CONDITION_LISTS:
        values = [v for v in (conditions.get(key) or []) if str(v).strip()]
        if values:
            cond[key] = values
    if len(cond.get("words", [])) > MAX_WORDS:
        raise RuleError("words", _("%(max)d words or phrases at most.") % {"max": MAX_WORDS})
    _check_choices(cond, "languages", None)
    _check_choices(cond, "sentiments", set(Sentiment.values))
    _check_choices(cond, "flags", {"toxic", "spam"})
    _check_choices(cond, "networks", set(registry.NETWORKS))
    _check_choices(cond, "kinds", {k.value for k in ADDRESSED_KINDS})
    if cond.get("accounts"):
        ids = set(parse_ids(cond["accounts"]))  # an id no row can have is an unknown account
        known = set(workspace.social_accounts.filter(pk__in=ids).values_list("pk", flat=True))
        if len(known) != len(cond["accounts"]):
            raise RuleError("accounts", _("Choose accounts of this workspace."))
        cond["accounts"] = sorted(known)
    if not cond:
        raise RuleError("conditions", _("Give at least one condition: a rule that matches everything is a "
                                        "setting, not a rule."))
    return cond


def _check_choices(cond: dict[str, Any], key: str, allowed: set[str] | None) -> None:
    values = [str(v).strip() for v in cond.get(key, [])]
    if allowed is not None and any(v not in allowed for v in values):
        raise RuleError(key, _("Unknown value: %(values)s.") % {
            "values": ", ".join(v for v in values if v not in allowed)})
    if values:
        cond[key] = values


def _clean_actions(workspace: Workspace, actions: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    raw_labels = [v for v in actions.get("labels") or [] if str(v).strip()]
    labels = parse_ids(raw_labels)
    if raw_labels:
        known = set(Label.objects.filter(workspace=workspace, pk__in=labels).values_list("pk", flat=True))
        if len(labels) != len(raw_labels) or known != set(labels):
            raise RuleError("labels", _("Choose labels of this workspace."))
        out["labels"] = sorted(known)
    assign = actions.get("assign")
    if assign not in (None, ""):
        if assign != "on_duty":
            member = parse_id(assign)
            if member is None or not Membership.objects.filter(workspace=workspace, user_id=member).exists():
                raise RuleError("assign", _("Choose a member of this workspace, or whoever is on duty."))
            assign = member
        out["assign"] = assign
    priority = actions.get("priority")
    if priority not in (None, ""):
        level = parse_int(priority, max(Priority.values))
        if level not in Priority.values:
            raise RuleError("priority", _("Choose low, normal or high."))
        out["priority"] = level
    for flag in ("done", "hide", "notify"):
        if actions.get(flag) in (True, "true", "on", "1", 1):
            out[flag] = True
    if not out:
        raise RuleError("actions", _("Give at least one action."))
    return out


@dataclass
class Preview:
    count: int
    scanned: int
    sample: list[Item]
    since: datetime


def preview(workspace: Workspace, conditions: Mapping[str, Any], now: datetime | None = None,
            days: int = PREVIEW_DAYS) -> Preview:
    """How many past items (last `days` days) the conditions match, with a few of them."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    items = (Item.objects.filter(workspace=workspace, in_inbox=True, created_at__gte=since)
             .select_related("author").order_by("-created_at", "-id")[:PREVIEW_LIMIT])
    count, scanned = 0, 0
    sample: list[Item] = []
    for item in items.iterator(chunk_size=2000):
        scanned += 1
        if matches(conditions, item):
            count += 1
            if len(sample) < 5:
                sample.append(item)
    return Preview(count=count, scanned=scanned, sample=sample, since=since)


@dataclass
class Outcome:
    """What the rules did to one item, for notifications."""

    item: Item
    notify: bool = False
    hide: bool = False


def run_rules(items: Sequence[Item], now: datetime | None = None) -> list[Outcome]:
    """Apply each workspace's enabled rules, in order, to new items."""
    from parvis.inbox import duty

    now = now or timezone.now()
    outcomes = []
    by_workspace: dict[int, list[Item]] = {}
    for item in items:
        by_workspace.setdefault(item.workspace_id, []).append(item)
    for workspace_id, group in by_workspace.items():
        rules = list(Rule.objects.filter(workspace_id=workspace_id, enabled=True))
        on_duty: list[User] | None = None
        for item in group:
            outcome = Outcome(item)
            text = normalise(item.text)
            for rule in rules:
                if not matches(rule.conditions, item, text):
                    continue
                if rule.actions.get("assign") == "on_duty" and on_duty is None:
                    on_duty = duty.on_duty(item.workspace, now) or duty.relays(item.workspace, now)
                _apply(rule, item, outcome, on_duty or [], now)
                if rule.stop:
                    break
            outcomes.append(outcome)
    return outcomes


@transaction.atomic
def _apply(rule: Rule, item: Item, outcome: Outcome, on_duty: list[User], now: datetime) -> None:
    actions = rule.actions
    fields: dict[str, Any] = {}
    if "priority" in actions:
        fields["priority"] = actions["priority"]
    assign = actions.get("assign")
    if assign == "on_duty" and on_duty:
        fields["assignee_id"] = on_duty[0].pk
    elif isinstance(assign, int):
        fields["assignee_id"] = assign
    if actions.get("done"):
        fields.update(status=Status.DONE, done_at=now)
    if fields:
        Item.objects.filter(pk=item.pk).update(**fields)
        reassigned = "assignee_id" in fields and fields["assignee_id"] != item.assignee_id
        for name, value in fields.items():
            setattr(item, name, value)
        if reassigned:
            from parvis.inbox import events

            events.assigned(item, item.assignee)
    if actions.get("labels"):
        item.labels.add(*actions["labels"])
    outcome.notify = outcome.notify or bool(actions.get("notify"))
    outcome.hide = outcome.hide or bool(actions.get("hide"))
    Rule.objects.filter(pk=rule.pk).update(matched=F("matched") + 1)


def hide_matched(outcomes: Iterable[Outcome]) -> None:
    """Hide on the network the items a rule asked to hide, where the network can."""
    from parvis.inbox import triage
    from parvis.networks.base import Moderation

    for outcome in outcomes:
        if outcome.hide and Moderation.HIDE in triage.available_actions(outcome.item):
            try:
                triage.moderate(outcome.item, Moderation.HIDE, user=None)
            except triage.TriageError:
                continue  # the network refused: the item stays visible, and in the inbox


def save_rule(workspace: Workspace, user: User | None, name: str, conditions: Mapping[str, Any],
              actions: Mapping[str, Any], stop: bool = False, rule: Rule | None = None) -> Rule:
    """Create (switched off, last in order: it is to be tested on past items first) or
    update a rule; RuleError names the field and nothing is saved."""
    name, cond, act = clean_rule(workspace, name, conditions, actions)
    if rule is None:
        last = (Rule.objects.filter(workspace=workspace).order_by("-position")
                .values_list("position", flat=True).first())
        position = 0 if last is None else last + 1
        return Rule.objects.create(workspace=workspace, name=name, conditions=cond, actions=act, stop=stop,
                                   enabled=False, position=position, created_by=user)
    rule.name, rule.conditions, rule.actions, rule.stop = name, cond, act, stop
    rule.save(update_fields=["name", "conditions", "actions", "stop", "updated_at"])
    return rule


def move(rule: Rule, direction: str) -> None:
    """Swap a rule with its neighbour ("up": runs earlier)."""
    ordered = list(Rule.objects.filter(workspace_id=rule.workspace_id).values_list("pk", flat=True))
    index = ordered.index(rule.pk)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else index
    if 0 <= other < len(ordered) and other != index:
        ordered[index], ordered[other] = ordered[other], ordered[index]
        reorder(rule.workspace, ordered)


def reorder(workspace: Workspace, ordered_ids: Sequence[int]) -> None:
    rules = {r.pk: r for r in Rule.objects.filter(workspace=workspace)}
    if set(ordered_ids) != set(rules):
        raise RuleError("order", _("Give every rule of this workspace, once."))
    for position, pk in enumerate(ordered_ids):
        Rule.objects.filter(pk=pk).update(position=position)
