"""Turning untrusted network text into what the models read.

Everything here is regular-expression work on plain strings: nothing is rendered or
executed. Inputs can be anything a network relays (HTML fragments, megabytes of text,
control characters), so every function first bounds the length it looks at.
"""

from __future__ import annotations

import html
import re
import unicodedata

import numpy as np

# A social comment is a few hundred characters; past this the encoder's cost grows
# linearly while the opinion is almost always stated at the start. Measured on the
# labelled set: no comment is longer, so truncation never changes a test answer there.
MAX_ENCODED_CHARS = 500
# Hard bound on what any function here scans, before truncation to the above (a hostile
# 10 MB "comment" must not cost 10 MB of regex work).
MAX_SCANNED_CHARS = 4000

_TAG = re.compile(r"<[^>]{0,2000}>")
# Links with a scheme or www., and bare domains on the TLDs spam and shorteners use.
_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|info|io|xyz|top|shop|store|club|win|fr|ly|me|co|app)(?:/\S*)?\b",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![\w@])@[\w.]+(?:@[\w.-]+)?")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_SPACE = re.compile(r"\s+")
# Emoji, arrows, dingbats, pictographs: shared by every language, and they pull fastText
# towards whichever language used them most in its training data.
_SYMBOLS = re.compile(r"[\u2190-\u2bff\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d]+")
# Mojibake left by broken encodings (U+FFFD and the "_�_" runs in old tweet corpora).
_REPLACEMENT = re.compile(r"_?\ufffd+_?")
_REPEAT = re.compile(r"(.)\1{3,}")
_MONEY = re.compile(r"[$€£]\s?\d|\d[\d\s.,]*\s?(?:€|\$|£|k\b|usd|eur)", re.IGNORECASE)
_CALL_TO_ACTION = re.compile(
    r"\b(?:dm|mp|inbox|whatsapp|telegram|link in (?:my )?bio|lien (?:dans|en) (?:ma )?bio|"
    r"f4f|follow ?back|follow ?4 ?follow|abonne[- ]?toi|click|clique[zr]?|cliquez)\b",
    re.IGNORECASE,
)


def plain(text: str) -> str:
    """Network text as one line of plain text: tags dropped, entities decoded, spaces collapsed."""
    text = text[:MAX_SCANNED_CHARS]
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "\ufffd" in text:
        text = _REPLACEMENT.sub(" ", text)
    # Control characters (including the newlines fastText refuses) become spaces.
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text) if not text.isprintable() else text
    return _SPACE.sub(" ", text).strip()


def for_language(text: str) -> str:
    """The words only: links, mentions and hashtags say nothing reliable about the language."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub(" ", text)
    text = _SYMBOLS.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def for_encoder(text: str) -> str:
    """What the sentence encoder reads: links and handles removed (noise for opinion),
    hashtags kept as words (#fail carries sentiment), bounded length."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub(r"\1", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > MAX_ENCODED_CHARS:
        cut = text.rfind(" ", 0, MAX_ENCODED_CHARS)
        text = text[: cut if cut > MAX_ENCODED_CHARS // 2 else MAX_ENCODED_CHARS]
    return text


HAND_FEATURES = (
    "links",
    "mentions",
    "hashtags",
    "money",
    "call_to_action",
    "caps_ratio",
    "repeats",
    "emoji_ratio",
)


def hand_features(text: str) -> np.ndarray:
    """Cheap surface signals of spam, each scaled to about [0, 1] like the embedding's range
    times a few, so one L2 penalty suits both."""
    letters = sum(1 for c in text if c.isalpha())
    upper = sum(1 for c in text if c.isupper())
    symbols = sum(1 for c in text if ord(c) >= 0x2190 and not c.isalpha())
    n = max(len(text), 1)
    return np.array(
        [
            min(len(_URL.findall(text)), 3) / 3,
            min(len(_MENTION.findall(text)), 3) / 3,
            min(len(_HASHTAG.findall(text)), 4) / 4,
            min(len(_MONEY.findall(text)), 3) / 3,
            min(len(_CALL_TO_ACTION.findall(text)), 3) / 3,
            upper / letters if letters >= 8 else 0.0,
            min(len(_REPEAT.findall(text)), 3) / 3,
            min(symbols / n * 5, 1.0),
        ],
        dtype=np.float32,
    )
