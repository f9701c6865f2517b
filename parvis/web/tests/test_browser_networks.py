"""Every network in Chromium against `parvis up` and the loopback servers (issue 12): each
account connected through its real connect page (a form, or the OAuth round trip through
the fake's authorization page or login dialog, then LinkedIn's choice of page); one post
with an image for all of them, each network's problems shown live before scheduling
(Instagram's image, none and then a PNG; WordPress's title; Threads's topic) and gone once
fixed; published now, each publication showing its live link, and each server holding
exactly that one post with the image's alt text (Facebook: the photo, as parvis sends no
alt text there).

A network is one `Network` row in `NETWORKS` (how to connect it, what its server holds),
so adding one is a few lines here and, for an OAuth one, its fake's URLs in `parvis`."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from parvis.testing.images import jpeg_bytes, png_bytes
from parvis.testing.linkedin_server import LocalLinkedIn
from parvis.testing.meta_server import LocalMeta
from parvis.testing.parvis_server import ParvisUp
from parvis.testing.threads_server import LocalThreads
from parvis.web.tests.browser import (
    attach_image,
    browser_marks,
    live_checked,
    log_in,
    new_workspace,
    save_post,
    shot,
    unique_username,
)

pytestmark = browser_marks

ALT = "Une miche de pain au levain sur une planche"
PUBLISH_WITHIN = 90.0  # seconds for every publication to leave the queue: ample, not a timing check


@dataclass(frozen=True)
class Servers:
    mastodon: Any
    pds: Any
    wordpress: Any
    linkedin: LocalLinkedIn
    threads: LocalThreads
    meta: LocalMeta


@dataclass(frozen=True)
class Network:
    """One network of the walk: `connect` connects an account from its connect page and
    returns what `posts` needs to find that account's posts on its server; `posts` answers
    (text, what the server holds of the first image) of each post there that carries `mark`:
    its alt text, or `image` for a network that keeps none."""

    key: str
    connect: Callable[[Any, str, Servers, str], Any]
    posts: Callable[[Servers, Any, str], list[tuple[str, str]]]
    options: dict[str, str]  # composer option fields to fill (name -> value), besides problems
    image: str = ALT


# -- connecting, one per network -------------------------------------------------------------
def submit_connect(page: Any, network: str, button: str = "form.card button[type=submit]") -> None:
    """Send a connect form, then wait for the accounts page, or say what the page said.
    Instagram Login's redirect ends with "#_", which the browser keeps through parvis's
    redirect to the accounts page."""
    page.click(button)
    try:
        page.wait_for_url(re.compile(r"/w/\d+/accounts/(#_)?$"), timeout=30_000)
    except Exception as exc:
        raise AssertionError(f"connecting {network} did not end on the accounts page ({page.url}): "
                             f"{page.locator('main').inner_text()[:800]}") from exc


def connect_mastodon(page: Any, base: str, servers: Servers, workspace_id: str) -> Any:
    user = servers.mastodon.create_user(unique_username("net"))
    page.goto(f"{base}/w/{workspace_id}/connect/mastodon/")
    page.fill("#id_instance", servers.mastodon.url)
    page.fill("#id_access_token", user["access_token"])
    submit_connect(page, "mastodon")
    return user


def connect_bluesky(page: Any, base: str, servers: Servers, workspace_id: str) -> Any:
    account = servers.pds.create_account(f"n{secrets.token_hex(5)}", "main-password-123")
    app_password = servers.pds.create_app_password(account["handle"], "main-password-123", "parvis")
    page.goto(f"{base}/w/{workspace_id}/connect/bluesky/")
    page.fill("#id_handle", account["handle"])
    page.fill("#id_app_password", app_password)
    page.fill("#id_server", servers.pds.url)
    submit_connect(page, "bluesky")
    return account


def connect_wordpress(page: Any, base: str, servers: Servers, workspace_id: str) -> Any:
    page.goto(f"{base}/w/{workspace_id}/connect/wordpress/")
    page.fill("#id_site", servers.wordpress.url)
    page.fill("#id_username", servers.wordpress.username)
    page.fill("#id_app_password", servers.wordpress.app_password)
    submit_connect(page, "wordpress")
    return None


def connect_linkedin(page: Any, base: str, servers: Servers, workspace_id: str) -> Any:
    member = servers.linkedin.add_member("Alice Martin")
    shop = servers.linkedin.add_organization("Boulangerie Dupont", admins=[member])
    servers.linkedin.sign_in(member)  # the fake's authorization page consents as her
    page.goto(f"{base}/w/{workspace_id}/connect/linkedin/")
    page.click("form.card button[type=submit]")  # then the fake's page, and back with a code
    page.wait_for_url(re.compile(r"/connect/linkedin/choose/$"), timeout=30_000)
    page.check(f'input[name=author][value="{shop.urn}"]')  # the page, not her own profile
    submit_connect(page, "linkedin")
    return shop.urn


def connect_threads(page: Any, base: str, servers: Servers, workspace_id: str) -> Any:
    profile = servers.threads.add_user(f"boulangerie{secrets.token_hex(3)}", name="Boulangerie Dupont")
    servers.threads.sign_in(profile)
    page.goto(f"{base}/w/{workspace_id}/connect/threads/")
    submit_connect(page, "threads")  # through the fake's Authorization Window
    return profile.id


def connect_facebook(page: Any, base: str, servers: Servers, workspace_id: str) -> Any:
    owner = servers.meta.add_user("Alice Martin")
    shop = servers.meta.add_page("Boulangerie Dupont", user=owner)
    servers.meta.sign_in(owner)  # Facebook Login's dialog consents as her
    page.goto(f"{base}/w/{workspace_id}/connect/facebook/")
    submit_connect(page, "facebook")  # through the dialog; her only Page needs no choosing
    return shop.id


def connect_instagram(page: Any, base: str, servers: Servers, workspace_id: str) -> Any:
    account = servers.meta.add_instagram_account(f"boulangerie{secrets.token_hex(3)}", name="Boulangerie Dupont")
    servers.meta.sign_in(account)  # Instagram Login's dialog consents as it
    page.goto(f"{base}/w/{workspace_id}/connect/instagram/")
    submit_connect(page, "instagram", "form[data-login=instagram] button[type=submit]")
    return account.id


# -- what each server holds ------------------------------------------------------------------
def mastodon_posts(servers: Servers, user: Any, mark: str) -> list[tuple[str, str]]:
    return [(s["content"], (s["media_attachments"] or [{}])[0].get("description") or "")
            for s in servers.mastodon.statuses_of(user) if mark in s["content"]]


def bluesky_posts(servers: Servers, account: Any, mark: str) -> list[tuple[str, str]]:
    found = []
    for record in servers.pds.list_posts(account["did"]):
        value = record["value"]
        images = (value.get("embed") or {}).get("images") or [{}]
        if mark in value.get("text", ""):
            found.append((value["text"], images[0].get("alt", "")))
    return found


def wordpress_posts(servers: Servers, _account: Any, mark: str) -> list[tuple[str, str]]:
    found = []
    for post in servers.wordpress.rest_json("GET", "wp/v2/posts", params={"search": mark, "status": "any",
                                                                         "context": "edit"}):
        content = post["content"]["raw"]
        alt = re.search(r'alt="([^"]*)"', content)
        found.append((content, alt.group(1) if alt else ""))
    return found


def linkedin_posts(servers: Servers, urn: Any, mark: str) -> list[tuple[str, str]]:
    return [(p.shown, ((p.fields.get("content") or {}).get("media") or {}).get("altText", ""))
            for p in servers.linkedin.live_posts(urn) if mark in p.shown]


def threads_posts(servers: Servers, user_id: Any, mark: str) -> list[tuple[str, str]]:
    return [(m.text, m.alt_text) for m in servers.threads.posts_of(user_id) if mark in m.text]


def facebook_posts(servers: Servers, page_id: Any, mark: str) -> list[tuple[str, str]]:
    meta = servers.meta
    with meta.lock:
        posts = [post for post in meta.posts.values() if post.page_id == page_id and mark in post.message]
        photos = [meta.page_media[post.photos[0]].download if post.photos else None for post in posts]
        return [(post.message, photo.content_type if photo and photo.ok else "")
                for post, photo in zip(posts, photos, strict=True)]


def instagram_posts(servers: Servers, account_id: Any, mark: str) -> list[tuple[str, str]]:
    with servers.meta.lock:
        return [(media.caption, media.alt_text) for media in servers.meta.media.values()
                if media.owner == account_id and mark in media.caption]


NETWORKS = [
    Network("mastodon", connect_mastodon, mastodon_posts, {}),
    Network("bluesky", connect_bluesky, bluesky_posts, {}),
    Network("wordpress", connect_wordpress, wordpress_posts, {"opt_wordpress-excerpt": "Le levain du dimanche"}),
    Network("linkedin", connect_linkedin, linkedin_posts, {"opt_linkedin-visibility": "PUBLIC"}),
    Network("threads", connect_threads, threads_posts, {"opt_threads-reply_control": "followers_only"}),
    Network("facebook", connect_facebook, facebook_posts, {}, image="image/jpeg"),
    Network("instagram", connect_instagram, instagram_posts, {"opt_instagram-post_type": "feed"}),
]


# -- servers ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def linkedin() -> Iterator[LocalLinkedIn]:
    with LocalLinkedIn() as server:
        yield server
    assert server.errors == []  # the fake itself never failed


@pytest.fixture(scope="module")
def threads() -> Iterator[LocalThreads]:
    with LocalThreads() as server:
        server.advance(time.time() - server.now)  # parvis reads its windows against the real clock
        yield server


@pytest.fixture(scope="module")
def meta() -> Iterator[LocalMeta]:
    with LocalMeta() as server:
        yield server


@pytest.fixture(scope="module")
def parvis(linkedin: LocalLinkedIn, threads: LocalThreads, meta: LocalMeta) -> Iterator[ParvisUp]:
    """`parvis up` with the OAuth networks' apps pointed at their fakes (Meta's: every
    Facebook and Instagram host at the one fake); its own address (ParvisUp sets
    PARVIS_BASE_URL to it) counts as reachable: the Threads and Meta fakes download the
    image from parvis's signed media address, as Threads, Facebook and Instagram do."""
    env = {
        "PARVIS_LINKEDIN_API_URL": linkedin.url, "PARVIS_LINKEDIN_OAUTH_URL": linkedin.url,
        "PARVIS_LINKEDIN_CLIENT_ID": linkedin.client_id, "PARVIS_LINKEDIN_CLIENT_SECRET": linkedin.client_secret,
        "PARVIS_THREADS_API_URL": threads.url, "PARVIS_THREADS_AUTHORIZE_URL": f"{threads.url}/oauth/authorize",
        "PARVIS_THREADS_CLIENT_ID": threads.app_id, "PARVIS_THREADS_CLIENT_SECRET": threads.app_secret,
        "PARVIS_META_GRAPH_URL": meta.url, "PARVIS_META_LOGIN_URL": meta.url,
        "PARVIS_META_APP_ID": meta.app_id, "PARVIS_META_APP_SECRET": meta.app_secret,
        "PARVIS_INSTAGRAM_GRAPH_URL": meta.url, "PARVIS_INSTAGRAM_API_URL": meta.url,
        "PARVIS_INSTAGRAM_LOGIN_URL": meta.url,
        "PARVIS_INSTAGRAM_APP_ID": meta.ig_app_id, "PARVIS_INSTAGRAM_APP_SECRET": meta.ig_app_secret,
        "PARVIS_MEDIA_URL_REACHABLE": "1",
    }
    with ParvisUp(extra_env=env) as server:
        yield server


@pytest.fixture(scope="module")
def servers(mastodon_server: Any, pds_server: Any, wordpress_server: Any, linkedin: LocalLinkedIn,
            threads: LocalThreads, meta: LocalMeta) -> Servers:
    return Servers(mastodon_server, pds_server, wordpress_server, linkedin, threads, meta)


# -- the composer ----------------------------------------------------------------------------
def open_options(page: Any) -> None:
    """Unfold every network's options fieldset, so that its fields can be filled and seen."""
    for details in page.locator("details.options").all():
        if details.get_attribute("open") is None:
            details.locator("summary").click()


def problems(page: Any) -> dict[str, str]:
    """The live panel's problems, by field (a field's several problems on one line each)."""
    found: dict[str, list[str]] = {}
    for li in page.locator("#checks .problems li").all():
        found.setdefault(li.get_attribute("data-field") or "", []).append(li.inner_text())
    return {field: "\n".join(texts) for field, texts in found.items()}


def publication_rows(page: Any) -> list[dict[str, str]]:
    """Each row of the publications list: its network, state and what it says beside it."""
    return page.evaluate("""() => [...document.querySelectorAll('tr[data-publication]')].map(row => ({
        id: row.dataset.publication,
        network: row.querySelector('span.net').className.replace('net', '').trim(),
        state: row.querySelector('[data-testid=state]').className.replace('state', '').trim(),
        status: row.querySelector('td:last-child').innerText.trim(),
        link: row.querySelector('[data-testid=remote-link]')?.href || ''}))""")


def wait_until_published(page: Any, count: int) -> list[dict[str, str]]:
    """Reload the publications list until all `count` rows are published; fail naming each
    publication's state and error as soon as one fails or when the wait runs out."""
    deadline = time.monotonic() + PUBLISH_WITHIN
    rows: list[dict[str, str]] = []
    while time.monotonic() < deadline:
        page.reload()
        rows = publication_rows(page)
        if any(row["state"] == "failed" for row in rows):
            break
        if len(rows) == count and all(row["state"] == "published" and row["link"] for row in rows):
            return rows
        time.sleep(1)
    raise AssertionError("not every publication was published:\n" + "\n".join(
        f"  {row['network']}: {row['state']} — {row['status']}" for row in rows))


def test_one_post_with_an_image_goes_out_to_every_network_with_its_problems_seen_first(
        browser, parvis, servers, tmp_path: Path):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace_id = new_workspace(page, parvis, "Boulangerie Dupont")
    remote = {network.key: network.connect(page, parvis.url, servers, workspace_id) for network in NETWORKS}

    mark = secrets.token_hex(4)
    text = f"Le pain au levain du dimanche est sorti du four {mark}"
    image = tmp_path / "levain.jpg"  # Instagram takes JPEG only
    image.write_bytes(jpeg_bytes((800, 600), "sienna"))
    png = tmp_path / "levain.png"
    png.write_bytes(png_bytes((800, 600), "sienna"))
    page.goto(f"{parvis.url}/w/{workspace_id}/compose/")
    targets = page.locator("input[name=accounts]")
    assert targets.count() == len(NETWORKS)
    for i in range(targets.count()):
        targets.nth(i).check()
    page.check("input[name=mode][value=now]")
    live_checked(page, lambda: page.fill("#id_text", text), "text", text)

    # Instagram needs an image, and a JPEG: the panel says so until the PNG gives way to one.
    assert "Instagram needs an image" in problems(page).get("media", ""), problems(page)
    png_id = attach_image(page, png, "")
    live_checked(page, lambda: page.fill(f"[name='library_alt_{png_id}']", ALT), f"library_alt_{png_id}", ALT)
    assert "image/png" in problems(page).get("media", ""), problems(page)
    live_checked(page, lambda: page.uncheck(f"input[name=library_media][value='{png_id}']"), "library_media",
                 png_id, sent=False)
    attach_image(page, image, ALT)
    open_options(page)
    for network in NETWORKS:
        if network.options:  # a network with options shows them in its own fieldset
            assert page.locator(f"[data-testid=options-{network.key}]").count() == 1, network.key
        for name, value in network.options.items():
            field = page.locator(f"[name='{name}']")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)

    # Before scheduling: WordPress wants a title; a Threads topic may not hold a ".".
    live_checked(page, lambda: page.fill("[name='opt_threads-topic_tag']", "pain.levain"),
                 "opt_threads-topic_tag", "pain.levain")
    found = problems(page)
    assert found.get("options.wordpress.title", "").startswith("WordPress"), found  # the form's "required"
    assert "Threads" in found.get("options.threads.topic_tag", ""), found
    shot(page, "compose-networks")
    live_checked(page, lambda: page.fill("[name='opt_wordpress-title']", f"Pain au levain {mark}"),
                 "opt_wordpress-title", f"Pain au levain {mark}")
    live_checked(page, lambda: page.fill("[name='opt_threads-topic_tag']", "boulangerie"),
                 "opt_threads-topic_tag", "boulangerie")
    assert problems(page) == {}

    save_post(page, parvis=parvis)
    rows = wait_until_published(page, len(NETWORKS))
    assert sorted(row["network"] for row in rows) == sorted(network.key for network in NETWORKS)
    shot(page, "publications-networks")
    for row in rows:
        page.goto(f"{parvis.url}/w/{workspace_id}/publications/{row['id']}/")
        link = page.locator("[data-testid=remote-link]")
        assert link.count() == 1 and link.get_attribute("href"), f"{row['network']}: no live link"
    for network in NETWORKS:
        held = network.posts(servers, remote[network.key], mark)
        assert len(held) == 1, f"{network.key} holds {len(held)} posts marked {mark}"
        assert text in held[0][0] and held[0][1] == network.image, f"{network.key}: {held[0]}"

    # A phone's width: the composer, options unfolded, fits without scrolling sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{parvis.url}/w/{workspace_id}/compose/")
    open_options(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the composer is {width} px wide at 390 px"
    context.close()
