"""Scores of a model on labelled comments: what `bench/understand` prints and the tests'
floors read. Only aggregates come out (figures per language group and per kind), never
which comment was missed: the evaluation set stays blind to whoever tunes the models."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from parvis.inbox.understand import metrics
from parvis.inbox.understand.analysis import Analysis, analyse
from parvis.inbox.understand.data import Comment
from parvis.inbox.understand.model import SENTIMENTS, Model

GROUPS = ("fr", "en", "other")  # "other": es, de, it, nl and pt together


def group_of(lang: str) -> str:
    return lang if lang in ("fr", "en") else "other"


@dataclass(frozen=True)
class Binary:
    n: int
    positives: int
    precision: float
    recall: float
    f1: float
    accuracy: float

    @classmethod
    def of(cls, truth: Sequence[bool], predicted: Sequence[bool]) -> Binary:
        t, p = np.array(truth, dtype=bool), np.array(predicted, dtype=bool)
        tp = int(np.sum(t & p))
        precision = tp / int(p.sum()) if p.any() else float("nan")
        recall = tp / int(t.sum()) if t.any() else float("nan")
        f1 = 2 * tp / (int(t.sum()) + int(p.sum())) if (t.any() or p.any()) else float("nan")
        return cls(len(t), int(t.sum()), precision, recall, f1, float(np.mean(t == p)) if len(t) else float("nan"))


@dataclass(frozen=True)
class GroupScores:
    n: int
    toxic: Binary
    spam: Binary
    sentiment_macro_f1: float
    sentiment_accuracy: float
    sentiment_confusion: list[list[int]]
    language_accuracy: float


@dataclass(frozen=True)
class KindScores:
    n: int
    toxic_right: float
    sentiment_right: float
    spam_right: float
    all_right: float


@dataclass(frozen=True)
class Scores:
    groups: dict[str, GroupScores]
    kinds: dict[str, KindScores]
    majority: dict[str, GroupScores] = field(default_factory=dict)


def score(comments: Sequence[Comment], results: Sequence[Analysis]) -> Scores:
    groups = {}
    for group in GROUPS:
        keep = [i for i, c in enumerate(comments) if group_of(c.lang) == group]
        if keep:
            groups[group] = _group([comments[i] for i in keep], [results[i] for i in keep])
    kinds = {}
    for kind in sorted({c.kind for c in comments}):
        keep = [i for i, c in enumerate(comments) if c.kind == kind]
        toxic = [results[i].toxic == comments[i].toxic for i in keep]
        sentiment = [results[i].sentiment == comments[i].sentiment for i in keep]
        spam = [results[i].spam == comments[i].spam for i in keep]
        kinds[kind] = KindScores(
            len(keep), float(np.mean(toxic)), float(np.mean(sentiment)), float(np.mean(spam)),
            float(np.mean([a and b and c for a, b, c in zip(toxic, sentiment, spam, strict=True)])),
        )
    return Scores(groups, kinds)


def _group(comments: Sequence[Comment], results: Sequence[Analysis]) -> GroupScores:
    truth = [c.sentiment for c in comments]
    predicted = [r.sentiment for r in results]
    return GroupScores(
        n=len(comments),
        toxic=Binary.of([c.toxic for c in comments], [r.toxic for r in results]),
        spam=Binary.of([c.spam for c in comments], [r.spam for r in results]),
        sentiment_macro_f1=metrics.macro_f1(truth, predicted, SENTIMENTS),
        sentiment_accuracy=metrics.accuracy(truth, predicted),
        sentiment_confusion=metrics.confusion(truth, predicted, SENTIMENTS).tolist(),
        language_accuracy=metrics.accuracy([c.lang for c in comments], [r.language for r in results]),
    )


def evaluate(comments: Sequence[Comment], model: Model | None = None, training: Sequence[Comment] = ()) -> Scores:
    """The model's scores on `comments`, and (given the training comments) those of the
    majority baseline: every comment gets the most frequent training label of each task."""
    scores = score(comments, analyse([c.text for c in comments], model))
    if training:
        sentiment = statistics.mode(c.sentiment for c in training)
        toxic = statistics.mode(c.toxic for c in training)
        spam = statistics.mode(c.spam for c in training)
        guess = [Analysis(c.lang, 1.0, sentiment, 1.0, toxic, 1.0, spam, 1.0) for c in comments]
        baseline = score(comments, guess)
        scores = Scores(scores.groups, scores.kinds, baseline.groups)
    return scores


def print_scores(scores: Scores, title: str) -> None:
    print(f"\n{title}")
    print(f"{'lang':<6} {'n':>4} | {'toxic':>5} {'P':>5} {'R':>5} {'F1':>5} | {'sent F1':>7} {'acc':>5} | "
          f"{'spam':>4} {'P':>5} {'R':>5} {'F1':>5} | {'lang acc':>8}")
    for group, s in scores.groups.items():
        print(f"{group:<6} {s.n:>4} | {s.toxic.positives:>5} {s.toxic.precision:>5.3f} {s.toxic.recall:>5.3f} "
              f"{s.toxic.f1:>5.3f} | {s.sentiment_macro_f1:>7.3f} {s.sentiment_accuracy:>5.3f} | "
              f"{s.spam.positives:>4} {s.spam.precision:>5.3f} {s.spam.recall:>5.3f} {s.spam.f1:>5.3f} | "
              f"{s.language_accuracy:>8.3f}")
    if scores.majority:
        print("majority baseline (the most frequent training label everywhere: no toxic, no spam)")
        for group, s in scores.majority.items():
            print(f"{group:<6} {s.n:>4} | toxic F1 {s.toxic.f1:>5.3f} accuracy {s.toxic.accuracy:.3f} | "
                  f"sentiment macro-F1 {s.sentiment_macro_f1:.3f} accuracy {s.sentiment_accuracy:.3f} | "
                  f"spam accuracy {s.spam.accuracy:.3f}")
    print("sentiment confusion (rows: truth, columns: predicted; negative / neutral / positive)")
    for group, s in scores.groups.items():
        for label, row in zip(SENTIMENTS, s.sentiment_confusion, strict=True):
            print(f"  {group:<5} {label:<9} " + " ".join(f"{v:>4}" for v in row))
    print("per kind: share right (toxic flag, sentiment, spam flag, all three)")
    for kind, k in scores.kinds.items():
        print(f"  {kind or '(none)':<22} {k.n:>4}  toxic {k.toxic_right:.2f}  sentiment {k.sentiment_right:.2f}  "
              f"spam {k.spam_right:.2f}  all {k.all_right:.2f}")
