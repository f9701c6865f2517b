"""What an uploaded file really is, read from its bytes, never from its name or the type
the browser claims: images through Pillow, videos from their container header (MP4 and
MOV: the ISO-BMFF `ftyp` box; WebM: the EBML header's DocType).

An image is refused above its pixel budget (`PARVIS_MAX_IMAGE_PIXELS`) from the size in
its header, before any of it is decoded: a 493 KB PNG can hold 169 megapixels, and
decoding it for a thumbnail took 650 MB of memory."""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from parvis.publishing.types import FieldError, MediaInfo, PostValidationError

PIL_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}

# `ftyp` brands of files that hold video. HEIF/AVIF images (heic, mif1, avif) and audio
# (M4A) share the container and are deliberately not here.
MP4_BRANDS = frozenset({
    "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "M4VP",
    "mmp4", "dash", "f4v ", "msnv", "XAVC",
})
QUICKTIME_BRAND = "qt  "
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
DOCTYPE_ID = 0x4282
MAX_MOOV_BYTES = 16 * 1024 * 1024  # the index of any real video is far smaller
MAX_BOXES = 4096


@dataclass(frozen=True)
class VideoFormat:
    mime_type: str
    width: int | None = None
    height: int | None = None


def inspect_media(name: str, stream: IO[bytes], size: int) -> MediaInfo:
    """An image or a video parvis can publish; PostValidationError (field `media`) if not."""
    try:
        video = sniff_video(stream)
    finally:
        stream.seek(0)
    if video is not None:
        return MediaInfo(name=name, mime_type=video.mime_type, size=size, width=video.width,
                         height=video.height, kind="video")
    check_pixel_budget(name, stream)
    try:
        info = inspect_image(name, stream, size)
    except PostValidationError as exc:
        if exc.errors and exc.errors[0].code == "not_an_image":
            raise PostValidationError([FieldError(
                "media", _("“%(name)s” is not an image or a video parvis can publish (JPEG, PNG, GIF, "
                           "WebP, MP4, MOV or WebM).") % {"name": name}, "not_an_image")]) from exc
        raise
    info.kind = "image"
    return info


def inspect_image(name: str, stream: IO[bytes], size: int) -> MediaInfo:
    """Open the upload with Pillow; raise PostValidationError if it is not an image."""
    try:
        stream.seek(0)
        with Image.open(stream) as image:
            image.verify()
        stream.seek(0)
        with Image.open(stream) as image:
            width, height, fmt = image.width, image.height, image.format
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PostValidationError([FieldError(
            "media", _("“%(name)s” is not an image parvis can publish (JPEG, PNG, GIF or WebP).")
            % {"name": name}, "not_an_image")]) from exc
    finally:
        stream.seek(0)
    mime = PIL_MIME.get(fmt or "")
    if mime is None:
        raise PostValidationError([FieldError(
            "media", _("“%(name)s” is a %(format)s image; use JPEG, PNG, GIF or WebP.")
            % {"name": name, "format": fmt}, "unsupported_media")])
    return MediaInfo(name=name, mime_type=mime, size=size, width=width, height=height)


def max_pixels() -> int:
    return int(settings.PARVIS_MAX_IMAGE_PIXELS)


@dataclass(frozen=True)
class HeaderSize:
    pixels: int
    width: int | None = None  # None: Pillow refused the file as too large before saying
    height: int | None = None


def header_size(stream: IO[bytes]) -> HeaderSize | None:
    """The image's size as its header states it, without decoding a pixel (Pillow's
    `open` is lazy); None when Pillow cannot read the header."""
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            # Above its own limit Pillow warns: we refuse such an image ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                return HeaderSize(image.width * image.height, image.width, image.height)
    except Image.DecompressionBombError as exc:
        # Twice over its limit Pillow refuses to open it, giving the pixel count in words.
        counts = [int(word) for word in str(exc).replace("(", " ").split() if word.isdigit()]
        return HeaderSize(counts[0] if counts else max_pixels() + 1)
    except (OSError, ValueError, SyntaxError):
        return None
    finally:
        stream.seek(0)


def _megapixels(pixels: int) -> str:
    return floatformat(pixels / 1_000_000, "-1g")  # "169", "3.2", "1,234.5": in the reader's format


def check_pixel_budget(name: str, stream: IO[bytes]) -> None:
    """PostValidationError on `media` when the image has more pixels than parvis decodes."""
    size = header_size(stream)
    limit = max_pixels()
    if size is None or size.pixels <= limit:
        return  # None: not an image Pillow knows, and `inspect_image` says so
    values = {"name": name, "mp": _megapixels(size.pixels), "max": _megapixels(limit)}
    if size.width is None or size.height is None:
        message = _("“%(name)s” has %(mp)s megapixels: parvis takes images of up to %(max)s megapixels. "
                    "Make it smaller and upload it again.") % values
    else:
        message = _("“%(name)s” is %(width)s × %(height)s pixels (%(mp)s megapixels): parvis takes images "
                    "of up to %(max)s megapixels. Make it smaller and upload it again.") % {
            **values, "width": number_format(size.width, force_grouping=True),
            "height": number_format(size.height, force_grouping=True)}
    raise PostValidationError([FieldError("media", message, "too_many_pixels")])


def sniff_video(stream: IO[bytes]) -> VideoFormat | None:
    stream.seek(0)
    head = stream.read(64)
    if head[:4] == EBML_MAGIC:
        return VideoFormat("video/webm") if _ebml_doctype(stream) == "webm" else None
    if head[4:8] == b"ftyp":
        brands = _ftyp_brands(head, stream)
        if brands and brands[0] == QUICKTIME_BRAND:
            mime = "video/quicktime"
        elif MP4_BRANDS.intersection(brands):
            mime = "video/mp4"
        else:
            return None
        width, height = _mp4_dimensions(stream)
        return VideoFormat(mime, width, height)
    return None


# -- ISO base media file format (MP4, MOV) --------------------------------------------

def _ftyp_brands(head: bytes, stream: IO[bytes]) -> list[str]:
    """The major brand, then the compatible brands."""
    (box_size,) = struct.unpack(">I", head[:4])
    if box_size < 16 or box_size > 4096:
        return []
    stream.seek(0)
    box = stream.read(box_size)
    brands = [box[8:12]] + [box[i:i + 4] for i in range(16, len(box) - 3, 4)]
    return [b.decode("latin-1") for b in brands]


def _boxes(stream: IO[bytes], start: int, end: int | None) -> list[tuple[str, int, int]]:
    """(type, payload offset, payload size) of the boxes between `start` and `end`."""
    found = []
    offset = start
    for _i in range(MAX_BOXES):
        if end is not None and offset + 8 > end:
            break
        stream.seek(offset)
        header = stream.read(8)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            large = stream.read(8)
            if len(large) < 8:
                break
            (size,) = struct.unpack(">Q", large)
            header_size = 16
        elif size == 0:  # runs to the end of the file (or of the parent)
            stream.seek(0, 2)
            size = (end if end is not None else stream.tell()) - offset
        if size < header_size:
            break
        found.append((kind.decode("latin-1"), offset + header_size, size - header_size))
        offset += size
    return found


def _mp4_dimensions(stream: IO[bytes]) -> tuple[int | None, int | None]:
    """The size of the first visual track, from its `tkhd` (16.16 fixed-point)."""
    moov = next((b for b in _boxes(stream, 0, None) if b[0] == "moov"), None)
    if moov is None or moov[2] > MAX_MOOV_BYTES:
        return None, None
    _kind, moov_start, moov_size = moov
    for kind, trak_start, trak_size in _boxes(stream, moov_start, moov_start + moov_size):
        if kind != "trak":
            continue
        for inner, start, size in _boxes(stream, trak_start, trak_start + trak_size):
            if inner != "tkhd" or size < 84:
                continue
            stream.seek(start)
            tkhd = stream.read(size)
            offset = 76 if tkhd[0] == 0 else 88
            if len(tkhd) < offset + 8:
                continue
            width, height = struct.unpack(">II", tkhd[offset:offset + 8])
            if width >> 16 and height >> 16:
                return width >> 16, height >> 16
    return None, None


# -- EBML (WebM) ----------------------------------------------------------------------

def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-size integer at `pos`: (value, length), or None if malformed."""
    if pos >= len(data) or data[pos] == 0:
        return None
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[pos + 1:pos + length]:
        value = (value << 8) | byte
    return value, length


def _ebml_doctype(stream: IO[bytes]) -> str:
    stream.seek(0)
    data = stream.read(256)
    size = _vint(data, 4, keep_marker=False)
    if size is None:
        return ""
    pos = 4 + size[1]
    end = min(pos + size[0], len(data))
    while pos < end:
        element = _vint(data, pos, keep_marker=True)
        if element is None:
            return ""
        pos += element[1]
        length = _vint(data, pos, keep_marker=False)
        if length is None:
            return ""
        pos += length[1]
        if element[0] == DOCTYPE_ID:
            return data[pos:pos + length[0]].decode("ascii", "replace").rstrip("\x00")
        pos += length[0]
    return ""
