"""An organisation's relations settings, changed in one go: the privacy notice's subject
and text, the retention period, the written-contract threshold, and its own La Poste key.

Every field is checked before anything is saved (SettingsError names each bad one). The
key is write-only: it is stored encrypted, never returned, never logged; giving one starts
following the parcels La Poste can follow, removing it stops them.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from parvis.accounts.models import Organisation
from parvis.core.texts import Text
from parvis.relations import gifts, parcels, people
from parvis.relations.gifts import InputError, Problem
from parvis.relations.models import RelationsSettings

FIELDS = ("notice_subject", "notice_body", "retention_years", "contract_threshold", "laposte_key")
SUBJECT_LENGTH = 200
BODY_LENGTH = 20_000
RETENTION = (1, 10)  # years: the CNIL's reference is 3; more than 10 is no longer "necessary"
KEY_LENGTH = 200
# An Okapi key is printable ASCII without spaces; anything else is a paste gone wrong.
_KEY = re.compile(r"[\x21-\x7e]{8," + str(KEY_LENGTH) + "}")


class SettingsError(InputError):
    """Settings not saved: each problem names its field."""


class _Said(Text):
    """A message `people` already wrote in the reader's language: shown as it is."""

    def render(self) -> str:
        return self.msgid


def key_is_set(organisation: Organisation) -> bool:
    try:
        return bool(parcels.laposte_key(organisation))
    except ValueError:  # encrypted with a key parvis no longer has: there is one, unreadable
        return True


@transaction.atomic
def update_settings(organisation: Organisation, *, now: datetime, **changes: Any) -> tuple[RelationsSettings, int]:
    """Apply `changes` (any of FIELDS). `laposte_key`: a new key, or "" to remove it.
    Returns the settings and how many parcels started being followed."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"not a relations setting: {sorted(unknown)}")
    chosen = people.settings_for(organisation)
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name, limit in (("notice_subject", SUBJECT_LENGTH), ("notice_body", BODY_LENGTH)):
        if name in changes:
            values[name] = _template(changes[name], name, limit, problems)
    if "notice_subject" in values or "notice_body" in values:
        try:
            people.check_notice_template(values.get("notice_subject", chosen.notice_subject),
                                         values.get("notice_body", chosen.notice_body))
        except people.ContactError as exc:  # already in the reader's language
            problems.append(Problem(exc.field, _Said(str(exc))))
    if "retention_years" in changes:
        values["retention_years"] = _years(changes["retention_years"], problems)
    if "contract_threshold" in changes:
        values["contract_threshold"] = _threshold(changes["contract_threshold"], problems)
    key = None
    if "laposte_key" in changes:
        key = _key(changes["laposte_key"], problems)
    if problems:
        raise SettingsError(problems)
    for name, value in values.items():
        setattr(chosen, name, value)
    if key is not None:
        credentials = dict(chosen.tracking_credentials) if isinstance(chosen.tracking_credentials, dict) else {}
        if key:
            credentials["laposte"] = key
        else:
            credentials.pop("laposte", None)
        chosen.tracking_credentials = credentials
    chosen.save()
    started = 0
    if key:
        started = parcels.start_following(organisation, now)
    elif key == "":
        parcels.stop_following(organisation)
    return chosen, started


def _template(raw: Any, name: str, limit: int, problems: list[Problem]) -> str:
    value = raw.strip().replace("\r\n", "\n") if isinstance(raw, str) else ""
    if len(value) > limit:
        problems.append(Problem(name, Text.gettext("At most %(limit)s characters.", limit=limit)))
    return value


def _years(raw: Any, problems: list[Problem]) -> int | None:
    try:
        years = int(str(raw).strip())
    except ValueError:
        years = 0
    if not RETENTION[0] <= years <= RETENTION[1]:
        problems.append(Problem("retention_years", Text.gettext("Enter a number of years from %(low)s to %(high)s.",
                                                                low=RETENTION[0], high=RETENTION[1])))
        return None
    return years


def _threshold(raw: Any, problems: list[Problem]) -> Decimal | None:
    value = gifts.money(raw, "contract_threshold", problems)
    if value is not None and value <= 0:
        problems.append(Problem("contract_threshold", Text.gettext("Enter an amount above zero.")))
        return None
    return value


def _key(raw: Any, problems: list[Problem]) -> str | None:
    if raw is None:
        return ""
    key = raw.strip() if isinstance(raw, str) else None
    if key is None or (key and not _KEY.fullmatch(key)):
        problems.append(Problem("laposte_key", Text.gettext(
            "This does not look like a La Poste key: paste the X-Okapi-Key of your application on "
            "developer.laposte.fr, without spaces.")))
        return None
    return key
