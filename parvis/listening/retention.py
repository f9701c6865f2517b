"""Forgetting old entries, so that la veille does not grow without end (1,000 feeds bring
some 20,000 entries a day).

An entry is forgotten once it is older than `PARVIS_FEEDS_KEEP_DAYS` (fetched that long
ago) and no longer in its feed's last document (published before the oldest date the
feed still carries: otherwise the next fetch would store it again as new), unless
someone saved it for later or a monitor found it (hits are kept with their texts). A feed
whose entries have no dates keeps them all (its window is unknown).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef

from parvis.listening.models import Entry, EntryMark, Hit

BATCH = 2000


def forget_old_entries(now: datetime, most: int = 20_000) -> int:
    """Delete up to `most` forgettable entries, a batch at a time; how many."""
    cutoff = now - timedelta(days=int(settings.PARVIS_FEEDS_KEEP_DAYS))
    saved = EntryMark.objects.filter(entry=OuterRef("pk"), saved_at__isnull=False)
    found = Hit.objects.filter(entry=OuterRef("pk"))
    old = (Entry.objects.filter(fetched_at__lt=cutoff, source__window_start__isnull=False,
                                published_at__lt=F("source__window_start"))
           .exclude(Exists(saved)).exclude(Exists(found)))
    done = 0
    while done < most:
        ids = list(old.values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        Entry.objects.filter(pk__in=ids).delete()
        done += len(ids)
    return done
