"""Background jobs (huey) of relations. Thin: the work is in `parcels`; the sweep that
queues them is `parcels.dispatch_parcel_checks` (in `settings.PARVIS_SWEEPS`)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from parvis.relations import parcels


@db_task()
def check_parcel_task(parcel_id: int) -> None:
    parcels.check_parcel(parcel_id)
