"""Signals other parts of the inbox listen to, so that storing stays one-way."""

from django.dispatch import Signal

# Sent after a poll stored items: `stored` is an `ingest.Stored` (created, edited, new
# threads). Rules, notifications and crisis detection listen to it.
items_stored = Signal()
