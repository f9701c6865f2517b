"""From an article to a post: the draft, its hashtags, the account mentioned on its own
network, and the badge when the brand already shared the link."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from parvis.listening import actions, curation
from parvis.listening.feeds.discovery import Found
from parvis.listening.feeds.types import ParsedEntry, ParsedFeed
from parvis.listening.models import Entry
from parvis.listening.store import store_entries
from parvis.publishing.models import Post
from parvis.testing.factories import client_for, make_account

pytestmark = pytest.mark.usefixtures("english")
AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("title", "text", "tags"), [
    ("Lyon : la Fête des Lumières attire 2 millions de visiteurs",
     "La Fête des Lumières de Lyon revient. À Lyon, les commerçants de la Presqu’île se préparent.",
     {"#Lyon", "#Lumières", "#Fête"}),
    ("Instagram tests hiding like counts in France", "Instagram says the test will run in France for weeks; "
     "Instagram users will not see like counts.", {"#Instagram", "#France"}),
])
def test_hashtags_come_from_the_words_the_article_repeats(title, text, tags):
    found = curation.suggested_hashtags(title, text)
    assert len(found) == 3 and tags <= set(found)


def test_elided_articles_and_stop_words_are_not_hashtags():
    tags = curation.suggested_hashtags("L’Oréal et l'emploi", "d’Oréal, qu’il dit, l’Oréal encore")
    assert tags[0] == "#Oréal" and all(t.lower() not in ("#l’oréal", "#et", "#qu’il") for t in tags)


@pytest.mark.django_db
def test_an_article_from_an_account_feed_mentions_the_account_on_its_network_only(people):
    ws = people["workspace"]
    subscription, _ = actions.follow(ws, Found("https://piaille.fr/@agence.rss", "mastodon"), people["owner"])
    source = subscription.source
    [entry] = store_entries(source, ParsedFeed("rss", entries=[ParsedEntry(
        guid="1", link="https://piaille.fr/@agence/1", title="Notre nouvelle boutique",
        summary="<p>Ouverture samedi à Lyon</p>", published=AT)]), AT)
    assert curation.variants(entry) == {"mastodon": curation.post_text(entry) + "\n\nvia @agence@piaille.fr"}


@pytest.mark.django_db
def test_the_composer_says_when_the_brand_already_shared_the_link(people):
    ws = people["workspace"]
    make_account(ws)
    subscription, _ = actions.follow(ws, Found("https://presse.example/feed", "feed"), people["owner"])
    [entry] = store_entries(subscription.source, ParsedFeed("rss", entries=[ParsedEntry(
        guid="1", link="https://www.presse.example/articles/42?utm_source=rss", title="Le vélo en ville",
        summary="<p>Les pistes cyclables de Lyon.</p>", published=AT)]), AT)
    web = client_for(people["editor"])
    page = web.get(reverse("web:compose", args=[ws.pk]) + f"?entry={entry.pk}").content.decode()
    assert 'data-testid="from-entry"' in page and 'data-testid="already-shared"' not in page
    assert "#Lyon" in page or "#Pistes" in page
    Post.objects.create(workspace=ws, author=people["editor"], text="Lisez ça : https://presse.example/articles/42.")
    page = web.get(reverse("web:compose", args=[ws.pk]) + f"?entry={entry.pk}").content.decode()
    assert 'data-testid="already-shared"' in page and 'data-testid="competitor-shared"' not in page
    # A competitor's post with the same link (another way of writing it) shows too.
    from parvis.listening.models import Competitor, CompetitorAccount, CompetitorPost

    rival = Competitor.objects.create(workspace=ws, name="Vélo Martin")
    account = CompetitorAccount.objects.create(competitor=rival, network="mastodon", handle="@martin@rival.example")
    CompetitorPost.objects.create(account=account, remote_id="1", url="https://rival.example/@martin/1",
                                  text="À lire http://presse.example/articles/42", published_at=AT)
    page = web.get(reverse("web:compose", args=[ws.pk]) + f"?entry={entry.pk}").content.decode()
    assert 'data-testid="competitor-shared"' in page and "Shared by Vélo Martin" in page
    other = Entry.objects.get(pk=entry.pk)
    other.url = "https://presse.example/"
    assert curation.already_shared(ws, other) == []  # a home page is not an article
