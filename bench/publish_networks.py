"""bench/publish_networks: for each network parvis reaches through its own test server
(WordPress's real one, the loopback fakes of Meta, Threads and LinkedIn), N posts
published by parvis's engine next to a baseline in the same run: the bare HTTP client
making the same requests for the same posts to the same server with the same concurrency.

    .venv/bin/python -m bench.publish_networks [--networks wordpress,threads,...] [--posts 200]
        [--concurrency 4] [--json results.json]

* parvis: N publications due now on one connected account, each run by
  `engine.publish` (claim with its lease, the connector's requests, the result recorded,
  the outcome's event), from `--concurrency` threads. Networks that publish in steps
  answer "processing" first; those publications are attempted again as soon as they are
  due, as the dispatcher would, until all are published.
* baseline: the same posts sent by `httpx` alone, from as many threads, with the requests
  the network needs (WordPress: one POST; a container network: create, then publish), no
  database and no checks.
* Both run in this one process against the same server, in turn: baseline, parvis,
  baseline, and the parvis figure is compared with the mean of the two baselines (the
  server's own speed drifts as posts pile up). Target: parvis ≥ 0.8 × the baseline's
  throughput. The fakes run in this process too (threads): they cost both sides alike.
* The fakes answer in about a millisecond, which no network does (Meta's and LinkedIn's
  APIs take 100 ms to seconds): each of their answers waits `--latency` (50 ms by
  default, still faster than any real one), outside their lock. With `--latency 0` the
  figure is parvis's own work per post (claim, attempt log, record, event: database
  writes) against a request that costs nothing, which is the worst case, not the target.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import drop_database, setup_django

TARGET_RATIO = 0.8


@dataclass
class Driver:
    """One network in the bench: how to start its server, connect an account to it, post
    with bare HTTP, and count what is on it."""

    name: str
    start: Callable[[], Any]  # starts the server; returns it
    connect: Callable[[Any, Any, Any], Any]  # (server, workspace, user) -> SocialAccount
    bare_post: Callable[[Any, httpx.Client, str, int], None]  # (server, client, text, i)
    count: Callable[[Any], int]  # posts on the server now
    options: dict[str, Any] = field(default_factory=dict)
    stop: Callable[[Any], None] = lambda server: server.stop()
    uploads: Callable[[], tuple[Any, ...]] = tuple  # the files each post carries (Instagram needs one)
    # The processes of a server that runs on this machine (WordPress: PHP and MariaDB).
    server_pids: Callable[[Any], list[int]] = lambda server: []


# -- cores: a server on this machine, and parvis, each on their own ---------------------------

def _processes_named(*names: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() in names:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _process_group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.getpgid(int(entry.name)) == pgid:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


@contextmanager
def separate_cores(server_pids: list[int]) -> Iterator[str]:
    """The server's processes on the first core, this process (all its threads) on the
    others, for the time of the run; put back as they were after. Yields how the cores
    were shared, for the report. A server on this machine otherwise takes its CPU from
    the same cores as parvis, which a deployment does not do (the blog runs elsewhere):
    every millisecond of parvis's own work would be counted twice, once as parvis's and
    once as the server's."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2 or not server_pids:
        yield "shared"
        return
    server, ours = {cores[0]}, set(cores[1:])
    ours_pids = [int(t.name) for t in Path("/proc/self/task").iterdir()]
    before: dict[int, set[int]] = {}
    for pid, where in [*((p, server) for p in server_pids), *((t, ours) for t in ours_pids)]:
        try:
            before[pid] = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, where)
        except OSError:  # gone, or not ours to move: it keeps sharing
            continue
    try:
        yield f"server on core {cores[0]}, parvis and the bare client on {','.join(map(str, sorted(ours)))}"
    finally:
        for pid, where in before.items():
            try:
                os.sched_setaffinity(pid, where)
            except OSError:
                continue


# -- WordPress: the real one (Debian's package, PHP's built-in server, MariaDB) ----------

def _wordpress_start() -> Any:
    from parvis.testing.wordpress_server import LocalWordPress

    return LocalWordPress().start()


def _wordpress_pids(server: Any) -> list[int]:
    return _process_group(server._process.pid) + _processes_named("mariadbd", "mysqld")


def _wordpress_connect(server: Any, workspace: Any, user: Any) -> Any:
    from parvis.networks.actions import save_account
    from parvis.networks.wordpress.views import verify

    verified = verify(server.url, server.username, server.app_password)
    return save_account(workspace, "wordpress", server.url, verified.identity, verified.credentials, user,
                        config=verified.config)


def _wordpress_bare(server: Any, client: httpx.Client, text: str, i: int) -> None:
    answer = client.post(f"{server.url}/wp-json/wp/v2/posts", auth=(server.username, server.app_password),
                         json={"title": f"Article {i}", "content": f"<p>{text}</p>", "status": "publish",
                               "slug": f"article-{uuid.uuid4().hex[:8]}"})
    answer.raise_for_status()


def _wordpress_count(server: Any) -> int:
    answer = httpx.get(f"{server.url}/wp-json/wp/v2/posts", params={"per_page": 1, "status": "publish",
                                                                     "context": "edit"},
                       auth=(server.username, server.app_password))
    return int(answer.headers.get("X-WP-Total", "0"))


# -- LinkedIn: the loopback fake of the versioned REST API (parvis/testing/linkedin_server.py) --

def _linkedin_start() -> Any:
    from django.conf import settings

    from parvis.testing.linkedin_server import LocalLinkedIn

    server = LocalLinkedIn().start()
    settings.PARVIS_LINKEDIN_API_URL = settings.PARVIS_LINKEDIN_OAUTH_URL = server.url
    server.bench_member = server.add_member("Bench Admin")
    server.bench_page = server.add_organization("Marque du banc", admins=[server.bench_member])
    return server


def _linkedin_connect(server: Any, workspace: Any, user: Any) -> Any:
    from parvis.networks.actions import save_account
    from parvis.networks.linkedin.client import LinkedInClient
    from parvis.networks.linkedin.connector import identity_of

    with LinkedInClient(server.bench_member.token) as api:
        identity = identity_of(api, server.bench_page.urn)
    return save_account(workspace, "linkedin", "https://www.linkedin.com", identity,
                        {"access_token": server.bench_member.token}, user, config={"kind": "organization"})


def _linkedin_bare(server: Any, client: httpx.Client, text: str, i: int) -> None:
    from parvis.networks.linkedin.little_text import escape
    from parvis.networks.linkedin.version import VERSION

    answer = client.post(f"{server.url}/rest/posts", headers={
        "Authorization": f"Bearer {server.bench_member.token}", "LinkedIn-Version": VERSION,
        "X-Restli-Protocol-Version": "2.0.0"}, json={
        "author": server.bench_page.urn, "commentary": escape(text), "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": False})
    answer.raise_for_status()


def _linkedin_count(server: Any) -> int:
    return len(server.live_posts(server.bench_page.urn))


# -- Threads: the loopback fake (parvis.testing.threads_server), containers processed at once --

def _threads_start() -> Any:
    from parvis.testing.threads_server import LocalThreads

    server = LocalThreads().start()
    server.advance(time.time() - server.now)  # parvis reads its `since` windows on its own clock
    server.polls_until_finished = 0
    server.limits.posts = 10**6  # the bench posts far more than a day's quota
    return server


def _threads_connect(server: Any, workspace: Any, user: Any) -> Any:
    from django.conf import settings

    from parvis.networks.actions import save_account
    from parvis.networks.threads.client import ThreadsClient
    from parvis.networks.threads.connector import PROFILE, read_identity

    settings.PARVIS_THREADS_API_URL = server.url
    brand = server.add_user("brand")
    identity = read_identity(ThreadsClient(brand.long_token))
    return save_account(workspace, "threads", PROFILE, identity, {"access_token": brand.long_token,
                                                                  "user_id": brand.id}, user)


def _threads_bare(server: Any, client: httpx.Client, text: str, i: int) -> None:
    """The documented flow: create the container, read its status, publish it."""
    user = next(iter(server.users))
    token = next(t.value for t in server.tokens.values() if t.user_id == user and t.kind == "long")
    headers = {"Authorization": f"Bearer {token}"}
    made = client.post(f"{server.url}/v1.0/{user}/threads", data={"media_type": "TEXT", "text": text},
                       headers=headers).json()
    client.get(f"{server.url}/v1.0/{made['id']}", params={"fields": "status"}, headers=headers)
    answer = client.post(f"{server.url}/v1.0/{user}/threads_publish", data={"creation_id": made["id"]},
                         headers=headers)
    answer.raise_for_status()
    # The post's address, which parvis reads to show the link (publishing answers only an id).
    client.get(f"{server.url}/v1.0/{answer.json()['id']}", params={"fields": "id,permalink,timestamp"},
               headers=headers).raise_for_status()


def _threads_count(server: Any) -> int:
    return sum(len(server.posts_of(user)) for user in server.users)


# -- Facebook Pages: the loopback fake of Meta's Graph API (parvis/testing/meta_server.py) --

def _facebook_start() -> Any:
    from django.conf import settings

    from parvis.testing.meta_server import LocalMeta

    server = LocalMeta().start()
    server.bench_page = server.add_page("Marque du banc")
    settings.PARVIS_META_GRAPH_URL = server.url  # the connector reads it at call time
    return server


def _facebook_connect(server: Any, workspace: Any, user: Any) -> Any:
    from parvis.networks.actions import save_account
    from parvis.networks.facebook.connector import SERVER_URL, identity_from

    page = server.bench_page
    return save_account(workspace, "facebook", SERVER_URL, identity_from({"id": page.id, "name": page.name}),
                        {"access_token": page.token}, user)


def _facebook_bare(server: Any, client: httpx.Client, text: str, i: int) -> None:
    from parvis.networks.graph import GRAPH_VERSION

    page = server.bench_page
    # parvis asks for the post's address with its creation (one request): so does the baseline.
    answer = client.post(f"{server.url}/{GRAPH_VERSION}/{page.id}/feed", data={"message": text},
                         params={"fields": "id,message,created_time,permalink_url"},
                         headers={"Authorization": f"Bearer {page.token}"})
    answer.raise_for_status()


def _facebook_count(server: Any) -> int:
    return len(server.posts)


# -- Instagram: the loopback fake of Meta's Graph API, which downloads each image --------------

class MediaServer:
    """parvis's own web application on a loopback port, serving the signed media addresses
    (`/m/<token>/<name>`) the engine gives Instagram, which the fake downloads from."""

    def __init__(self) -> None:
        import threading
        from socketserver import ThreadingMixIn
        from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

        from django.core.wsgi import get_wsgi_application

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

        class Threading(ThreadingMixIn, WSGIServer):
            daemon_threads = True

        self.httpd = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=Threading,
                                 handler_class=Quiet)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1080, 1080), "goldenrod").save(buffer, "JPEG")
    return buffer.getvalue()


def _instagram_uploads() -> tuple[Any, ...]:
    import io

    from parvis.publishing.types import Upload

    data = _jpeg()  # the same bytes each time: one library asset, one address to download
    return (Upload("galette.jpg", io.BytesIO(data), len(data), "Une galette dorée"),)


def _instagram_start() -> Any:
    from django.conf import settings

    from parvis.testing.meta_server import LocalMeta

    server = LocalMeta().start()
    server.media_server = MediaServer()
    settings.PARVIS_BASE_URL = server.media_server.url
    settings.PARVIS_META_GRAPH_URL = server.url
    server.image_polls = 0  # an image container is ready at once: the bench measures publishing
    page = server.add_page("Marque du banc")
    server.bench_account = server.add_instagram_account("marqueduBanc".lower(), page=page)
    server.set_quota(server.bench_account, 10**6)  # the bench posts far more than a day's 50
    return server


def _instagram_stop(server: Any) -> None:
    server.media_server.stop()
    server.stop()


def _instagram_connect(server: Any, workspace: Any, user: Any) -> Any:
    from parvis.networks.actions import save_account
    from parvis.networks.base import Identity
    from parvis.networks.instagram.connector import SERVER_URL
    from parvis.publishing.library import add_asset
    from parvis.publishing.media_urls import media_url

    # The bare client's containers make the fake download the same bytes from the same
    # server, at an address parvis signs as for its own posts.
    server.bench_image_url = media_url(add_asset(workspace, user, _instagram_uploads()[0]).asset)
    account = server.bench_account
    page = server.pages[account.page_id]
    identity = Identity(remote_id=account.id, handle=f"@{account.username}", display_name=account.username,
                        url=f"https://www.instagram.com/{account.username}/")
    return save_account(workspace, "instagram", SERVER_URL, identity,
                        {"access_token": page.token, "login": "facebook", "page_id": page.id}, user)


def _instagram_bare(server: Any, client: httpx.Client, text: str, i: int) -> None:
    """The documented flow for one image (Content Publishing guide): read the 24-hour
    quota, create the container from the image's address, read its status, publish it,
    read the post's address (publishing answers only an id)."""
    from parvis.networks.graph import GRAPH_VERSION

    account = server.bench_account
    base = f"{server.url}/{GRAPH_VERSION}"
    headers = {"Authorization": f"Bearer {server.pages[account.page_id].token}"}
    client.get(f"{base}/{account.id}/content_publishing_limit", params={"fields": "quota_usage,config"},
               headers=headers).raise_for_status()
    made = client.post(f"{base}/{account.id}/media", data={"image_url": server.bench_image_url, "caption": text,
                                                           "alt_text": "Une galette dorée"}, headers=headers)
    made.raise_for_status()
    container = made.json()["id"]
    client.get(f"{base}/{container}", params={"fields": "status_code,status"}, headers=headers).raise_for_status()
    answer = client.post(f"{base}/{account.id}/media_publish", data={"creation_id": container}, headers=headers)
    answer.raise_for_status()
    client.get(f"{base}/{answer.json()['id']}", params={"fields": "id,permalink,timestamp"},
               headers=headers).raise_for_status()


def _instagram_count(server: Any) -> int:
    return len(server.media)


DRIVERS: dict[str, Driver] = {
    "wordpress": Driver("wordpress", _wordpress_start, _wordpress_connect, _wordpress_bare, _wordpress_count,
                        options={"title": "Article du banc"}, server_pids=_wordpress_pids),
    "linkedin": Driver("linkedin", _linkedin_start, _linkedin_connect, _linkedin_bare, _linkedin_count),
    "threads": Driver("threads", _threads_start, _threads_connect, _threads_bare, _threads_count),
    "facebook": Driver("facebook", _facebook_start, _facebook_connect, _facebook_bare, _facebook_count),
    "instagram": Driver("instagram", _instagram_start, _instagram_connect, _instagram_bare, _instagram_count,
                        stop=_instagram_stop, uploads=_instagram_uploads),
}


# -- the runs ---------------------------------------------------------------------------------

def text_for(run: str, i: int) -> str:
    return f"Bench {run} n°{i:05d} : une publication planifiée, publiée une fois et une seule. #parvis"


def baseline(driver: Driver, server: Any, posts: int, concurrency: int) -> float:
    """Posts per second for the bare client."""
    run = uuid.uuid4().hex[:6]
    with httpx.Client(timeout=60) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda i: driver.bare_post(server, client, text_for(run, i), i), range(posts)))
        return posts / (time.perf_counter() - started)


def parvis_run(driver: Driver, account: Any, people: dict[str, Any], posts: int, concurrency: int) -> float:
    """Posts per second for the engine, from publications due now to all published."""
    from django.db import close_old_connections
    from django.utils import timezone

    from parvis.publishing import engine
    from parvis.publishing.actions import save_post
    from parvis.publishing.models import Post, Publication, State
    from parvis.publishing.validation import PostInput

    run = uuid.uuid4().hex[:6]
    ids = []
    for i in range(posts):
        post = save_post(people["workspace"], people["user"], PostInput(
            text=text_for(run, i), accounts=[account], mode="draft",
            options={driver.name: driver.options} if driver.options else {}), uploads=driver.uploads())
        ids.append(post.publications.get().pk)
    Post.objects.filter(publications__pk__in=ids).update(is_draft=False)
    now = timezone.now()
    Publication.objects.filter(pk__in=ids).update(state=State.SCHEDULED, due_at=now, next_attempt_at=now)

    def attempt(pk: int) -> str:
        try:
            return engine.publish(pk)
        finally:
            close_old_connections()

    started = time.perf_counter()
    pending = ids
    with ThreadPoolExecutor(concurrency) as pool:
        while pending:
            list(pool.map(attempt, pending))
            # Steps the network is still processing come back when due, as the dispatcher would.
            Publication.objects.filter(pk__in=pending, state=State.PROCESSING).update(
                next_attempt_at=timezone.now() - timedelta(seconds=1))
            pending = list(Publication.objects.filter(pk__in=ids).exclude(
                state__in=[State.PUBLISHED, State.FAILED, State.TO_CHECK]).values_list("pk", flat=True))
    elapsed = time.perf_counter() - started
    states = Counter(Publication.objects.filter(pk__in=ids).values_list("state", flat=True))
    if set(states) != {State.PUBLISHED}:
        raise SystemExit(f"{driver.name}: not all published: {dict(states)}")
    return posts / elapsed


def setup_people() -> dict[str, Any]:
    from parvis.accounts.actions import create_organisation, create_workspace
    from parvis.accounts.models import User

    user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:6]}@agence.test", "x" * 20)
    organisation = create_organisation("Agence du banc", user)
    workspace = create_workspace(organisation, "Marque", user)
    return {"user": user, "workspace": workspace}


def bench(driver: Driver, posts: int, concurrency: int, latency: float, shared_cores: bool = False,
          ) -> dict[str, Any]:
    server = driver.start()
    if hasattr(server, "latency"):  # the loopback fakes; WordPress takes its own time
        server.latency = latency
    try:
        from parvis.core.http.addresses import PrivateAllowed, override_policy

        pids = [] if shared_cores else driver.server_pids(server)
        with override_policy(PrivateAllowed()), separate_cores(pids) as cores:
            people = setup_people()
            account = driver.connect(server, people["workspace"], people["user"])
            baseline(driver, server, min(posts, 10), concurrency)  # warm both paths up
            parvis_run(driver, account, people, min(posts, 10), concurrency)
            before = driver.count(server)
            first = baseline(driver, server, posts, concurrency)
            ours = parvis_run(driver, account, people, posts, concurrency)
            second = baseline(driver, server, posts, concurrency)
            on_server = driver.count(server) - before
    finally:
        driver.stop(server)
    mean = (first + second) / 2
    return {"network": driver.name, "posts": posts, "concurrency": concurrency,
            "latency_ms": round(latency * 1000) if hasattr(server, "latency") else None, "cores": cores,
            "baseline_per_s": round(mean, 1),
            "baselines": [round(first, 1), round(second, 1)], "parvis_per_s": round(ours, 1),
            "ratio": round(ours / mean, 3), "on_server": on_server, "expected_on_server": 3 * posts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", default=",".join(DRIVERS))
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds each answer of a loopback fake waits, as a network's do (default 0.05; "
                             "0 measures parvis's own work alone)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--shared-cores", action="store_true",
                        help="leave a server that runs on this machine (WordPress) on the same cores as parvis "
                             "(by default it gets the first core, parvis and the bare client the others)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    dbname = setup_django(Path(tempfile.mkdtemp(prefix="parvis-bench-")), args.db, PARVIS_ALLOW_PRIVATE_URLS="1")
    results, ok = [], True
    for name in args.networks.split(","):
        result = bench(DRIVERS[name.strip()], args.posts, args.concurrency, args.latency, args.shared_cores)
        results.append(result)
        verdict = "ok" if result["ratio"] >= TARGET_RATIO else "BELOW TARGET"
        ok &= result["ratio"] >= TARGET_RATIO and result["on_server"] == result["expected_on_server"]
        waits = f" ({result['latency_ms']} ms answers)" if result["latency_ms"] is not None else f" ({result['cores']})"
        print(f"{result['network']:>10}{waits} on {args.db}: parvis {result['parvis_per_s']:7.1f} posts/s, baseline "
              f"{result['baseline_per_s']:7.1f} posts/s (runs {result['baselines']}), ratio {result['ratio']:.2f} "
              f"(target ≥ {TARGET_RATIO}) {verdict}; on the server {result['on_server']} of "
              f"{result['expected_on_server']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    drop_database(dbname)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
