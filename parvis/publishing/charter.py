"""The workspace's editorial charter, checked against a post.

Every rule gives findings; a finding is *blocking* when the charter lists its rule in
`blocking` (then scheduling is refused), a *warning* otherwise (shown in the composer).
Checks read the text as it will be published: the main text and each target network's
own text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import grapheme
import idna
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.models import Workspace
from parvis.networks import registry
from parvis.networks.text import HASHTAG_RE, find_links
from parvis.publishing.languages import language_name
from parvis.publishing.models import Charter
from parvis.publishing.types import FieldError, PostInput

# Rule keys, as stored in `Charter.blocking`, with the names people read.
RULES = {
    "banned_terms": gettext_lazy("Banned words and expressions"),
    "required_hashtags": gettext_lazy("Required hashtags"),
    "required_mentions": gettext_lazy("Required mentions"),
    "max_hashtags": gettext_lazy("Maximum hashtags"),
    "max_emojis": gettext_lazy("Maximum emojis"),
    "require_alt_text": gettext_lazy("Alt text on images"),
    "allowed_languages": gettext_lazy("Allowed languages"),
    "links": gettext_lazy("Link rules"),
}
WARNING, BLOCKING = "warning", "blocking"
# Scheduling modes: a draft is never blocked, it is where a post gets fixed.
PUBLISHING_MODES = frozenset({"now", "schedule", "queue"})

APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'"})
MENTION_RE = re.compile(r"(?<![\w/@])@([\w.-]+(?:@[\w.-]+)?)")


@dataclass(frozen=True)
class Finding:
    rule: str  # a key of RULES
    severity: str  # WARNING or BLOCKING
    field: str  # "text", "variants.<network>", "media", "language"
    message: str

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING


def charter_for(workspace: Workspace | None) -> Charter | None:
    """The workspace's charter, or None. Read once per workspace object (Django keeps the
    related object), so checking thousands of rows costs one query."""
    if workspace is None or workspace.pk is None:
        return None
    try:
        return workspace.charter
    except Charter.DoesNotExist:
        return None


# -- text normalisation ------------------------------------------------------------------

def fold(text: str) -> str:
    """Case-, accent- and apostrophe-insensitive form: "L’Arnaque" → "l'arnaque"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(APOSTROPHES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).casefold()


def term_pattern(term: str) -> re.Pattern[str] | None:
    """Whole words only, any run of spaces between them. An elided article ("l'", "d'",
    "qu'") ends in an apostrophe, which is not a word character: "l'arnaque" contains the
    word "arnaque"."""
    words = fold(term).split()
    if not words:
        return None
    body = r"\s+".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def hashtags_in(text: str) -> list[str]:
    links = find_links(text)
    return [m.group(1) for m in HASHTAG_RE.finditer(text)
            if not any(span.start <= m.start() < span.end for span in links)]


def mentions_in(text: str) -> list[str]:
    links = find_links(text)
    return [m.group(1).rstrip(".-").casefold() for m in MENTION_RE.finditer(text)
            if not any(span.start <= m.start() < span.end for span in links)]


# -- emoji -------------------------------------------------------------------------------

# Extended_Pictographic (Unicode emoji-data.txt): the code points that are, or may be
# shown as, pictographs.
PICTOGRAPHIC = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x2388, 0x2388), (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2),
    (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2605),
    (0x2607, 0x2612), (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712), (0x2714, 0x2714),
    (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728), (0x2733, 0x2734),
    (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755),
    (0x2757, 0x2757), (0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299),
    (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F), (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171),
    (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5),
    (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A),
    (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA), (0x1F400, 0x1F53D), (0x1F546, 0x1F64F),
    (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F),
    (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF),
    (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD),
)
# Below U+1F000, most pictographs are text by default ("©", "→", "☺") and become emoji
# only when asked (U+FE0F). These few are emoji by default (Emoji_Presentation).
EMOJI_PRESENTATION_BMP = frozenset(
    [0x231A, 0x231B, 0x23E9, 0x23EA, 0x23EB, 0x23EC, 0x23F0, 0x23F3, 0x25FD, 0x25FE, 0x2614,
     0x2615, *range(0x2648, 0x2654), 0x267F, 0x2693, 0x26A1, 0x26AA, 0x26AB, 0x26BD, 0x26BE,
     0x26C4, 0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2, 0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705,
     0x270A, 0x270B, 0x2728, 0x274C, 0x274E, 0x2753, 0x2754, 0x2755, 0x2757, 0x2795, 0x2796,
     0x2797, 0x27B0, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B55]
)
VS16, ZWJ, KEYCAP = 0xFE0F, 0x200D, 0x20E3
SKIN_TONES = range(0x1F3FB, 0x1F400)
REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
TAGS = range(0xE0020, 0xE0080)


def _pictographic(cp: int) -> bool:
    return any(low <= cp <= high for low, high in PICTOGRAPHIC)


def is_emoji(cluster: str) -> bool:
    """Whether one grapheme cluster is shown as an emoji: a flag (two regional
    indicators), a keycap (1️⃣), or a pictograph that is emoji by default or made one by
    U+FE0F, a skin tone, a tag sequence or a ZWJ sequence (👨‍👩‍👧 is one)."""
    cps = [ord(c) for c in cluster]
    first = cps[0]
    if first in REGIONAL_INDICATORS or first in SKIN_TONES:
        return True
    if KEYCAP in cps:
        return chr(first) in "0123456789#*"
    if not _pictographic(first):
        return False
    styled = any(cp in (VS16, ZWJ) or cp in SKIN_TONES or cp in TAGS for cp in cps[1:])
    return first >= 0x1F000 or first in EMOJI_PRESENTATION_BMP or styled


def count_emojis(text: str) -> int:
    return sum(1 for cluster in grapheme.graphemes(text) if is_emoji(cluster))


# -- links -------------------------------------------------------------------------------

def ascii_host(host: str) -> str:
    """The host as DNS knows it (IDN in punycode), lower case, no trailing dot."""
    host = host.strip().rstrip(".").lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host


def host_matches(host: str, domains: Iterable[str]) -> bool:
    """`host` is one of `domains` or a subdomain of one (shop.example.com ⊂ example.com)."""
    host = ascii_host(host)
    for domain in domains:
        domain = ascii_host(domain)
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def link_hosts(text: str) -> list[str]:
    hosts = []
    for span in find_links(text):
        try:
            host = urlsplit(span.value).hostname
        except ValueError:
            host = None
        hosts.append(host or span.value)
    return list(dict.fromkeys(hosts))


# -- the rules ---------------------------------------------------------------------------

def _banned(charter: Charter, text: str) -> list[str]:
    folded = fold(text)
    out = []
    for term in charter.banned_terms:
        pattern = term_pattern(term)
        if pattern is not None and pattern.search(folded):
            out.append(_("Charter — banned expression: “%(term)s”") % {"term": term})
    return out


def _required_hashtags(charter: Charter, text: str) -> list[str]:
    present = {tag.casefold() for tag in hashtags_in(text)}
    return [_("Charter — required hashtag missing: %(tag)s") % {"tag": "#" + tag.lstrip("#")}
            for tag in charter.required_hashtags if tag.lstrip("#").casefold() not in present]


def mention_network(handle: str) -> str | None:
    """The network a full handle belongs to, by each network's handle syntax; a bare
    "@name" is for every network."""
    return registry.network_of_handle(handle)


def _mention_present(wanted: str, present: set[str]) -> bool:
    # A bare "@dupont" is satisfied by the same name on any server ("@dupont@piaille.fr",
    # "@dupont.bsky.social"); a full handle must match exactly.
    wanted = wanted.lstrip("@").casefold()
    if wanted in present:
        return True
    return mention_network(wanted) is None and any(m.split("@")[0].split(".")[0] == wanted for m in present)


def _required_mentions(charter: Charter, text: str, networks: frozenset[str] | None) -> list[str]:
    """`networks`: where this text is published (None: not known yet). A network's own
    handle is only required in the texts that go to that network."""
    present = set(mentions_in(text))
    return [_("Charter — required mention missing: %(mention)s") % {"mention": "@" + m.lstrip("@")}
            for m in charter.required_mentions
            if (mention_network(m) is None or (networks is not None and mention_network(m) in networks))
            and not _mention_present(m, present)]


def _max_hashtags(charter: Charter, text: str) -> list[str]:
    count = len(hashtags_in(text))
    if charter.max_hashtags is None or count <= charter.max_hashtags:
        return []
    return [_("Charter — too many hashtags: %(count)d, %(max)d at most")
            % {"count": count, "max": charter.max_hashtags}]


def _max_emojis(charter: Charter, text: str) -> list[str]:
    count = count_emojis(text)
    if charter.max_emojis is None or count <= charter.max_emojis:
        return []
    return [_("Charter — too many emojis: %(count)d, %(max)d at most")
            % {"count": count, "max": charter.max_emojis}]


def _links(charter: Charter, text: str) -> list[str]:
    out = []
    for host in link_hosts(text):
        if host_matches(host, charter.blocked_domains):
            out.append(_("Charter — link to a blocked domain: %(domain)s") % {"domain": host})
        elif charter.link_policy == Charter.LinkPolicy.NONE:
            out.append(_("Charter — no links allowed: %(domain)s") % {"domain": host})
        elif (charter.link_policy == Charter.LinkPolicy.ALLOWED_DOMAINS
              and not host_matches(host, charter.allowed_domains)):
            out.append(_("Charter — link to a domain not allowed: %(domain)s (allowed: %(allowed)s)")
                       % {"domain": host, "allowed": ", ".join(charter.allowed_domains) or "—"})
    return out


TEXT_RULES: dict[str, Callable[[Charter, str], list[str]]] = {
    "banned_terms": _banned,
    "required_hashtags": _required_hashtags,
    "max_hashtags": _max_hashtags,
    "max_emojis": _max_emojis,
    "links": _links,
}


def _alt_text(charter: Charter, data: PostInput) -> list[str]:
    if not charter.require_alt_text:
        return []
    return [_("Charter — alt text required: “%(name)s” has none") % {"name": media.name}
            for media in data.media
            if media.mime_type.startswith("image/") and not media.alt_text.strip()]


def _language(charter: Charter, data: PostInput) -> list[str]:
    allowed = [code.lower() for code in charter.allowed_languages]
    if not allowed:
        return []
    names = ", ".join(language_name(code) for code in allowed)
    code = data.language.strip().lower()
    if not code:
        return [_("Charter — choose the post's language (allowed: %(allowed)s)") % {"allowed": names}]
    if code.split("-")[0] not in allowed:
        return [_("Charter — language not allowed: %(language)s (allowed: %(allowed)s)")
                % {"language": language_name(code), "allowed": names}]
    return []


# -- putting it together -----------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    field: str
    body: str
    label: str  # the network's name for a network's own text, else ""
    networks: frozenset[str] | None  # where it is published; None: no account chosen yet


def texts_to_check(data: PostInput, network: str | None) -> list[Text]:
    """Each text that will be published: one network's text when `network` is given;
    else the main text and each target network's own."""
    if network is not None:
        variant = data.variants.get(network)
        only = frozenset([network])
        return [Text(f"variants.{network}", variant, _label(network), only) if variant
                else Text("text", data.text, "", only)]
    targets = {a.network for a in data.accounts}
    own = sorted(key for key in (targets or set(data.variants)) if data.variants.get(key))
    # The main text goes wherever no own text replaces it; nowhere, it is not checked.
    shared = frozenset(targets - set(own)) if targets else None
    out = [Text("text", data.text, "", shared)] if shared is None or shared else []
    out += [Text(f"variants.{key}", data.variants[key], _label(key), frozenset([key])) for key in own]
    return out


def _label(network: str) -> str:
    info = registry.NETWORKS.get(network)
    return info.label if info else network


def check_charter(charter: Charter | None, data: PostInput, network: str | None = None) -> list[Finding]:
    if charter is None:
        return []
    blocking = set(charter.blocking)

    def finding(rule: str, field: str, message: str) -> Finding:
        return Finding(rule, BLOCKING if rule in blocking else WARNING, field, message)

    found: list[Finding] = []
    for text in texts_to_check(data, network):
        results = [(rule, check(charter, text.body)) for rule, check in TEXT_RULES.items()]
        results.append(("required_mentions", _required_mentions(charter, text.body, text.networks)))
        for rule, messages in results:
            for message in messages:
                if text.label:
                    message = _("%(message)s (text for %(network)s)") % {"message": message, "network": text.label}
                found.append(finding(rule, text.field, message))
    found += [finding("require_alt_text", "media", m) for m in _alt_text(charter, data)]
    found += [finding("allowed_languages", "language", m) for m in _language(charter, data)]
    return list(dict.fromkeys(found))


def charter_errors(data: PostInput) -> list[FieldError]:
    """The blocking findings, as errors that stop scheduling. Drafts are never blocked."""
    if data.mode not in PUBLISHING_MODES:
        return []
    return [FieldError(f.field, f.message, f"charter_{f.rule}")
            for f in check_charter(charter_for(data.workspace), data) if f.blocking]
