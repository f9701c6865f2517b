"""The three classifier heads over one text encoding, and their storage format.

A Model is immutable and only NumPy at prediction time: the same object is shared by
every thread of a process. Its bytes (an .npz archive, no pickle) are what the repository
ships in `weights/` and what a workspace's retrained model is stored as in the database.
"""

from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from parvis.inbox.understand.logreg import Design, Linear

# Bump when the shipped weights, the features, or the training data change: stored
# analyses carry it, so the lead can tell which items to analyse again.
MODEL_VERSION = "understand-2026.12-2"
FORMAT = 2  # 2: heads may read hashed character n-grams; 1 (embeddings only) is still read
READABLE_FORMATS = (1, 2)

SENTIMENTS: tuple[Literal["negative", "neutral", "positive"], ...] = ("negative", "neutral", "positive")
HEADS = ("sentiment", "toxic", "spam")
WEIGHTS_PATH = Path(__file__).parent / "weights" / "base.npz"
# Largest archive from_bytes accepts: a model is a few hundred kB; a database value far
# larger than that is not one of ours.
MAX_BYTES = 5_000_000


def stored(linear: Linear) -> Linear:
    """Coefficients as they are stored, so a model in memory answers exactly as the same
    model read back from its bytes: float32, and the n-gram weights (tens of thousands a
    row) as int8 times a scale per row (a rounding error of ~0.005 on a score)."""
    grams = None if linear.sparse_coef is None else dequantise(*quantise(linear.sparse_coef))
    return Linear(coef=linear.coef.astype(np.float32), intercept=linear.intercept.astype(np.float32),
                  sparse_coef=grams, sparse_tie=linear.sparse_tie)


def quantise(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.maximum(np.abs(weights).max(axis=1), 1e-12) / 127.0
    return np.round(weights / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def dequantise(codes: np.ndarray, scale: np.ndarray) -> np.ndarray:
    out: np.ndarray = codes.astype(np.float32) * scale.astype(np.float32)[:, None]
    return out


@dataclass(frozen=True)
class Head:
    """One classifier over the features. Its linear model has one row per class; with
    `outputs`, those classes are finer than the answer (kinds of comment: "negative:
    complaint", "negative:sarcasm", "negative:toxic"...), and an answer's probability is
    the sum of its classes'. A single line cannot separate a class that is several
    clusters (a complaint and an insult are both negative); one line per kind can."""

    linear: Linear
    l2: float
    uses_hand: bool
    threshold: float = 0.5  # binary heads only
    uses_grams: bool = False  # reads hashed character n-grams (linear.sparse_coef)
    grams_scale: float = 1.0  # their scale next to the unit-length embedding
    classes: tuple[str, ...] = ()  # names of the finer classes, "<answer>:<kind>"
    outputs: tuple[int, ...] = ()  # the answer of each finer class (index in SENTIMENTS, or 0/1)
    copies: bool = False  # learnt its training comments typed plainly too (`augment`)

    @property
    def dim(self) -> int:
        return int(self.linear.coef.shape[1])

    @property
    def answers(self) -> int:
        """3 for sentiment, 1 for a binary head (the probability of "yes")."""
        if self.outputs:
            return 1 if max(self.outputs) == 1 else max(self.outputs) + 1
        return int(self.linear.coef.shape[0])

    def proba(self, x: np.ndarray | Design) -> np.ndarray:
        """(n,) probability of "yes" for a binary head, (n, 3) for sentiment."""
        p = self.linear.proba(x)
        if not self.outputs:
            return p
        outputs = np.asarray(self.outputs)
        if self.answers == 1:
            return np.asarray(p[:, outputs == 1].sum(axis=1))
        return np.stack([p[:, outputs == a].sum(axis=1) for a in range(self.answers)], axis=1)


@dataclass(frozen=True)
class Model:
    version: str
    sentiment: Head
    toxic: Head
    spam: Head
    # How the model was made, for display and for `fit` (e.g. corrections count).
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    def head(self, name: str) -> Head:
        head: Head = getattr(self, name)
        return head

    def to_bytes(self) -> bytes:
        from parvis.inbox.understand import ngrams

        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, Any] = {"format": FORMAT, "version": self.version, "info": self.info, "heads": {},
                                "grams": {"dim": ngrams.DIM, "orders": list(ngrams.ORDERS)}}
        for name in HEADS:
            head = self.head(name)
            arrays[f"{name}_coef"] = head.linear.coef.astype(np.float32)
            arrays[f"{name}_intercept"] = head.linear.intercept.astype(np.float32)
            if head.uses_grams and head.linear.sparse_coef is not None:
                arrays[f"{name}_grams"], arrays[f"{name}_grams_scale"] = quantise(head.linear.sparse_coef)
                if head.linear.sparse_tie is not None:
                    arrays[f"{name}_grams_tie"] = head.linear.sparse_tie.astype(np.int64)
            meta["heads"][name] = {"l2": head.l2, "uses_hand": head.uses_hand, "threshold": head.threshold,
                                   "uses_grams": head.uses_grams, "grams_scale": head.grams_scale,
                                   "classes": list(head.classes), "outputs": list(head.outputs),
                                   "copies": head.copies}
        arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        """Read a stored model; ValueError on anything that is not a valid one."""
        if not isinstance(data, bytes | bytearray | memoryview) or len(data) > MAX_BYTES:
            raise ValueError("not an understanding model")
        try:
            with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as archive:
                meta = json.loads(bytes(archive["meta"]).decode())
                if meta.get("format") not in READABLE_FORMATS:
                    raise ValueError(f"unsupported model format {meta.get('format')!r}")
                heads = {}
                for name in HEADS:
                    spec = meta["heads"][name]
                    coef = np.asarray(archive[f"{name}_coef"], dtype=np.float32)
                    intercept = np.asarray(archive[f"{name}_intercept"], dtype=np.float32)
                    uses_grams = bool(spec.get("uses_grams", False))
                    grams = tie = None
                    if uses_grams:
                        grams = dequantise(archive[f"{name}_grams"], archive[f"{name}_grams_scale"])
                        tie = np.asarray(archive[f"{name}_grams_tie"]) if f"{name}_grams_tie" in archive else None
                    heads[name] = Head(
                        linear=Linear(coef=coef, intercept=intercept, sparse_coef=grams, sparse_tie=tie),
                        l2=float(spec["l2"]),
                        uses_hand=bool(spec["uses_hand"]),
                        threshold=float(spec["threshold"]),
                        uses_grams=uses_grams,
                        grams_scale=float(spec.get("grams_scale", 1.0)),
                        classes=tuple(str(c) for c in spec.get("classes") or ()),
                        outputs=tuple(int(o) for o in spec.get("outputs") or ()),
                        copies=bool(spec.get("copies", False)),
                    )
                _check_grams(meta, heads)
        except ValueError:
            raise
        except Exception as exc:  # zip, key or JSON errors: all mean "not a model"
            raise ValueError(f"not an understanding model: {exc}") from exc
        model = cls(version=str(meta["version"]), info=dict(meta.get("info") or {}), **heads)
        model.check()
        return model

    def check(self) -> None:
        from parvis.inbox.understand import ngrams
        from parvis.inbox.understand.encoder import DIM
        from parvis.inbox.understand.text import HAND_FEATURES

        for name, answers in (("sentiment", len(SENTIMENTS)), ("toxic", 1), ("spam", 1)):
            head = self.head(name)
            if head.answers != answers or len(head.classes) != len(head.outputs):
                raise ValueError(f"{name} head gives {head.answers} answers, expected {answers}")
            rows = len(head.outputs) or answers
            expected = (rows, DIM + (len(HAND_FEATURES) if head.uses_hand else 0))
            if head.linear.coef.shape != expected or head.linear.intercept.shape != (rows,):
                raise ValueError(f"{name} head has shape {head.linear.coef.shape}, expected {expected}")
            arrays = [head.linear.coef, head.linear.intercept]
            if head.uses_grams:
                grams, tie = head.linear.sparse_coef, head.linear.sparse_tie
                grams_rows = rows if tie is None else int(tie.max()) + 1
                bad_tie = tie is not None and (tie.shape != (rows,) or int(tie.min()) < 0)
                if grams is None or grams.shape != (grams_rows, ngrams.DIM) or bad_tie:
                    shape = None if grams is None else grams.shape
                    raise ValueError(f"{name} head has n-gram weights of shape {shape}, "
                                     f"expected {(grams_rows, ngrams.DIM)}")
                arrays.append(grams)
            if not all(np.all(np.isfinite(a)) for a in arrays):
                raise ValueError(f"{name} head has non-finite weights")


def _check_grams(meta: dict[str, Any], heads: dict[str, Head]) -> None:
    """n-gram weights are only meaningful with the hashing they were trained with."""
    from parvis.inbox.understand import ngrams

    if any(head.uses_grams for head in heads.values()):
        grams = meta.get("grams") or {}
        if grams.get("dim") != ngrams.DIM or list(grams.get("orders") or []) != list(ngrams.ORDERS):
            raise ValueError(f"n-gram weights made for {grams!r}, not {ngrams.DIM} columns of orders {ngrams.ORDERS}")


_lock = threading.Lock()
_default: Model | None = None


def default_model() -> Model:
    """The shipped model, read once per process."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Model.from_bytes(WEIGHTS_PATH.read_bytes())
    return _default
