"""Where parvis keeps its files, and the secrets it generates once and then reuses."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path


def data_dir() -> Path:
    """The data folder: `PARVIS_DATA_DIR`, else `~/.local/share/parvis`. Created if missing."""
    raw = os.environ.get("PARVIS_DATA_DIR")
    if raw:
        path = Path(raw).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "parvis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_or_create_secret(name: str, *, fernet: bool = False) -> str:
    """Read a secret kept in the data folder, generating it on first use.

    The file is created with mode 0600 atomically (O_EXCL), so two processes starting at
    once agree on one value instead of each writing its own.
    """
    path = data_dir() / name
    if path.exists():
        return path.read_text().strip()
    value = (
        base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        if fernet
        else secrets.token_urlsafe(50)
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
