"""`fit`: a workspace's model, retrained with the corrections its people made. NumPy only.

What the shipped model learnt is kept two ways: its coefficients are the centre of the L2
penalty (so what it learnt stays where the corrections say nothing), and the
repository's labelled training comments (with their plainly typed copies, for a head that
learnt them) are fitted again alongside the corrections (so a few corrections cannot wreck
the shipped accuracy). Corrections weigh more than a
training comment; the weight grows, up to a bound, until the model agrees with each
correction, as a person who corrects an item expects.

A head with finer classes (kinds of comment, see `model.Head`) learns each training
comment under its kind; a correction only says the answer ("positive", "toxic"), so it is
learnt under the finer class of that answer the shipped head finds most likely for it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from parvis.inbox.understand import augment, logreg
from parvis.inbox.understand.data import Comment, LabelledExample, load_comments
from parvis.inbox.understand.features import Features, featurize
from parvis.inbox.understand.logreg import Design
from parvis.inbox.understand.model import SENTIMENTS, Head, Model, default_model, stored

CORRECTION_WEIGHT = 5.0
MAX_DOUBLINGS = 4  # up to 80 × a training comment: beyond that, corrections contradict each other
FINER_MINIMUM = 25  # a kind with fewer training comments joins "<answer>:other"

_anchor_lock = threading.Lock()


@dataclass(frozen=True)
class Anchor:
    """The shipped training comments, and the same typed plainly (`augment`): a head that
    learnt the copies is refitted with them, the others without."""

    feats: Features
    copies: Features  # row i: comments[i] typed plainly
    comments: list[Comment]

    def rows(self, head: Head) -> tuple[Features, list[Comment], np.ndarray]:
        """What `head` learns from: features, the comment of each row, weights."""
        weights = np.ones(len(self.comments))
        if not head.copies:
            return self.feats, self.comments, weights
        feats, weights = augment.with_copies(self.feats, self.copies, weights)
        return feats, self.comments + self.comments, weights


_anchor: Anchor | None = None


def anchor() -> Anchor:
    """The training comments and their copies, encoded once per process (~4 s)."""
    global _anchor
    with _anchor_lock:
        if _anchor is None:
            comments = load_comments()
            texts = [c.text for c in comments]
            _anchor = Anchor(featurize(texts), featurize(augment.copy_texts(texts)), comments)
        return _anchor


def label_of(example: LabelledExample | Comment, head: str) -> int | None:
    if head == "sentiment":
        return None if example.sentiment is None else SENTIMENTS.index(example.sentiment)
    value = example.toxic if head == "toxic" else example.spam
    return None if value is None else int(value)


def finer_name(comment: Comment, head: str) -> str:
    """"<answer>:<kind>": the class a training comment is learnt under by a head with
    finer classes. Every toxic kind is one class for sentiment (they are all negative)."""
    answer = comment.sentiment if head == "sentiment" else str(label_of(comment, head))
    kind = comment.kind or "other"
    if head == "sentiment" and comment.toxic:
        kind = "toxic"
    return f"{answer}:{kind}"


def finer_classes(head: str, comments: Sequence[Comment]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """(names, answer of each) of the finer classes with at least FINER_MINIMUM comments,
    plus "<answer>:other" for the rest."""
    counts: dict[str, int] = {}
    for comment in comments:
        counts[finer_name(comment, head)] = counts.get(finer_name(comment, head), 0) + 1
    names = sorted({n if c >= FINER_MINIMUM else n.split(":")[0] + ":other" for n, c in counts.items()})
    answers = tuple(SENTIMENTS.index(n.split(":")[0]) if head == "sentiment" else int(n.split(":")[0]) for n in names)
    return tuple(names), answers


def finer_labels(head: Head, name: str, comments: Sequence[Comment]) -> np.ndarray:
    """Each training comment's finer class index (-1 when the head has none for it)."""
    index = {c: i for i, c in enumerate(head.classes)}
    out = np.empty(len(comments), dtype=np.int64)
    for row, comment in enumerate(comments):
        own = finer_name(comment, name)
        out[row] = index.get(own, index.get(own.split(":")[0] + ":other", -1))
    return out


def likeliest_finer(head: Head, x: np.ndarray | Design, answers: np.ndarray) -> np.ndarray:
    """For texts whose answer is known, the finer class of that answer the head finds most
    likely."""
    proba = head.linear.proba(x)
    allowed = np.asarray(head.outputs)[None, :] == answers[:, None]
    return np.asarray(np.argmax(np.where(allowed, proba, -1.0), axis=1))


def predict_head(head: Head, x: np.ndarray | Design) -> np.ndarray:
    proba = head.proba(x)
    if proba.ndim == 2:
        return np.asarray(np.argmax(proba, axis=1))
    return (proba >= head.threshold).astype(np.int64)


def with_linear(head: Head, linear: logreg.Linear) -> Head:
    return replace(head, linear=stored(linear))


def fit_head(
    head: Head,
    name: str,
    train: Features,
    labels: np.ndarray,
    weights: np.ndarray,
    prior: logreg.Linear | None,
) -> Head:
    """Refit `head` (same settings) on labels: finer class indices when it has finer
    classes, answers otherwise."""
    x = train.for_head(head)
    n_classes = len(head.outputs) or (len(SENTIMENTS) if name == "sentiment" else 2)
    linear = logreg.fit(x, labels, l2=head.l2, n_classes=n_classes, sample_weight=weights, prior=prior,
                        sparse_tie=head.linear.sparse_tie)
    return with_linear(head, linear)


def fit(extra: Sequence[LabelledExample], base: Model | None = None) -> Model:
    """A model that includes `extra` (people's corrections) on top of `base` (the shipped one)."""
    base = base or default_model()
    latest: dict[str, LabelledExample] = {}
    for example in extra:  # the latest correction of a text wins
        latest[example.text] = example
    corrections = list(latest.values())
    shipped = anchor()
    feats = featurize([e.text for e in corrections])
    heads = {}
    for name in ("sentiment", "toxic", "spam"):
        head = base.head(name)
        rows = [i for i, e in enumerate(corrections) if label_of(e, name) is not None]
        if not rows:
            heads[name] = head
            continue
        fixes = feats.subset(np.array(rows))
        anchor_feats, anchor_comments, anchor_weights = shipped.rows(head)
        fix_answers = np.array([label_of(corrections[i], name) for i in rows], dtype=np.int64)
        anchor_answers = np.array([label_of(c, name) for c in anchor_comments], dtype=np.int64)
        anchors = anchor_feats
        if head.outputs:
            fix_labels = likeliest_finer(head, fixes.for_head(head), fix_answers)
            anchor_labels = finer_labels(head, name, anchor_comments)
            unknown = anchor_labels < 0
            if unknown.any():
                anchor_labels[unknown] = likeliest_finer(
                    head, anchor_feats.subset(unknown).for_head(head), anchor_answers[unknown]
                )
        else:
            fix_labels, anchor_labels = fix_answers, anchor_answers
        both = Features.stack([anchors, fixes])
        labels = np.concatenate([anchor_labels, fix_labels])
        weight = CORRECTION_WEIGHT
        for _ in range(MAX_DOUBLINGS + 1):
            weights = np.concatenate([anchor_weights, np.full(len(rows), weight)])
            fitted = fit_head(head, name, both, labels, weights, prior=head.linear)
            if np.array_equal(predict_head(fitted, fixes.for_head(fitted)), fix_answers):
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
