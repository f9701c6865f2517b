"""A post as it will look on each of its accounts: shared by the client portal, the
team's review page (only the image URLs differ: the portal's check the link's token) and
the composer's live preview, which also folds the text where the network folds it in a
feed ("… more"), and shows the card of its first link."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from parvis.accounts.models import Workspace
from parvis.networks import registry
from parvis.networks.models import SocialAccount
from parvis.publishing.models import Post, PostMedia, State
from parvis.publishing.types import PostInput
from parvis.publishing.utm import final_input_text, final_text

URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w+)")


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
    fold: int | None = None  # the composer cuts the text where the network's feed does

    @property
    def over(self) -> bool:
        return self.count > self.max_chars

    @property
    def folded(self) -> bool:
        return self.fold is not None and len(self.text) > self.fold

    @property
    def shown(self) -> SafeString:
        """The text as the feed shows it: cut at the fold, links, mentions and hashtags
        marked as the network draws them (as links)."""
        info = registry.NETWORKS.get(self.network)
        text = cut(self.text, self.fold) if self.folded and self.fold is not None else self.text
        return marked(text, info.mention_re if info else None, links=info.link_cards if info else True)

    @property
    def link_host(self) -> str:
        """The site of the post's first link: the network shows its card (title and image,
        which it reads from the page when it publishes)."""
        info = registry.NETWORKS.get(self.network)
        found = URL_RE.search(self.text) if info is None or info.link_cards else None
        return (urlsplit(found.group(0)).hostname or "") if found else ""


def cut(text: str, fold: int) -> str:
    """The first `fold` characters, ending on a word when one ends near the cut."""
    head = text[:fold]
    space = head.rfind(" ")
    return (head[:space] if space > fold - 20 else head).rstrip()


def marked(text: str, mention_re: re.Pattern[str] | None, links: bool = True) -> SafeString:
    spans = [(m.start(), m.end(), kind) for kind, pattern in (("link", URL_RE if links else None),
                                                               ("mention", mention_re),
                                                               ("hashtag", HASHTAG_RE)) if pattern is not None
             for m in pattern.finditer(text)]
    out, position = [], 0
    for start, end, kind in sorted(spans):
        if start < position:
            continue  # inside a link already marked (an @ or a # in an address)
        out += [escape(text[position:start]), format_html('<span class="pv-{}">{}</span>', kind, text[start:end])]
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out).replace("\n", "<br>"))  # noqa: S308 - every piece escaped above


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


def input_previews(workspace: Workspace, post_input: PostInput) -> list[Preview]:
    """The composer's live preview: the post being written, on each chosen account, with
    its chosen library media (uploads join the library as they are picked)."""
    post_input.workspace = workspace
    images = [Image(reverse("web:library_thumb", args=[workspace.pk, m.asset_id]), m.alt_text)
              for m in post_input.media if m.asset_id is not None]
    cards = []
    for account in sorted(post_input.accounts, key=lambda a: (a.network, a.handle)):
        connector = registry.connector_for(account)
        text = final_input_text(post_input, account.network)
        info = registry.NETWORKS.get(account.network)
        cards.append(Preview(account, account.network, account.network_label, text, connector.count(text),
                             connector.limits().max_chars, images, fold=info.preview_fold if info else None))
    return cards
