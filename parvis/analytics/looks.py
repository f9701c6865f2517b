"""What a report's look may be made of: a logo (PNG or JPEG) and an agency's PowerPoint
template, checked by opening them as the renderers will, whether they come from the web
form or the API."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

from parvis.analytics.report import ReportError

LOGO_BYTES = 512 * 1024
TEMPLATE_BYTES = 10 * 1024 * 1024


def read_logo(upload: Any, field: str = "logo") -> bytes:
    """The uploaded file's bytes when it is a PNG or JPEG of at most 512 kB."""
    from PIL import Image

    data = upload.read(LOGO_BYTES + 1)
    if len(data) > LOGO_BYTES:
        raise ReportError(_("A logo is at most 512 kB."), field)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except Exception:  # Pillow's errors are of many kinds (a decompression bomb among them)
        kind = None
    if kind not in ("PNG", "JPEG"):
        raise ReportError(_("Give a PNG or JPEG image."), field)
    return data


def read_template(upload: Any, field: str = "template") -> tuple[str, bytes]:
    """(its name, its bytes) when the upload opens as a PowerPoint deck of at most 10 MB."""
    from pptx import Presentation

    data = upload.read(TEMPLATE_BYTES + 1)
    if len(data) > TEMPLATE_BYTES:
        raise ReportError(_("A template is at most 10 MB."), field)
    try:
        Presentation(io.BytesIO(data))
    except Exception:  # zipfile's, lxml's, python-pptx's errors: one answer
        raise ReportError(_("This is not a PowerPoint (.pptx) file."), field) from None
    return str(getattr(upload, "name", "") or "template.pptx")[:200], data
