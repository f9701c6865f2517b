"""`fit`: a workspace's model, retrained with the corrections its people made. NumPy only.

What the shipped model learnt is kept two ways: its coefficients are the centre of the L2
penalty (so knowledge from data the app does not ship, the English tweets, stays where
the corrections say nothing), and the repository's labelled training comments are fitted
again alongside the corrections (so a few corrections cannot wreck the shipped accuracy).
Corrections weigh more than a training comment; the weight grows, up to a bound, until the
model agrees with each correction, as a person who corrects an item expects.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

import numpy as np

from parvis.inbox.understand import logreg
from parvis.inbox.understand.data import LabelledExample, load_comments
from parvis.inbox.understand.features import Features, featurize
from parvis.inbox.understand.model import SENTIMENTS, Head, Model, default_model, stored

CORRECTION_WEIGHT = 5.0
MAX_DOUBLINGS = 4  # up to 80 × a training comment: beyond that, corrections contradict each other

_anchor_lock = threading.Lock()
_anchor: tuple[Features, list[LabelledExample]] | None = None


def anchor() -> tuple[Features, list[LabelledExample]]:
    """The shipped training comments and their features, encoded once per process (~0.5 s)."""
    global _anchor
    with _anchor_lock:
        if _anchor is None:
            examples = [c.as_example() for c in load_comments("train")]
            _anchor = (featurize([e.text for e in examples]), examples)
        return _anchor


def label_of(example: LabelledExample, head: str) -> int | None:
    if head == "sentiment":
        return None if example.sentiment is None else SENTIMENTS.index(example.sentiment)
    value = example.toxic if head == "toxic" else example.spam
    return None if value is None else int(value)


def predict_head(head: Head, x: np.ndarray) -> np.ndarray:
    proba = head.linear.proba(x)
    if proba.ndim == 2:
        return np.asarray(np.argmax(proba, axis=1))
    return (proba >= head.threshold).astype(np.int64)


def fit_head(
    head: Head,
    name: str,
    train: Features,
    labels: np.ndarray,
    weights: np.ndarray,
    prior: logreg.Linear | None,
) -> Head:
    x = train.for_head(head)
    n_classes = len(SENTIMENTS) if name == "sentiment" else 2
    linear = logreg.fit(x, labels, l2=head.l2, n_classes=n_classes, sample_weight=weights, prior=prior)
    return Head(linear=stored(linear), l2=head.l2, uses_hand=head.uses_hand, threshold=head.threshold)


def fit(extra: Sequence[LabelledExample], base: Model | None = None) -> Model:
    """A model that includes `extra` (people's corrections) on top of `base` (the shipped one)."""
    base = base or default_model()
    latest: dict[str, LabelledExample] = {}
    for example in extra:  # the latest correction of a text wins
        latest[example.text] = example
    corrections = list(latest.values())
    anchor_feats, anchor_examples = anchor()
    feats = featurize([e.text for e in corrections])
    heads = {}
    for name in ("sentiment", "toxic", "spam"):
        head = base.head(name)
        rows = [i for i, e in enumerate(corrections) if label_of(e, name) is not None]
        if not rows:
            heads[name] = head
            continue
        fixes = feats.subset(np.array(rows))
        fix_labels = np.array([label_of(corrections[i], name) for i in rows], dtype=np.int64)
        anchor_labels = np.array([label_of(e, name) for e in anchor_examples], dtype=np.int64)
        both = Features(
            np.vstack([anchor_feats.embeddings, fixes.embeddings]), np.vstack([anchor_feats.hand, fixes.hand])
        )
        labels = np.concatenate([anchor_labels, fix_labels])
        weight = CORRECTION_WEIGHT
        for _ in range(MAX_DOUBLINGS + 1):
            weights = np.concatenate([np.ones(len(anchor_labels)), np.full(len(rows), weight)])
            fitted = fit_head(head, name, both, labels, weights, prior=head.linear)
            if np.array_equal(predict_head(fitted, fixes.for_head(fitted)), fix_labels):
                break
            weight *= 2
        heads[name] = fitted
    digest = hashlib.sha256(
        "\n".join(f"{e.text}\t{e.sentiment}\t{e.toxic}\t{e.spam}" for e in corrections).encode()
    ).hexdigest()[:12]
    return Model(
        version=f"{base.version}+{digest}",
        info={"base": base.version, "corrections": len(corrections)},
        **heads,
    )
