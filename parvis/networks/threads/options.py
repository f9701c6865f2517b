"""A Threads post's options (Threads posts reference, meta.md 3.3), as the connector reads
them from `PublishRequest.options`:

* `reply_control`: who may reply (`everyone` when empty);
* `topic_tag`: the post's one topic, 1 to 50 characters without "." or "&" (Threads
  takes the first #hashtag of the text as topic when none is given).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REPLY_CONTROLS = [
    ("", _("Everyone")),
    ("accounts_you_follow", _("Accounts the brand follows")),
    ("mentioned_only", _("Accounts mentioned in the post")),
    ("followers_only", _("The brand's followers")),
    ("parent_post_author_only", _("Only the author of the post answered (replies)")),
]
TOPIC_MAX = 50


class OptionsForm(forms.Form):
    reply_control = forms.ChoiceField(label=_("Who can reply"), choices=REPLY_CONTROLS, required=False)
    topic_tag = forms.CharField(label=_("Topic"), max_length=TOPIC_MAX, required=False, strip=True,
                                help_text=_("One topic for the post, without “#”."))

    def clean_topic_tag(self) -> str:
        tag = str(self.cleaned_data.get("topic_tag") or "").lstrip("#").strip()
        if any(char in tag for char in ".&"):
            raise ValidationError(_("A topic cannot contain “.” or “&”."), code="invalid_topic")
        return tag
