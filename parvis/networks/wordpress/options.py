"""What a WordPress article needs besides its text: the options form and the checks.

The options, as the connector reads them (the form's cleaned data, kept as JSON with
the post, per network: one form for every WordPress site of the workspace):

* `title` (required, 200 characters at most), `excerpt`;
* `categories`: names of the site's categories (or their ids), looked up on the site
  when the article is published and never created there: a category is part of the
  site's structure. Names, not ids, because an agency's sites number theirs apart;
* `tags`: names (digits too: "2024" is a name); missing ones are created on the site;
* `featured_image`: the position of one of the post's images, 1 for the first. That
  image becomes the article's featured image and is left out of the body (themes show
  it above the article already). The form cannot know how many images the post has:
  `problems` checks the position against them;
* `slug`: the start of the article's address; parvis always ends it with a suffix of
  the publication's key (see `connector.article_slug`), which is how a retry finds an
  article an earlier attempt created.

When the article goes out is parvis's schedule, not an option: the site is never asked
to publish it later itself (parvis would then report an article nobody can read yet).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.networks.base import MediaFile, Problem

NETWORK = "wordpress"
MAX_TITLE = 200
MAX_SLUG = 150  # WordPress allows 200; parvis adds its suffix
MAX_TERM = 200  # a category's or tag's name, as WordPress stores it
SLUG_RE = re.compile(r"[a-z0-9_]+(?:-[a-z0-9_]+)*")


def split_tags(raw: Any) -> list[str | int]:
    """Tags as typed ("pain, levain") or as a list; blanks and repeats dropped."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    seen: dict[str, str | int] = {}
    for item in items:
        value: str | int = item if isinstance(item, int) else str(item).strip()
        if value != "" and str(value).casefold() not in seen:
            seen[str(value).casefold()] = value
    return list(seen.values())


def featured_position(options: Mapping[str, Any]) -> int | None:
    value = options.get("featured_image")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # reported by problems()


def problems(text: str, media: Sequence[MediaFile], options: Mapping[str, Any]) -> list[Problem]:
    """Why this article cannot be published, before trying; each names its field as the
    contract does ("text", "media", "options.<name>")."""
    found = []
    title = str(options.get("title") or "").strip()
    if not title:
        found.append(Problem("options.title", _("A WordPress article needs a title."), NETWORK))
    elif len(title) > MAX_TITLE:
        found.append(Problem("options.title", _("The title is longer than %(max)s characters.") % {"max": MAX_TITLE},
                             NETWORK))
    if not text.strip() and not media:
        found.append(Problem("text", _("The article has no text and no image."), NETWORK))
    if any(m.is_video for m in media):
        found.append(Problem("media", _("parvis puts only images in WordPress articles, not videos."), NETWORK))
    position = featured_position(options)
    if position is not None and not media:
        found.append(Problem("options.featured_image", _("The post has no image to feature: leave the featured "
                                                         "image empty, or add one."), NETWORK))
    elif position is not None and not 1 <= position <= len(media):
        found.append(Problem("options.featured_image",
                             _("The featured image must be the number of one of the post's images (1 to "
                               "%(count)s).") % {"count": len(media)}, NETWORK))
    slug = str(options.get("slug") or "")
    if slug and (len(slug) > MAX_SLUG or not SLUG_RE.fullmatch(slug)):
        found.append(Problem("options.slug", _("The slug may hold only lowercase letters, digits, hyphens and "
                                               "underscores (%(max)s at most).") % {"max": MAX_SLUG}, NETWORK))
    return found


class CommaSeparatedField(forms.CharField):
    """Names typed separated by commas, cleaned to a list (kept as JSON with the post)
    and shown again as typed when the post is edited."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(str(item) for item in value) if isinstance(value, list | tuple) else value

    def clean(self, value: Any) -> list[str | int]:
        names = split_tags(super().clean(self.prepare_value(value)))
        if any(len(str(name)) > MAX_TERM for name in names):
            raise forms.ValidationError(_("A name is longer than %(max)s characters.") % {"max": MAX_TERM},
                                        code="name_too_long")
        return names


class OptionsForm(forms.Form):
    """An article's options, the same for every WordPress site of the workspace: nothing
    here depends on one site (its categories are looked up when publishing) or on the
    post's images (`problems` bounds `featured_image`)."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE)
    excerpt = forms.CharField(label=gettext_lazy("Excerpt"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=gettext_lazy("A short summary, shown in lists of articles."))
    categories = CommaSeparatedField(
        label=gettext_lazy("Categories"), required=False, max_length=2000,
        help_text=gettext_lazy("Names separated by commas. Each must already exist on the site: parvis does "
                               "not create categories."))
    tags = CommaSeparatedField(label=gettext_lazy("Tags"), required=False, max_length=2000,
                               help_text=gettext_lazy("Separated by commas; tags the site lacks are created."))
    featured_image = forms.IntegerField(
        label=gettext_lazy("Featured image"), required=False, min_value=1,
        help_text=gettext_lazy("The number of one of the post's images (1 for the first): it is shown above "
                               "the article, not repeated in it."))
    slug = forms.CharField(label=gettext_lazy("Slug"), required=False, max_length=MAX_SLUG,
                           help_text=gettext_lazy("The start of the article's address; parvis adds a short "
                                                  "suffix. Empty: made from the title."))

    def clean_slug(self) -> str:
        slug = (self.cleaned_data.get("slug") or "").strip().lower()
        if slug and not SLUG_RE.fullmatch(slug):
            raise forms.ValidationError(_("The slug may hold only lowercase letters, digits, hyphens and "
                                          "underscores."), code="invalid_slug")
        return slug
