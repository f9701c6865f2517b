"""AT Protocol TIDs (timestamp identifiers), used as deterministic record keys.

A TID is 64 bits — a zero bit, 53 bits of microseconds since the Unix epoch, 10 bits of
"clock id" — written as 13 characters of sortable base32. Deriving it from the
publication (its creation time and its idempotency key) instead of the clock makes every
attempt of one publication write the same record key: the PDS refuses a second record
there, which is Bluesky's idempotency.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def encode(value: int) -> str:
    out = []
    for _ in range(13):
        out.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def decode(tid: str) -> int:
    value = 0
    for char in tid:
        value = (value << 5) | ALPHABET.index(char)
    return value


def deterministic_tid(created_at: datetime, key: str) -> str:
    micros = int(created_at.timestamp() * 1_000_000) & ((1 << 53) - 1)
    clock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big") & 1023
    return encode((micros << 10) | clock_id)


# Keyed TIDs spread their timestamps over ten years from here: valid and sortable like
# any TID, and 2^48 distinct values, so that two keys practically never collide (the
# clock id alone, 10 bits, would collide after a few dozen keys).
_KEYED_EPOCH_MICROS = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z
_KEYED_SPAN_MICROS = 10 * 365 * 24 * 3600 * 1_000_000


def keyed_tid(key: str) -> str:
    """A record key that depends on `key` only: for records that must exist at most once
    per subject (our like of a post, our block of an account), written with the same
    key on every attempt so that the PDS refuses a second copy."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    micros = _KEYED_EPOCH_MICROS + (digest >> 10) % _KEYED_SPAN_MICROS
    return encode((micros << 10) | (digest & 1023))
