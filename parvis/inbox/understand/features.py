"""From raw texts to the numbers the heads read: one encoder pass shared by all heads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parvis.inbox.understand import encoder, text
from parvis.inbox.understand.model import Head


@dataclass(frozen=True)
class Features:
    embeddings: np.ndarray  # (n, 512) float32, unit vectors
    hand: np.ndarray  # (n, len(text.HAND_FEATURES)) float32

    def __len__(self) -> int:
        return int(self.embeddings.shape[0])

    def for_head(self, head: Head) -> np.ndarray:
        if head.uses_hand:
            if self.hand.shape[1] != len(text.HAND_FEATURES):
                raise ValueError("these features were computed without the hand features this head reads")
            return np.hstack([self.embeddings, self.hand])
        return self.embeddings

    def subset(self, index: np.ndarray) -> Features:
        return Features(self.embeddings[index], self.hand[index])


def featurize_plain(plain_texts: Sequence[str], hand: bool = True) -> Features:
    """Features of texts already passed through `text.plain`. hand=False skips the surface
    features (~25 µs a text) when no head reads them."""
    embeddings = encoder.encode([text.for_encoder(t) for t in plain_texts])
    if not hand:
        return Features(embeddings, np.zeros((len(plain_texts), 0), dtype=np.float32))
    if not plain_texts:
        return Features(embeddings, np.zeros((0, len(text.HAND_FEATURES)), dtype=np.float32))
    return Features(embeddings, np.stack([text.hand_features(t) for t in plain_texts]))


def featurize(raw_texts: Sequence[str]) -> Features:
    return featurize_plain([text.plain(t) for t in raw_texts])
