"""The labelled comments kept in the repository, and people's corrections."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

COMMENTS_PATH = Path(__file__).parent / "data" / "comments.csv"


@dataclass(frozen=True)
class LabelledExample:
    """A text with the labels a person gave it. A label left as None was not corrected:
    that head is not trained on this example (a person who fixed the sentiment said
    nothing about spam)."""

    text: str
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    toxic: bool | None = None
    spam: bool | None = None


@dataclass(frozen=True)
class Comment:
    text: str
    lang: str
    sentiment: Literal["negative", "neutral", "positive"]
    toxic: bool
    spam: bool
    split: Literal["train", "test"]

    def as_example(self) -> LabelledExample:
        return LabelledExample(self.text, self.sentiment, self.toxic, self.spam)


def load_comments(split: str | None = None) -> list[Comment]:
    with COMMENTS_PATH.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    comments = []
    for row in rows:
        sentiment = row["sentiment"]
        if sentiment not in ("negative", "neutral", "positive") or row["split"] not in ("train", "test"):
            raise ValueError(f"bad row in {COMMENTS_PATH.name}: {row!r}")
        comments.append(
            Comment(
                text=row["text"],
                lang=row["lang"],
                sentiment=sentiment,  # type: ignore[arg-type]
                toxic=row["toxic"] == "1",
                spam=row["spam"] == "1",
                split=row["split"],  # type: ignore[arg-type]
            )
        )
    return [c for c in comments if split is None or c.split == split]
