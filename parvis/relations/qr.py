"""QR codes of guests' door codes, drawn by segno (pure Python): an SVG for the RSVP page,
a PNG for the reminder email.

Both keep the four-module quiet zone and draw dark on a white ground whatever the page's
colour scheme: a door phone's camera reads a code on a dark page badly or not at all. The
error correction is M (15 % of the code may be lost): a phone screen's glare or a crease
in a printout, without making the code of a 60-character door code denser than version 4.
"""

from __future__ import annotations

import io

import segno

ERROR = "m"
BORDER = 4  # modules of quiet zone, as the standard asks
SVG_SCALE = 6  # px per module: a door code (version 4, 41 modules with the border) is 246 px, within a phone
PNG_SCALE = 8  # the email's image, 328 px: sharp enough when a mail app shrinks it


def _code(text: str) -> segno.QRCode:
    # micro=False: Micro QR codes hold too little for a door code and many readers skip them.
    return segno.make(text, error=ERROR, micro=False, boost_error=False)


def qr_svg(text: str, label: str = "") -> str:
    """An inline <svg> element (no XML prolog) for an HTML page; `label` names it to
    screen readers."""
    svg: str = _code(text).svg_inline(scale=SVG_SCALE, border=BORDER, dark="#000", light="#fff",
                                      svgclass="qr", lineclass=None, title=label or None)
    # segno escapes the title; its <title> child is the image's accessible name.
    return svg.replace("<svg ", '<svg role="img" ' if label else '<svg aria-hidden="true" ', 1)


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    _code(text).save(out, kind="png", scale=PNG_SCALE, border=BORDER, dark="#000", light="#fff")
    return out.getvalue()
