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
