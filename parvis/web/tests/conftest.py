from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from parvis.testing.parvis_server import ParvisUp
from parvis.web.tests.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def parvis() -> Iterator[ParvisUp]:
    with ParvisUp() as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
