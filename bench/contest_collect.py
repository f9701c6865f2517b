"""bench/contest_collect: the entries of a post with 10,000 replies, within the rate limits.

    .venv/bin/python -m bench.contest_collect [--replies 10000] [--people 1000] [--cap 4096]

On a loopback mastodon-mock (rate limits off): a brand posts; `--people` fans reply
`--replies` times in all (each reply @mentions the brand, as every Mastodon client
writes it), then the brand's connector collects every reply page by page
(`MastodonConnector.participants(post, "reply", cursor)`, the cursor handed back as the
contest engine does), twice:

* **as the mock answers**: its context endpoint has no cap, so the post and its context
  (2 requests) hold every reply;
* **as Mastodon answers**: Mastodon caps a signed-in viewer's context at `--cap`
  (4,096) descendants; the mock is made to answer the context that way (its fault
  injection, with the first 4,096 replies), and the rest comes from the notifications,
  40 a page on the mock (Mastodon's pages hold 80: the request count for Mastodon is
  printed too).

Baseline, same process, same server: the bare Mastodon.py pagination of the same replies
(`notifications(types=["mention"])` then `fetch_remaining`, kept when they answer the
post), with the same request counting.

Figures: parvis's time, the requests made, and the time the networks' published rate
limits impose for that many requests: Mastodon allows 300 API requests per 5 minutes per
account by default; Bluesky's PDS 3,000 requests per 5 minutes per IP (its AppView's limits
are "generous" and unpublished). Bluesky is not measured here (its local network would
take as long to fill as the run itself): its figure is the count of requests
`parvis.networks.bluesky.contest` makes for 10,000 replies, computed.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.common import setup_django

MASTODON_LIMIT, MASTODON_WINDOW = 300, 300.0  # requests, seconds (per account)
BLUESKY_LIMIT, BLUESKY_WINDOW = 3000, 300.0  # the PDS, per IP
MASTODON_PAGE, BLUESKY_PAGE = 80, 100  # the largest page each network serves


def imposed(requests: int, limit: int, window: float) -> tuple[float, float]:
    """(wait, paced): the least time the limit forces on `requests` requests sent as fast
    as allowed (full windows to wait through), and the time at its steady rate."""
    return (math.ceil(requests / limit) - 1) * window, requests * window / limit


def counted(session: Any) -> list[int]:
    """Count the HTTP requests a requests session sends."""
    count = [0]

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        count[0] += 1

    session.hooks["response"].append(hook)
    return count


def seed(server: Any, replies: int, people: int) -> tuple[dict[str, Any], str]:
    brand = server.create_user("brand", display_name="La Marque")
    fans = [server.create_user(f"fan{n}") for n in range(people)]
    post = server.post_as(brand, "Concours ! Répondez pour participer.")["id"]

    def reply(n: int) -> None:
        server.post_as(fans[n % people], f"@brand je participe ({n})", in_reply_to_id=post)

    with ThreadPoolExecutor(8) as pool:  # the mock's ceiling is ~80 posts/s; more threads only queue
        list(pool.map(reply, range(replies)))
    return dict(brand), str(post)


def collect(account: Any) -> tuple[float, int, int, int]:
    """parvis: (seconds, requests, replies found, pages)."""
    from parvis.networks.mastodon.connector import MastodonConnector

    connector = MastodonConnector(account)
    requests = counted(connector.client.session)
    found, pages, cursor = 0, 0, None
    started = time.perf_counter()
    while True:
        page = connector.participants(str(account.config["post"]), "reply", cursor)
        found, pages, cursor = found + len(page.participants), pages + 1, page.cursor
        if cursor is None:
            return time.perf_counter() - started, requests[0], found, pages


def baseline(server: Any, brand: dict[str, Any], post: str) -> tuple[float, int, int]:
    """Mastodon.py alone: (seconds, requests, replies found)."""
    from mastodon import Mastodon

    api = Mastodon(access_token=brand["access_token"], api_base_url=server.url, version_check_mode="none",
                   ratelimit_method="throw")
    requests = counted(api.session)
    started = time.perf_counter()
    first = api.notifications(types=["mention"], limit=MASTODON_PAGE)
    found = sum(1 for n in api.fetch_remaining(first) if str((n.get("status") or {}).get("in_reply_to_id")) == post)
    return time.perf_counter() - started, requests[0], found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--cap", type=int, default=4_096, help="the context cap Mastodon applies")
    args = parser.parse_args()
    setup_django(Path(tempfile.mkdtemp(prefix="parvis-bench-")), "sqlite", PARVIS_ALLOW_PRIVATE_URLS="1")

    from parvis.networks.mastodon.client import make_client
    from parvis.networks.mastodon.inbox import fetch_local_domain
    from parvis.networks.models import SocialAccount
    from parvis.testing.mastodon_server import LocalMastodon

    with LocalMastodon() as server:
        started = time.perf_counter()
        brand, post = seed(server, args.replies, args.people)
        print(f"seeded {args.replies:,} replies from {args.people:,} people in {time.perf_counter() - started:.0f} s",
              flush=True)
        domain = fetch_local_domain(make_client(server.url, brand["access_token"]), server.url)
        account = SocialAccount(network="mastodon", server_url=server.url, remote_id=brand["id"], handle="@brand",
                                credentials={"access_token": brand["access_token"]},
                                config={"local_domain": domain, "post": post})

        rows = []
        seconds, requests, found, pages = collect(account)
        rows.append(("parvis, the mock's uncapped context", seconds, requests, found, pages))
        print(f"{rows[-1][0]}: {rows[-1][1]:.2f} s, {rows[-1][2]} requests, {rows[-1][3]:,} replies", flush=True)
        # The mock takes many seconds to answer 10,000 descendants: more than the harness waits.
        context = httpx.get(f"{server.url}/api/v1/statuses/{post}/context", timeout=600,
                            headers={"Authorization": f"Bearer {brand['access_token']}"}).json()
        capped = {"ancestors": [], "descendants": context["descendants"][:args.cap]}
        server.fail_next(200, body=capped, method="GET", path=f"/api/v1/statuses/{post}/context")
        seconds, requests, found, pages = collect(account)
        rows.append((f"parvis, context capped at {args.cap:,} (Mastodon)", seconds, requests, found, pages))
        print(f"{rows[-1][0]}: {rows[-1][1]:.2f} s, {rows[-1][2]} requests, {rows[-1][3]:,} replies", flush=True)
        seconds, requests, found = baseline(server, brand, post)
        rows.append(("baseline: Mastodon.py notifications + fetch_remaining", seconds, requests, found, 0))

    print(f"\n{'run':<52} {'time s':>7} {'requests':>8} {'replies':>8} {'rate-limit wait s':>17} {'paced s':>8}")
    for name, seconds, requests, found, _pages in rows:
        wait, paced = imposed(requests, MASTODON_LIMIT, MASTODON_WINDOW)
        print(f"{name:<52} {seconds:>7.2f} {requests:>8} {found:>8,} {wait:>17.0f} {paced:>8.0f}")
    rest = max(0, args.replies - args.cap)
    on_mastodon = 2 + math.ceil(rest / MASTODON_PAGE) + (1 if rest else 0)
    wait, paced = imposed(on_mastodon, MASTODON_LIMIT, MASTODON_WINDOW)
    print(f"\nOn Mastodon (80 a page): {on_mastodon} requests -> rate-limit wait {wait:.0f} s, "
          f"at the steady 1 request/s {paced:.0f} s (limit: {MASTODON_LIMIT} per {MASTODON_WINDOW:.0f} s, per account)")
    on_bluesky = 1 + math.ceil(args.replies / BLUESKY_PAGE) + 1
    wait, paced = imposed(on_bluesky, BLUESKY_LIMIT, BLUESKY_WINDOW)
    print(f"On Bluesky (computed, 100 a page): {on_bluesky} requests -> rate-limit wait {wait:.0f} s, "
          f"at the steady 10 requests/s {paced:.0f} s (PDS limit: {BLUESKY_LIMIT} per {BLUESKY_WINDOW:.0f} s, per IP)")


if __name__ == "__main__":
    main()
