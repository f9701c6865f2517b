"""OPML, the file every feed reader imports and exports: outlines with an `xmlUrl` are
feeds, outlines around them are folders (nested folders become "Outer / Inner")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from lxml import etree

MAX_FEEDS = 5000  # a larger file is not a reader's export
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                              recover=True, remove_comments=True)


class OPMLError(ValueError):
    """The file is not OPML parvis can read; the message is for people."""


@dataclass(frozen=True)
class Outline:
    url: str
    title: str = ""
    folder: str = ""
    site_url: str = ""


def read_opml(data: bytes) -> list[Outline]:
    """The feeds of an OPML document, in its order, each once."""
    if not data.strip():
        raise OPMLError(_("The file is empty."))
    try:
        root = etree.fromstring(data, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise OPMLError(_("The file is not valid XML: %(error)s") % {"error": exc}) from exc
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise OPMLError(_("The file is not OPML (its root element is not <opml>)."))
    body = next((child for child in root if isinstance(child.tag, str)
                 and etree.QName(child).localname.lower() == "body"), None)
    if body is None:
        raise OPMLError(_("The OPML file has no <body>."))
    found: dict[str, Outline] = {}
    _walk(body, [], found)
    return list(found.values())


def _attribute(element: etree._Element, name: str) -> str:
    for key, value in element.attrib.items():
        if str(key).lower() == name.lower():
            return str(value).strip()
    return ""


def _walk(element: etree._Element, folders: list[str], found: dict[str, Outline]) -> None:
    for outline in element:
        if not isinstance(outline.tag, str) or etree.QName(outline).localname.lower() != "outline":
            continue
        title = _attribute(outline, "title") or _attribute(outline, "text")
        url = _attribute(outline, "xmlUrl")
        if url:
            if urlsplit(url).scheme in ("http", "https") and url not in found and len(found) < MAX_FEEDS:
                found[url] = Outline(url, title[:300], " / ".join(folders)[:100],
                                     _attribute(outline, "htmlUrl")[:2000])
            continue
        _walk(outline, [*folders, title] if title else folders, found)


def write_opml(title: str, outlines: Iterable[Outline], now: datetime) -> bytes:
    """An OPML 2.0 document of `outlines`, grouped in their folders."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now)
    body = etree.SubElement(root, "body")
    folders: dict[str, etree._Element] = {}
    for outline in outlines:
        parent = body
        if outline.folder:
            if outline.folder not in folders:
                folders[outline.folder] = etree.SubElement(body, "outline", text=outline.folder,
                                                           title=outline.folder)
            parent = folders[outline.folder]
        attributes = {"type": "rss", "text": outline.title or outline.url, "title": outline.title or outline.url,
                      "xmlUrl": outline.url}
        if outline.site_url:
            attributes["htmlUrl"] = outline.site_url
        etree.SubElement(parent, "outline", attributes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
