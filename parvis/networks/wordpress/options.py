"""What a WordPress article needs besides its text: the options form and the checks.

The options, as the connector reads them (the form's cleaned data, or the same keys as
JSON):

* `title` (required, 200 characters at most), `excerpt`;
* `categories`: ids of the site's categories (names are accepted too and looked up);
* `tags`: names (or ids); missing ones are created on the site;
* `featured_image`: the position of one of the post's images, 1 for the first. That
  image becomes the article's featured image and is left out of the body (themes show
  it above the article already);
* `slug`: the start of the article's address; parvis always ends it with a suffix of
  the publication's key (see `connector.article_slug`), which is how a retry finds an
  article an earlier attempt created;
* `publish_at`: a moment in the future for the site itself to publish the article
  (sent as status `future` with `date_gmt`); empty publishes it at once.

Categories are read from the site when the account is connected and kept in
`account.config["categories"]`; `refresh_categories` reads them again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.networks.base import MediaFile, Problem

if TYPE_CHECKING:
    from parvis.networks.models import SocialAccount

MAX_TITLE = 200
MAX_SLUG = 150  # WordPress allows 200; parvis adds its suffix
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
    """Why this article cannot be published, before trying; each names its field."""
    found = []
    title = str(options.get("title") or "").strip()
    if not title:
        found.append(Problem("title", _("A WordPress article needs a title.")))
    elif len(title) > MAX_TITLE:
        found.append(Problem("title", _("The title is longer than %(max)s characters.") % {"max": MAX_TITLE}))
    if not text.strip() and not media:
        found.append(Problem("text", _("The article has no text and no image.")))
    if any(m.is_video for m in media):
        found.append(Problem("media", _("parvis puts only images in WordPress articles, not videos.")))
    position = featured_position(options)
    if position is not None and not 1 <= position <= len(media):
        found.append(Problem("featured_image", _("The featured image must be the number of one of the post's "
                                                 "images (1 to %(count)s).") % {"count": len(media)}))
    slug = str(options.get("slug") or "")
    if slug and (len(slug) > MAX_SLUG or not SLUG_RE.fullmatch(slug)):
        found.append(Problem("slug", _("The slug may hold only lowercase letters, digits, hyphens and "
                                       "underscores (%(max)s at most).") % {"max": MAX_SLUG}))
    return found


def cached_categories(account: SocialAccount | None) -> list[tuple[int, str]]:
    rows = (account.config.get("categories") if account else None) or []
    return [(int(row["id"]), str(row["name"])) for row in rows if isinstance(row, dict) and "id" in row]


def refresh_categories(account: SocialAccount) -> list[tuple[int, str]]:
    """Read the site's categories again and keep them in the account's config."""
    from parvis.networks.wordpress.connector import WordPressConnector

    rows = WordPressConnector(account).categories()
    account.config = {**account.config, "categories": rows, "categories_checked_at": timezone.now().isoformat()}
    if account.pk:
        account.save(update_fields=["config"])
    return cached_categories(account)


class OptionsForm(forms.Form):
    """`OptionsForm(data, account=…, media_count=…)`: categories come from the account's
    cached list; `media_count` (the post's number of images) bounds `featured_image`."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE)
    excerpt = forms.CharField(label=gettext_lazy("Excerpt"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=gettext_lazy("A short summary, shown in lists of articles."))
    categories = forms.TypedMultipleChoiceField(label=gettext_lazy("Categories"), coerce=int, required=False)
    tags = forms.CharField(label=gettext_lazy("Tags"), required=False, max_length=1000,
                           help_text=gettext_lazy("Separated by commas; tags the site lacks are created."))
    featured_image = forms.IntegerField(
        label=gettext_lazy("Featured image"), required=False, min_value=1,
        help_text=gettext_lazy("The number of one of the post's images (1 for the first): it is shown above "
                               "the article, not repeated in it."))
    slug = forms.CharField(label=gettext_lazy("Slug"), required=False, max_length=MAX_SLUG,
                           help_text=gettext_lazy("The start of the article's address; parvis adds a short "
                                                  "suffix. Empty: made from the title."))
    publish_at = forms.DateTimeField(label=gettext_lazy("Published by the site at"), required=False,
                                     help_text=gettext_lazy("Empty: published at once."))

    def __init__(self, *args: Any, account: SocialAccount | None = None, media_count: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.media_count = media_count
        field = self.fields["categories"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = cached_categories(account)

    def clean_tags(self) -> list[str | int]:
        tags = split_tags(self.cleaned_data.get("tags"))
        if any(len(str(tag)) > 200 for tag in tags):
            raise forms.ValidationError(_("A tag is longer than 200 characters."), code="tag_too_long")
        return tags

    def clean_slug(self) -> str:
        slug = (self.cleaned_data.get("slug") or "").strip().lower()
        if slug and not SLUG_RE.fullmatch(slug):
            raise forms.ValidationError(_("The slug may hold only lowercase letters, digits, hyphens and "
                                          "underscores."), code="invalid_slug")
        return slug

    def clean_featured_image(self) -> int | None:
        position: int | None = self.cleaned_data.get("featured_image")
        if position is not None and self.media_count is not None and position > self.media_count:
            raise forms.ValidationError(
                _("The post has %(count)s image(s): choose a number from 1 to %(count)s.")
                % {"count": self.media_count}, code="no_such_image")
        return position

    def clean_publish_at(self) -> datetime | None:
        when: datetime | None = self.cleaned_data.get("publish_at")
        if when is not None and when <= timezone.now():
            raise forms.ValidationError(_("Choose a moment in the future, or leave it empty."), code="past")
        return when
