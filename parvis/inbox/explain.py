"""What the models' scores on an item mean, in words a community manager reads at a glance.

"Insult or toxic: no · model, score 0.02" read as "there is no model". The item panel
says instead what the flag is, how sure the model is, and which model read the item:
"no — very unlikely to be an insult or a threat (score 0.02)".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

# Bands of a flag's score. The flag itself is on above the model's own threshold (chosen
# by cross-validation, ~0.4); these only say how far from undecided a score is.
VERY_LIKELY = 0.85
UNLIKELY = 0.20


@dataclass(frozen=True)
class Explanation:
    text: str  # one sentence, translated
    score: float | None  # the number it explains, shown beside it


def flag(kind: str, on: bool, score: float | None) -> Explanation:
    """What a toxic or spam flag and its score mean."""
    if score is None:
        return Explanation(_("not analysed yet: no model has read this item"), None)
    if kind == "toxic":
        words = {
            "very_likely": _("very likely an insult, a threat or hate"),
            "likely": _("likely an insult, a threat or hate"),
            "possibly": _("probably not an insult, though the model is unsure"),
            "unlikely": _("very unlikely to be an insult or a threat"),
        }
    else:
        words = {
            "very_likely": _("very likely spam or a scam"),
            "likely": _("likely spam or a scam"),
            "possibly": _("probably not spam, though the model is unsure"),
            "unlikely": _("very unlikely to be spam"),
        }
    return Explanation(words[band(on, score)], score)


def band(on: bool, score: float) -> str:
    if on:
        return "very_likely" if score >= VERY_LIKELY else "likely"
    return "possibly" if score >= UNLIKELY else "unlikely"


def sentiment(label: str, score: float | None) -> Explanation:
    """How sure the model is of the sentiment it gave."""
    if not label or score is None:
        return Explanation(_("not analysed yet: no model has read this item"), None)
    if score >= VERY_LIKELY:
        return Explanation(_("the model is confident"), score)
    if score >= 0.6:
        return Explanation(_("the model is fairly sure"), score)
    return Explanation(_("the model is unsure: another sentiment is nearly as likely"), score)


def source(analysed_with: str) -> str:
    """Which model read the item."""
    if not analysed_with:
        return _("No model has read this item yet: its language, sentiment and flags are not known.")
    if "+" in analysed_with:  # a workspace's model: the shipped version + its corrections' digest
        return _("Read by this workspace's own model, retrained on your team's corrections.")
    return _("Read by the model shipped with parvis (not retrained for this workspace).")
