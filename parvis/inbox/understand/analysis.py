"""`analyse`: language, sentiment, toxicity and spam of inbox texts, in one batched pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from parvis.inbox.understand import language, text
from parvis.inbox.understand.features import featurize_plain
from parvis.inbox.understand.model import SENTIMENTS, Model, default_model

SentimentLabel = Literal["negative", "neutral", "positive"]


@dataclass(frozen=True)
class Analysis:
    language: str  # ISO 639-1 among language.LANGUAGES, "" when too short or unsure
    language_score: float  # fastText's probability of its best guess (0 when not tried)
    sentiment: SentimentLabel
    sentiment_score: float  # probability of that sentiment
    toxic: bool
    toxic_score: float  # probability that the text insults, threatens or harasses
    spam: bool
    spam_score: float  # probability that the text is spam or a scam


EMPTY = Analysis("", 0.0, "neutral", 1.0, False, 0.0, False, 0.0)
NEGATIVE = SENTIMENTS.index("negative")


def analyse(texts: Sequence[str], model: Model | None = None) -> list[Analysis]:
    """One Analysis per text, in order. Batch as many texts as you have: the encoder
    amortises its weights over a batch, and identical texts are encoded once."""
    model = model or default_model()
    plain = [text.plain(t) if isinstance(t, str) else "" for t in texts]
    todo = [i for i, t in enumerate(plain) if t]
    results = [EMPTY] * len(plain)
    if not todo:
        return results
    heads = [model.head(name) for name in ("sentiment", "toxic", "spam")]
    feats = featurize_plain(
        [plain[i] for i in todo], hand=any(h.uses_hand for h in heads), grams=any(h.uses_grams for h in heads)
    )
    sentiment = model.sentiment.proba(feats.for_head(model.sentiment))
    toxic = model.toxic.proba(feats.for_head(model.toxic))
    spam = model.spam.proba(feats.for_head(model.spam))
    best = np.argmax(sentiment, axis=1)
    is_toxic = toxic >= model.toxic.threshold
    # An insult, a threat or hate is negative whatever else it says ("love that you didn't
    # hire any ..."): a flagged text's sentiment follows the flag.
    best[is_toxic] = NEGATIVE
    for row, i in enumerate(todo):
        code, score = language.detect(text.for_language(plain[i]))
        results[i] = Analysis(
            language=code,
            language_score=round(score, 4),
            sentiment=SENTIMENTS[int(best[row])],
            sentiment_score=float(sentiment[row, best[row]]),
            toxic=bool(is_toxic[row]),
            toxic_score=float(toxic[row]),
            spam=bool(spam[row] >= model.spam.threshold),
            spam_score=float(spam[row]),
        )
    return results
