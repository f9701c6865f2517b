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


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def fill_for_white_text(colour: str, ratio: float = 4.6) -> str:
    """The brand colour, darkened just enough for white text on it to pass WCAG AA (a
    badge's 12 px label needs 4.5:1; several brand blues give 3.6)."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return colour
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    for step in range(101):
        mixed = "#" + "".join(f"{round(c * (1 - step / 100)):02x}" for c in rgb)
        if contrast(mixed, "#ffffff") >= ratio:
            return mixed
    return "#000000"


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
        f".net.{k} {{ background:{fill_for_white_text(colour)}; }}\n"
        f".net-preview.{k} {{ background:{preview_background}; border-color:{preview_border}; }}\n"
        f".net-preview.{k} .avatar {{ border-radius:{info.avatar_radius}; background:{colour}; }}\n"
        f".net-preview.{k} .net-preview-images img {{ border-radius:{info.image_radius}; }}\n"
        f".event .dot.{k} {{ background:{colour}; }}\n"
        f".event.net-{k} {{ background:{event_background}; border-color:{colour}; }}\n"
    )


def dark_rules(info: NetworkInfo) -> str:
    """The light tints, mixed into the dark surface instead (parvis.css's --card)."""
    k, colour = info.key, info.colour
    return (
        f".net-preview.{k} {{ background:color-mix(in srgb, {colour} 8%, var(--card)); "
        f"border-color:color-mix(in srgb, {colour} 45%, var(--card)); }}\n"
        f".event.net-{k} {{ background:color-mix(in srgb, {colour} 22%, var(--card)); }}\n"
    )


def stylesheet(networks: Iterable[NetworkInfo]) -> str:
    networks = list(networks)
    return ("/* Generated from each network's NetworkInfo (parvis/networks/style.py). */\n"
            + "".join(network_rules(info) for info in networks)
            + "@media (prefers-color-scheme: dark) {\n" + "".join(dark_rules(info) for info in networks) + "}\n")
