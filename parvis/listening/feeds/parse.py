"""Reading a feed document: RSS 0.90 to 2.0, RSS 1.0 (RDF), Atom 1.0 and 0.3, JSON Feed.

`parse_feed` either returns a ParsedFeed or raises FeedError with a sentence for people.
What it keeps:

* Nothing outside the document is ever read: no DTD, no external entity, no network
  (lxml with `resolve_entities=False`, `load_dtd=False`, `no_network=True`); an entity
  the document declares is kept as written, so an entity bomb expands to nothing.
* Broken XML is recovered where libxml2 can, and `ParsedFeed.bozo` says what was wrong.
* The bytes are read as the byte order mark, else the XML declaration, else the HTTP
  charset says; when that fails (a declared encoding the bytes do not follow), as UTF-8,
  then windows-1252. lxml always gets valid UTF-8 and is told so.
* Elements are recognised by namespace URI (precomputed Clark names), never by prefix,
  except the common prefixes a document forgot to declare.
* Speed: one pass over each item's children with dict look-ups; no XPath, and no regex
  over the document, except once on the rare one with bare ampersands or HTML entities.
"""

from __future__ import annotations

import base64
import codecs
import json
import re
import threading
from functools import lru_cache
from html import escape
from html.entities import html5
from typing import Any
from urllib.parse import urljoin

from django.utils.translation import gettext as _
from lxml import etree

from parvis.listening.feeds.dates import parse_date
from parvis.listening.feeds.types import Enclosure, FeedError, ParsedEntry, ParsedFeed

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
XHTML = "http://www.w3.org/1999/xhtml"
MEDIA = ("http://search.yahoo.com/mrss/", "https://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RDF_ABOUT = f"{{{RDF}}}about"

_ATOM_VERSIONS = {"0.1": "atom01", "0.2": "atom02", "0.3": "atom03"}
_JSON_VERSIONS = {"https://jsonfeed.org/version/1": "json1", "https://jsonfeed.org/version/1.1": "json11"}
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
_BLOCK_TAGS = frozenset({"br", "p", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})

# Short strings only: one title, one declaration, one charset at a time.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^<>]*>|<!--.*?-->", re.S)
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_DECLARED = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
# The whole document, but only when libxml2 already found a bare "&" or an HTML entity in it.
_AMPERSAND = re.compile(rb"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|([A-Za-z][A-Za-z0-9]*);)?")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_REPAIRED = frozenset({"ERR_NAME_REQUIRED", "ERR_ENTITYREF_SEMICOL_MISSING", "ERR_UNDECLARED_ENTITY",
                       "WAR_UNDECLARED_ENTITY"})

_SINGLE_BYTE_WESTERN = frozenset({"cp1252", "iso8859-15"})
# What a declared name really means on the web (WHATWG): the superset is what servers send.
_SUPERSETS = {"iso8859-1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030",
              "euc_kr": "cp949"}

_LABELS = {"utf-8": "UTF-8", "cp1252": "windows-1252"}

_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread (lxml parsers keep state); always fed UTF-8."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            encoding="utf-8", recover=True, resolve_entities=False, no_network=True, huge_tree=False,
            load_dtd=False, dtd_validation=False, remove_comments=True, remove_pis=True)
        _local.parser = parser
    return parser


def parse_feed(body: bytes, *, url: str = "", content_type: str = "") -> ParsedFeed:
    """The feed in `body` (fetched from `url`, served as `content_type`)."""
    start = body[:64].lstrip()
    if start.startswith(codecs.BOM_UTF8):
        start = start[3:].lstrip()
    if not start:
        raise FeedError(_("The document is empty."))
    if start[:1] == b"{" or ("json" in content_type.lower() and start[:1] != b"<"):
        return _json_feed(body, url)
    return _xml_feed(body, url, content_type)


# -- bytes and XML ------------------------------------------------------------------------

def _utf8(body: bytes, content_type: str) -> tuple[bytes, str]:
    """`body` as UTF-8 bytes, and why its encoding was not what it said ("" when it was)."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:], ""
    if body[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return body.decode("utf-32", "replace").encode(), ""
    if body[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return body.decode("utf-16", "replace").encode(), ""
    if body[:4] in (b"<\x00?\x00", b"\x00<\x00?"):  # UTF-16 without its mark
        return body.decode("utf-16-le" if body[0] == 0x3C else "utf-16-be", "replace").encode(), ""
    if body.isascii():
        return body, ""
    declared = _DECLARED.match(body[:256].lstrip())
    charset = _CHARSET.search(content_type)
    said = declared.group(1).decode("ascii") if declared else (charset.group(1) if charset else "")
    try:
        primary = codecs.lookup(said).name if said else "utf-8"
    except LookupError:
        primary = "utf-8"
    primary = _SUPERSETS.get(primary, primary)
    if primary.startswith(("utf-16", "utf-32")):
        primary = "utf-8"  # bytes without a mark that parse as ASCII are not UTF-16, whatever they say
    # Valid UTF-8 beyond ASCII is never windows-1252 text by accident: a label saying
    # latin-1 on UTF-8 bytes is the commonest lie there is.
    order = ["utf-8", primary] if primary in _SINGLE_BYTE_WESTERN else [primary]
    for codec in (*order, "utf-8", "cp1252"):
        try:
            text = body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        actual = _LABELS.get(codec, codec)
        if codec == primary or (not said and codec == "utf-8"):
            why = ""
        elif said:
            why = _("The document says it is encoded in %(declared)s, but it is %(actual)s.") % {
                "declared": said, "actual": actual}
        else:
            why = _("The document does not say how it is encoded; it was read as %(actual)s.") % {"actual": actual}
        return (body if codec == "utf-8" else text.encode()), why
    return body.decode("latin-1").encode(), _("The document mixes encodings; it was read as latin-1.")


def _xml_feed(body: bytes, url: str, content_type: str) -> ParsedFeed:
    data, bozo = _utf8(body, content_type)
    data = data.lstrip()
    if data[:1] != b"<":
        first = data.find(b"<", 0, 1024)
        if first < 0:
            raise FeedError(_("This document is not a feed: it is neither XML nor JSON."))
        data, bozo = data[first:], bozo or _("The document starts with text that is not XML.")
    head = data[:256].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise FeedError(_("This address is a web page, not a feed."))
    parser = _parser()
    root = etree.fromstring(data, parser, base_url=url or None)
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    if errors:
        bozo = bozo or f"{errors[0].message} (line {errors[0].line})"
        # libxml2 drops a bare "&" and, once it has met an HTML entity, mangles the
        # entities after it: such documents are mended and read again.
        if any(e.type_name in _REPAIRED for e in parser.error_log):
            root = etree.fromstring(_AMPERSAND.sub(_mend_ampersand, data), parser, base_url=url or None)
    if root is None:
        raise FeedError(_("This document is not a feed: it could not be read as XML."))
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace, _sep, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if local == "rss":
        feed, names, atom = ParsedFeed(kind="rss", version=_rss_version(root)), _names(namespace, False), False
    elif local == "feed":
        version = "atom10" if namespace == ATOM else _ATOM_VERSIONS.get(root.get("version", "").strip(), "atom")
        feed, names, atom = ParsedFeed(kind="atom", version=version), _names(namespace, True), True
    elif local == "RDF":
        old = any(isinstance(child.tag, str) and child.tag.startswith(f"{{{RSS090}}}") for child in root)
        feed, atom = ParsedFeed(kind="rdf", version="rss090" if old else "rss10"), False
        names = _names(RSS090 if old else RSS10, False)
    elif local.lower() == "html":
        raise FeedError(_("This address is a web page, not a feed."))
    elif local.isidentifier() and local.isascii():
        raise FeedError(_("This XML document is not a feed (its root element is <%(tag)s>).") % {"tag": local})
    else:
        raise FeedError(_("This document is not a feed: it could not be read as XML."))
    items, author = _head(root, feed, names, url, atom)
    feed.entries = [_entry(item, feed, names, url, atom, author) for item in items]
    feed.bozo = bozo
    return feed


def _rss_version(root: Any) -> str:
    version = root.get("version", "").strip()
    if version == "0.91":
        doctype = root.getroottree().docinfo.doctype or ""
        return "rss091n" if "netscape" in doctype.lower() else "rss091u"
    if version in ("0.92", "0.93", "0.94"):
        return "rss" + version.replace(".", "")
    return "rss20" if version.startswith("2.") else "rss"


def _mend_ampersand(found: re.Match[bytes]) -> bytes:
    """A bare "&" escaped, an HTML entity (undefined in XML) written as character references."""
    if found.group(1) is None:
        return b"&amp;"
    name = found.group(2)
    if name is None or name in _XML_ENTITIES:
        return found.group(0)
    value = html5.get(name.decode("ascii") + ";")
    if value is None:  # perhaps declared by the document itself: kept as written
        return found.group(0)
    return "".join(f"&#{ord(char)};" for char in value).encode("ascii")


# -- text ---------------------------------------------------------------------------------

def _text(el: Any) -> str:
    """The element's text; entity references the parser kept are written back as such."""
    if len(el):
        return "".join(el.itertext())
    return el.text or ""


def _markup(el: Any) -> str:
    """An element holding HTML: escaped HTML as is, inline elements serialised."""
    if not len(el):
        return (el.text or "").strip()
    if not any(isinstance(child.tag, str) for child in el):
        return "".join(el.itertext()).strip()
    return _serialise_children(el)


def _serialise_children(el: Any) -> str:
    """Inline XML as HTML. Namespaces go: HTML has none, and inline content in Atom 0.3
    or RSS often sits in the feed's own default namespace by mistake."""
    for node in el.iter():
        tag = node.tag
        if isinstance(tag, str) and tag[0] == "{":
            node.tag = tag[tag.index("}") + 1:]
    # Moved under a fresh element, they leave the ancestors' namespace declarations behind.
    holder = etree.Element("div")
    holder.extend(list(el))
    parts = [escape(el.text, quote=False)] if el.text else []
    parts += [etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in holder]
    return "".join(parts).strip()


def _entity(found: re.Match[str]) -> str:
    name = found.group(1)
    if name[0] == "#":
        number = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        if 0 < number < 0x110000 and not 0xD800 <= number <= 0xDFFF:
            return chr(number)
        return found.group(0)
    return html5.get(name + ";", found.group(0))


def _tag(found: re.Match[str]) -> str:
    name = found.group(2)
    return " " if name and name.lower() in _BLOCK_TAGS else ""


def _plain_text(text: str, html: bool | None = None) -> str:
    """`text` without markup, entities resolved, whitespace collapsed. With html=None the
    text is read as HTML only when it looks like it (escaped entities or closing tags), as
    RSS titles and JSON titles come both ways."""
    if html is None:
        html = ("&" in text and _ENTITY.search(text) is not None) or "</" in text or "/>" in text or "<br" in text
    if html:
        if "<" in text:
            text = _TAG.sub(_tag, text)
        if "&" in text:
            text = _ENTITY.sub(_entity, text)
    return " ".join(text.split())


def _author(text: str) -> str:
    """A name out of RSS's "jane@example.org (Jane Doe)" or "Jane Doe <jane@example.org>"."""
    text = " ".join(text.split())
    if text.endswith(")") and "(" in text:
        name = text[text.index("(") + 1:-1].strip()
        if name:
            return name
    if text.endswith(">") and "<" in text:
        name = text[:text.index("<")].strip().strip('"')
        if name:
            return name
        return text[text.index("<") + 1:-1].strip()
    return text


def _resolve(el: Any, href: str, url: str) -> str:
    href = href.strip()
    if not href or href.startswith(("http://", "https://")):
        return href
    base = el.base or url
    return urljoin(base, href) if base else href


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


# -- element names --------------------------------------------------------------------------

def _media_names(local: str) -> tuple[str, ...]:
    return tuple(f"{{{ns}}}{local}" for ns in MEDIA)


_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "encoded": (f"{{{CONTENT}}}encoded",),
    "creator": (f"{{{DC}}}creator", f"{{{DC}}}author"),
    "updated": (f"{{{DC}}}date", f"{{{DCTERMS}}}modified", f"{{{ATOM}}}updated"),
    "published": (f"{{{DCTERMS}}}issued", f"{{{ATOM}}}published"),
    "category": (f"{{{DC}}}subject",),
    "language": (f"{{{DC}}}language",),
    "dctitle": (f"{{{DC}}}title",),
    "dcdescription": (f"{{{DC}}}description",),
    "atomlink": (f"{{{ATOM}}}link",),
    "thumbnail": _media_names("thumbnail"),
    "mediacontent": _media_names("content"),
    "mediagroup": _media_names("group"),
    "mediadescription": _media_names("description"),
    "itunesauthor": (f"{{{ITUNES}}}author",),
    "itunesimage": (f"{{{ITUNES}}}image",),
    "itunessummary": (f"{{{ITUNES}}}summary",),
}
_PREFIXES = {CONTENT: "content", DC: "dc", DCTERMS: "dcterms", ITUNES: "itunes", ATOM: "atom", **{
    ns: "media" for ns in MEDIA}}


@lru_cache(maxsize=16)
def _names(ns: str, atom: bool) -> dict[str, str]:
    """Clark names to a short key for a format whose own elements are in `ns`: the
    extensions' names, then the format's own (which win: Atom's own link is not RSS's
    atom:link), and the usual prefixed names for documents that use a prefix without
    declaring it."""
    core = f"{{{ns}}}" if ns else ""
    if atom:
        own = {"title": "title", "guid": "id", "atomlink": "link", "summary": "summary", "content": "content",
               "person": "author", "category": "category", "subtitle": "subtitle tagline", "logo": "logo",
               "icon": "icon", "name": "name", "email": "email", "item": "entry", "published": "published issued",
               "updated": "updated modified"}
    else:
        own = {key: key for key in ("title", "link", "description", "guid", "author", "category", "enclosure",
                                    "language", "image", "url", "item", "channel")}
        own["published"] = "pubDate"
    table: dict[str, str] = {}
    pairs = [(key, name) for key, names in _EXTENSIONS.items() for name in names]
    pairs += [(key, core + local) for key, locals_ in own.items() for local in locals_.split()]
    for key, name in pairs:
        table[name] = key
        namespace, _sep, local = name[1:].partition("}")
        if name[0] == "{" and namespace in _PREFIXES:
            table[f"{_PREFIXES[namespace]}:{local}"] = key
    return table


# -- RSS 0.9x / 2.0, RSS 1.0 / 0.90, Atom 1.0 / 0.3 ------------------------------------------

def _head(el: Any, feed: ParsedFeed, names: dict[str, str], url: str, atom: bool) -> tuple[list[Any], str]:
    """The feed's own fields from `el` (an RSS channel, an Atom feed; RSS 1.0 keeps its
    items and image beside its channel), and the items and the feed's author."""
    items: list[Any] = []
    links: list[Any] = []
    author = icon = ""
    for child in el:
        tag = child.tag
        key = names.get(tag) if isinstance(tag, str) else None
        if key is None:
            continue
        if key == "item":
            items.append(child)
        elif key == "channel":
            items += _head(child, feed, names, url, atom)[0]
        elif key in ("title", "dctitle"):
            feed.title = feed.title or _plain_of(child, atom, None)
        elif key in ("description", "subtitle", "dcdescription", "itunessummary"):
            feed.description = feed.description or _plain_of(child, atom, True)
        elif key == "link":
            feed.link = feed.link or _resolve(child, _text(child), url)
        elif key == "atomlink":
            links.append(child)
        elif key == "language":
            feed.language = feed.language or _text(child).strip()
        elif key == "image":
            feed.image = feed.image or _rss_image(child, names, url)
        elif key == "logo":
            feed.image = feed.image or _resolve(child, _text(child), url)
        elif key == "icon":
            icon = icon or _resolve(child, _text(child), url)
        elif key == "itunesimage" or key == "thumbnail":
            feed.image = feed.image or _resolve(child, child.get("href" if key == "itunesimage" else "url", ""), url)
        elif key == "person":
            author = author or _atom_person(child, names)
    feed.link = feed.link or _alternate(links, url)
    feed.image = feed.image or icon
    feed.language = feed.language or el.get(XML_LANG, "")
    return items, author


def _entry(item: Any, feed: ParsedFeed, names: dict[str, str], url: str, atom: bool, feed_author: str,
           ) -> ParsedEntry:
    entry = ParsedEntry(guid=item.get(RDF_ABOUT, "").strip(), language=item.get(XML_LANG, ""))
    links: list[Any] = []
    summary = fallback_summary = fallback_author = ""
    permalink = True
    for child in item:
        tag = child.tag
        key = names.get(tag) if isinstance(tag, str) else None
        if key is None:
            continue
        if key == "title":
            entry.title = _plain_of(child, atom, None)
        elif key == "dctitle":
            entry.title = entry.title or _plain_of(child, atom, None)
        elif key == "link":
            entry.link = entry.link or _resolve(child, _text(child), url)
        elif key == "atomlink":
            if child.get("rel", "").strip() == "enclosure":
                _enclose(entry, child, child.get("href", ""), url)
            else:
                links.append(child)
        elif key == "guid":
            entry.guid = _text(child).strip()
            permalink = child.get("isPermaLink", "true").strip().lower() != "false"
        elif key == "description":
            summary = _markup(child)
        elif key == "summary":
            summary = _atom_html(child)
        elif key in ("dcdescription", "itunessummary", "mediadescription"):
            fallback_summary = fallback_summary or escape(_text(child).strip(), quote=False)
        elif key == "encoded":
            entry.content = entry.content or _markup(child)
        elif key == "content":
            entry.content = entry.content or _atom_html(child)
        elif key == "published":
            entry.published = parse_date(_text(child)) or entry.published
        elif key == "updated":
            entry.updated = parse_date(_text(child)) or entry.updated
        elif key == "author" or key == "creator":
            entry.author = entry.author or _author(_text(child))
        elif key == "person":
            entry.author = entry.author or _atom_person(child, names)
        elif key == "itunesauthor":
            fallback_author = fallback_author or _text(child)
        elif key == "category" and not child.get("scheme", "").endswith("#kind"):  # Blogger's "this is a post"
            category = _plain_text(child.get("term") or child.get("label") or _text(child))
            if category and category not in entry.categories:
                entry.categories.append(category)
        elif key == "enclosure":
            _enclose(entry, child, child.get("url", ""), url)
        elif key in ("thumbnail", "mediacontent", "mediagroup"):
            fallback_summary = fallback_summary or _media(entry, child, key, names, url)
        elif key == "itunesimage":
            entry.image = entry.image or _resolve(child, child.get("href", ""), url)
        elif key == "image":
            entry.image = entry.image or _rss_image(child, names, url)
        elif key == "language":
            entry.language = entry.language or _text(child).strip()
    if not entry.link:
        entry.link = _alternate(links, url) or (entry.guid if permalink and _is_url(entry.guid) else "")
    entry.summary = summary or fallback_summary
    entry.author = entry.author or _plain_text(fallback_author) or feed_author
    entry.language = entry.language or feed.language
    if not entry.image:
        entry.image = next((e.url for e in entry.enclosures if e.type.startswith("image/")), "")
    return entry


def _enclose(entry: ParsedEntry, el: Any, href: str, url: str) -> None:
    href = _resolve(el, href, url)
    if href and all(known.url != href for known in entry.enclosures):
        length = el.get("length", "").strip()
        entry.enclosures.append(Enclosure(href, el.get("type", "").strip(), int(length) if length.isdigit() else None))


def _media(entry: ParsedEntry, el: Any, key: str, names: dict[str, str], url: str) -> str:
    """The picture in media:thumbnail, media:content or a media:group (YouTube puts them in
    a group); returns the group's media:description, as HTML."""
    if key == "mediagroup":
        description = ""
        for inner in el:
            inner_key = names.get(inner.tag) if isinstance(inner.tag, str) else None
            if inner_key == "mediadescription":
                description = description or escape(_text(inner).strip(), quote=False)
            elif inner_key in ("thumbnail", "mediacontent"):
                _media(entry, inner, inner_key, names, url)
        return description
    href, medium, kind = el.get("url", ""), el.get("medium", ""), el.get("type", "")
    if entry.image or not href:
        return ""
    # media:content may be a video or a sound: its medium says, else its type, else its name.
    if key == "thumbnail" or (medium == "image" if medium else kind.startswith("image/") if kind else
                              href.lower().split("?", 1)[0].endswith(_IMAGE_SUFFIXES)):
        entry.image = _resolve(el, href, url)
    return ""


def _rss_image(image: Any, names: dict[str, str], url: str) -> str:
    for part in image:
        if names.get(part.tag) == "url":
            return _resolve(part, _text(part), url)
    href = image.get(f"{{{RDF}}}resource") or image.get("href") or image.get("url") or _text(image).strip()
    return _resolve(image, href, url) if "://" in href or href.startswith("/") else ""


def _atom_kind(el: Any) -> str:
    """"text", "html" or "xhtml" for an Atom text construct (Atom 0.3's modes included)."""
    kind = el.get("type", "").strip().lower()
    mode = el.get("mode", "").strip().lower()
    if kind in ("xhtml", "application/xhtml+xml") or mode == "xml":
        return "xhtml"
    if kind in ("html", "text/html") or mode == "escaped":
        return "html"
    return "text"


def _atom_html(el: Any) -> str:
    """An Atom content or summary as HTML."""
    if el.get("src"):
        return ""
    kind = _atom_kind(el)
    if el.get("mode", "").strip().lower() == "base64":
        try:
            decoded = base64.b64decode(_text(el)).decode("utf-8", "replace")
        except ValueError:
            return ""
        return decoded if kind == "html" else escape(decoded, quote=False)
    if kind == "xhtml":
        holder = el[0] if len(el) == 1 and el[0].tag in (f"{{{XHTML}}}div", "div") else el
        return _serialise_children(holder)
    if kind == "html":
        return _markup(el)
    return escape(_text(el).strip(), quote=False)


def _plain_of(el: Any, atom: bool, html: bool | None) -> str:
    """A title or a description as plain text: Atom says what it holds, RSS may hold either."""
    if not atom:
        return _plain_text(_text(el), html)
    kind = _atom_kind(el)
    if kind == "xhtml":
        return _plain_text("".join(el.itertext()), html=False)
    return _plain_text(_text(el), html=kind == "html")


def _alternate(links: list[Any], url: str) -> str:
    """The alternate link (rel absent or "alternate"), an HTML one first."""
    fallback = ""
    for link in links:
        if link.get("rel", "alternate").strip() != "alternate":
            continue
        href = _resolve(link, link.get("href", ""), url)
        if link.get("type", "").strip().lower() in ("", "text/html", "application/xhtml+xml"):
            return href
        fallback = fallback or href
    return fallback


def _atom_person(el: Any, names: dict[str, str]) -> str:
    name = email = ""
    for part in el:
        key = names.get(part.tag) if isinstance(part.tag, str) else None
        if key == "name":
            name = name or _plain_text(_text(part), html=False)
        elif key == "email":
            email = email or _text(part).strip()
    return name or email


# -- JSON Feed --------------------------------------------------------------------------------------

def _string(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _json_author(data: dict[str, Any]) -> str:
    """The first author's name: JSON Feed 1.1's `authors`, else 1.0's `author`."""
    authors = data.get("authors")
    for person in authors if isinstance(authors, list) and authors else [data.get("author")]:
        name = _string(person.get("name")) or _string(person.get("url")) if isinstance(person, dict) else ""
        if name:
            return name
    return ""


def _json_url(value: Any, base: str) -> str:
    href = _string(value)
    return urljoin(base, href) if href and base and not _is_url(href) else href


def _json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(_("This JSON document could not be read: %(error)s") % {"error": exc}) from exc
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        if not isinstance(data, dict) or "jsonfeed.org" not in _string(data.get("version")):
            raise FeedError(_("This JSON document is not a JSON Feed."))
        items = []
    base = _string(data.get("feed_url")) or url
    feed = ParsedFeed(kind="json", version=_JSON_VERSIONS.get(_string(data.get("version")).rstrip("/"), "json"),
                      title=_plain_text(_string(data.get("title"))), link=_json_url(data.get("home_page_url"), base),
                      description=_plain_text(_string(data.get("description")), html=True),
                      language=_string(data.get("language")),
                      image=_json_url(data.get("icon") or data.get("favicon"), base))
    author = _json_author(data)
    feed.entries = [_json_item(item, feed, author, base) for item in items if isinstance(item, dict)]
    return feed


def _json_item(item: dict[str, Any], feed: ParsedFeed, feed_author: str, base: str) -> ParsedEntry:
    text = _string(item.get("content_text"))
    entry = ParsedEntry(
        guid=_string(item.get("id")), link=_json_url(item.get("url") or item.get("external_url"), base),
        title=_plain_text(_string(item.get("title"))), author=_json_author(item) or feed_author,
        published=parse_date(_string(item.get("date_published"))),
        updated=parse_date(_string(item.get("date_modified"))),
        summary=escape(_string(item.get("summary")), quote=False),
        content=_string(item.get("content_html")) or escape(text, quote=False),
        image=_json_url(item.get("image") or item.get("banner_image"), base),
        language=_string(item.get("language")) or feed.language)
    tags = item.get("tags")
    for tag in tags if isinstance(tags, list) else []:
        if (category := _plain_text(_string(tag))) and category not in entry.categories:
            entry.categories.append(category)
    attachments = item.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if isinstance(attachment, dict) and _string(attachment.get("url")):
            size = attachment.get("size_in_bytes")
            entry.enclosures.append(Enclosure(
                _json_url(attachment.get("url"), base), _string(attachment.get("mime_type")),
                size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None))
    return entry
