"""Hashed character n-grams: what a comment is spelt with, next to what it means.

The sentence encoder reads meaning, and smooths over the very words that make a comment
an insult or a slur when they are rare, misspelt or regional ("cassos", "gaou", "bougnoule",
"r3tard" once unmasked, "chu tanné"). Character n-grams (3 to 5 letters, across word
boundaries) see those spellings directly; hashing them into a fixed number of columns
needs no vocabulary file and no tokenizer, and the heads learn which columns matter.

Everything is vectorised over a batch (one NumPy pass per n-gram order, no Python loop per
n-gram): ~10-20 µs a comment. The hash is our own (not Python's `hash`, which changes from
process to process), so a weight file means the same thing everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from parvis.inbox.understand.logreg import Sparse

DIM = 1 << 14  # columns; collisions are shared by a few rare n-grams, which L2 keeps small
ORDERS = (3, 4, 5)
_MULTIPLIER = np.uint64(0x100000001B3)  # FNV-1a's 64-bit prime
_MIX = np.uint64(0x9E3779B97F4A7C15)  # the golden-ratio constant of Fibonacci hashing
_SPACES = re.compile(r"\s+")


def prepare(text: str) -> str:
    """Lower case, accents dropped (people type "tres" as often as "très"), spaces
    collapsed, one space on each side so that word starts and ends are n-grams too."""
    text = text.lower()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " " + _SPACES.sub(" ", text).strip() + " "


def hashed(texts: Sequence[str], dim: int = DIM, orders: Sequence[int] = ORDERS) -> Sparse:
    """One row per text (already unmasked): a value in the column of each n-gram, rows
    scaled by one over the square root of their number of n-grams (a long rant does not
    outweigh a short insult). A repeated n-gram counts each time."""
    n = len(texts)
    if not n:
        return Sparse.empty(0, dim)
    joined = "\x00".join(prepare(t) for t in texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    is_gap = codes == 0
    gaps_before = np.concatenate([[0], np.cumsum(is_gap)])
    count = len(codes) - min(orders) + 1
    if count <= 0:
        return Sparse.empty(n, dim)
    # hashes[i, j]: the n-gram of order orders[j] starting at position i. Read row by row,
    # they come text by text, so the rows of the matrix need no sorting.
    hashes = np.zeros((count, len(orders)), dtype=np.uint64)
    valid = np.zeros((count, len(orders)), dtype=bool)
    with np.errstate(over="ignore"):
        for j, order in enumerate(orders):
            m = len(codes) - order + 1
            if m <= 0:
                continue
            h = np.full(m, np.uint64(order) * _MIX, dtype=np.uint64)
            for offset in range(order):
                h ^= codes[offset:offset + m]
                h *= _MULTIPLIER
            h ^= h >> np.uint64(29)
            h *= _MIX
            h ^= h >> np.uint64(32)
            hashes[:m, j] = h
            # a window containing a gap spans two texts: dropped
            valid[:m, j] = gaps_before[order:order + m] - gaps_before[:m] == 0
    keep = valid.ravel()
    cols = (hashes.ravel()[keep] % np.uint64(dim)).astype(np.int64)
    rows = np.repeat(gaps_before[1:count + 1], len(orders))[keep]  # gaps before a position = its text
    per_row = np.bincount(rows, minlength=n)
    values = (1.0 / np.sqrt(np.maximum(per_row, 1))).astype(np.float32)[rows]
    indptr = np.concatenate([[0], np.cumsum(per_row)])
    return Sparse(indptr=indptr, indices=cols, values=values, width=dim)
