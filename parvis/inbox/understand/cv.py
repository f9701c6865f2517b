"""Grouped cross-validation on the training comments: folds, out-of-fold predictions, scores.

Used by `train.py` to choose each head's settings (penalty, n-gram scale, class weights,
threshold) on the training comments only; the evaluation set is never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parvis.inbox.understand import augment, metrics, retrain
from parvis.inbox.understand.features import Features
from parvis.inbox.understand.model import Head

FOLDS = 5
MAIN_LANGUAGES = ("fr", "en")


def translation_groups(embeddings: np.ndarray, langs: np.ndarray) -> np.ndarray:
    """Group id per comment: a comment and its translation (mutual nearest neighbours
    across two languages, cosine >= 0.5), and near-duplicates (cosine >= 0.8), share a
    group. Many comments exist in several languages; without grouping, cross-validation
    scores a model on the translation of a comment it was trained on."""
    similarity = embeddings @ embeddings.T
    np.fill_diagonal(similarity, 0.0)
    parent = np.arange(len(langs))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    for i, j in zip(*np.nonzero(np.triu(similarity >= 0.8)), strict=True):
        join(int(i), int(j))
    codes = sorted(set(langs.tolist()))
    for a_index, a in enumerate(codes):
        for b in codes[a_index + 1:]:
            left, right = np.flatnonzero(langs == a), np.flatnonzero(langs == b)
            cross = similarity[np.ix_(left, right)]
            best_right, best_left = cross.argmax(axis=1), cross.argmax(axis=0)
            for i, j in enumerate(best_right):
                if best_left[j] == i and cross[i, j] >= 0.5:
                    join(int(left[i]), int(right[j]))
    return np.array([root(i) for i in range(len(langs))])


def grouped_folds(strata: np.ndarray, groups: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """Whole groups per fold, each group put where its stratum is least represented so far."""
    fold = np.empty(len(strata), dtype=np.int64)
    count = {(s, k): 0 for s in np.unique(strata) for k in range(folds)}
    totals = [0] * folds
    for group in rng.permutation(np.unique(groups)):
        members = np.flatnonzero(groups == group)
        stratum = strata[members[0]]
        k = min(range(folds), key=lambda k: (count[(stratum, k)], totals[k]))
        fold[members] = k
        for m in members:
            count[(strata[m], k)] += 1
            totals[k] += 1
    return fold


def language_group(langs: np.ndarray) -> np.ndarray:
    """fr, en, or "other" (the five other languages together: too few each to score apart)."""
    return np.where(np.isin(langs, MAIN_LANGUAGES), langs, "other")


@dataclass(frozen=True)
class Candidate:
    head: Head  # settings only (its weights are zero); with classes, `labels` are finer classes
    class_weight: float = 1.0  # binary heads: weight of a toxic/spam example relative to a clean one

    def weights(self, answers: np.ndarray) -> np.ndarray:
        return np.where(answers == 1, self.class_weight, 1.0) if self.head.answers == 1 else np.ones(len(answers))


def fit_head(name: str, candidate: Candidate, feats: Features, labels: np.ndarray, answers: np.ndarray,
             copies: Features | None = None) -> Head:
    """Fit one head on `labels` (finer classes or answers, as the candidate's head reads),
    and on the plainly typed copies of the same comments when the head learns them
    (`augment`)."""
    weights = candidate.weights(answers)
    if copies is not None and candidate.head.copies:
        feats, weights = augment.with_copies(feats, copies, weights)
        labels = np.concatenate([labels, labels])
    return retrain.fit_head(candidate.head, name, feats, labels, weights, prior=None)


def out_of_fold(name: str, candidate: Candidate, feats: Features, labels: np.ndarray, answers: np.ndarray,
                folds: np.ndarray, copies: Features | None = None) -> np.ndarray:
    """Each comment's probabilities from the model fitted on the other folds: (n,) for a
    binary head, (n, 3) for sentiment. A comment's copy, when the head learns copies, is
    learnt with the other folds' comments only, never scored."""
    out: np.ndarray | None = None
    for k in range(int(folds.max()) + 1):
        train, valid = folds != k, folds == k
        head = fit_head(name, candidate, feats.subset(train), labels[train], answers[train],
                        None if copies is None else copies.subset(train))
        proba = head.proba(feats.subset(valid).for_head(head))
        if out is None:
            out = np.zeros((len(labels), *proba.shape[1:]))
        out[valid] = proba
    assert out is not None
    return out


def binary_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = int(np.sum(truth & predicted))
    return 2 * tp / max(int(truth.sum()) + int(predicted.sum()), 1)


def precision_recall(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    tp = int(np.sum(truth & predicted))
    return tp / max(int(predicted.sum()), 1), tp / max(int(truth.sum()), 1)


def best_threshold(proba: np.ndarray, truth: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """(threshold, score): the threshold that maximises the mean over language groups of
    the positive class's F1 on out-of-fold probabilities; ties go to the one nearest 0.5."""
    best = (0.5, -1.0)
    for threshold in np.round(np.arange(0.20, 0.81, 0.025), 3):
        score = per_group_mean(lambda keep, t=threshold: binary_f1(truth[keep], proba[keep] >= t), groups)
        if score > best[1] + 1e-9 or (abs(score - best[1]) <= 1e-9 and abs(threshold - 0.5) < abs(best[0] - 0.5)):
            best = (float(threshold), score)
    return best


def per_group_mean(score: object, groups: np.ndarray) -> float:
    """Mean of score(mask) over fr, en and the other languages: each counts equally."""
    values = [score(groups == g) for g in np.unique(groups)]  # type: ignore[operator]
    return float(np.mean(values))


def sentiment_f1(truth: np.ndarray, predicted: np.ndarray, groups: np.ndarray) -> float:
    return per_group_mean(lambda keep: metrics.macro_f1(list(truth[keep]), list(predicted[keep]), [0, 1, 2]), groups)


def report_by(keys: Sequence[str], right: np.ndarray) -> dict[str, tuple[int, float]]:
    """{key: (count, share right)} for a boolean array of right answers."""
    out = {}
    for key in sorted(set(keys)):
        keep = np.array([k == key for k in keys])
        out[key] = (int(keep.sum()), float(right[keep].mean()))
    return out
