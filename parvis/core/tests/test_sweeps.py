"""The periodic work is one explicit list (`settings.PARVIS_SWEEPS`): every function that
looks like a sweep is on it once, and the dispatcher runs them in its order, whatever
fails."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from datetime import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

import parvis
from parvis.core import sweeps

# Functions shaped like a sweep, `(now) -> int`, that are not sweeps themselves.
NOT_SWEEPS = {
    "parvis.core.sweeps.run_sweeps": "runs the sweeps",
    "parvis.inbox.events.emit_overdue": "the work of announce_overdue_items, which paces it",
    "parvis.networks.tokens.warn_expiring": "the second half of refresh_expiring_credentials",
    "parvis.publishing.missions.warn_short": "the work of warn_short_missions, which paces it",
    "parvis.listening.retention.forget_old_entries": "the job forget_old_entries queues once an hour",
    "parvis.listening.spike_alerts.check_all": "the job dispatch_spike_checks queues every five minutes",
    "parvis.analytics.collect.follow_new": "the first half of dispatch_metric_reads, which paces it",
    "parvis.analytics.deliveries.plan_all": "the first part of dispatch_reports, which paces it",
    "parvis.analytics.sources.sync_due_sources": "dispatch_conversion_syncs' work done inline (tests, command line)",
}


def _looks_like_a_sweep(function: object) -> bool:
    """A public function whose one required parameter is `now` and which returns an int."""
    if not inspect.isfunction(function) or function.__name__.startswith("_"):
        return False
    parameters = list(inspect.signature(function).parameters.values())
    required = [p for p in parameters if p.default is inspect.Parameter.empty]
    return ([p.name for p in required] == ["now"] and parameters[0].name == "now"
            and inspect.signature(function).return_annotation in (int, "int"))


def _sweep_shaped_functions() -> set[str]:
    found = set()
    for module_info in pkgutil.walk_packages(parvis.__path__, "parvis."):
        parts = module_info.name.split(".")
        if {"tests", "testing", "migrations"} & set(parts) or parts[-1] in ("__main__", "wsgi", "test_settings"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            # isfunction first: some libraries' lazy attributes import modules when touched.
            if inspect.isfunction(value) and value.__module__ == module.__name__ and _looks_like_a_sweep(value):
                found.add(f"{module.__name__}.{name}")
    return found


def test_every_function_that_looks_like_a_sweep_is_listed_once_and_resolves():
    listed = list(settings.PARVIS_SWEEPS)
    assert len(listed) == len(set(listed))
    resolved = sweeps.sweeps()
    assert [path for path, _function in resolved] == listed
    assert all(_looks_like_a_sweep(function) for _path, function in resolved)
    unlisted = _sweep_shaped_functions() - set(listed) - set(NOT_SWEEPS)
    assert not unlisted, f"add these to PARVIS_SWEEPS (or to NOT_SWEEPS, saying why): {sorted(unlisted)}"
    assert {
        "parvis.publishing.approval_sweeps.warn_unapproved_soon",
        "parvis.publishing.approval_sweeps.fail_unapproved_due",
        "parvis.publishing.importer.lease.resume_stale_imports", "parvis.publishing.recurrence.materialise_series",
        "parvis.inbox.tasks.dispatch_inbox_polls", "parvis.inbox.tasks.link_published_replies",
        "parvis.inbox.tasks.announce_overdue_items", "parvis.inbox.tasks.refresh_planner_statistics",
        "parvis.api.tasks.dispatch_webhooks", "parvis.api.tasks.forget_old_deliveries",
        "parvis.relations.rsvp.expire_offers", "parvis.relations.mailing.send_reminders",
        "parvis.relations.contest_tasks.dispatch_contest_collections",
        "parvis.relations.contest_winners.replace_silent_winners",
        "parvis.relations.parcels.dispatch_parcel_checks", "parvis.relations.mentions.find_contact_posts",
        "parvis.relations.contests.forget_entrants",
    } <= set(listed)
    # A warning comes before the failure it warns of; webhooks fan out the events that the
    # sweeps before them emitted, in the same pass.
    assert listed.index("parvis.publishing.approval_sweeps.warn_unapproved_soon") < listed.index(
        "parvis.publishing.approval_sweeps.fail_unapproved_due") < listed.index("parvis.api.tasks.dispatch_webhooks")


ran: list[str] = []


def first(now: datetime) -> int:
    ran.append("first")
    return 2


def broken(now: datetime) -> int:
    ran.append("broken")
    raise RuntimeError("this sweep is broken")


def last(now: datetime) -> int:
    ran.append("last")
    return 3


@pytest.mark.django_db  # after a failure, run_sweeps checks the connection is still usable
def test_the_sweeps_run_in_their_order_and_one_failing_does_not_stop_the_others(settings, caplog):
    here = __name__
    settings.PARVIS_SWEEPS = [f"{here}.last", f"{here}.broken", f"{here}.first"]
    ran.clear()
    with caplog.at_level(logging.ERROR, logger="parvis.core.sweeps"):
        assert sweeps.run_sweeps(timezone.now()) == 5
    assert ran == ["last", "broken", "first"]
    assert f"sweep {here}.broken failed" in caplog.text


def test_a_sweep_listed_twice_is_refused(settings):
    settings.PARVIS_SWEEPS = [f"{__name__}.first", f"{__name__}.first"]
    with pytest.raises(ImproperlyConfigured, match="more than once"):
        sweeps.run_sweeps(timezone.now())
