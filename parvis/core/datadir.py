"""Where parvis keeps its files, and the secrets it generates once and then reuses.

The data folder holds the database, the keys, the queue and the emails written in the
embedded mode: it is private to the account that runs parvis (0700), and so are the
files that hold secrets or data (0600), whatever the umask.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# SQLite keeps a database in up to three files; the last two come and go with WAL mode.
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _restrict(path: Path, mode: int) -> None:
    """Take group and other rights away from an existing path (never add any)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            path.chmod(current & ~0o077 & mode)


def data_dir() -> Path:
    """The data folder: `PARVIS_DATA_DIR`, else `~/.local/share/parvis`. Created if missing,
    private to its owner."""
    raw = os.environ.get("PARVIS_DATA_DIR")
    if raw:
        path = Path(raw).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "parvis"
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _restrict(path, PRIVATE_DIR)  # a folder made by an older version, or by hand
    return path


def private_dir(path: Path) -> Path:
    """A folder only its owner may enter (emails, …)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _restrict(path, PRIVATE_DIR)
    return path


def private_sqlite_file(path: Path) -> None:
    """Create a SQLite database file 0600 before SQLite does (it would follow the umask),
    and tighten the files of an existing one. SQLite gives its -wal and -shm files the
    database file's mode, so they follow; an empty file is a valid empty database."""
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for suffix in SQLITE_COMPANIONS:
        _restrict(path.with_name(path.name + suffix), PRIVATE_FILE)


def load_or_create_secret(name: str, *, fernet: bool = False, make: Callable[[], str] | None = None) -> str:
    """Read a secret kept in the data folder, generating it on first use (with `make`
    when it has a shape of its own, like a key pair).

    The file is created with mode 0600 atomically (O_EXCL), so two processes starting at
    once agree on one value instead of each writing its own.
    """
    path = data_dir() / name
    if path.exists():
        _restrict(path, PRIVATE_FILE)
        return path.read_text().strip()
    if make is not None:
        value = make()
    elif fernet:
        value = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    else:
        value = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
