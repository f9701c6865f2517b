"""Small, structurally valid video files for tests: the container headers parvis reads
(ISO-BMFF `ftyp`/`moov`/`trak`/`tkhd` for MP4 and MOV, the EBML header for WebM/Matroska)
around a few bytes of dummy media data. Real tools and servers (file-type in the Bluesky
PDS, mastodon-mock) recognise them by the same headers."""

from __future__ import annotations

import struct


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _tkhd(width: int, height: int) -> bytes:
    payload = bytes(4)  # version 0, flags
    payload += struct.pack(">IIIII", 0, 0, 1, 0, 1000)  # created, modified, track id, reserved, duration
    payload += bytes(8) + struct.pack(">hhhh", 0, 0, 0, 0)  # reserved, layer, group, volume, reserved
    payload += struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)  # identity matrix
    payload += struct.pack(">II", width << 16, height << 16)
    return _box(b"tkhd", payload)


def mp4_bytes(width: int = 640, height: int = 360, brand: bytes = b"isom", compatible: bytes = b"iso2avc1mp41",
              padding: int = 256) -> bytes:
    """An MP4 (or, with brand b"qt  ", a QuickTime MOV) with one video track of that size.
    `compatible`: the other brands the `ftyp` box lists (4 bytes each)."""
    ftyp = _box(b"ftyp", brand + struct.pack(">I", 512) + brand + compatible)
    moov = _box(b"moov", _box(b"mvhd", bytes(100)) + _box(b"trak", _tkhd(width, height)))
    return ftyp + moov + _box(b"mdat", bytes(padding))


def _ebml_element(element_id: bytes, payload: bytes) -> bytes:
    return element_id + bytes([0x80 | len(payload)]) + payload  # one-byte size (< 127)


def ebml_bytes(doctype: str = "webm", padding: int = 256) -> bytes:
    """A WebM (or, with doctype "matroska", an MKV) file header."""
    header = (_ebml_element(b"\x42\x86", b"\x01") + _ebml_element(b"\x42\xf7", b"\x01")
              + _ebml_element(b"\x42\x82", doctype.encode()) + _ebml_element(b"\x42\x87", b"\x04"))
    return _ebml_element(b"\x1a\x45\xdf\xa3", header) + b"\x18\x53\x80\x67" + b"\x01" + bytes(7) + bytes(padding)
