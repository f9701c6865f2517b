"""Instagram's post options: what kind of post, and a first comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

FEED, REEL, STORY = "feed", "reel", "story"
MAX_COMMENT = 2200


class OptionsForm(forms.Form):
    post_type = forms.ChoiceField(
        label=_("Kind of post"), required=False, initial=FEED,
        choices=[(FEED, _("Feed post (a carousel when there are several media)")), (REEL, _("Reel (one video)")),
                 (STORY, _("Story (one image or video, no caption)"))],
    )
    first_comment = forms.CharField(
        label=_("First comment"), required=False, max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Posted by the account under the post once it is published (hashtags often go there)."),
    )

    def clean_post_type(self) -> str:
        return self.cleaned_data.get("post_type") or FEED
