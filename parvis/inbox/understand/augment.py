"""A plainly typed copy of each training comment, learnt beside the original.

People type comments fast: no capitals, no accents, no apostrophes ("jai", "cest",
"dont"), no full stops. The training comments are mostly written with care, and the
sentence encoder reads "Déçue, la couleur n'a rien à voir" and "decue la couleur na rien a
voir" quite differently: a sentiment head trained on the first two training files scored
macro-F1 0.74 on the third as written and 0.60 on the same comments with case, accents and
punctuation dropped; learning such copies of its training comments too, 0.75 and 0.68. A
head may therefore learn each training comment twice, as written and typed plainly, the
copy at half weight (grouped cross-validation preferred 0.5 to 1); `train.py` decides per
head by cross-validation, a copy always in its original's fold (`Head.copies`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from parvis.inbox.understand.features import Features

COPY_WEIGHT = 0.5
_APOSTROPHES = re.compile(r"['’`]")
_STOPS = re.compile(r"[.,;:…]+(?=\s|$)")  # at a word's end: links and "3.5" keep theirs
_SPACES = re.compile(r"\s+")


def typed_plainly(text: str) -> str:
    """Lower case, accents dropped, apostrophes closed up, commas and full stops after a
    word gone; question and exclamation marks, emoji, @handles and links kept."""
    text = text.lower()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text)
    text = _STOPS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def with_copies(feats: Features, copies: Features, weights: np.ndarray) -> tuple[Features, np.ndarray]:
    """Training rows: the originals, then their copies (row i of `copies` is the copy of
    row i of `feats`), with the copies' weights scaled by COPY_WEIGHT."""
    return Features.stack([feats, copies]), np.concatenate([weights, COPY_WEIGHT * weights])


def copy_texts(texts: Sequence[str]) -> list[str]:
    return [typed_plainly(t) for t in texts]
