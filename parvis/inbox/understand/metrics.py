"""Accuracy, macro-F1 and confusion matrices, in NumPy (used by training, the bench and tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion(truth: Sequence[object], predicted: Sequence[object], labels: Sequence[object]) -> np.ndarray:
    """Rows: true label, columns: predicted label, in the order of `labels`."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t], index[p]] += 1
    return matrix


def accuracy(truth: Sequence[object], predicted: Sequence[object]) -> float:
    if not truth:
        return float("nan")
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


def macro_f1(truth: Sequence[object], predicted: Sequence[object], labels: Sequence[object]) -> float:
    """Mean F1 over the labels present in the truth or the predictions (as scikit-learn)."""
    matrix = confusion(truth, predicted, labels)
    scores = []
    for i in range(len(labels)):
        tp = matrix[i, i]
        support, guessed = matrix[i, :].sum(), matrix[:, i].sum()
        if support == 0 and guessed == 0:
            continue
        scores.append(2 * tp / (support + guessed))
    return float(np.mean(scores)) if scores else float("nan")
