"""`parvis manage import_opml --workspace ID FILE`: follow every feed of an OPML file
(another reader's export) in a workspace, its folders kept, with the progress shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parvis.accounts.models import Workspace
from parvis.listening import actions
from parvis.listening.feeds.opml import OPMLError


class Command(BaseCommand):
    help = "Follow every feed of an OPML file in a workspace (folders kept), showing the progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--workspace", type=int, required=True, help="the workspace's id")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(pk=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"--workspace: no workspace {options['workspace']}")
        try:
            data = options["file"].read_bytes()
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from exc

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} feeds", ending="")
            self.stdout.flush()

        try:
            report = actions.import_opml(workspace, data, None, progress=progress)
        except OPMLError as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        self.stdout.write("")
        self.stdout.write(f"{report.added} added, {report.already} followed already, {len(report.refused)} refused")
        for url, reason in report.refused:
            self.stdout.write(f"  {url}: {reason}")
