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

from parvis.inbox.understand.logreg import Linear

# Bump when the shipped weights, the features, or the training data change: stored
# analyses carry it, so the lead can tell which items to analyse again.
MODEL_VERSION = "understand-2026.11-1"
FORMAT = 1

SENTIMENTS: tuple[Literal["negative", "neutral", "positive"], ...] = ("negative", "neutral", "positive")
HEADS = ("sentiment", "toxic", "spam")
WEIGHTS_PATH = Path(__file__).parent / "weights" / "base.npz"
# Largest archive from_bytes accepts: a model is ~30 kB; a database value far larger than
# that is not one of ours.
MAX_BYTES = 5_000_000


def stored(linear: Linear) -> Linear:
    """Coefficients as they are stored (float32), so a model in memory answers exactly as
    the same model read back from its bytes."""
    return Linear(coef=linear.coef.astype(np.float32), intercept=linear.intercept.astype(np.float32))


@dataclass(frozen=True)
class Head:
    linear: Linear
    l2: float
    uses_hand: bool
    threshold: float = 0.5  # binary heads only

    @property
    def dim(self) -> int:
        return int(self.linear.coef.shape[1])


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
        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, Any] = {"format": FORMAT, "version": self.version, "info": self.info, "heads": {}}
        for name in HEADS:
            head = self.head(name)
            arrays[f"{name}_coef"] = head.linear.coef.astype(np.float32)
            arrays[f"{name}_intercept"] = head.linear.intercept.astype(np.float32)
            meta["heads"][name] = {"l2": head.l2, "uses_hand": head.uses_hand, "threshold": head.threshold}
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
                if meta.get("format") != FORMAT:
                    raise ValueError(f"unsupported model format {meta.get('format')!r}")
                heads = {}
                for name in HEADS:
                    spec = meta["heads"][name]
                    coef = np.asarray(archive[f"{name}_coef"], dtype=np.float32)
                    intercept = np.asarray(archive[f"{name}_intercept"], dtype=np.float32)
                    heads[name] = Head(
                        linear=Linear(coef=coef, intercept=intercept),
                        l2=float(spec["l2"]),
                        uses_hand=bool(spec["uses_hand"]),
                        threshold=float(spec["threshold"]),
                    )
        except ValueError:
            raise
        except Exception as exc:  # zip, key or JSON errors: all mean "not a model"
            raise ValueError(f"not an understanding model: {exc}") from exc
        model = cls(version=str(meta["version"]), info=dict(meta.get("info") or {}), **heads)
        model.check()
        return model

    def check(self) -> None:
        from parvis.inbox.understand.encoder import DIM
        from parvis.inbox.understand.text import HAND_FEATURES

        for name, rows in (("sentiment", len(SENTIMENTS)), ("toxic", 1), ("spam", 1)):
            head = self.head(name)
            expected = (rows, DIM + (len(HAND_FEATURES) if head.uses_hand else 0))
            if head.linear.coef.shape != expected or head.linear.intercept.shape != (rows,):
                raise ValueError(f"{name} head has shape {head.linear.coef.shape}, expected {expected}")
            if not (np.all(np.isfinite(head.linear.coef)) and np.all(np.isfinite(head.linear.intercept))):
                raise ValueError(f"{name} head has non-finite weights")


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
