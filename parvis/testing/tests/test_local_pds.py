"""The local Bluesky PDS harness itself, exercised with the atproto SDK.

Also pins down PDS behaviour that parvis' Bluesky publishing relies on
(duplicate rkeys, create-only putRecord, lexicon limits). These tests skip,
with the install command in the reason, when scripts/install_pds.sh has not run.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from atproto import Client, models
from atproto_client.exceptions import BadRequestError, RequestException
from PIL import Image

from parvis.testing.bluesky_server import (
    INSTALL_COMMAND,
    LocalPDS,
    PDSNotInstalledError,
    PDSRequestError,
    pds_available,
)

_PDS_OK, _PDS_REASON = pds_available()
requires_pds = pytest.mark.skipif(not _PDS_OK, reason=_PDS_REASON)

POST = "app.bsky.feed.post"


pytestmark = pytest.mark.slow  # the npm PDS


@pytest.fixture(scope="module")
def pds() -> Iterator[LocalPDS]:
    with LocalPDS() as server:
        yield server


Login = Callable[[str], tuple[Client, str]]


@pytest.fixture
def login(pds: LocalPDS) -> Iterator[Login]:
    """New account ``<name>.test`` + app password; an SDK client logged in with it, and the DID."""
    clients: list[Client] = []

    def _login(name: str) -> tuple[Client, str]:
        account = pds.create_account(name, f"{name}-main-password")
        app_password = pds.create_app_password(account["handle"], account["password"], "parvis")
        client = Client(base_url=pds.url)
        clients.append(client)
        # No AppView behind this PDS: the SDK's default profile lookup would fail.
        client.login(account["handle"], app_password, fetch_bsky_profile=False)
        return client, account["did"]

    yield _login
    for client in clients:
        client.request.close()


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def test_reports_missing_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARVIS_CACHE_DIR", str(tmp_path))
    ok, reason = pds_available()
    assert not ok
    assert INSTALL_COMMAND in reason
    with pytest.raises(PDSNotInstalledError, match="install_pds.sh"):
        LocalPDS().start()


@requires_pds
def test_binds_loopback_only(pds: LocalPDS) -> None:
    # /proc/net/tcp: local address as hex IP:port, state 0A = LISTEN.
    ports = {int(pds.url.rsplit(":", 1)[1]), int(pds.plc_url.rsplit(":", 1)[1])}
    listening = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        ip_hex, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) in ports:
            listening[int(port_hex, 16)] = ip_hex
    assert listening == dict.fromkeys(ports, "0100007F")  # 127.0.0.1, little-endian
    tcp6 = Path("/proc/net/tcp6")
    if tcp6.exists():
        for line in tcp6.read_text().splitlines()[1:]:
            fields = line.split()
            assert not (fields[3] == "0A" and int(fields[1].split(":")[1], 16) in ports)


@requires_pds
def test_describe_server(pds: LocalPDS) -> None:
    info = pds.xrpc("com.atproto.server.describeServer")
    assert info["availableUserDomains"] == [".test"]
    assert info["inviteCodeRequired"] is False


@requires_pds
def test_publish_rich_post_and_image_with_sdk(pds: LocalPDS, login: Login) -> None:
    client, did = login("alice")
    pds.create_account("bob", "bob-main-password")

    text = "Héllo @bob.test! Read https://example.com/page #parvis ✨"
    facets = client.detect_facets(text)  # resolves @bob.test through the PDS
    # SDK quirk: without a fetched profile, send_post needs the repo DID.
    client.send_post(text, profile_identify=did, facets=facets, langs=["fr"])

    blob = client.upload_blob(_png()).blob
    image = models.AppBskyEmbedImages.Image(
        alt="A red rectangle",
        image=blob,
        aspect_ratio=models.AppBskyEmbedDefs.AspectRatio(width=64, height=48),
    )
    embed = models.AppBskyEmbedImages.Main(images=[image])
    client.send_post("With an image", profile_identify=did, embed=embed)

    posts = pds.list_posts(did)
    assert [p["value"]["text"] for p in posts] == ["With an image", text]  # newest first
    assert all(p["uri"].startswith(f"at://{did}/{POST}/") and p["cid"] for p in posts)

    raw = text.encode()
    spans = {
        f["features"][0]["$type"]: raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode()
        for f in posts[1]["value"]["facets"]
    }
    assert spans == {
        "app.bsky.richtext.facet#mention": "@bob.test",
        "app.bsky.richtext.facet#link": "https://example.com/page",
        "app.bsky.richtext.facet#tag": "#parvis",
    }
    stored_image = posts[0]["value"]["embed"]["images"][0]
    assert stored_image["alt"] == "A red rectangle"
    assert stored_image["image"]["ref"]["$link"] == blob.ref.link
    blob_resp = httpx.get(
        f"{pds.url}/xrpc/com.atproto.sync.getBlob", params={"did": did, "cid": blob.ref.link}
    )
    assert blob_resp.status_code == 200
    assert blob_resp.content == _png()


@requires_pds
def test_duplicate_rkey_is_detectable(pds: LocalPDS, login: Login) -> None:
    client, did = login("carol")
    record = models.AppBskyFeedPost.Record(text="once", created_at="2025-01-01T00:00:00.000Z")
    rkey = "3lzyabcde2222"  # TID-shaped: app.bsky.feed.post keys must be TIDs

    first = client.app.bsky.feed.post.create(did, record, rkey=rkey)
    assert first.uri == f"at://{did}/{POST}/{rkey}"

    # The reference PDS answers a duplicate createRecord with a bare 500
    # ("There is already a value at key" only shows in its log): not a usable
    # signal by itself, so an idempotent publisher must check getRecord.
    with pytest.raises(RequestException) as dup:
        client.app.bsky.feed.post.create(did, record, rkey=rkey)
    assert dup.value.response is not None
    assert dup.value.response.status_code == 500
    assert dup.value.response.content.error == "InternalServerError"

    existing = client.app.bsky.feed.post.get(did, rkey)
    assert existing.cid == first.cid
    with pytest.raises(BadRequestError) as missing:
        client.app.bsky.feed.post.get(did, "3lzyabcde2223")
    assert missing.value.response.content.error == "RecordNotFound"

    # putRecord with swapRecord=null means "only if absent": same content again
    # is a no-op 200 (no commit), different content is 400 InvalidSwap.
    body = {
        "repo": did,
        "collection": POST,
        "rkey": rkey,
        "record": {"$type": POST, "text": "once", "createdAt": "2025-01-01T00:00:00.000Z"},
        "swapRecord": None,
    }
    token = client._session.access_jwt  # raw XRPC: the SDK drops null fields
    again = pds.xrpc("com.atproto.repo.putRecord", data=body, token=token)
    assert again["cid"] == first.cid and "commit" not in again
    body["record"]["text"] = "changed"
    with pytest.raises(PDSRequestError) as swap:
        pds.xrpc("com.atproto.repo.putRecord", data=body, token=token)
    assert (swap.value.status, swap.value.error) == (400, "InvalidSwap")

    with pytest.raises(PDSRequestError) as bad_key:
        pds.xrpc(
            "com.atproto.repo.createRecord",
            data={"repo": did, "collection": POST, "rkey": "parvis-1", "record": body["record"]},
            token=token,
        )
    assert (bad_key.value.status, bad_key.value.error) == (400, "InvalidRequest")


@requires_pds
def test_rejects_posts_over_300_graphemes(pds: LocalPDS, login: Login) -> None:
    client, did = login("dave")
    client.send_post("👍🏽" * 300, profile_identify=did)  # 300 graphemes, 2400 bytes
    with pytest.raises(BadRequestError) as too_long:
        client.send_post("a" * 301, profile_identify=did)
    assert too_long.value.response.content.error == "InvalidRequest"
    assert "grapheme too big (maximum 300, got 301)" in too_long.value.response.content.message


@requires_pds
def test_revoked_app_password(pds: LocalPDS, login: Login) -> None:
    client, did = login("erin")
    refresh_jwt = client._session.refresh_jwt
    pds.revoke_app_password("erin.test", "erin-main-password", "parvis")

    # The access token already issued stays valid until it expires (2 h) ...
    client.send_post("still works", profile_identify=did)
    # ... but it can no longer be refreshed, and the password no longer logs in.
    with pytest.raises(PDSRequestError) as refresh:
        pds.xrpc("com.atproto.server.refreshSession", token=refresh_jwt, procedure=True)
    assert (refresh.value.status, refresh.value.error) == (400, "ExpiredToken")
    with pytest.raises(PDSRequestError) as login:
        pds.create_session("erin.test", "wrong-password")
    assert (login.value.status, login.value.error) == (401, "AuthenticationRequired")
