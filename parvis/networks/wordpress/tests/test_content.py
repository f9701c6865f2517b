"""The article body: the typed text escaped, paragraphs at blank lines, links made
clickable, images as figures with their alt text."""

from __future__ import annotations

from parvis.networks.wordpress.content import Figure, article_html


def test_paragraphs_split_at_blank_lines_and_single_breaks_are_kept():
    html = article_html("Bonjour.\nÀ demain.\n\n\n  \nFin.", [])
    assert html == "<p>Bonjour.<br>\nÀ demain.</p>\n\n<p>Fin.</p>"


def test_markup_in_the_text_is_escaped():
    html = article_html('<script>alert(1)</script> <img src=x onerror="y"> & co', [])
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=&quot;y&quot;&gt; &amp; co</p>"


def test_links_become_clickable_without_their_trailing_punctuation():
    html = article_html("Voir https://example.com/a?b=1&c=2. Merci", [])
    assert html == ('<p>Voir <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener">'
                    'https://example.com/a?b=1&amp;c=2</a>. Merci</p>')


def test_images_follow_the_text_with_their_alt_text_escaped():
    html = article_html("Texte", [Figure(7, "https://blog.example/wp-content/uploads/a.png", 'Un "pain" <rond>')])
    assert html.endswith('<figure class="wp-block-image"><img src="https://blog.example/wp-content/uploads/a.png" '
                         'alt="Un &quot;pain&quot; &lt;rond&gt;" class="wp-image-7"/></figure>')
