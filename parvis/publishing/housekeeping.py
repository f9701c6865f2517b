"""Periodic work the database decides on, run by the dispatcher thread between passes:
warnings about posts still waiting for approval, occurrences of recurring posts to create.

Each sweep is a plain function `(now) -> int` (how many things it handled), registered
with `@sweep`. Sweeps must be idempotent: two dispatchers may run the same one at once,
and a crash half-way is finished by the next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import close_old_connections

log = logging.getLogger(__name__)
Sweep = Callable[[datetime], int]
SWEEPS: list[Sweep] = []


def sweep(function: Sweep) -> Sweep:
    SWEEPS.append(function)
    return function


def run_sweeps(now: datetime) -> int:
    """Run every registered sweep; one failing does not stop the others."""
    total = 0
    for function in SWEEPS:
        try:
            total += function(now)
        except Exception:  # noqa: BLE001 - logged; the next pass tries again
            log.exception("sweep %s failed", function.__name__)
            close_old_connections()
    return total
