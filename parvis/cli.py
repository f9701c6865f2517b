"""The `parvis` command: `up` (everything on one machine), `worker` (scale-out), `manage`,
`mcp` (an assistant's MCP server over stdio), `report` (a client's report as a file),
`draw verify` (checks a contest draw's published proof)."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import threading

log = logging.getLogger("parvis")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
    import django

    django.setup()


def ensure_admin(stdout: object = sys.stdout, base_url: str = "") -> None:
    """Create the first admin if there is no user yet, and say how to log in and where
    to change the password and the email."""
    from django.db import transaction
    from django.urls import reverse

    from parvis.accounts.actions import create_organisation
    from parvis.accounts.models import User

    if User.objects.exists():
        return
    email = os.environ.get("PARVIS_ADMIN_EMAIL", "admin@localhost").lower()
    password = os.environ.get("PARVIS_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_superuser(email, password)
        create_organisation(os.environ.get("PARVIS_ORGANISATION", "My agency"), user)
    print(f"First admin created: {email} / password: {password}", file=stdout)  # type: ignore[call-overload]
    page = f"{base_url}{reverse('web:account')}"
    print(f"Change them after logging in, in Settings → Email and password: {page}",  # type: ignore[call-overload]
          file=stdout)


def _consumer(workers: int):
    from huey.contrib.djhuey import HUEY

    return HUEY.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                check_worker_health=True, initial_delay=0.05, backoff=1.15,
                                max_delay=0.5)


def _run_worker(workers: int, web: object | None = None) -> None:
    from django.utils.module_loading import autodiscover_modules

    from parvis.publishing.dispatcher import DispatcherThread

    # Register every app's tasks before the consumer takes its first job off the queue.
    autodiscover_modules("tasks")
    dispatcher = DispatcherThread()
    dispatcher.start()
    try:
        _consumer(workers).run()  # blocks; stops cleanly on SIGINT / SIGTERM
    finally:
        dispatcher.stop()
        if web is not None:
            web.close()  # type: ignore[attr-defined]


def cmd_up(args: argparse.Namespace) -> None:
    _setup()
    from django.conf import settings
    from django.core.management import call_command
    from waitress import create_server

    from parvis.accounts.links import base_url, serve_at
    from parvis.wsgi import application

    print(f"parvis data folder: {settings.DATA_DIR}")
    call_command("migrate", interactive=False, verbosity=0)
    server = create_server(application, host=args.host, port=args.port, threads=args.threads,
                           ident="parvis")
    # Known before any email is sent, by the web threads and the worker threads alike.
    served = serve_at(args.host, getattr(server, "effective_port", args.port))
    ensure_admin(base_url=base_url())
    _say_where_emails_go(settings)
    if not settings.PARVIS_BASE_URL and args.host in ("0.0.0.0", "::"):  # noqa: S104
        print("Links in emails point to this machine's loopback: set PARVIS_BASE_URL to the address "
              "people use.")
    print(f"parvis is running on {served}/ (Ctrl+C to stop)", flush=True)
    if args.no_worker:  # a web-only node of a scale-out setup
        server.run()
        return
    threading.Thread(target=server.run, name="parvis-web", daemon=True).start()
    from parvis.listening import jetstream

    stream = jetstream.start_thread()  # None unless PARVIS_BLUESKY_JETSTREAM is set
    try:
        _run_worker(args.workers, web=server)
    finally:
        if stream is not None:
            stream.set()


def _say_where_emails_go(settings: object) -> None:
    if getattr(settings, "EMAIL_BACKEND", "") == "parvis.core.mail.PrivateFileEmailBackend":
        from parvis.core.mail import email_folder

        print(f"Emails are written to files in {email_folder()} (readable by this account only); "
              "set EMAIL_HOST to send them.")


def cmd_worker(args: argparse.Namespace) -> None:
    _setup()
    from django.conf import settings

    print(f"parvis worker: {args.workers} threads", flush=True)
    if not settings.PARVIS_BASE_URL:
        print("PARVIS_BASE_URL is not set: links in emails sent by this worker will point to "
              "http://127.0.0.1:8000.", flush=True)
    _say_where_emails_go(settings)
    _run_worker(args.workers)


def cmd_mcp(args: argparse.Namespace) -> None:
    """Serve MCP over stdin/stdout as the owner of PARVIS_TOKEN. stdout carries the
    protocol only: everything else goes to stderr."""
    _setup()
    from django.db import DatabaseError

    from parvis.api.mcp.auth import stdio_caller, token_owner
    from parvis.api.mcp.server import build_server

    token = os.environ.get("PARVIS_TOKEN", "").strip()
    if not token:
        sys.exit("parvis mcp: set PARVIS_TOKEN to a personal API token (Settings → API tokens).")
    try:
        owner = token_owner(token)
    except DatabaseError as exc:
        sys.exit(f"parvis mcp: cannot read parvis's database ({exc.__class__.__name__}): run `parvis up` once, "
                 "and give this command the same PARVIS_DATA_DIR (and DATABASE_URL) as the server.")
    if owner is None:
        sys.exit("parvis mcp: PARVIS_TOKEN is unknown or revoked (or its owner is deactivated): "
                 "create a new one in Settings → API tokens.")
    build_server(stdio_caller(token, owner.language)).run("stdio")


def cmd_report(args: argparse.Namespace) -> None:
    _setup()
    from parvis.analytics.report_cli import run

    sys.exit(run(args))


def cmd_draw(args: argparse.Namespace) -> None:
    # No _setup(): whoever verifies a downloaded proof has no parvis settings nor database.
    from parvis.relations.draw_cli import run

    sys.exit(run(args))


def cmd_manage(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parvis manage", *args.rest])


def main(argv: list[str] | None = None) -> None:
    from parvis.core.redact import RedactSecrets

    # Until Django configures logging (settings.LOGGING, the same filter), and for any
    # record logged before that.
    handler = logging.StreamHandler()
    handler.addFilter(RedactSecrets())
    logging.basicConfig(level=os.environ.get("PARVIS_LOG_LEVEL", "INFO"), handlers=[handler],
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(prog="parvis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    default_workers = int(os.environ.get("PARVIS_WORKERS", "8"))

    up = sub.add_parser("up", help="migrate, create the first admin, serve web and worker")
    up.add_argument("--host", default=os.environ.get("PARVIS_HOST", "127.0.0.1"))
    up.add_argument("--port", type=int, default=int(os.environ.get("PARVIS_PORT", "8000")))
    up.add_argument("--threads", type=int, default=6, help="web server threads")
    up.add_argument("--workers", type=int, default=default_workers, help="publishing threads")
    up.add_argument("--no-worker", action="store_true", help="serve the web app only (scale-out)")
    up.set_defaults(func=cmd_up)

    worker = sub.add_parser("worker", help="run background workers only (scale-out)")
    worker.add_argument("--workers", type=int, default=default_workers)
    worker.set_defaults(func=cmd_worker)

    mcp = sub.add_parser("mcp", help="MCP server over stdio for an AI assistant (token in PARVIS_TOKEN)")
    mcp.set_defaults(func=cmd_mcp)

    report = sub.add_parser("report", help="a client's report as PDF, PowerPoint or Excel")
    from parvis.analytics.report_cli import add_arguments as report_arguments

    report_arguments(report)
    report.set_defaults(func=cmd_report)

    draw = sub.add_parser("draw", help="contest draws: `draw verify PROOF.json` checks a published proof "
                          "(no database needed)")
    from parvis.relations.draw_cli import add_arguments as draw_arguments

    draw_arguments(draw)
    draw.set_defaults(func=cmd_draw)

    manage = sub.add_parser("manage", help="Django management commands")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    args = parser.parse_args(argv)
    args.func(args)
