"""Undoing the spelling tricks people use to slip insults past filters.

"f*ck", "c0nnard", "s a l o p e", "k.y.s", "ЅаӀоре" (Cyrillic look-alikes), "nuuuul",
"b1tch": the sentence encoder reads each of these as noise, so the toxicity head never
sees the word. `unmask` rewrites them as the plain words before anything else reads the
text (the encoder and the character n-grams), and leaves ordinary text as it was: a
comment without any trick comes back unchanged (apart from Unicode compatibility forms,
which NFKC folds).

The models decide what is toxic; this only spells words out. The short lexicon below is
used to fill in masked letters ("f*ck" could be many words; among rude words, one fits)
and to expand a few abbreviations that are insults or threats in themselves ("kys",
"ntm"). A word that matches nothing keeps its letters, with the masks dropped.

Everything is bounded regular-expression work on one line of text (already cut to
`text.MAX_SCANNED_CHARS`), a few microseconds for a plain comment.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Look-alike letters from other scripts, folded to Latin only inside a word that also has
# Latin letters ("ЅаӀоре"), so that Russian or Greek text is left alone.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ӏ": "l",
        "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
        "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ӏ": "l",
        "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
        "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ζ": "Z", "Η": "H",
    }
)  # fmt: skip
_HOMOGLYPH_CHARS = frozenset(chr(c) for c in _HOMOGLYPHS)
_FOREIGN_LOOKALIKE = re.compile("[" + "".join(sorted(_HOMOGLYPH_CHARS)) + "]")
_LATIN_WORD_WITH_LOOKALIKES = re.compile(r"\w*[A-Za-z]\w*")
_LATIN_LETTERS = re.compile(r"[A-Za-zÀ-ɏ]")
_GREEK_OR_CYRILLIC = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")
# Zero-width characters and soft hyphens hidden inside words.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e]")

# Three or more single letters separated by the same space, dot, dash, underscore, slash,
# star or plus: "s a l o p e", "k.y.s", "F U C K", "c-o-n", "g.r.o.s p.o.r.c" (two words).
# Two (as in "il y a") are left alone.
_SPACED = re.compile(r"(?<![\w.])[^\W\d_]([ ._\-/*+])(?:[^\W\d_]\1)+[^\W\d_](?!\w)")
_SPACED_SEPARATORS = re.compile(r"[ ._\-/*+]")
_ONE_LETTER_WORDS = frozenset("aàyiIeéoô")

# Leetspeak: digits and symbols standing for letters inside a word ("b1tch", "c0nnard",
# "id10t", "@$$hole", "k!ll", "sal3", "3nculé"). Digits at the edges of a token are left
# alone unless clearly a letter: "iPhone16", "ps5", "mp3", "4G", "20h", "1er" stay.
_TOKEN = re.compile(r"[^\s,;:?()\"«»“”]+")
_LEET_RUN = re.compile(r"[0134579@$!€]{1,3}")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g", "@": "a", "$": "s", "!": "i", "€": "e"}
)
# Tokens where digits are what they look like: numbers with a unit or an ordinal (20h, 1er,
# 3ème, 10am), "F4F" and "B2B", mentions, hashtags, sums, times, dates, scores.
_NOT_LEET = re.compile(r"^(?:\d+[^\W\d_]{0,3}|[^\W\d_]\d[^\W\d_]|@\w.*|#.*|.*\d[.,/:h]\d.*|[$€£]\d.*|.*\d[$€£%])$")

# Masked letters inside a word: "f*ck", "p***", "enc***s", "put**n", "sh#t", "*ucking".
# Not "_" (it joins the words of handles) nor a leading "#" (hashtags).
_MASKED = re.compile(r"\b[^\W\d_]+[*#•]+[^\W\d_*#•]*(?:[*#•]+[^\W\d_]*)*|(?<![\w*])\*+[^\W\d_]{2,}")

# A run of 3+ identical letters: "nuuuul", "sssalope", "goooood". One letter is kept for
# vowels that are rarely doubled, accented ones and at the start of a word; two otherwise
# ("good", "cool", "connard").
_REPEATED = re.compile(r"([^\W\d_])\1{2,}")
_SINGLE = frozenset("aiuyéèêëàâäîïôöùûüÿç")

# Rude words in the seven languages, used only to fill in masked letters ("f*ck") and to
# spell out look-alike variants. Lower case, accents kept. Not a filter: the models decide.
LEXICON = (
    # English
    "fuck", "fucking", "fucker", "fuckers", "motherfucker", "motherfuckers", "shit", "bitch",
    "bitches", "cunt", "cunts", "asshole", "assholes", "bastard", "dick", "dickhead", "whore",
    "slut", "fag", "faggot", "retard", "retarded", "nigger", "nigga", "twat", "wanker",
    "wankers", "bellend", "douche", "idiot", "moron", "loser", "tranny", "dyke", "kill",
    "die",
    # French
    "putain", "pute", "putes", "salope", "salopes", "connard", "connards", "connasse", "con",
    "cons", "enculé", "enculés", "encule", "encules", "enculer", "bâtard", "bâtards", "batard",
    "merde", "nique", "niquer", "pédé", "pédés", "tapette", "gouine", "négro", "bougnoule",
    "chienne", "pétasse", "pouffiasse", "catin", "couille", "couilles", "bite", "foutre",
    "ordure", "enfoiré", "enfoirés", "crève", "crevez", "gueule", "mongol", "débile",
    "ostie", "tabarnak", "crisse", "crisses", "câlisse", "fif", "macaque",
    # Spanish, Portuguese, Italian
    "puta", "putas", "mierda", "cabrón", "gilipollas", "maricón", "coño", "zorra", "joder",
    "porra", "caralho", "foder", "viado", "vadia", "merda", "cazzo", "stronzo", "troia",
    "puttana", "vaffanculo", "frocio", "minchia",
    # German, Dutch
    "scheiße", "scheisse", "hure", "hurensohn", "fotze", "fick", "ficken", "arschloch",
    "schwuchtel", "kanker", "kankerlijer", "tyfus", "tyfuslijer", "kut", "hoer", "flikker",
    "klootzak", "mongool",
    # last: rarely the masked word
    "prick", "piss", "cock",
)  # fmt: skip

_FOLDED_LEXICON = tuple((word, "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)))
                        for word in LEXICON)

# Abbreviations that are an insult, a threat or a slur by themselves, spelt out so that the
# encoder reads the words (it has seen "kill yourself" far more often than "kys").
ABBREVIATIONS = {
    "kys": "kill yourself",
    "kyss": "kill yourself",
    "stfu": "shut the fuck up",
    "gtfo": "get the fuck out",
    "foad": "fuck off and die",
    "ftg": "ferme ta gueule",
    "fdp": "fils de pute",
    "ntm": "nique ta mère",
    "vtff": "va te faire foutre",
    "hdp": "hijo de puta",
    "vsf": "vai se foder",
    "fvck": "fuck",
    "fck": "fuck",
    "fuk": "fuck",
    "phuck": "fuck",
    "fcking": "fucking",
    "urself": "yourself",
    "yoself": "yourself",
}
_ABBREVIATION = re.compile(r"(?<![\w@#])(" + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True)) + r")(?!\w)", re.I)
# Only worth a look when one of these is present: most comments skip every step below.
_SUSPECT = re.compile(r"[*#•0134579@$!€]|([^\W\d_])\1\1|(?<!\w)[^\W\d_][ ._\-/*+][^\W\d_][ ._\-/*+][^\W\d_](?!\w)")


def unmask(text: str) -> str:
    """The text with spelling tricks undone; unchanged when it has none."""
    if not text.isascii() or any(unicodedata.combining(c) for c in text):
        text = _fold_unicode(text)
    if _SUSPECT.search(text):
        text = _SPACED.sub(_join_spaced, text)
        text = _MASKED.sub(_fill_masked, text)
        text = _TOKEN.sub(_unleet, text)
        text = _REPEATED.sub(_squeeze, text)
    return _ABBREVIATION.sub(_expand, text)


def _fold_unicode(text: str) -> str:
    """Compatibility forms (fullwidth, mathematical letters) to plain ones, invisible
    characters and stray combining marks (strike-through, "Zalgo") dropped, look-alike
    letters from other scripts folded inside Latin words."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if any(unicodedata.combining(c) for c in text):
        # NFKC has already composed the accents it knows (é); what is left is decoration.
        text = "".join(c for c in text if not unicodedata.combining(c))
    if _FOREIGN_LOOKALIKE.search(text):
        latin = len(_LATIN_LETTERS.findall(text))
        # letters of those scripts that look like no Latin one (и, д, λ) mark real Russian or Greek
        mostly_latin = latin > sum(c not in _HOMOGLYPH_CHARS for c in _GREEK_OR_CYRILLIC.findall(text))
        text = re.sub(r"\S+", lambda m: _fold_lookalikes(m.group(0), mostly_latin), text)
    return text


def _fold_lookalikes(word: str, mostly_latin: bool) -> str:
    if not _FOREIGN_LOOKALIKE.search(word):
        return word
    folded = word.translate(_HOMOGLYPHS)
    # A word mixing Latin letters with look-alikes ("Ѕаlope"), or made of look-alikes only
    # inside Latin text ("ЅаӀоре" among French words); Russian or Greek text keeps its letters.
    if _LATIN_WORD_WITH_LOOKALIKES.fullmatch(word) or (mostly_latin and folded.isascii()):
        return folded
    return word


def _join_spaced(match: re.Match[str]) -> str:
    letters = _SPACED_SEPARATORS.split(match.group(0))
    # "is a c u n t": a one-letter word before the spelt-out one stays a word.
    if len(letters) >= 4 and letters[0] in _ONE_LETTER_WORDS:
        return letters[0] + " " + "".join(letters[1:])
    return "".join(letters)


def _unleet(match: re.Match[str]) -> str:
    token = match.group(0)
    if not _LEET_RUN.search(token) or _NOT_LEET.match(token):
        return token
    core = token.rstrip("!?.…")
    letters = sum(c.isalpha() for c in core)
    if letters < 2:
        return token
    out, last = [], 0
    for run in _LEET_RUN.finditer(core):
        start, end = run.span()
        before = core[start - 1] if start else ""
        after = core[end] if end < len(core) else ""
        # "!" only early in a word ("b!tch", "sh!t"), not between two words ("toi!ça")
        inside = before.isalpha() and after.isalpha() and (run.group() != "!" or start <= 2)
        # "@$$holes", "$hit", "3nculé": a leading symbol before a word of 4+ letters
        leading = not start and after.isalpha() and (run.group() in ("@", "$", "$$", "@$$") or letters >= 4)
        trailing = end == len(core) and run.group() == "3" and letters >= 3  # "sal3", "m3r3"
        if inside or leading or trailing:
            letters_of_run = run.group().translate(_LEET)
            out += [core[last:start], letters_of_run.upper() if before.isupper() or after.isupper() else letters_of_run]
            last = end
    if not last:
        return token
    return "".join(out) + core[last:] + token[len(core):]


def _fill_masked(match: re.Match[str]) -> str:
    word = match.group(0)
    if len(word) < 3:
        return word  # "C#", "a*": too little to be a masked word
    found = _lexicon_match(word.lower())
    if found is None:
        return "".join(c for c in word if c not in "*#•")
    return found.upper() if word.isupper() and sum(c.isalpha() for c in word) > 1 else found


@lru_cache(maxsize=4096)
def _lexicon_match(masked: str) -> str | None:
    """The first rude word that the masked one can be (a run of n masks standing for n - 1
    to n + 1 letters), or None."""
    parts = []
    for part in re.split(r"([*#•]+)", _fold_accents(masked)):
        if part and part[0] in "*#•":
            parts.append(f"[^\\W\\d_]{{{max(1, len(part) - 1)},{len(part) + 1}}}")
        elif part:
            parts.append(re.escape(part))
    pattern = re.compile("".join(parts))
    for word, folded in _FOLDED_LEXICON:
        if pattern.fullmatch(folded):
            return word
    return None


def _fold_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _squeeze(match: re.Match[str]) -> str:
    letter, text = match.group(1), match.string
    start, end = match.span()
    if (not start or not text[start - 1].isalpha()) and (end == len(text) or not text[end].isalpha()):
        return match.group(0)  # the whole word is the run: "BBB", "zzz"
    at_start = not start or not text[start - 1].isalpha()
    return letter if at_start or letter.lower() in _SINGLE else letter * 2


def _expand(match: re.Match[str]) -> str:
    return ABBREVIATIONS[match.group(1).lower()]
