"""Who gets which notice, where: in the app, by email, as a push notification on their
phone. Each person chooses per topic (a topic groups the kinds of notice `notify` is
given); without a choice, the defaults below, which are what parvis did before people
could choose, plus push for what cannot wait.

Push also follows the workspace's working hours and rota (`inbox.duty`): outside working
hours a phone only rings for what is urgent (a message the rules call urgent, a crisis),
and for a failed publication only if its person is on duty or relay then. The rest waits
in the app and the email, where it is read in the morning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import NotificationChoice, PushSubscription, User, Workspace

CHANNELS = ("app", "email", "push")


@dataclass(frozen=True)
class Topic:
    key: str
    label: Promise
    kinds: tuple[str, ...]
    push: bool  # on by default
    urgent: bool = False  # rings outside working hours, and asks the push service to hurry


TOPICS = (
    Topic("inbox", _("Messages to answer"), ("inbox_items",), push=True, urgent=True),
    Topic("crisis", _("Crisis alerts and pauses"), ("inbox_crisis", "workspace_paused", "workspace_resumed"),
          push=True, urgent=True),
    Topic("publishing", _("Failed publications and posts to check"),
          ("publication_failed", "publication_to_check"), push=True),
    Topic("approvals", _("Approvals and review comments"),
          ("approval_requested", "approval_reminder", "approval_missed", "approval_overridden",
           "changes_requested", "post_approved", "review_comment"), push=True),
    Topic("mentions", _("Mentions in comments"), ("mention",), push=False),
    Topic("veille", _("La veille: spikes and articles shared with the team"), ("veille_spike", "veille_shared"),
          push=True),
    Topic("accounts", _("Network accounts and webhooks to fix"),
          ("account_reconnect", "account_expiring", "webhook_disabled"), push=False),
    Topic("other", _("Imports and missions"),
          ("import_done", "mission_short", "contest_no_alternate", "influencer_mention_missing"), push=False),
)
BY_KEY = {t.key: t for t in TOPICS}
TOPIC_KEYS = [t.key for t in TOPICS]  # the API's choice set (settings: ENUM_NAME_OVERRIDES)
OTHER = BY_KEY["other"]
_BY_KIND = {kind: t for t in TOPICS for kind in t.kinds}


def topic_of(kind: str) -> Topic:
    return _BY_KIND.get(kind, OTHER)


def default_choice(topic: Topic) -> dict[str, bool]:
    return {"app": True, "email": True, "push": topic.push}


def choices_of(users: Iterable[User]) -> dict[int, dict[str, dict[str, bool]]]:
    """Per person, per topic key, per channel: on or off (defaults filled in)."""
    ids = [u.pk for u in users]
    table = {pk: {t.key: default_choice(t) for t in TOPICS} for pk in ids}
    for row in NotificationChoice.objects.filter(user_id__in=ids):
        if row.topic in BY_KEY:
            table[row.user_id][row.topic] = {"app": row.app, "email": row.email, "push": row.push}
    return table


def set_choices(user: User, table: dict[str, dict[str, bool]]) -> None:
    """Save a person's choices (unknown topics and channels ignored; missing ones off)."""
    for key, channels in table.items():
        if key not in BY_KEY:
            continue
        NotificationChoice.objects.update_or_create(
            user=user, topic=key, defaults={c: bool(channels.get(c)) for c in CHANNELS})


def may_ring(users: list[User], workspace: Workspace | None, topic: Topic, now: datetime) -> set[int]:
    """Whose phones may ring now for this topic (see the module's docstring): the
    working hours and the rota are read once for all the notice's people."""
    if workspace is None or topic.urgent:
        return {u.pk for u in users}
    # The working hours and the rota belong to the inbox app; imported here, when a
    # notice is sent, so that accounts stays below it.
    from parvis.inbox import duty

    if duty.is_working_time(workspace, now):
        return {u.pk for u in users}
    if topic.key != "publishing":
        return set()
    on_call = {u.pk for u in duty.on_duty(workspace, now) + duty.relays(workspace, now)}
    return {u.pk for u in users if u.pk in on_call}


MAX_BROWSERS = 20  # per person: a new one beyond it replaces the oldest


class SubscriptionError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def subscribe(user: User, endpoint: str, p256dh: str, auth: str, device: str = "") -> PushSubscription:
    """Keep the push subscription a browser made for this person (the same browser
    subscribing again updates its keys). Every field is checked before anything is saved."""
    from parvis.accounts import webpush  # cryptography: loaded when a browser subscribes
    from parvis.core.http import UnsafeURLError, check_url

    if not endpoint.startswith("https://") or len(endpoint) > 1000:
        raise SubscriptionError("endpoint", gettext("The push service's address must start with https://."))
    try:
        check_url(endpoint)
    except UnsafeURLError as exc:
        raise SubscriptionError("endpoint", str(exc)) from exc
    try:
        webpush.check_keys(p256dh, auth)
    except ValueError as exc:
        raise SubscriptionError(str(exc), gettext("The browser's key is not a valid Web Push key.")) from exc
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth, "device": device[:120]})
    newest_first = PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")
    extra = newest_first.values_list("pk", flat=True)[MAX_BROWSERS:]
    PushSubscription.objects.filter(pk__in=list(extra)).delete()
    return subscription


def device_name(user_agent: str) -> str:
    """A name a person recognises their browser by ("Android · Chrome"), from its user agent."""
    systems = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Mac OS X", "Mac"),
               ("Windows", "Windows"), ("Linux", "Linux"))
    browsers = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
    system = next((name for mark, name in systems if mark in user_agent), "")
    browser = next((name for mark, name in browsers if mark in user_agent), "")
    return " · ".join(part for part in (system, browser) if part)
