"""Each network's colours and shapes as CSS, from its `NetworkInfo`.

The content security policy allows no inline style, so the rules are served as a
stylesheet of their own (`/networks.css`, linked after parvis.css so that they win over
its generic rules, as they did when they were written there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from parvis.networks.info import NetworkInfo

# What a declared key or CSS value may hold: nothing that could close a rule.
_KEY = re.compile(r"[a-z][a-z0-9_-]*")
_VALUE = re.compile(r"[#a-zA-Z0-9(),.% -]+")


def _tint(colour: str, percent: int) -> str:
    return f"color-mix(in srgb, {colour} {percent}%, #fff)"


def network_rules(info: NetworkInfo) -> str:
    k, colour = info.key, info.colour
    preview_background = info.preview_background or _tint(colour, 3)
    preview_border = info.preview_border or _tint(colour, 25)
    event_background = info.event_background or _tint(colour, 10)
    values = (colour, preview_background, preview_border, event_background, info.avatar_radius, info.image_radius)
    if not _KEY.fullmatch(k) or not all(_VALUE.fullmatch(v) for v in values):
        raise ValueError(f"network {k!r}: a key or a colour is not plain CSS")
    return (
        f".net.{k} {{ background:{colour}; }}\n"
        f".net-preview.{k} {{ background:{preview_background}; border-color:{preview_border}; }}\n"
        f".net-preview.{k} .avatar {{ border-radius:{info.avatar_radius}; background:{colour}; }}\n"
        f".net-preview.{k} .net-preview-images img {{ border-radius:{info.image_radius}; }}\n"
        f".event .dot.{k} {{ background:{colour}; }}\n"
        f".event.net-{k} {{ background:{event_background}; border-color:{colour}; }}\n"
    )


def stylesheet(networks: Iterable[NetworkInfo]) -> str:
    return "/* Generated from each network's NetworkInfo (parvis/networks/style.py). */\n" + "".join(
        network_rules(info) for info in networks)
