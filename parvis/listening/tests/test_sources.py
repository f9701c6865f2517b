"""Finding feeds from what people type, OPML in and out, and sanitising what feeds say."""

from __future__ import annotations

import pytest

from parvis.listening import actions
from parvis.listening.feeds.discovery import DiscoveryError, alternate_links, discover, known_address
from parvis.listening.feeds.opml import OPMLError, Outline, read_opml, write_opml
from parvis.listening.models import Folder, Source, Subscription
from parvis.listening.sanitise import clean_html, excerpt, plain_text
from parvis.listening.store import canonical_link
from parvis.listening.tests.feeds_factory import BASE, items, rss
from parvis.testing.feed_server import FeedServer

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


# -- discovery ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "url", "kind"), [
    ("@parvis@piaille.fr", "https://piaille.fr/@parvis.rss", "mastodon"),
    ("https://mastodon.social/@Gargron", "https://mastodon.social/@Gargron.rss", "mastodon"),
    ("marie.bsky.social", "https://bsky.app/profile/marie.bsky.social/rss", "bluesky"),
    ("https://bsky.app/profile/did:plc:abc123", "https://bsky.app/profile/did:plc:abc123/rss", "bluesky"),
    ("https://www.youtube.com/channel/UC0123456789abcdefghijAB",
     "https://www.youtube.com/feeds/videos.xml?channel_id=UC0123456789abcdefghijAB", "youtube"),
    ("https://www.youtube.com/playlist?list=PLx1", "https://www.youtube.com/feeds/videos.xml?playlist_id=PLx1",
     "youtube"),
])
def test_accounts_and_channels_have_their_feed_at_a_known_address(typed, url, kind):
    assert known_address(typed) == (url, kind)


def test_a_site_address_is_not_taken_for_an_account():
    assert known_address("https://www.blogdumoderateur.com/") is None
    assert known_address("example.com") is None


def test_a_page_announces_its_feeds_with_link_alternate():
    page = b"""<html><head>
      <link rel="alternate" type="application/rss+xml" title="Articles" href="/feed/">
      <link rel="alternate" type="application/rss+xml" title="Commentaires" href="/comments/feed/">
      <link rel="alternate" type="application/atom+xml" href="https://cdn.example/atom.xml">
      <link rel="stylesheet" href="/s.css"><link rel="alternate" hreflang="en" href="/en/">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head><body></body></html>"""
    assert alternate_links(page, "https://site.example/blog/") == [
        ("https://site.example/feed/", "Articles"), ("https://cdn.example/atom.xml", "")]


@pytest.mark.django_db
def test_discovery_reads_a_feed_address_or_the_feeds_a_site_announces(server):
    server.put("/feed/", rss(items(2)))
    server.put("/", b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed/"></head></html>',
               content_type="text/html; charset=utf-8")
    direct = discover(server.url("/feed/"))
    assert [(f.url, f.title, len(f.feed.entries)) for f in direct] == [
        (server.url("/feed/"), "Le Blog du Modérateur", 2)]
    assert [f.url for f in discover(server.url("/"))] == [server.url("/feed/")]


@pytest.mark.django_db
def test_discovery_tries_the_usual_paths_when_a_site_announces_nothing(server):
    server.put("/", b"<html><head><title>Blog</title></head></html>", content_type="text/html")
    server.put("/rss.xml", rss(items(1)))
    assert [f.url for f in discover(server.url("/"))] == [server.url("/rss.xml")]


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "message"), [
    ("", "Type a site's or a feed's address."),
    ("ftp://files.example/feed", "This is not a web address."),
])
def test_discovery_says_why_nothing_can_be_followed(typed, message):
    with pytest.raises(DiscoveryError, match=message):
        discover(typed)


@pytest.mark.django_db
def test_discovery_says_when_a_site_has_no_feed(server):
    server.put("/", b"<html><body>Nothing here</body></html>", content_type="text/html")
    with pytest.raises(DiscoveryError, match="No feed was found"):
        discover(server.url("/"))
    with pytest.raises(DiscoveryError, match="HTTP 404"):
        discover(server.url("/missing"))


@pytest.mark.django_db
def test_discovery_refuses_an_address_on_a_private_network(server, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(DiscoveryError):
        discover(server.url("/feed/"))
    assert server.requests == []


# -- OPML --------------------------------------------------------------------------------------

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Feedly</title></head><body>
  <outline text="Veille r\xc3\xa9seaux" title="Veille r\xc3\xa9seaux">
    <outline type="rss" text="BDM" title="Blog du Mod\xc3\xa9rateur" xmlUrl="https://www.blogdumoderateur.com/feed/"
             htmlUrl="https://www.blogdumoderateur.com/"/>
    <outline text="Concurrents"><outline type="rss" text="Rival" xmlUrl="https://rival.example/rss"/></outline>
  </outline>
  <outline type="rss" text="Sans dossier" xmlurl="https://loose.example/atom.xml"/>
  <outline type="rss" text="doublon" xmlUrl="https://loose.example/atom.xml"/>
  <outline type="rss" text="bad" xmlUrl="javascript:alert(1)"/>
</body></opml>"""


def test_opml_outlines_become_feeds_in_their_folders():
    assert read_opml(OPML) == [
        Outline("https://www.blogdumoderateur.com/feed/", "Blog du Modérateur", "Veille réseaux",
                "https://www.blogdumoderateur.com/"),
        Outline("https://rival.example/rss", "Rival", "Veille réseaux / Concurrents"),
        Outline("https://loose.example/atom.xml", "Sans dossier", ""),
    ]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"), (b"<html><body/></html>", "not OPML"), (b"<opml/>", "no <body>"),
])
def test_a_file_that_is_not_opml_says_why(data, message):
    with pytest.raises(OPMLError, match=message):
        read_opml(data)


def test_opml_with_external_entities_does_not_read_them():
    hostile = (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
               b'<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/f"/></body></opml>')
    outlines = read_opml(hostile)
    assert [o.url for o in outlines] == ["https://a.example/f"] and "root:" not in outlines[0].title


def test_written_opml_reads_back_the_same():
    outlines = [Outline("https://a.example/feed", "A", "Presse", "https://a.example/"),
                Outline("https://b.example/rss", "B & co", ""), Outline("https://c.example/atom", "C", "Presse")]
    back = read_opml(write_opml("Boulangerie", outlines, BASE))
    assert sorted(back, key=lambda o: o.url) == sorted(outlines, key=lambda o: o.url)


@pytest.mark.django_db
def test_importing_opml_follows_each_feed_once_in_its_folders(people):
    workspace = people["workspace"]
    progress = []
    report = actions.import_opml(workspace, OPML, people["owner"], progress=lambda d, t: progress.append((d, t)))
    assert (report.added, report.already, report.refused) == (3, 0, [])
    assert progress[-1] == (3, 3)
    assert set(Folder.objects.filter(workspace=workspace).values_list("name", flat=True)) == {
        "Veille réseaux", "Veille réseaux / Concurrents"}
    again = actions.import_opml(workspace, OPML, people["owner"])
    assert (again.added, again.already) == (0, 3)
    assert Source.objects.count() == 3
    exported = read_opml(actions.export_opml(workspace))
    assert {(o.url, o.folder) for o in exported} == {(o.url, o.folder) for o in read_opml(OPML)}


@pytest.mark.django_db
def test_unfollowing_the_last_follower_forgets_the_source(people):
    found = actions.Found("https://a.example/feed", "feed")
    mine, _ = actions.follow(people["workspace"], found, people["owner"])
    theirs, _ = actions.follow(people["other_workspace"], found, people["outsider"])
    actions.unfollow(mine)
    assert Source.objects.filter(pk=theirs.source_id).exists()
    actions.unfollow(Subscription.objects.get(pk=theirs.pk))
    assert not Source.objects.exists()


# -- what feeds say is untrusted -----------------------------------------------------------------

def test_feed_html_is_sanitised_and_its_addresses_made_absolute():
    dirty = ('<p class="x" onclick="steal()" style="position:fixed">Lire <a href="/a">ici</a>'
             '<img src="i.png" onerror="x()"><script>alert(1)</script><a href="javascript:alert(1)">j</a>'
             '<img src="data:image/png;base64,AA"></p><iframe src="https://evil.example"></iframe>'
             '<form action="https://evil.example"><input name=p></form><style>body{}</style>')
    clean = clean_html(dirty, "https://blog.example/2026/post")
    assert "<script" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "javascript:" not in clean and "data:" not in clean and "iframe" not in clean
    assert "<form" not in clean and "style" not in clean and "class=" not in clean
    assert 'href="https://blog.example/a"' in clean and 'src="https://blog.example/2026/i.png"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean and 'referrerpolicy="no-referrer"' in clean


def test_plain_text_and_excerpts_read_like_text():
    assert plain_text("<p>Caf&eacute; &amp; <b>cr&egrave;me</b></p><script>x()</script>") == "Café & crème"
    assert excerpt("<p>" + "mot " * 100 + "</p>", 30).endswith("…")
    assert len(excerpt("<p>" + "mot " * 100 + "</p>", 30)) <= 31


@pytest.mark.parametrize(("a", "b"), [
    ("https://www.site.fr/article/?utm_source=x&id=3#top", "http://site.fr/article?id=3"),
    ("https://site.fr/a?fbclid=abc", "https://site.fr/a/"),
])
def test_the_same_article_is_recognised_through_tracking_parameters(a, b):
    assert canonical_link(a) == canonical_link(b)


@pytest.mark.django_db
def test_the_command_line_imports_opml_with_its_progress(people, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    (tmp_path / "flux.opml").write_bytes(OPML)
    out = StringIO()
    call_command("import_opml", str(tmp_path / "flux.opml"), workspace=people["workspace"].pk, stdout=out)
    printed = out.getvalue()
    assert "3/3 feeds" in printed and "3 added, 0 followed already, 0 refused" in printed
    with pytest.raises(CommandError, match="--workspace"):
        call_command("import_opml", str(tmp_path / "flux.opml"), workspace=999999)
    (tmp_path / "bad.opml").write_bytes(b"<html/>")
    with pytest.raises(CommandError, match="not OPML"):
        call_command("import_opml", str(tmp_path / "bad.opml"), workspace=people["workspace"].pk)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["http://[::1", "https://a.example:99999/feed", "http://[zz]/"])
def test_a_malformed_address_is_refused_with_a_reason_not_an_error(typed):
    with pytest.raises(DiscoveryError, match="not a web address"):
        discover(typed)
    assert known_address(typed) is None


def test_malformed_addresses_inside_a_feed_are_dropped_not_fatal():
    from parvis.listening.store import canonical_link, web_address

    assert web_address("http://[::1") == "" and canonical_link("http://[::1") == "http://[::1"
    assert 'href' not in clean_html('<a href="http://[::1">x</a>', "https://blog.example/")
    page = b'<link rel="alternate" type="application/rss+xml" href="http://[::1">'
    assert alternate_links(page, "https://a.example/") == []
