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


def _die(name: str) -> None:
    # Said on stderr first, so that the test can count the crashes of each step.
    os.write(2, f"parvis-crashpoint {name}\n".encode())
    os.kill(os.getpid(), signal.SIGKILL)


def crashpoint(name: str) -> None:
    probability = _plan().get(name)
    if probability and random.random() < probability:
        _die(name)


@contextmanager
def crash_during(name: str) -> Iterator[None]:
    """Maybe kill the process at a random moment while the block runs (the network call).

    The moment is drawn within `PARVIS_TEST_CRASH_WINDOW` seconds (0.5 by default): a test
    against a fast server shortens it so that the kill lands inside the call."""
    probability = _plan().get(name)
    timer = None
    if probability and random.random() < probability:
        window = float(os.environ.get("PARVIS_TEST_CRASH_WINDOW", "0.5"))
        timer = threading.Timer(random.uniform(0.0, window), _die, args=(name,))
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
