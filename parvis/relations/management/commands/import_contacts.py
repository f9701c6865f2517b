"""`parvis manage import_contacts --workspace ID FILE [--list NAME] [--source TEXT]`: merge
a contacts file (vCard, or a CSV from Google Contacts, Outlook or parvis) into the agency
of a workspace, with the progress shown — for address books too big for the web form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parvis.accounts.models import Workspace
from parvis.relations import contact_io, people
from parvis.relations.cards import ImportRefused
from parvis.relations.models import ContactList


class Command(BaseCommand):
    help = "Merge a contacts file (vCard or CSV) into the agency of a workspace, showing the progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--workspace", type=int, required=True, help="the id of one of the agency's workspaces")
        parser.add_argument("--list", default="", help="add the contacts to this list (made if missing)")
        parser.add_argument("--source", default="", help="where the details come from (told in the notice)")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.select_related("organisation").filter(pk=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"--workspace: no workspace {options['workspace']}")
        path: Path = options["file"]
        try:
            read = contact_io.read(path.read_bytes(), path.name)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        except ImportRefused as exc:
            raise CommandError(f"{path}: {exc}") from exc
        into = None
        name = people.clean(options["list"], 120)
        if name:
            into, _made = ContactList.objects.get_or_create(organisation=workspace.organisation, name=name)

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} cards", ending="")
            self.stderr.flush()

        done = contact_io.import_cards(workspace.organisation, read, into=into, progress=progress,
                                       source=options["source"] or path.name)
        self.stderr.write("")
        self.stdout.write(f"{done.created} added, {done.completed} completed, {done.unchanged} already up to date, "
                          f"{len(done.problems)} problems ({done.format})")
        for problem in done.problems:
            self.stdout.write(f"  card or row {problem.number} ({problem.field}): {problem.message}")
