"""bench/stories: near-duplicate items grouped into stories, on ONE core.

    .venv/bin/python -m bench.stories [--texts 100000] [--naive 5000] [--days 4] [--seed 7]

* A stream of texts (`make_texts`), French and English, from the word lists of
  bench/monitors with a fixed seed: feed entries (a title of 6–12 words and a summary of
  20–60) and social posts (30–50 words, no title), a few words never seen before in each
  (names, numbers), spread evenly over --days (so that the 3-day window fills and
  expires). About 10 % are near-duplicates of an item of the previous day, as syndication
  and sharing make them: an outlet's suffix on the title, "MISE À JOUR :", a truncated
  summary, a sentence appended, a link with tracking parameters, or a post quoting the
  title with a comment.
* Measured, in this order, one pass each (no cache is warm for the first one):
  texts/s of `fingerprint` (normalising and hashing); texts/s of `StoryIndex.add` on
  those fingerprints (the banded index, 7 bands for 6 bits, expiring entries older than 3
  days), with the number of fingerprints it compared per text; and the baseline, in the
  same run: comparing each new fingerprint with every one of the window, on the first
  --naive texts (all of them inside one window), next to the index on the same texts.
  Both must give the same stories (checked).
* Also printed: how many near-duplicates joined the story of the item they were made
  from, by kind of edit, and how many texts made from nothing joined another story (on
  random texts, a merge is a false one).

No target is set by the issue: the figures are printed. No database, no Django settings.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.monitors import ENGLISH, FRENCH, SITES, pseudo_word, sentence
from parvis.listening.stories import MAX_DISTANCE, WINDOW, StoryIndex, distance, fingerprint

EDITS = ["suffix", "label", "truncated", "appended", "tracking", "share"]


@dataclass
class Text:
    title: str
    text: str
    at: datetime
    source: int | None  # the text this one was made from, if it is a near-duplicate
    edit: str = ""


def original(rng: random.Random) -> tuple[str, str]:
    vocabulary = FRENCH if rng.random() < 0.6 else ENGLISH
    if rng.random() < 0.5:
        words = sentence(rng, vocabulary, rng.randint(30, 50)) + [pseudo_word(rng) for _ in range(3)]
        rng.shuffle(words)
        return "", " ".join(words)
    title = sentence(rng, vocabulary, rng.randint(6, 12)) + [pseudo_word(rng)]
    body = sentence(rng, vocabulary, rng.randint(20, 60)) + [pseudo_word(rng) for _ in range(2)]
    rng.shuffle(title)
    rng.shuffle(body)
    return " ".join(title).capitalize(), " ".join(body).capitalize() + "."


def edited(rng: random.Random, title: str, text: str, edit: str) -> tuple[str, str]:
    if edit == "suffix" and title:
        return f"{title} | {rng.choice(['Le Monde', 'Ouest-France', '20 Minutes', 'The Guardian'])}", text
    if edit == "label":
        return ("MISE À JOUR : " + title, text) if title else (title, "MISE À JOUR : " + text)
    if edit == "truncated":
        words = text.split()
        return title, " ".join(words[: max(12, len(words) * 2 // 3)]) + "…"
    if edit == "appended":
        return title, text + " " + " ".join(sentence(rng, FRENCH, 8)).capitalize() + "."
    if edit == "tracking":
        link = f"https://www.{rng.choice(SITES)}/a/{rng.randint(1, 10**6)}"
        return title, f"{text} {link}?utm_source=rss&xtor=RSS-{rng.randint(1, 999)}"
    # A share: the title (or the opening of a post) and a short comment.
    quoted = title or " ".join(text.split()[:14])
    return "", f"{quoted} {rng.choice(['enfin !', 'à lire', 'incroyable 😳', 'wow', '👀'])}"


def make_texts(rng: random.Random, count: int, days: float) -> list[Text]:
    start = datetime(2025, 3, 3, tzinfo=UTC)
    step = timedelta(days=days) / count
    texts: list[Text] = []
    for n in range(count):
        at = start + step * n
        recent = int(timedelta(days=1) / step)  # near-duplicates of the last day's items
        if texts and rng.random() < 0.10:
            source = rng.randrange(max(0, n - recent), n)
            while texts[source].source is not None:  # made from an original, not a copy
                source = rng.randrange(max(0, n - recent), n)
            edit = rng.choice(EDITS if texts[source].title else EDITS[1:])  # a post has no title to suffix
            title, text = edited(rng, texts[source].title, texts[source].text, edit)
            texts.append(Text(title, text, at, source, edit))
        else:
            title, text = original(rng)
            texts.append(Text(title, text, at, None))
    return texts


def naive(fingerprints: Sequence[int], times: Sequence[datetime]) -> list[int]:
    """Each new fingerprint against every earlier one of the window: the story of the
    nearest (the latest between equals), else its own."""
    stories: list[int] = []
    for n, value in enumerate(fingerprints):
        best, story = MAX_DISTANCE + 1, n
        horizon = times[n] - WINDOW
        for other in range(n):
            if times[other] >= horizon:
                found = distance(value, fingerprints[other])
                if found <= MAX_DISTANCE and found <= best:
                    best, story = found, stories[other]
        stories.append(story)
    return stories


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stories: fingerprints and the banded index, on one core")
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=5000)
    parser.add_argument("--days", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    texts = make_texts(random.Random(args.seed), args.texts, args.days)
    copies = Counter(t.edit for t in texts if t.source is not None)
    words = sum(len((t.title + " " + t.text).split()) for t in texts) / len(texts)
    print(f"{len(texts):,} texts of ~{words:.0f} words over {args.days:g} days, "
          f"{sum(copies.values()):,} near-duplicates ({', '.join(f'{k} {v}' for k, v in sorted(copies.items()))})")

    started = time.perf_counter()
    fingerprints = [fingerprint(t.title, t.text) for t in texts]
    elapsed = time.perf_counter() - started
    print(f"\nfingerprint         {len(texts) / elapsed:>9,.0f} texts/s  ({elapsed * 1e6 / len(texts):.0f} µs a text)")

    index: StoryIndex[int] = StoryIndex()
    started = time.perf_counter()
    stories = [index.add(n, value, t.at) for n, (value, t) in enumerate(zip(fingerprints, texts, strict=True))]
    elapsed = time.perf_counter() - started
    print(f"StoryIndex.add      {len(texts) / elapsed:>9,.0f} texts/s  ({elapsed * 1e6 / len(texts):.1f} µs a text, "
          f"{index.compared / len(texts):.1f} fingerprints compared a text, {len(index):,} in the window at the end)")

    subset = args.naive
    times = [t.at for t in texts[:subset]]
    small: StoryIndex[int] = StoryIndex()
    started = time.perf_counter()
    indexed = [small.add(n, fingerprints[n], times[n]) for n in range(subset)]
    index_rate = subset / (time.perf_counter() - started)
    started = time.perf_counter()
    baseline = naive(fingerprints[:subset], times)
    naive_rate = subset / (time.perf_counter() - started)
    print(f"\nfirst {subset:,} texts (one window): StoryIndex.add {index_rate:,.0f} texts/s, "
          f"baseline (every one of the window) {naive_rate:,.0f} texts/s: × {index_rate / naive_rate:,.0f}; "
          f"same stories: {'yes' if indexed == baseline else 'NO'}")

    print(f"\nstories: {len(set(stories)):,} for {len(texts):,} texts (threshold {MAX_DISTANCE} bits)")
    for edit in EDITS:
        made = [n for n, t in enumerate(texts) if t.edit == edit]
        joined = sum(stories[n] == stories[texts[n].source or 0] for n in made)
        print(f"  {edit:<10} {joined:>5,} of {len(made):>5,} joined the story of their source "
              f"({joined / len(made):.0%})")
    originals = [n for n, t in enumerate(texts) if t.source is None]
    merged = sum(stories[n] != n for n in originals)
    print(f"  originals that joined another story (false merges): {merged} of {len(originals):,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
