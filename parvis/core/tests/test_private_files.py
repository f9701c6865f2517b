"""The data folder is private (0700) and so are the files that hold data or secrets
(0600), whatever the umask; emails in the embedded mode go to private files."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.mail import EmailMessage

from parvis.core import datadir
from parvis.core.mail import PrivateFileEmailBackend


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_data_folder_is_private_even_if_it_was_not(tmp_path, monkeypatch, open_umask):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    monkeypatch.setenv("PARVIS_DATA_DIR", str(folder))
    assert datadir.data_dir() == folder and mode(folder) == 0o700
    monkeypatch.setenv("PARVIS_DATA_DIR", str(tmp_path / "fresh"))
    assert mode(datadir.data_dir()) == 0o700


def test_sqlite_files_and_their_wal_are_private(tmp_path, open_umask):
    database = tmp_path / "parvis.sqlite3"
    datadir.private_sqlite_file(database)
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    files = [database, tmp_path / "parvis.sqlite3-wal", tmp_path / "parvis.sqlite3-shm"]
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    connection.close()


def test_files_of_an_older_install_are_tightened(tmp_path, monkeypatch, open_umask):
    monkeypatch.setenv("PARVIS_DATA_DIR", str(tmp_path))
    for name in ("parvis.sqlite3", "parvis.sqlite3-wal", "secret_key"):
        (tmp_path / name).write_text("x")
        (tmp_path / name).chmod(0o644)
    datadir.private_sqlite_file(tmp_path / "parvis.sqlite3")
    datadir.load_or_create_secret("secret_key")
    assert {mode(tmp_path / n) for n in ("parvis.sqlite3", "parvis.sqlite3-wal", "secret_key")} == {0o600}


def test_emails_are_written_to_private_files(tmp_path, open_umask):
    folder = tmp_path / "emails"
    backend = PrivateFileEmailBackend(file_path=str(folder))
    backend.send_messages([EmailMessage("Invitation", "http://x/invitations/abc/", "a@b.test", ["c@d.test"])])
    written = list(folder.iterdir())
    assert mode(folder) == 0o700 and len(written) == 1 and mode(written[0]) == 0o600
    assert "/invitations/abc/" in written[0].read_text()


def test_without_an_smtp_server_emails_go_to_the_data_folder_not_the_console(tmp_path):
    import subprocess
    import sys

    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='parvis.settings'; django.setup();"
            "from django.conf import settings; print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env["PARVIS_DATA_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["parvis.core.mail.PrivateFileEmailBackend", str(tmp_path / "emails")]
    env["EMAIL_HOST"] = "smtp.example.test"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == "django.core.mail.backends.smtp.EmailBackend"


def test_links_follow_the_served_address_unless_a_base_url_is_set(settings, monkeypatch):
    from parvis.accounts import links

    monkeypatch.setattr(links, "_served", None)
    settings.PARVIS_BASE_URL = ""
    links.serve_at("127.0.0.1", 8765)
    assert links.absolute_url("/invitations/x/") == "http://127.0.0.1:8765/invitations/x/"
    assert links.served_url("::1", 9000) == "http://[::1]:9000"
    settings.PARVIS_BASE_URL = "https://parvis.agence.test"
    assert links.absolute_url("/x/") == "https://parvis.agence.test/x/"
