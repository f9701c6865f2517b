"""What every browser test shares: Chromium's path and flags, when to skip, screenshots.

The `browser` and `parvis` fixtures are in this folder's conftest.py (one Chromium and
one `parvis up` per test module)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
# Without these, Chromium tries to reach Google's services at start and on a closed
# network its connections are refused many at a time.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

browser_marks = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium: run scripts/install_browser.sh"),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass (parvis up's mode)"),
]


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot for the README (docs/screenshots/<name>.png)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def unique_username(prefix: str) -> str:
    """A Mastodon username no other browser test module takes: each module has its own
    `parvis up` (ids start again at 1) but they all share one mastodon-mock."""
    import secrets

    return f"{prefix}{secrets.token_hex(3)}"
