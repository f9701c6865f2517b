"""French-aware normalisation for the monitors: the words of a text, their stems, and where
they are in it.

The invariant the rest of the package relies on: a token's `term` is always the
normalised form of ONE run of word characters of the original text (`WORD_RUN`), and its
span points into the original text. `MonitorSet` uses the first half to find the queries
that may match an item from its runs alone, without building tokens; highlights use the
second.

What "normalised" means (each rule is one a community manager would expect of a search):

- NFKC, casefold, accents removed: "ÉCOLE" = "école" = "ecole"; œ→oe, æ→ae, ß→ss, ø→o.
- Apostrophes (' ’ ʼ ‘): a French elision (l' d' j' qu' n' s' t' m' c' jusqu' lorsqu'
  puisqu' quoiqu') is dropped in front of its word, so "l’Oréal" is the term "oreal"; an
  English possessive 's is dropped ("Orange's" → "orange"). Any other apostrophe, and any
  hyphen, separates words ("aujourd'hui" → "aujourd" "hui", "Saint-Étienne" → "saint"
  "etienne"): a query word written the same way becomes a phrase of those words, so it
  still finds them, side by side. The span of such a token covers the elided article or
  the 's, so a highlight shows "L’Oréal", not "Oréal".
- Inclusive writing is reduced to the base word: "client·e·s", "client.e.s",
  "étudiant·es", "acteur·rice·s" → "client", "etudiant", "acteur" (endings after a middle
  dot or a period); "ami-e-s" → "ami" (after a hyphen only e, s and es, so "dis-le" stays
  two words).
- Hashtags and mentions: "#Paris2026" is the term "paris2026" tagged "#", "@orange" the
  term "orange" tagged "@". A plain query word matches them as it matches any word; a
  query term written "#paris2026" matches only the hashtag. An @ inside a word (an email
  address) is not a mention.
- URLs (http://…, https://…, www.…) are skipped: their words are tracking codes and
  shorteners, not what the author wrote; where an item comes from is matched by `site:`.
- Stems (Snowball): the French stem for French text, the English one for English, both for
  any other or an unknown language. The French stem is taken from the accented word
  (Snowball's French rules read accents), then its accents are removed.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, replace

import Stemmer

# The body of a word: Python's \w, plus combining accents, so that text in decomposed
# form (NFD, as some Mac software sends it) is not cut in the middle of "Oréal".
WORD_RUN = re.compile(r"[\w\u0300-\u036f]+")
_TAGGED_RUN = re.compile(r"[#@]?[\w\u0300-\u036f]+")
_SCAN = re.compile(r"(?P<url>(?:https?://|www\.)\S+)|[\w\u0300-\u036f]+", re.IGNORECASE)

APOSTROPHES = frozenset("'’ʼ‘")
ELISIONS = frozenset({"l", "d", "j", "qu", "n", "s", "t", "m", "c", "jusqu", "lorsqu", "puisqu", "quoiqu"})
_MIDDLE_DOTS = frozenset("·•‧⋅∙")
_DOT_ENDINGS = frozenset({
    "e", "es", "s", "x", "ne", "nes", "le", "les", "lle", "lles", "te", "tes", "se", "ses", "ve", "ves",
    "fe", "fes", "rice", "rices", "trice", "trices", "euse", "euses", "ere", "eres", "ère", "ères",
})
_HYPHENS = frozenset("-‐")
_HYPHEN_ENDINGS = frozenset({"e", "s", "es"})

# Letters NFKD does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "ħ": "h"})

_CACHE_LIMIT = 200_000  # distinct runs; a stream's vocabulary keeps growing (typos, numbers, names)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text. `term` is its normalised form; `stem_fr` / `stem_en` its stems
    under the text's language ("" for a language that does not apply: an English text has
    no French stems); `start`/`end` its span in the original text; `tag` is "#" for a
    hashtag, "@" for a mention, else ""."""

    term: str
    stem_fr: str
    stem_en: str
    start: int
    end: int
    tag: str = ""


def fold(text: str) -> str:
    """Case and accents removed, compatibility forms composed: what two spellings a reader
    takes for the same must share."""
    folded = unicodedata.normalize("NFKC", text).casefold() if not text.isascii() else text.lower()
    return strip_accents(folded)


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def language(lang: str) -> str:
    """"fr", "en", or "" for any other or an unknown language (then both stems are used)."""
    primary = lang[:2].lower()
    return primary if primary in ("fr", "en") and (len(lang) == 2 or lang[2] in "-_") else ""


# Snowball stemmers keep state while they work: one per thread. Their own cache is off,
# as analyse_run's is in front of them and also keeps the folded form.
_local = threading.local()


def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    pair: tuple[Stemmer.Stemmer, Stemmer.Stemmer] | None = getattr(_local, "stemmers", None)
    if pair is None:
        pair = (Stemmer.Stemmer("french", 0), Stemmer.Stemmer("english", 0))
        _local.stemmers = pair
    return pair


_analysed: dict[str, tuple[str, str, str]] = {}


def analyse_run(run: str) -> tuple[str, str, str]:
    """(term, French stem, English stem) of one run of word characters (WORD_RUN)."""
    found = _analysed.get(run)
    if found is not None:
        return found
    lower = unicodedata.normalize("NFKC", run).casefold() if not run.isascii() else run.lower()
    term = strip_accents(lower)
    french, english = _stemmers()
    found = (term, strip_accents(french.stemWord(lower)), english.stemWord(term))
    if len(_analysed) >= _CACHE_LIMIT:
        _analysed.clear()
    _analysed[run] = found
    return found


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or "\u0300" <= ch <= "\u036f"


def _inclusive_ending(separator: str, run: str) -> bool:
    if separator in _MIDDLE_DOTS:
        return run.casefold() in _DOT_ENDINGS
    # A period or a hyphen is also ordinary punctuation: only a lower-case ending counts,
    # so "fin.Les" stays two words.
    if separator == ".":
        return run.islower() and run in _DOT_ENDINGS
    return separator in _HYPHENS and run.islower() and run in _HYPHEN_ENDINGS


def _apostrophes_apart(text: str) -> str:
    # U+02BC (ʼ) is a letter to Unicode, so \w would glue "lʼOréal" into one word; one
    # character for one keeps every span valid in the original text.
    return text.replace("ʼ", "’") if "ʼ" in text else text


def runs(text: str) -> list[str]:
    """Every run of word characters of `text`, with the # or @ in front of it if any: the
    runs tokens() takes its terms from (and more, in URLs), cheaply."""
    return _TAGGED_RUN.findall(_apostrophes_apart(text))


def tokens(text: str, lang: str = "") -> list[Token]:
    """The words of `text` in order (see the module's docstring for what a word is)."""
    text = _apostrophes_apart(text)
    family = language(lang)
    use_fr, use_en = family in ("fr", ""), family in ("en", "")
    out: list[Token] = []
    elided_from = -1  # start of an elided article ("l’") waiting for its word
    size = len(text)
    for found in _SCAN.finditer(text):
        if found.lastgroup == "url":
            elided_from = -1
            continue
        run = found.group()
        start, end = found.span()
        after = text[end] if end < size else ""
        if after in APOSTROPHES and end + 1 < size and _is_word_char(text[end + 1]) and run.lower() in ELISIONS:
            if elided_from < 0:
                elided_from = start
            continue
        before = text[start - 1] if start else ""
        if (out and elided_from < 0 and out[-1].end == start - 1
                and ((before in APOSTROPHES and run in ("s", "S")) or _inclusive_ending(before, run))):
            out[-1] = replace(out[-1], end=end)  # "Orange's", "client·e·s": one word
            continue
        tag = ""
        if before in ("#", "@") and (start < 2 or not _is_word_char(text[start - 2])):
            tag = before
            start -= 1
        if elided_from >= 0:
            start, elided_from = elided_from, -1
        term, stem_fr, stem_en = analyse_run(run)
        out.append(Token(term, stem_fr if use_fr else "", stem_en if use_en else "", start, end, tag))
    return out
