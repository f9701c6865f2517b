"""`parvis report <workspace> --period 2026-11 --format pdf|pptx|xlsx --out FILE`: one
client's report from the command line, with its progress on stderr.

The workspace is named by its id or its name (any case); the report is written in the
workspace's language unless `--language` says otherwise, with the commentary parvis
pre-fills from the figures (the web page is where a CM edits it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from parvis.analytics.report_parts import ALL_FORMATS, SECTIONS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workspace", help="the workspace's id or name")
    parser.add_argument("--period", required=True, help="2026-11 (a month), 2026-W47 (a week) "
                        "or 2026-11-01..2026-11-30")
    parser.add_argument("--format", dest="format_", choices=ALL_FORMATS, default="pdf")
    parser.add_argument("--out", required=True, type=Path, help="the file to write")
    parser.add_argument("--language", choices=("fr", "en"), help="the workspace's language when not given")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help="comma-separated, among: " + ", ".join(SECTIONS))


def find_workspace(name: str) -> object:
    from parvis.accounts.models import Workspace
    from parvis.analytics import report

    found = list(Workspace.objects.filter(pk=int(name))) if name.isdigit() else []
    found = found or list(Workspace.objects.filter(name__iexact=name.strip()))
    if len(found) != 1:
        raise report.ReportError(
            f"no workspace is called {name!r}" if not found else
            f"{len(found)} workspaces are called {name!r}: give its id ({', '.join(str(w.pk) for w in found)})",
            "workspace")
    return found[0]


def run(args: argparse.Namespace, err: TextIO = sys.stderr) -> int:
    """Write the report; 0 when written, 2 with a message naming what to correct."""
    from django.utils import timezone, translation

    from parvis.analytics import report
    from parvis.analytics.dashboard import PeriodError

    def progress(done: int, what: str) -> None:
        width = 30
        filled = width * done // 100
        err.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:3d} % {what:<40}")
        err.flush()

    with translation.override("en"):  # the command's own messages; the report has its language
        try:
            workspace = find_workspace(args.workspace)
            period = report.parse_period(args.period)
            sections = report.check_sections(part.strip() for part in args.sections.split(",") if part.strip())
            files = report.make(workspace, period, timezone.now(), sections=sections, formats_=[args.format_],
                                language=args.language, progress=progress)
        except (report.ReportError, PeriodError) as exc:
            shown = exc.field if exc.field == "workspace" else f"--{exc.field}"  # the one positional argument
            err.write(f"parvis report: {shown}: {exc}\n")
            return 2
        try:
            args.out.write_bytes(files[args.format_])
        except OSError as exc:
            err.write(f"\nparvis report: --out: {args.out}: {exc.strerror}\n")
            return 2
    err.write(f"\n{args.out}: {len(files[args.format_]):,} bytes\n")
    return 0
