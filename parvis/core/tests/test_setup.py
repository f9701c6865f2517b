"""What `parvis up` sets up on a fresh machine: the data folder, kept secrets, the
first admin; and the outbound URL guard."""

from __future__ import annotations

import io
import stat

import pytest

from parvis.cli import ensure_admin
from parvis.core import datadir
from parvis.core.http import UnsafeURLError, check_url, normalise_base_url


def test_secrets_are_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.setenv("PARVIS_DATA_DIR", str(tmp_path / "data"))
    first = datadir.load_or_create_secret("secret_key")
    assert datadir.load_or_create_secret("secret_key") == first
    mode = stat.S_IMODE((tmp_path / "data" / "secret_key").stat().st_mode)
    assert mode == 0o600


@pytest.mark.django_db
def test_first_admin_is_created_once_and_told_how_to_log_in(monkeypatch):
    from parvis.accounts.models import User

    monkeypatch.setenv("PARVIS_ADMIN_EMAIL", "Moi@Agence.test")
    out = io.StringIO()
    ensure_admin(out)
    assert "moi@agence.test / password: " in out.getvalue()
    admin = User.objects.get()
    assert admin.is_superuser and admin.organisations.count() == 1
    again = io.StringIO()
    ensure_admin(again)
    assert again.getvalue() == "" and User.objects.count() == 1


@pytest.mark.parametrize(("raw", "expected"), [
    ("mastodon.social", "https://mastodon.social"),
    ("https://mastodon.social/", "https://mastodon.social"),
    ("  HTTPS://Piaille.fr/ ", "https://piaille.fr"),
])
def test_server_addresses_are_normalised(raw, expected):
    assert normalise_base_url(raw) == expected


@pytest.mark.parametrize("raw", ["", "ftp://example.com", "https://"])
def test_malformed_addresses_are_refused(raw):
    with pytest.raises(UnsafeURLError):
        normalise_base_url(raw)


@pytest.mark.parametrize("url", ["http://127.0.0.1:3000", "http://10.0.0.5", "http://[::1]:8080"])
def test_private_addresses_are_refused_unless_allowed(url, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(UnsafeURLError):
        check_url(url)
    settings.PARVIS_ALLOW_PRIVATE_URLS = True
    check_url(url)
