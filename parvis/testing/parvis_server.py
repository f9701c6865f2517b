"""`parvis up` in a subprocess on a free loopback port, with its own data folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ParvisUp:
    def __init__(self, admin_email: str = "cm@agence.test", admin_password: str = "motdepasse-test-42",  # noqa: S107
                 extra_env: dict[str, str] | None = None) -> None:
        self.admin_email, self.admin_password = admin_email, admin_password
        self.port = free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="parvis-up-"))
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.data_dir / "parvis-up.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> Self:  # migrating a new database on a busy machine
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(DJANGO_SETTINGS_MODULE="parvis.settings", PARVIS_DATA_DIR=str(self.data_dir),
                   PARVIS_ADMIN_EMAIL=self.admin_email, PARVIS_ADMIN_PASSWORD=self.admin_password,
                   PARVIS_ALLOW_PRIVATE_URLS="1", PARVIS_BASE_URL=self.url)
        env.update(self.extra_env)  # may override the above (e.g. no PARVIS_BASE_URL)
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "parvis", "up", "--port", str(self.port)],
                env=env, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"parvis up exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/login/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"parvis up did not answer in {timeout}s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
