"""The labelled comments kept in the repository, and people's corrections.

Two kinds of files, one format (`/data/README.md`, columns `text,lang,variety,sentiment,
toxic,spam,kind`): the training comments (`comments.csv`, the first set, and
`train_comments.csv` and `train_comments_2.csv`, written for issue 10), which training,
cross-validation and a workspace's retraining read; and the evaluation comments
(`eval_comments.csv`), written separately by someone else, which only `bench/understand`
and the tests' floors read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).parent / "data"
TRAINING_FILES = ("comments.csv", "train_comments.csv", "train_comments_2.csv")
EVALUATION_FILE = "eval_comments.csv"
COMMENTS_PATH = DATA_DIR / "comments.csv"

SENTIMENT_LABELS = ("negative", "neutral", "positive")
TOXIC_KINDS = frozenset({"insult_staff", "insult_between", "threat", "doxxing", "masked", "hate", "hate_in_praise"})
KINDS = (
    "praise", "praise_negation", "praise_slang", "harmless_swearing", "complaint", "sarcasm", "question",
    "neutral", "insult_staff", "insult_between", "threat", "doxxing", "masked", "hate", "hate_in_praise",
    "spam", "insult_self_or_object",
)  # fmt: skip


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
    kind: str = ""
    variety: str = ""
    source: str = ""  # the file it comes from

    def as_example(self) -> LabelledExample:
        return LabelledExample(self.text, self.sentiment, self.toxic, self.spam)


def read_comments(path: Path) -> list[Comment]:
    """The comments of one labelled file; ValueError naming the line of a bad row."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    comments = []
    for line, row in enumerate(rows, start=2):
        sentiment, kind = row.get("sentiment"), row.get("kind") or ""
        if (
            sentiment not in SENTIMENT_LABELS
            or row.get("toxic") not in ("0", "1")
            or row.get("spam") not in ("0", "1")
            or (kind and kind not in KINDS)
            or not (row.get("text") or "").strip()
        ):
            raise ValueError(f"bad row in {path.name}, line {line}: {row!r}")
        comments.append(
            Comment(
                text=row["text"],
                lang=row["lang"],
                sentiment=sentiment,  # type: ignore[arg-type]
                toxic=row["toxic"] == "1",
                spam=row["spam"] == "1",
                kind=kind,
                variety=row.get("variety") or row["lang"],
                source=path.name,
            )
        )
    return comments


def load_comments() -> list[Comment]:
    """Every training comment (never the evaluation set)."""
    return [c for name in TRAINING_FILES for c in read_comments(DATA_DIR / name)]


def load_evaluation() -> list[Comment]:
    """The evaluation comments, written apart from the training ones; [] when absent."""
    path = DATA_DIR / EVALUATION_FILE
    return read_comments(path) if path.exists() else []
