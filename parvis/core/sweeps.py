"""Periodic work the database decides on, run by the dispatcher thread before each pass.

The sweeps are listed, in the order they run, in one place: `settings.PARVIS_SWEEPS`
(dotted paths, each with what it does and how often). The list sits at the top of the
dependency graph, so that no app imports another's sweeps and nothing depends on which
modules happen to be imported; it is resolved once, with `import_string`.

Each sweep is a plain function `(now) -> int` (how many things it handled). Every worker
runs a dispatcher, so sweeps must be idempotent: two may run the same one at once, and a
crash half-way is finished by the next pass. A sweep runs every pass
(`PARVIS_DISPATCH_INTERVAL`); one with rarer work keeps its own pace (a minute, an hour).

parvis has no huey periodic tasks (`@periodic_task`, `@db_periodic_task`), and its
consumer runs with `periodic=False`: a huey schedule lives in the consumer's memory and
fires once per consumer, whereas here the database says when (invariant: rows with a due
time) and a sweep is safe to run from every worker at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
Sweep = Callable[[datetime], int]


def sweeps() -> tuple[tuple[str, Sweep], ...]:
    """The listed sweeps, in order, each with its dotted path."""
    return _resolve(tuple(settings.PARVIS_SWEEPS))


@cache
def _resolve(paths: tuple[str, ...]) -> tuple[tuple[str, Sweep], ...]:
    twice = sorted({path for path in paths if paths.count(path) > 1})
    if twice:
        raise ImproperlyConfigured(f"PARVIS_SWEEPS lists {', '.join(twice)} more than once")
    return tuple((path, import_string(path)) for path in paths)


def run_sweeps(now: datetime) -> int:
    """Run every listed sweep in order; one failing does not stop the others."""
    total = 0
    for path, function in sweeps():
        try:
            total += function(now)
        except Exception:  # noqa: BLE001 - logged; the next pass tries again
            log.exception("sweep %s failed", path)
            close_old_connections()
    return total


class Pace:
    """At most once every `seconds` in this process: for a sweep whose work need not
    be looked for at every pass of the dispatcher (every second)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.last: float | None = None

    def ready(self) -> bool:
        return self.last is None or time.monotonic() - self.last >= self.seconds

    def stamp(self) -> None:
        self.last = time.monotonic()

    def take(self) -> bool:
        """Whether the time has come, counting from now if so."""
        if not self.ready():
            return False
        self.stamp()
        return True
