"""Invariant 1 on WordPress, the hard way (see parvis/publishing/tests/test_crash.py), on
the real WordPress: real `parvis worker` processes, racing each other, kill themselves
before, during and after the call that creates the article; in the end each article is on
the site exactly once (a slug carrying the publication's key finds what an earlier attempt
created)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from parvis.publishing.tests.test_crash import crash_and_check

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # huey workers in subprocesses


def crash_texts(wp: Any) -> list[str]:
    """The plain text of every article of the crash test on the site, trashed ones aside."""
    texts: list[str] = []
    for page in range(1, 20):
        found = wp.rest_json("GET", "/wp/v2/posts", params={
            "status": "any", "per_page": 100, "page": page, "context": "edit", "search": "Crash test"})
        texts += [html.unescape(re.sub(r"<[^>]+>", "", a["content"]["raw"])).strip() for a in found]
        if len(found) < 100:
            break
    return [text for text in texts if text.startswith("Crash test")]


def test_wordpress_articles_exist_once_after_workers_are_killed_at_every_step(
        tmp_path, people, wp_account, wordpress_server):
    crash_and_check(tmp_path, people, wp_account, lambda: crash_texts(wordpress_server), window=0.05,
                    options={"title": "Article sous le chaos"})
