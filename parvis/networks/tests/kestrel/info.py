"""Kestrel as the rest of parvis sees it: only what differs from the defaults."""

from __future__ import annotations

import re

from parvis.networks.info import NetworkInfo


class KestrelInfo(NetworkInfo):
    def handle_aliases(self, handle: str) -> set[str]:
        return {handle, handle.removesuffix("-kestrel")}


INFO = KestrelInfo(
    "kestrel", "Kestrel", "parvis.networks.tests.kestrel.connector:KestrelConnector",
    colour="#0a7d5a", handle_syntax="@name-kestrel", handle_example="@brand-kestrel",
    handle_re=re.compile(r"\w+-kestrel"), counts_graphemes=False, url_length=10,
    options_form="parvis.networks.tests.kestrel.options:OptionsForm",
)
