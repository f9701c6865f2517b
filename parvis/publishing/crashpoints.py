"""Deliberate crashes for the exactly-once tests.

`PARVIS_TEST_CRASHPOINTS="before_call:0.3,during_call:0.3,after_call:0.3"` makes a worker
SIGKILL itself at those steps with those probabilities. Unset (always, outside the crash
tests), every function here returns at once.
"""

from __future__ import annotations

import os
import random
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache


@cache
def _plan() -> dict[str, float]:
    spec = os.environ.get("PARVIS_TEST_CRASHPOINTS", "")
    plan = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, probability = item.partition(":")
        plan[name] = float(probability or 1)
    return plan


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crashpoint(name: str) -> None:
    probability = _plan().get(name)
    if probability and random.random() < probability:
        _die()


@contextmanager
def crash_during(name: str, within_seconds: float = 0.5) -> Iterator[None]:
    """Maybe kill the process at a random moment while the block runs (the network call)."""
    probability = _plan().get(name)
    timer = None
    if probability and random.random() < probability:
        timer = threading.Timer(random.uniform(0.0, within_seconds), _die)
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
