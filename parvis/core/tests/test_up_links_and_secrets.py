"""`parvis up --port <free port>` as a new user runs it, without PARVIS_BASE_URL: the
invitation email (written to a private file in the data folder, as `up` says) links to
the port it serves on; the data folder and its files are private; the log never shows a
token."""

from __future__ import annotations

import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from parvis.testing.parvis_server import ParvisUp

TOKEN = "Zx9-QwErTy_uIoP1234567890abcdefGHIJKLMNOPq"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class Session:
    """A browser's session: cookies, and the CSRF token sent back with every form."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=20)
        self.http.get("/login/")

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.http.post(path, data={**data, "csrfmiddlewaretoken": self.http.cookies["csrftoken"]})


pytestmark = [pytest.mark.slow, pytest.mark.e2e]  # `parvis up` in a subprocess


@pytest.fixture(scope="module")
def server() -> Iterator[ParvisUp]:
    up = ParvisUp(extra_env={"PARVIS_BASE_URL": ""})  # links must follow the served port
    up.data_dir.chmod(0o755)  # as a data folder made by hand or by an older version
    with up:
        yield up


@pytest.fixture(scope="module")
def invitation(server: ParvisUp) -> tuple[Session, str]:
    """The admin creates a workspace and invites someone; the invitation link, from the
    email file."""
    admin = Session(server.url)
    assert admin.post("/login/", {"username": server.admin_email, "password": server.admin_password}
                      ).status_code == 302
    created = admin.post("/workspaces/new/", {"name": "Boulangerie", "timezone": "Europe/Paris", "language": "fr"})
    workspace_id = re.search(r"/w/(\d+)/", created.headers["location"]).group(1)
    assert admin.post(f"/w/{workspace_id}/members/", {"email": "chloe@brand.test", "role": "editor"}
                      ).status_code == 302
    return admin, _sent_link(server)


def _sent_link(server: ParvisUp) -> str:
    """The link in the email file; else wherever the email went (the log, before parvis
    wrote emails to files), so that the tests below say what is wrong with it."""
    emails = server.data_dir / "emails"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # sent right after the request's transaction commits
        written = [p.read_text() for p in emails.iterdir()] if emails.exists() else []
        found = re.search(r"http://\S+/invitations/\S+/", "".join(written) or server.log.read_text())
        if found:
            return found.group(0)
        time.sleep(0.1)
    raise AssertionError("no invitation email was sent")


def test_the_invitation_link_follows_the_port_parvis_serves_on(server, invitation):
    _admin, link = invitation
    assert link.startswith(f"http://127.0.0.1:{server.port}/invitations/")
    assert httpx.get(link, timeout=20).status_code == 200  # it opens the invitation page


def test_up_says_where_emails_go_and_where_to_change_the_password(server, invitation):
    output = server.log.read_text()
    assert f"Emails are written to files in {server.data_dir / 'emails'}" in output
    assert f"Settings → Email and password: http://127.0.0.1:{server.port}/settings/account/" in output


def test_the_data_folder_and_its_files_are_private(server, invitation):
    data = server.data_dir
    assert mode(data) == 0o700 and mode(data / "emails") == 0o700
    private = [data / "parvis.sqlite3", data / "huey.sqlite3", data / "secret_key", data / "encryption_key",
               *(data / "emails").iterdir()]
    private += [p for p in data.iterdir() if p.name.endswith(("-wal", "-shm"))]
    assert {p.name: mode(p) for p in private} == {p.name: 0o600 for p in private}


def test_the_log_never_shows_a_token(server, invitation):
    admin, link = invitation
    invitation_token = link.rstrip("/").rsplit("/", 1)[1]
    # The admin is not the invited person: refused, and logged.
    assert admin.http.get(urlsplit(link).path).status_code == 403
    for path in (f"/portal/{TOKEN}/", f"/ics/{TOKEN}.ics", f"/invitations/{TOKEN}/?token={TOKEN}"):
        httpx.get(f"{server.url}{path}", timeout=20)
    httpx.get(f"{server.url}/api/v1/workspaces/", headers={"Authorization": f"Bearer pvs_{TOKEN}"}, timeout=20)
    server.stop()  # everything written
    output = server.log.read_text()
    assert "Not Found: /portal/[redacted]/" in output and "Forbidden: /invitations/[redacted]/" in output
    assert TOKEN not in output and invitation_token not in output
