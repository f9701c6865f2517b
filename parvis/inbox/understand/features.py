"""From raw texts to the numbers the heads read: one encoder pass shared by all heads,
and the hashed character n-grams of the same text for the heads that read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parvis.inbox.understand import encoder, ngrams, normalise, text
from parvis.inbox.understand.logreg import Design, Sparse
from parvis.inbox.understand.model import Head


@dataclass(frozen=True)
class Features:
    embeddings: np.ndarray  # (n, 512) float32, unit vectors
    hand: np.ndarray  # (n, len(text.HAND_FEATURES)) float32
    grams: Sparse  # (n, ngrams.DIM), unit rows; width 0 when not computed

    def __len__(self) -> int:
        return int(self.embeddings.shape[0])

    def for_head(self, head: Head) -> np.ndarray | Design:
        dense = self.embeddings
        if head.uses_hand:
            if self.hand.shape[1] != len(text.HAND_FEATURES):
                raise ValueError("these features were computed without the hand features this head reads")
            dense = np.hstack([self.embeddings, self.hand])
        if head.uses_grams:
            if self.grams.width != ngrams.DIM:
                raise ValueError("these features were computed without the n-grams this head reads")
            return Design(dense, self.grams, head.grams_scale)
        return dense

    def subset(self, index: np.ndarray) -> Features:
        grams = self.grams.subset(index) if self.grams.width else Sparse.empty(len(self.embeddings[index]), 0)
        return Features(self.embeddings[index], self.hand[index], grams)

    @staticmethod
    def stack(parts: Sequence[Features]) -> Features:
        widths = {p.grams.width for p in parts}
        grams = Sparse.vstack([p.grams for p in parts]) if widths != {0} else Sparse.empty(sum(map(len, parts)), 0)
        return Features(np.vstack([p.embeddings for p in parts]), np.vstack([p.hand for p in parts]), grams)


def model_text(plain_text: str) -> str:
    """What the encoder and the n-grams read: links and handles out, spelling tricks undone."""
    return normalise.unmask(text.for_encoder(plain_text))


def featurize_plain(plain_texts: Sequence[str], hand: bool = True, grams: bool = True) -> Features:
    """Features of texts already passed through `text.plain`. hand=False skips the surface
    features (~25 µs a text) and grams=False the n-grams (~15 µs) when no head reads them."""
    read = [model_text(t) for t in plain_texts]
    embeddings = encoder.encode(read)
    n = len(plain_texts)
    grams_matrix = ngrams.hashed(read) if grams else Sparse.empty(n, 0)
    if not hand:
        return Features(embeddings, np.zeros((n, 0), dtype=np.float32), grams_matrix)
    if not n:
        return Features(embeddings, np.zeros((0, len(text.HAND_FEATURES)), dtype=np.float32), grams_matrix)
    return Features(embeddings, np.stack([text.hand_features(t) for t in plain_texts]), grams_matrix)


def featurize(raw_texts: Sequence[str]) -> Features:
    return featurize_plain([text.plain(t) for t in raw_texts])
