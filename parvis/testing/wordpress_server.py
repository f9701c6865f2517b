"""A real WordPress on loopback, for tests: Debian's ``wordpress`` package (6.1.9 on
bookworm), served by PHP's built-in server, with its database on the local MariaDB/MySQL.

``scripts/install_wordpress.sh`` installs the packages (``wordpress``, ``php-cli``,
``php-mysql``); MariaDB answers on 127.0.0.1:3306 as root without a password here and on
CI (``PARVIS_TEST_MYSQL_URL`` says otherwise). Nothing needs root at test time.

Usage::

    ok, reason = wordpress_available()
    if not ok:
        pytest.skip(reason)
    with LocalWordPress() as wp:
        wp.rest("POST", "/wp/v2/posts", json={"title": "Hello", "status": "publish"})
        # or any client: Basic auth with wp.username and wp.app_password, at wp.url

How it works
------------
Each session gets a fresh database, ``parvis_wp_<pid>_<random>`` (dropped on stop), and a
temporary directory (removed on stop) holding:

* ``site/``, the document root: a *shadow tree* of Debian's ``/usr/share/wordpress``
  (one symbolic link per entry) with two exceptions, the session's own ``wp-config.php``
  and a real ``wp-content/`` (uploads land there, served as static files).
* ``php.log``, the server's output and PHP's error log (``log_path``).

Why a shadow tree: Debian's ``/usr/share/wordpress/wp-config.php`` only dispatches to
``/etc/wordpress/config-<host>.php`` (host without its port) or ``config-default.php``,
which only root can write and which every session on the machine would share. WordPress
loads ``ABSPATH . 'wp-config.php'``, and ``ABSPATH`` is kept when already defined; the
router (``parvis/testing/wordpress/router.php``), which ``php -S`` runs first on every
request, defines it as the shadow tree, and the php-cli scripts do the same
(``boot.php``). PHP resolves symbolic links in ``__DIR__``, so the scripts under
``wp-admin/`` find Debian's ``wp-load.php``; that one keeps the router's ``ABSPATH`` too.
``wp-cron.php`` loads WordPress only when ``ABSPATH`` is undefined, so the router loads it
first for that file. Code and files still come from Debian's package, unmodified. The config
sets ``WP_ENVIRONMENT_TYPE=local``, without which WordPress refuses application
passwords over plain http; ``DISABLE_WP_CRON`` (scheduled posts are published only when
:meth:`LocalWordPress.run_cron` asks, not by a request that happens to come by); and
``WP_HTTP_BLOCK_EXTERNAL`` (no update checks, only loopback requests). Debian ships no
theme, and none is installed: front-end pages come out empty, the REST API is unaffected.
Tests can add filters with :meth:`LocalWordPress.mu_plugin` and run PHP in the site with
:meth:`LocalWordPress.php`.

Start-up: the server starts first, then ``install.php`` (php-cli) calls ``wp_install()``,
which finds through loopback requests that the router handles pretty permalinks and keeps
them (``/wp-json/…`` works, and so does ``/?rest_route=…``), then creates the
administrator's application password with
``WP_Application_Passwords::create_new_application_password`` (which also sets the flag
without which WordPress ignores Basic credentials).

PHP's built-in server handles one request at a time per process: a request that waits
for another one to the same site (WordPress's loopback requests) would stall it.
``PHP_CLI_SERVER_WORKERS`` (PHP >= 7.4) makes it fork that many workers, all accepting on
the same socket; :class:`LocalWordPress` uses 4.

The server runs in its own process group, killed as a group on stop (its workers do not
die with it otherwise). If the test process dies without stopping it, a watchdog process,
which waits for its stdin to close, kills that group, drops the database and removes the
directory. Should even that be killed, the next session on the machine drops databases
whose process is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from parvis.testing.parvis_server import free_port

__all__ = [
    "INSTALL_COMMAND",
    "WORDPRESS_DIR",
    "LocalWordPress",
    "LocalWordPressError",
    "MySQL",
    "WordPressNotInstalledError",
    "wordpress_available",
]

WORDPRESS_DIR = Path("/usr/share/wordpress")
INSTALL_COMMAND = "scripts/install_wordpress.sh"
SCRIPTS_DIR = Path(__file__).resolve().parent / "wordpress"
DATABASE_PREFIX = "parvis_wp_"
DEFAULT_MYSQL_URL = "mysql://root@127.0.0.1:3306"
# Entries of Debian's tree that the session replaces with its own.
_OWN_ENTRIES = frozenset({"wp-config.php", "wp-content", ".htaccess"})


class LocalWordPressError(RuntimeError):
    """The local WordPress could not be started, set up or stopped."""


class WordPressNotInstalledError(LocalWordPressError):
    """Debian's packages are missing, or MariaDB/MySQL does not answer."""


class MySQL:
    """The MariaDB/MySQL server the sessions' databases live on, from
    ``PARVIS_TEST_MYSQL_URL`` (default ``mysql://root@127.0.0.1:3306``), driven with the
    ``mysql`` client that Debian's ``wordpress`` depends on."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or os.environ.get("PARVIS_TEST_MYSQL_URL") or DEFAULT_MYSQL_URL
        parts = urllib.parse.urlsplit(self.url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 3306
        self.user = urllib.parse.unquote(parts.username or "root")
        self.password = urllib.parse.unquote(parts.password or "")

    @property
    def address(self) -> str:
        """``DB_HOST`` for wp-config.php."""
        return f"{self.host}:{self.port}"

    def answers(self) -> bool:
        try:
            socket.create_connection((self.host, self.port), timeout=2).close()
        except OSError:
            return False
        return True

    def execute(self, sql: str) -> str:
        """Run SQL with the ``mysql`` client; return its tab-separated output (no header)."""
        env = {**os.environ, "MYSQL_PWD": self.password}
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["mysql", "--protocol=TCP", "-h", self.host, "-P", str(self.port), "-u", self.user,
             "--batch", "--skip-column-names", "-e", sql],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        if done.returncode != 0:
            raise LocalWordPressError(f"mysql at {self.address} failed: {done.stderr.strip()}")
        return done.stdout

    def databases(self, prefix: str = DATABASE_PREFIX) -> list[str]:
        pattern = prefix.replace("_", "\\_") + "%"
        return self.execute(f"SHOW DATABASES LIKE '{pattern}'").split()


def wordpress_available(mysql: MySQL | None = None) -> tuple[bool, str]:
    """Whether a :class:`LocalWordPress` can start; otherwise why not (for ``pytest.skip``)."""
    fix = f"run `{INSTALL_COMMAND}`"
    if shutil.which("php") is None:
        return False, f"php-cli is not installed: {fix}"
    if not (WORDPRESS_DIR / "wp-settings.php").is_file():
        return False, f"Debian's wordpress package is not installed ({WORDPRESS_DIR}): {fix}"
    if shutil.which("mysql") is None:
        return False, f"the mysql client is not installed: {fix}"
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout.split()  # noqa: S607
    if "mysqli" not in modules:
        return False, f"PHP's mysqli extension (php-mysql) is not installed: {fix}"
    mysql = mysql or MySQL()
    if not mysql.answers():
        return False, (f"MariaDB/MySQL does not answer on {mysql.address} (PARVIS_TEST_MYSQL_URL): "
                       f"start it, or {fix}")
    try:
        mysql.execute("SELECT 1")
    except LocalWordPressError as error:
        return False, f"cannot log in to MariaDB/MySQL as {mysql.user!r}: {error}"
    return True, f"WordPress {_wordpress_version()} with MariaDB/MySQL on {mysql.address}"


def _wordpress_version() -> str:
    text = (WORDPRESS_DIR / "wp-includes" / "version.php").read_text()
    for line in text.splitlines():
        if line.startswith("$wp_version"):
            return line.split("'")[1]
    return "?"


def _php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Run by the watchdog (a separate Python process): once its stdin closes, because the test
# process died without calling stop(), it kills the server's process group, drops the
# database and removes the directory. stop() kills it once it has done all that itself.
_WATCHDOG = """
import os, shutil, signal, subprocess, sys
pgid, workdir, database, host, port, user = sys.argv[1:7]
sys.stdin.buffer.read()
try:
    os.killpg(int(pgid), signal.SIGKILL)
except ProcessLookupError:
    pass
subprocess.run(["mysql", "--protocol=TCP", "-h", host, "-P", port, "-u", user,
                "-e", f"DROP DATABASE IF EXISTS `{database}`"], capture_output=True, timeout=60)
shutil.rmtree(workdir, ignore_errors=True)
"""


class LocalWordPress:
    """A WordPress site on 127.0.0.1, from :meth:`start` (or ``with``) to :meth:`stop`.

    Attributes once started: :attr:`url` (the site, no trailing slash), :attr:`username`
    and :attr:`password` (the administrator's login), :attr:`app_password` (his
    application password, in WordPress's groups of four), :attr:`user_id`,
    :attr:`database`, :attr:`log_path`.
    """

    def __init__(
        self,
        *,
        username: str = "admin",
        email: str = "admin@example.com",
        title: str = "Parvis test site",
        app_name: str = "parvis",
        workers: int = 4,
        startup_timeout: float = 30.0,
        mysql: MySQL | None = None,
    ) -> None:
        self.username = username
        self.email = email
        self.title = title
        self.app_name = app_name
        self.password = secrets.token_urlsafe(12)
        self._workers = workers
        self._startup_timeout = startup_timeout
        self._mysql = mysql or MySQL()
        self._workdir: Path | None = None
        self._database: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._http: httpx.Client | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._setup: dict[str, Any] = {}

    # -- lifecycle ----------------------------------------------------------

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> Self:
        if self._workdir is not None:
            raise LocalWordPressError("LocalWordPress already started")
        available, reason = wordpress_available(self._mysql)
        if not available:
            raise WordPressNotInstalledError(reason)
        try:
            self._drop_orphaned_databases()
            self._workdir = Path(tempfile.mkdtemp(prefix="parvis-wordpress-"))
            self._database = f"{DATABASE_PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
            self._mysql.execute(
                f"CREATE DATABASE `{self._database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
            self._port = free_port()
            self._build_site()
            self._start_server()
            self._start_watchdog()
            self._setup = self._install()
            self._http = httpx.Client(base_url=self.url, timeout=30.0)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server, drop the database, remove the files; safe to call twice."""
        if self._http is not None:
            self._http.close()
            self._http = None
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=5)
            # Workers are the server's children, in its group: make sure none outlives it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process = None
        if self._database is not None:
            self._mysql.execute(f"DROP DATABASE IF EXISTS `{self._database}`")
            self._database = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        if self._watchdog is not None:
            # Everything is cleaned up: end it before its stdin closes, so that it never
            # kills a process group whose id has been reused since.
            self._watchdog.kill()
            self._watchdog.wait(timeout=10)
            if self._watchdog.stdin is not None:
                self._watchdog.stdin.close()
            self._watchdog = None

    def _drop_orphaned_databases(self) -> None:
        """Databases of sessions whose process is gone (killed before stop())."""
        for name in self._mysql.databases():
            pid = name[len(DATABASE_PREFIX) :].split("_", 1)[0]
            if pid.isdigit() and not _pid_alive(int(pid)):
                self._mysql.execute(f"DROP DATABASE IF EXISTS `{name}`")

    def _build_site(self) -> None:
        assert self._workdir is not None and self._database is not None
        site = self._workdir / "site"
        site.mkdir()
        for entry in WORDPRESS_DIR.iterdir():
            if entry.name not in _OWN_ENTRIES:
                (site / entry.name).symlink_to(entry)
        for sub in ("uploads", "plugins", "themes", "upgrade"):
            (site / "wp-content" / sub).mkdir(parents=True)
        salts = "\n".join(
            f"define({_php_string(name)}, {_php_string(secrets.token_urlsafe(48))});"
            for name in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
                         "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
        )
        settings = {
            "DB_NAME": self._database,
            "DB_USER": self._mysql.user,
            "DB_PASSWORD": self._mysql.password,
            "DB_HOST": self._mysql.address,
            "DB_CHARSET": "utf8mb4",
            "DB_COLLATE": "",
            "WP_HOME": self.url,
            "WP_SITEURL": self.url,
            "WP_CONTENT_DIR": str(site / "wp-content"),
            "WP_ENVIRONMENT_TYPE": "local",
            "FS_METHOD": "direct",
        }
        defines = "\n".join(f"define({_php_string(k)}, {_php_string(v)});" for k, v in settings.items())
        (site / "wp-config.php").write_text(f"""<?php
// This test session's WordPress config (parvis/testing/wordpress_server.py).
{defines}
{salts}
define('WP_DEBUG', false);
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_AUTO_UPDATE_CORE', false);
$table_prefix = 'wp_';
if (!defined('ABSPATH')) {{
    define('ABSPATH', __DIR__ . '/');
}}
require_once ABSPATH . 'wp-settings.php';
""")

    def _php_command(self) -> list[str]:
        assert self._workdir is not None
        return [
            "php",
            "-d", "display_errors=0",
            "-d", "log_errors=1",
            "-d", f"error_log={self.log_path}",
            "-d", "upload_max_filesize=64M",
            "-d", "post_max_size=64M",
            "-d", "memory_limit=256M",
        ]

    def _start_server(self) -> None:
        assert self._workdir is not None
        env = {
            **os.environ,
            "PHP_CLI_SERVER_WORKERS": str(self._workers),
            "WP_ENVIRONMENT_TYPE": "local",
        }
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [*self._php_command(), "-S", f"127.0.0.1:{self._port}",
                 "-t", str(self._workdir / "site"), str(SCRIPTS_DIR / "router.php")],
                cwd=self._workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LocalWordPressError(f"php -S exited with {self._process.returncode}: {self._log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self._port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise LocalWordPressError(f"php -S did not listen on {self.url} within {self._startup_timeout}s")

    def _start_watchdog(self) -> None:
        assert self._process is not None and self._workdir is not None and self._database is not None
        mysql = self._mysql
        self._watchdog = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-c", _WATCHDOG, str(self._process.pid), str(self._workdir),
             self._database, mysql.host, str(mysql.port), mysql.user],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "MYSQL_PWD": mysql.password},
            # Its own session: a Ctrl-C meant for pytest must not kill it before it cleans up.
            start_new_session=True,
        )

    def _run_php(self, script: str, stdin: str) -> Any:
        assert self._workdir is not None
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [*self._php_command(), str(SCRIPTS_DIR / script), str(self._workdir / "site"), self.url],
            input=stdin, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "WP_ENVIRONMENT_TYPE": "local"},
        )
        if done.returncode != 0:
            raise LocalWordPressError(
                f"php {script} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                f" {self._log_tail()}"
            )
        lines = done.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def _install(self) -> dict[str, Any]:
        request = {
            "title": self.title,
            "username": self.username,
            "email": self.email,
            "password": self.password,
            "app_name": self.app_name,
        }
        return dict(self._run_php("install.php", json.dumps(request)))

    def _log_tail(self) -> str:
        try:
            return "\n" + self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    # -- what tests use -------------------------------------------------------

    @property
    def url(self) -> str:
        """The site, e.g. ``http://127.0.0.1:41279`` (what a user types in)."""
        if self._port is None:
            raise LocalWordPressError("LocalWordPress is not running; call start() first")
        return f"http://127.0.0.1:{self._port}"

    @property
    def log_path(self) -> Path:
        if self._workdir is None:
            raise LocalWordPressError("LocalWordPress is not running; call start() first")
        return self._workdir / "php.log"

    @property
    def database(self) -> str:
        if self._database is None:
            raise LocalWordPressError("LocalWordPress is not running; call start() first")
        return self._database

    @property
    def app_password(self) -> str:
        """The administrator's application password, ``abcd EFGH …`` (24 characters in
        groups of 4; WordPress ignores the spaces)."""
        return str(self._setup["app_password"])

    @property
    def app_password_uuid(self) -> str:
        return str(self._setup["app_uuid"])

    @property
    def user_id(self) -> int:
        return int(self._setup["user_id"])

    @property
    def permalink_structure(self) -> str:
        """What ``wp_install()`` kept: pretty permalinks when it found they work."""
        return str(self._setup["permalink_structure"])

    @property
    def auth(self) -> tuple[str, str]:
        """HTTP Basic credentials: username and application password."""
        return (self.username, self.app_password)

    def rest_url(self, route: str) -> str:
        """``/wp/v2/posts`` -> the pretty REST URL, ``<url>/wp-json/wp/v2/posts``."""
        return f"{self.url}/wp-json/{route.lstrip('/')}"

    def _client(self) -> httpx.Client:
        if self._http is None:
            raise LocalWordPressError("LocalWordPress is not running; call start() first")
        return self._http

    def rest(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None | bool = True,
    ) -> httpx.Response:
        """Call the REST API at ``/?rest_route=<route>`` (works with or without pretty
        permalinks). ``auth``: True for the administrator's application password, a
        ``(user, password)`` pair for others, None or False for anonymous."""
        query = {"rest_route": "/" + route.lstrip("/"), **(params or {})}
        credentials = self.auth if auth is True else (auth or None)
        return self._client().request(
            method, "/", params=query, json=json, content=content, headers=headers,
            auth=credentials if credentials else httpx.USE_CLIENT_DEFAULT,
        )

    def rest_json(self, method: str, route: str, **kwargs: Any) -> Any:
        """:meth:`rest`, raising on an error status; the decoded JSON body."""
        response = self.rest(method, route, **kwargs)
        if response.is_error:
            raise LocalWordPressError(f"{method} {route}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()

    def upload_media(self, data: bytes, filename: str, content_type: str, **params: Any) -> dict[str, Any]:
        """``POST /wp/v2/media`` with the raw bytes; the new attachment."""
        headers = {"Content-Type": content_type, "Content-Disposition": f'attachment; filename="{filename}"'}
        return dict(self.rest_json("POST", "/wp/v2/media", content=data, headers=headers, params=params))

    def php(self, code: str) -> Any:
        """Run PHP code in the loaded site (php-cli); the JSON of what it returns.
        ``code`` is a function body: ``return get_option('blogname');``."""
        return self._run_php("run.php", code)

    @contextlib.contextmanager
    def mu_plugin(self, name: str, code: str) -> Iterator[None]:
        """A must-use plugin (``wp-content/mu-plugins/<name>.php``, loaded by every request)
        while the block runs: ``code`` is PHP, without ``<?php``."""
        assert self._workdir is not None
        folder = self._workdir / "site" / "wp-content" / "mu-plugins"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}.php"
        path.write_text("<?php\n" + code + "\n")
        try:
            yield
        finally:
            path.unlink(missing_ok=True)

    def run_cron(self) -> None:
        """Run WP-Cron once (publishes scheduled posts that are due): WordPress's own
        requests never trigger it here (DISABLE_WP_CRON)."""
        # No doing_wp_cron parameter: that is for WordPress's own spawn, which sets a
        # matching lock first; without it wp-cron.php takes the lock itself, as for a
        # system cron job.
        response = self._client().get("/wp-cron.php")
        if response.is_error:
            raise LocalWordPressError(f"wp-cron.php: HTTP {response.status_code} {response.text[:500]}")

    def processes(self) -> Iterator[int]:
        """The server's pids (its workers included), for tests checking the clean-up."""
        if self._process is None:
            return
        yield self._process.pid
        for path in Path("/proc").iterdir():
            if path.name.isdigit():
                with contextlib.suppress(OSError, ValueError):
                    if os.getpgid(int(path.name)) == self._process.pid and int(path.name) != self._process.pid:
                        yield int(path.name)
