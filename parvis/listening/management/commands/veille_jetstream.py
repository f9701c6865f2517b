"""`parvis manage veille_jetstream`: read Bluesky's Jetstream for la veille's stream
watches until stopped (Ctrl+C), resuming where the last reader stopped. `parvis up` runs
the same reader in a thread when PARVIS_BLUESKY_JETSTREAM is set; this command is for a
scale-out setup (run it on one machine only) or to try an address."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parvis.listening import jetstream
from parvis.networks.public import ReadError


class Command(BaseCommand):
    help = "Read the network's stream of new posts (Jetstream) for la veille's stream watches, until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="", help="the Jetstream address (default: PARVIS_BLUESKY_JETSTREAM)")
        parser.add_argument("--max-events", type=int, default=None, help="stop after this many events")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or jetstream.stream_address()
        if not url:
            raise CommandError("PARVIS_BLUESKY_JETSTREAM is not set: give the Jetstream's address "
                               "(wss://jetstream2.us-east.bsky.network/subscribe) or --url.")
        self.stdout.write(f"Reading {url} for la veille (Ctrl+C to stop)")
        if options["max_events"] is not None:
            try:
                stored = jetstream.read(url, max_events=options["max_events"])
            except ReadError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"{stored} entries stored")
            return
        stop = threading.Event()
        try:
            refused = jetstream.run(url, stop=stop)
        except KeyboardInterrupt:
            stop.set()
            return
        if refused is not None:
            raise CommandError(refused.message)
