from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import Image, ImageFile


def png_bytes(size: tuple[int, int] = (64, 48), color: str = "orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), color: str = "orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def png_bomb(width: int = 13_000, height: int = 13_000) -> bytes:
    """A valid black-and-white PNG of `width` × `height` pixels that weighs a few tens of
    kilobytes (169 megapixels by default, as found when parvis was probed): written
    chunk by chunk so that making it never holds the picture in memory. Pillow decodes
    it to a byte per pixel, four once converted for a thumbnail."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte "none", then 1 bit a pixel
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def forbid_decoding(monkeypatch: Any) -> list[str]:
    """Make any decode of image data fail loudly, and list the images it was tried on:
    proof that a refusal came from the header alone, with no memory spent on pixels."""
    tried: list[str] = []

    def refuse(image: ImageFile.ImageFile) -> None:
        tried.append(f"{image.format} {image.size}")
        raise RuntimeError("an image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    return tried
