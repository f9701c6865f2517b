"""The French catalogue is complete and its compiled file is up to date."""

from __future__ import annotations

from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_every_french_entry_is_translated_and_not_fuzzy():
    catalogue = polib.pofile(str(PO))
    missing = [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == []


def test_placeholders_are_kept_in_translations():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or not entry.msgstr:
            continue
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), entry.msgid


def test_compiled_catalogue_matches_the_sources():
    compiled = polib.mofile(str(PO.with_suffix(".mo")))
    source = polib.pofile(str(PO))
    # Keyed with the context: "Open" the verb and "Open" the status are two entries.
    assert {(e.msgctxt, e.msgid): e.msgstr for e in compiled if e.msgstr} == {
        (e.msgctxt, e.msgid): e.msgstr for e in source if e.msgstr and not e.obsolete}
