"""From la veille to publishing: a post drafted from an article.

The draft carries the article's title, a short excerpt, its address without tracking
parameters (the charter adds its own UTM parameters to every link when the post is
published, per network) and a few hashtags drawn from the article's own words (offline:
the words its title and text repeat most, stop words aside). When the article comes from
a network account's public feed, that network's version of the post mentions the
account. And before writing, the CM sees whether the brand already shared the link.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parvis.accounts.models import Workspace
from parvis.listening.models import Entry
from parvis.listening.sanitise import excerpt, plain_text
from parvis.listening.store import TRACKING_NAMES, TRACKING_PREFIXES, canonical_link
from parvis.networks import registry
from parvis.networks.text import find_links

EXCERPT = 200  # characters: room is left for the CM's own words and the link
HASHTAGS = 3
WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]", re.UNICODE)
# Words too common to say what an article is about (French and English).
STOP_WORDS = """
a afin ai aie ainsi alors après au aucun aussi autre aux avec avoir avant bien bon car ce ceci cela celle celles
celui ces cet cette chaque chez comme comment dans de des deux donc dont du elle elles en encore entre est et
été être eux fait faire fois font hors ici il ils je jusqu la le les leur leurs lui ma mais me même mes moi
moins mon ne ni nos notre nous on ont ou où par parce pas peu peut plus pour pourquoi quand que quel quelle
quelles quels qui sa sans se selon ses si sien son sont sous sur ta tandis te tes toi ton tous tout toute toutes
très tu un une vers via vos votre vous déjà depuis lors nouveau nouvelle nouveaux nouvelles about after again
all also an and any are as at be been before being but by can could did do does for from had has have he her
here his how if in into is it its just more most new no not now of one only or other our out over said she
should so some such than that the their them then there these they this those through to too under up very was
we were what when where which while who why will with would you your
"""
STOP = frozenset(STOP_WORDS.split())


def clean_link(url: str) -> str:
    """`url` without the tracking parameters someone else added (utm_*, fbclid…)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_NAMES]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _folded(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def suggested_hashtags(title: str, text: str, limit: int = HASHTAGS) -> list[str]:
    """The words the article is about, as hashtags: title words count three times, a word
    written with a capital inside a sentence (a name) twice; elided articles (l', d')
    and stop words are dropped; the form most often written is kept ("#Lyon")."""
    scores: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for weight, source in ((3, title), (1, text)):
        for match in WORD.finditer(source):
            word = re.sub(r"^[lLdDjJmMnNsStTcC][’']|^[qQ]u[’']", "", match.group())
            word = word.strip("-’'")
            key = _folded(word)
            if len(key) < 4 or key in STOP or "'" in word or "’" in word:
                continue
            named = word[0].isupper() and match.start() > 0 and source[match.start() - 2:match.start()].strip() \
                not in (".", "!", "?", "")
            scores[key] += weight * (2 if named else 1)
            forms.setdefault(key, Counter())[word] += 1
    tags = []
    for key, _score in scores.most_common():
        form = forms[key].most_common(1)[0][0].replace("-", "")
        tags.append("#" + (form[0].upper() + form[1:] if form[0].isupper() else form))
        if len(tags) == limit:
            break
    return tags


def post_text(entry: Entry) -> str:
    parts = [entry.title.strip()]
    summary = excerpt(entry.summary or entry.content, EXCERPT)
    if summary and summary.casefold() != entry.title.strip().casefold():
        parts.append(f"« {summary} »" if entry.language.startswith("fr") else f"“{summary}”")
    if entry.url:
        parts.append(clean_link(entry.url))
    tags = suggested_hashtags(entry.title, plain_text(entry.content or entry.summary))
    if tags:
        parts.append(" ".join(tags))
    return "\n\n".join(p for p in parts if p)


def variants(entry: Entry) -> dict[str, str]:
    """Per network, the post with the account mentioned, when the article comes from that
    network's account feed (on other networks the handle means nothing)."""
    info = registry.NETWORKS.get(entry.source.kind)
    handle = info.handle_of_feed(entry.source.url) if info else None
    if not info or not handle:
        return {}
    return {info.key: f"{post_text(entry)}\n\nvia {handle}"}


@dataclass(frozen=True)
class Shared:
    post_id: int
    at: datetime | None
    text: str


def already_shared(workspace: Workspace, entry: Entry, limit: int = 3) -> list[Shared]:
    """The brand's posts (this workspace's) that carry the article's link already."""
    from parvis.publishing.models import Post

    if not entry.url:
        return []
    key = canonical_link(entry.url)  # host and path without www., scheme or tracking
    host_path = key.split("?", 1)[0].rstrip("/")
    if not host_path or "/" not in host_path:
        return []  # a site's home page is not an article
    rows = (Post.objects.filter(workspace=workspace, text__icontains=host_path)
            .order_by("-created_at")[:limit * 5])
    found = [Shared(p.pk, p.scheduled_at or p.created_at, p.text) for p in rows
             if any(canonical_link(span.value) == key for span in find_links(p.text))]
    return found[:limit]
