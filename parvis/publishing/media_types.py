"""What an uploaded file really is, read from its bytes, never from its name or the type
the browser claims: images through Pillow, videos from their container header (MP4 and
MOV: the ISO-BMFF `ftyp` box; WebM: the EBML header's DocType)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from parvis.publishing.validation import FieldError, MediaInfo, PostValidationError, inspect_image

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
