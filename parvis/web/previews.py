"""A post as it will look on each of its accounts: shared by the client portal and the
team's review page (only the image URLs differ: the portal's check the link's token)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from parvis.networks import registry
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Post, PostMedia, State
from parvis.publishing.utm import final_text


@dataclass
class Image:
    url: str
    alt: str


@dataclass
class Preview:
    account: SocialAccount
    network: str
    label: str
    text: str
    count: int
    max_chars: int
    images: list[Image] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.count > self.max_chars


def previews(post: Post, media_url: Callable[[PostMedia], str]) -> list[Preview]:
    media = list(post.media.select_related("asset").order_by("position", "pk"))
    images = [Image(media_url(m), m.effective_alt_text) for m in media]
    cards = []
    publications = post.publications.exclude(state=State.CANCELLED).select_related("account")
    for publication in publications.order_by("account__network", "account__handle"):
        account = publication.account
        connector = registry.connector_for(account)
        text = final_text(post, account.network)  # as it will be sent: with UTM parameters
        cards.append(Preview(account, account.network, account.network_label, text, connector.count(text),
                             connector.limits().max_chars, images))
    return cards
