"""Draw parvis's app icons (the web app manifest's, Apple's touch icon) from the
favicon's shape — a white "p" on the accent colour — with Pillow, into the static folder.
Run again only when the logo changes: the PNGs are committed.

    .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parents[1] / "parvis" / "web" / "static" / "parvis"
ACCENT, WHITE = (91, 75, 219, 255), (255, 255, 255, 255)


def draw(size: int, maskable: bool) -> Image.Image:
    """The favicon's 32-unit drawing at `size` px. Maskable: the colour fills the square
    and the glyph sits in the middle 60 % (the safe zone a launcher's mask keeps)."""
    scale = 4  # drawn large, then reduced: smooth edges without an antialiasing API
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=ACCENT)
        unit, offset = big * 0.6 / 32, big * 0.2
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 / 32, fill=ACCENT)
        unit, offset = big / 32, 0.0

    def at(x: float, y: float) -> tuple[float, float]:
        return offset + x * unit, offset + y * unit

    stroke = 3.6 * unit
    top, bottom = at(11, 9.5), at(11, 25.5)
    pen.line((top, bottom), fill=WHITE, width=round(stroke))
    for end in (top, bottom):  # round caps
        pen.ellipse((end[0] - stroke / 2, end[1] - stroke / 2, end[0] + stroke / 2, end[1] + stroke / 2), fill=WHITE)
    cx, cy = at(17.5, 14.5)
    radius, ring = 5.6 * unit, 3.4 * unit
    pen.ellipse((cx - radius - ring / 2, cy - radius - ring / 2, cx + radius + ring / 2, cy + radius + ring / 2),
                outline=WHITE, width=round(ring))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("icon-maskable-512.png", 512, True), ("apple-touch-icon.png", 180, True)):
        draw(size, maskable).save(STATIC / name, optimize=True)
        print(STATIC / name)


if __name__ == "__main__":
    main()
