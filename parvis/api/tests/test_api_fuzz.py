"""The API keeps its published contract under fuzzing: schemathesis reads the OpenAPI
schema the server serves and sends every operation generated requests (the coverage
phase's boundary values and wrong types, then random valid and invalid ones: huge
numbers, bodies that are not objects, unknown fields), with a valid token, against a
workspace with real objects in it. Any 5xx, any status code the schema does not list,
any content type or body that does not match the schema fails the test, which reports
every failing operation with a curl line that reproduces it.

How it runs: in-process, through Django's WSGI handler (schemathesis's `from_wsgi`), not
against a `parvis up` server on loopback. The requests go through the same middleware,
URL resolver, authentication and views as over HTTP, but in the test's own thread and
database transaction: the seeded objects are visible without committing them, every
change the fuzzer makes is rolled back at the end (on SQLite and PostgreSQL alike), no
port or process has to start, and a request costs milliseconds, not a socket round
trip. What a live server adds (waitress parsing HTTP) is not parvis's contract. The
operations are run one by one from `get_all_tests` (what schemathesis's own pytest
integration runs) because that integration's fixture loader does not work with pytest 9.

Bounded and reproducible: a fixed number of generated examples per operation (25 by
default, about 5,400 requests), the coverage phase's deterministic cases, Hypothesis
derandomised with a fixed seed, no example database, no health checks (they time the
generation, which depends on the machine), schemathesis pinned to a minor version.
Numbers the fuzzer draws for ids in paths, filters and bodies are mostly mapped onto the
seeded objects (posts, publications, media, a queue, an import, inbox items, saved
replies, a series, a crisis alert, a rota slot, a channel, rules, webhook endpoints and a
delivery, invitations, client approvers and their links, report definitions and runs,
accounts kept for the disconnect operation, of the token's
workspace and of another tenant's); negative and huge ones
(2**63 and beyond) stay as drawn, for the not-found and bad-input paths.

Run it alone: `pytest -m fuzz parvis/api/tests/test_api_fuzz.py`. Fuzz harder locally
with PARVIS_FUZZ_EXAMPLES=300 (it found nothing more at 300 when this was written).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient
from schemathesis.core.result import Err
from schemathesis.pytest.lazy import get_all_tests

from parvis.accounts.models import ClientApprover, Invitation, Notification, PortalLink, Role
from parvis.api.models import ApiToken
from parvis.api.tests.conftest import World, make_mastodon
from parvis.api.tests.contract import load_schema, wsgi_app
from parvis.api.webhooks.actions import create_endpoint
from parvis.api.webhooks.delivery import ping
from parvis.inbox import duty, rules
from parvis.inbox.ingest import store
from parvis.inbox.models import CrisisAlert, Item, Note, Webhook
from parvis.inbox.saved_replies import SavedReplyInput, create_saved_reply
from parvis.inbox.tests.factories import author, inbound
from parvis.listening import actions as veille_actions
from parvis.listening import digests, monitoring
from parvis.listening.feeds.discovery import Found
from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import Competitor, CompetitorAccount, CompetitorPost, Monitor
from parvis.listening.store import store_entries
from parvis.publishing import importer, library, queue, recurrence
from parvis.publishing.actions import Upload
from parvis.publishing.approval import add_review_comment
from parvis.publishing.campaigns import CampaignInput, LabelInput, save_campaign, save_label
from parvis.publishing.models import Post, PostMedia, Publication, State
from parvis.testing.images import png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("PARVIS_FUZZ_EXAMPLES", "25"))
SEED = 20_241_224
YEAR = timezone.now().year + 2


@dataclass
class Seeded:
    """The ids the fuzzer's numbers are mapped onto, by kind."""

    token: str
    ids: dict[str, list[int]]
    answers: dict[str, list[int]] = field(default_factory=dict)  # status codes by operation


def _no_analysis(items: list[Item]) -> None:
    """The models' verdicts are not what is fuzzed."""


def _seed(world: World, api: APIClient) -> dict[str, list[int]]:
    owner, workspace = world.owner, world.workspace
    labels = [save_label(workspace, owner, LabelInput(name=name, colour="#888888")).pk for name in ("promo", "faq")]
    campaign = save_campaign(workspace, owner, CampaignInput(name="Noël", slug="noel", colour="#5b6ee1",
                                                             starts_on=None, ends_on=None))
    asset = library.add_asset(workspace, owner, Upload("pain.png", io.BytesIO(png_bytes()), len(png_bytes())),
                              "Un pain", ["vitrine"]).asset
    queue.set_slots(world.mastodon, [(0, time(9)), (3, time(18, 30))], owner)
    accounts = [world.mastodon.pk, world.bluesky.pk]
    posts = []
    for body in ({"text": "Brouillon", "accounts": accounts},
                 {"text": "Joyeux Noël", "accounts": accounts, "scheduled_at": f"{YEAR}-12-24T18:30",
                  "labels": labels, "campaign": campaign.pk, "media_ids": [asset.pk]},
                 {"text": "Croissants", "accounts": [world.mastodon.pk], "mode": "queue"}):
        response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts/", body, format="json")
        assert response.status_code == 201, response.content
        posts.append(response.json()["id"])
    Publication.objects.filter(post_id=posts[1], account=world.bluesky).update(
        state=State.FAILED, error="refused", error_kind="permanent")
    add_review_comment(Post.objects.get(pk=posts[1]), "Le prix est juste ?", author=owner)
    csv = f"date,time,timezone,text,accounts\n{YEAR}-12-24,18:30,,Import,@brand.bsky.social\n".encode()
    batch = importer.validate(workspace, SimpleUploadedFile("plan.csv", csv, "text/csv"), user=owner,
                              filename="plan.csv")
    start = timezone.now() - timedelta(hours=1)
    items = store(world.mastodon, [inbound(text, at=start + timedelta(minutes=n), by=author())
                                   for n, text in enumerate(("Vous livrez à Lyon ?", "Merci !"))],
                  analyser=_no_analysis).new_in_inbox
    Note.objects.create(item=items[0], author=owner, text="Client fidèle")
    theirs = store(world.other_account, [inbound("Chez les autres")], analyser=_no_analysis).new_in_inbox
    saved = create_saved_reply(workspace, owner, SavedReplyInput(title="Horaires", body="De 7 h à 19 h, {name}.",
                                                                 crisis=False))
    weekly = api.post(f"/api/v1/workspaces/{workspace.pk}/posts/", {
        "text": "Le pain du lundi", "accounts": [world.mastodon.pk], "scheduled_at": f"{YEAR}-03-01T09:00"},
        format="json").json()["id"]
    series = recurrence.series_from_post(workspace, owner, Post.objects.get(pk=weekly), "FREQ=WEEKLY;BYDAY=MO")
    now = timezone.now()
    alert = CrisisAlert.objects.create(workspace=workspace, started_at=now - timedelta(minutes=5), window_end=now,
                                       count=30, usual=2.0)
    slot = duty.add_slot(workspace, world.editor, 0, time(9), time(18))
    channel = Webhook.objects.create(workspace=workspace, name="Équipe", format="ntfy",
                                     url="https://ntfy.example.com/brand", secret={"token": "tk_secret_token_1234"})
    rule = rules.save_rule(workspace, owner, "Remboursements", {"words": ["rembours*"]}, {"priority": 2})
    their_rule = rules.save_rule(world.other_workspace, world.outsider, "Spam", {"flags": ["spam"]}, {"hide": True})
    endpoint, _secret = create_endpoint(workspace, owner, "http://127.0.0.1:9/n8n", "n8n", ["pause.started"])
    their_endpoint, _ = create_endpoint(world.other_workspace, world.outsider, "http://127.0.0.1:9/x", "",
                                        ["crisis.alert"])
    sent = ping(endpoint)
    # Accounts only the disconnect operation is aimed at: the others keep theirs.
    spare = [make_mastodon(workspace, remote_id=f"spare-{n}").pk for n in range(3)]
    invitations = [Invitation.issue(workspace, f"invitee{n}@example.com", Role.EDITOR, owner)[0].pk for n in range(3)]
    their_invitation = Invitation.issue(world.other_workspace, "theirs@example.com", Role.EDITOR, world.outsider)[0]
    clients = [ClientApprover.objects.create(workspace=workspace, name=f"Client {n}", email=f"c{n}@client.example")
               for n in range(2)]
    their_client = ClientApprover.objects.create(workspace=world.other_workspace, name="Theirs",
                                                 email="t@client.example")
    links = [PortalLink.issue(client)[0].pk for client in (*clients, their_client)]
    Notification.objects.bulk_create([Notification(user=owner, workspace=workspace, kind="failed",
                                                   message=f"Échec {n}", url="/") for n in range(3)])
    veille = _seed_veille(world)
    analytics = _seed_analytics(world)
    return {
        **analytics,
        **veille,
        "workspace": [workspace.pk, world.other_workspace.pk],
        "account": [world.mastodon.pk, world.bluesky.pk, world.other_account.pk],
        "post": posts,
        "publication": list(Publication.objects.filter(post_id__in=posts).values_list("pk", flat=True)),
        "media": [asset.pk],
        "label": labels,
        "campaign": [campaign.pk],
        "import": [batch.pk],
        "item": [item.pk for item in items] + [item.pk for item in theirs],
        "saved": [saved.pk],
        "user": [owner.pk, world.editor.pk, world.viewer.pk, world.outsider.pk],
        "series": [series.pk],
        "crisis": [alert.pk],
        "slot": [slot.pk],
        "channel": [channel.pk],
        "rule": [rule.pk, their_rule.pk],
        "endpoint": [endpoint.pk, their_endpoint.pk],
        "delivery": [sent.pk],
        "spare_account": [*spare, world.other_account.pk],
        "invitation": [*invitations, their_invitation.pk],
        "client": [*[c.pk for c in clients], their_client.pk],
        "link": links,
        "post_media": list(PostMedia.objects.filter(post_id__in=posts).values_list("pk", flat=True)),
    }


def _seed_veille(world: World) -> dict[str, list[int]]:
    """La veille: followed feeds with an entry, a folder, monitors with a hit, a digest,
    competitors with an account and a post."""
    owner, workspace, now = world.owner, world.workspace, timezone.now()
    feeds = [veille_actions.follow(workspace, Found(f"https://presse{n}.example/feed", "feed"), owner,
                                   folder="Presse")[0] for n in range(3)]
    theirs = veille_actions.follow(world.other_workspace, Found("https://autre.example/feed", "feed"),
                                   world.outsider)[0]
    entries = store_entries(feeds[0].source, ParsedFeed("rss", entries=[ParsedEntry(
        guid=str(n), link=f"https://presse0.example/{n}", title=f"Grève {n}", summary="<p>Grève</p>",
        published=now - timedelta(hours=n)) for n in range(3)]), now)
    monitors = [monitoring.save_monitor(Monitor(workspace=workspace, name=f"Grève {n}", query="grève"))
                for n in range(3)]
    their_monitor = monitoring.save_monitor(Monitor(workspace=world.other_workspace, name="X", query="x"))
    for monitor in monitors:
        monitoring.apply_monitor(monitor.pk)
    digest = digests.make(digests.save_schedule(owner, workspace, "07:30", by_email=False), now)
    assert digest is not None
    rivals = [Competitor.objects.create(workspace=workspace, name=f"Rival {n}") for n in range(2)]
    their_rival = Competitor.objects.create(workspace=world.other_workspace, name="Rival")
    rival_accounts = [CompetitorAccount.objects.create(competitor=c, network="mastodon",
                                                       handle=f"@r{c.pk}@rival.example")
                      for c in (*rivals, their_rival)]
    CompetitorPost.objects.create(account=rival_accounts[0], remote_id="1", url="https://rival.example/1",
                                  text="#grève", published_at=now, likes=3, followers=10)
    return {"competitor": [c.pk for c in (*rivals, their_rival)],
            "competitor_account": [a.pk for a in rival_accounts],
            "feed": [f.pk for f in feeds] + [theirs.pk], "feed_folder": [feeds[0].folder_id],
            "monitor": [m.pk for m in monitors] + [their_monitor.pk], "digest": [digest.pk],
            "entry": [e.pk for e in entries]}


def _seed_analytics(world: World) -> dict[str, list[int]]:
    """Figures: a month of posts with their snapshots, and the accounts' followers; a
    timing experiment and short links with clicks (one of each in the other workspace)."""
    from datetime import time

    from parvis.analytics import experiments, links
    from parvis.analytics.models import ShortLink
    from parvis.testing.analytics_history import seed_history

    now = timezone.now()
    seed_history(world.workspace, [world.mastodon, world.bluesky], days=30, posts_per_day=1, now=now,
                 snapshots_per_post=2)
    made = [experiments.start(account, 1, time(8), time(12, 30), now.date()) for account in (
        world.mastodon, world.other_account)]
    shortened = []
    for account in (world.mastodon, world.other_account):
        post = Post.objects.create(workspace=account.workspace, text="https://dupont.example/")
        links.shorten(post, account.network, "https://dupont.example/")
        shortened.append(ShortLink.objects.get(post=post))
        links.follow(shortened[-1].code, count=True)
    return {"experiment": [e.pk for e in made], "short_link": [link.pk for link in shortened],
            **_seed_reports(world), **_seed_roi(world)}


def _seed_roi(world: World) -> dict[str, list[int]]:
    """What the ROI is made of: time entries, a conversion, conversion sources (Matomo
    with a token, a webhook), and another tenant's of each."""
    from datetime import date

    from parvis.analytics import conversions
    from parvis.analytics.models import ConversionSource, CostSettings, TimeEntry

    CostSettings.objects.create(workspace=world.workspace, day_rate=420)
    entries = [TimeEntry.objects.create(workspace=workspace, user=world.owner, day=date(2026, 11, n + 1), minutes=60)
               for n, workspace in enumerate((world.workspace, world.workspace, world.other_workspace))]
    conversions.record(world.workspace, day="2026-11-05", goal="signup", count=2, value="25", external_id="o-1")
    sources = [ConversionSource.objects.create(workspace=workspace, kind="matomo", base_url="https://stats.example",
                                               site_id="3", secrets={"token": "tk_fuzz_token_0123"})
               for workspace in (world.workspace, world.workspace, world.other_workspace)]
    sources.insert(1, conversions.new_webhook_source(world.workspace, "Shop"))
    return {"time_entry": [e.pk for e in entries], "conversion_source": [s.pk for s in sources]}


def _seed_reports(world: World) -> dict[str, list[int]]:
    """Client reports: scheduled definitions (each with its waiting run), a built run and
    one being built again (its files kept, so that it cannot be deleted and its files stay
    reachable), and another tenant's of each."""
    from parvis.analytics import deliveries
    from parvis.analytics.dashboard import Period
    from parvis.analytics.models import ReportDefinition, ReportFile, ReportRun

    now = timezone.now()
    definitions = [deliveries.save_definition(ReportDefinition(
        workspace=workspace, name=f"Bilan {n}", sections=["highlights"], formats=["pdf"], scheduled=True,
        recipients=["client@dupont.example"]), now) for n, workspace in enumerate(
        (world.workspace, world.workspace, world.other_workspace))]
    month = Period(now.date() - timedelta(days=30), now.date() - timedelta(days=1))
    runs = [deliveries.request(workspace, month, now=now) for workspace in (
        world.workspace, world.workspace, world.other_workspace)]
    for run, state in zip(runs, (ReportRun.Status.READY, ReportRun.Status.BUILDING, ReportRun.Status.READY),
                          strict=True):
        ReportRun.objects.filter(pk=run.pk).update(status=state, progress=100, built_at=now, enqueued_at=now,
                                                   commentary={"highlights": "Un bon mois."})
        for name, data in (("pdf", b"%PDF-1.7 fuzz"), ("pptx", b"PK fuzz"), ("xlsx", b"PK fuzz")):
            ReportFile.objects.create(run=run, format=name, data=data, size=len(data))
    return {"report_definition": [d.pk for d in definitions], "report_run": [r.pk for r in runs]}


@pytest.fixture
def seeded(world: World, api: APIClient) -> Seeded:
    _token, raw = ApiToken.issue(world.owner, "fuzz")
    return Seeded(raw, _seed(world, api))


@pytest.fixture
def api_schema(seeded: Seeded) -> Iterator[Any]:
    with wsgi_app() as app:  # after seeding: the test client used there reconnects what this disconnects
        yield load_schema(app, {
            "seed": SEED,
            # Hypothesis's health checks time data generation: on a busy CI machine they
            # would fail a run that found nothing. What is checked is the answers.
            "suppress-health-check": ["all"],
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                "not_a_server_error": {"enabled": True},
                "status_code_conformance": {"enabled": True},
                "content_type_conformance": {"enabled": True},
                "response_schema_conformance": {"enabled": True},
            },
            "headers": {"Accept-Language": "en"},
        })


# -- ids -------------------------------------------------------------------------------

# Path prefix → the kind of the `{id}` in it.
PATH_KINDS = [("/api/v1/workspaces/{workspace_id}/saved-replies/", "saved"),
              ("/api/v1/workspaces/{workspace_id}/webhook-endpoints/", "endpoint"),
              ("/api/v1/workspaces/", "workspace"),
              ("/api/v1/series/", "series"), ("/api/v1/inbox/crisis-alerts/", "crisis"),
              ("/api/v1/inbox/rota/", "slot"), ("/api/v1/inbox/channels/", "channel"), ("/api/v1/inbox/rules/", "rule"),
              ("/api/v1/accounts/", "account"), ("/api/v1/imports/", "import"), ("/api/v1/inbox/items/", "item"),
              ("/api/v1/media/", "media"), ("/api/v1/posts/", "post"), ("/api/v1/publications/", "publication"),
              ("/api/v1/campaigns/", "campaign"), ("/api/v1/labels/", "label"), ("/api/v1/invitations/", "invitation"),
              ("/api/v1/client-approvers/", "client"), ("/api/v1/portal-links/", "link"),
              ("/api/v1/feeds/", "feed"), ("/api/v1/feed-folders/", "feed_folder"), ("/api/v1/monitors/", "monitor"),
              ("/api/v1/digests/", "digest"), ("/api/v1/competitors/", "competitor"),
              ("/api/v1/competitor-accounts/", "competitor_account"),
              ("/api/v1/timing-experiments/", "experiment"), ("/api/v1/short-links/", "short_link"),
              ("/api/v1/report-definitions/", "report_definition"), ("/api/v1/report-runs/", "report_run"),
              ("/api/v1/time-entries/", "time_entry"), ("/api/v1/conversion-sources/", "conversion_source")]
# Paths whose `{id}` is of another kind than their prefix says (checked first).
EXACT_PATH_KINDS = {"/api/v1/accounts/{id}/": "spare_account"}
# Query and body field → kind.
FIELD_KINDS = {"workspace": "workspace", "workspace_id": "workspace", "account": "account", "accounts": "account",
               "label": "label", "labels": "label", "media_ids": "media", "keep_media": "media",
               "campaign": "campaign", "assignee": "user", "publication": "publication", "post": "post",
               "user": "user", "person": "user", "entries": "entry", "entry": "entry",
               "definition": "report_definition"}


def _mapped(value: Any, ids: list[int], text: bool = False) -> Any:
    """Small numbers (0, the coverage phase's default, included) land on seeded objects;
    negatives and huge ones stay as drawn. With `text`, numbers written as text too (paths
    and query strings are text; in a JSON body, "1" for an id is a wrong type to keep)."""
    if text and isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 4:
        return str(ids[int(value) % len(ids)])
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1000:
        return ids[value % len(ids)]
    if isinstance(value, list):
        return [_mapped(v, ids, text) for v in value]
    return value


def _map_fields(data: Any, ids: dict[str, list[int]], text: bool = False) -> Any:
    if isinstance(data, dict):
        return {key: _mapped(value, ids[FIELD_KINDS[key]], text) if key in FIELD_KINDS
                else _map_fields(value, ids, text) for key, value in data.items()}
    if isinstance(data, list):
        return [_map_fields(value, ids, text) for value in data]
    return data


def aim_at_seeded_objects(case: Any, ids: dict[str, list[int]]) -> None:
    params = case.path_parameters or {}
    if "id" in params:
        kind = EXACT_PATH_KINDS.get(case.operation.path) or next(
            kind for prefix, kind in PATH_KINDS if case.operation.path.startswith(prefix))
        params["id"] = _mapped(params["id"], ids[kind], text=True)
    if "media_id" in params:
        params["media_id"] = _mapped(params["media_id"], ids["post_media"], text=True)
    if "workspace_id" in params:
        params["workspace_id"] = _mapped(params["workspace_id"], ids["workspace"], text=True)
    if "delivery_id" in params:
        params["delivery_id"] = _mapped(params["delivery_id"], ids["delivery"], text=True)
    if isinstance(case.query, dict):
        case.query = _map_fields(case.query, ids, text=True)
    if isinstance(case.body, dict | list):
        case.body = _map_fields(case.body, ids)


def _exercise(case: Any, seeded: Seeded) -> None:
    aim_at_seeded_objects(case, seeded.ids)
    response = case.call_and_validate(headers={"Authorization": f"Bearer {seeded.token}"})
    seeded.answers.setdefault(case.operation.label, []).append(response.status_code)


def test_api_keeps_its_contract_under_fuzzing(api_schema: Any, seeded: Seeded) -> None:
    failures: list[str] = []
    for result in get_all_tests(schema=api_schema, test_func=_exercise, settings=None, given_kwargs={}):
        if isinstance(result, Err):
            failures.append(f"invalid schema: {result.err()}")
            continue
        operation, run = result.ok()
        try:
            run(seeded=seeded)
        except (Exception, BaseExceptionGroup) as exc:  # fuzz every operation, then report every failure
            failures.append(f"{operation.label}\n{exc}")
    assert not failures, "\n\n".join(failures)
    # The run reached real objects, not only 404s: every read found what it looked for.
    unreached = [label for label, codes in seeded.answers.items()
                 if label.startswith("GET ") and not any(200 <= code < 300 for code in codes)]
    assert not unreached and len(seeded.answers) >= 50, unreached


def test_fuzzer_aims_small_ids_at_seeded_objects() -> None:
    ids = {"post": [7, 9], "account": [3], "label": [4, 5], "media": [8], "workspace": [1, 2]}
    assert _mapped(1, ids["post"]) == 9 and _mapped(2, ids["post"]) == 7
    assert _mapped(2**63, ids["post"]) == 2**63 and _mapped(-1, ids["post"]) == -1 and _mapped(0, [7]) == 7
    assert _map_fields({"accounts": [1, 2**64], "text": 1, "labels": [2]}, ids) == {
        "accounts": [3, 2**64], "text": 1, "labels": [4]}
    assert _mapped("1", ids["post"]) == "1" and _mapped("1", ids["post"], text=True) == "9"
    assert _mapped("0", ids["post"], text=True) == "7" and _mapped(str(2**64), ids["post"], text=True) == str(2**64)


