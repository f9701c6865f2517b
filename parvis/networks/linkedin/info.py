"""LinkedIn as the rest of parvis sees it (see `parvis.networks.info`)."""

from __future__ import annotations

import re
from datetime import timedelta

from parvis.networks.info import NetworkInfo, gettext_noop
from parvis.networks.linkedin.little_text import escape

# LinkedIn has no typed handles: pages and people are named, and a mention carries the
# entity's URN, `@[Brûlerie du Port](urn:li:organization:123)`. A full handle is that form.
HANDLE_RE = re.compile(r"\[[^\[\]\\@]+\]\(urn:li:(?:organization|person):[A-Za-z0-9_-]+\)")
MENTION_RE = re.compile(r"@(\[[^\[\]\\@]+\]\(urn:li:(?:organization|person):[A-Za-z0-9_-]+\))")
NAME_IN_HANDLE = re.compile(r"\[(?P<name>[^\]]+)\]")


class LinkedInInfo(NetworkInfo):
    def shown_handle(self, handle: str) -> str:
        # The page's name, not the mention form that carries its URN.
        named = NAME_IN_HANDLE.search(handle)
        return named["name"] if named else handle

    def handle_aliases(self, handle: str) -> set[str]:
        # "Brûlerie du Port" is enough for "[Brûlerie du Port](urn:li:organization:123)".
        named = NAME_IN_HANDLE.match(handle)
        return {handle, named["name"]} if named else {handle}

    def countable_text(self, text: str, url_length: int | None) -> str:
        # LinkedIn measures the commentary it receives: escapes included (3,000 at most).
        return escape(text)


INFO = LinkedInInfo(
    "linkedin", "LinkedIn", "parvis.networks.linkedin.connector:LinkedInConnector",
    colour="#0a66c2", preview_background="#f8fafd", preview_border="#cfdff0", event_background="#e8f1fa",
    preview_fold=210,  # characters of a feed post before "… more"
    avatar_radius="4px", image_radius="4px",
    handle_syntax=gettext_noop("@[Name](urn:li:organization:123)"),
    handle_example="@[Brand](urn:li:organization:123)", handle_re=HANDLE_RE, mention_re=MENTION_RE,
    counts_graphemes=False,
    # Access tokens last 60 days and come back from the refresh token, which lasts a year
    # from the first consent: refresh well ahead; the warning is for the refresh token's
    # end (`LinkedInConnector.refresh_credentials` then reports that date).
    refresh_ahead=timedelta(days=10), warn_before=timedelta(days=7),
    options_form="parvis.networks.linkedin.options:OptionsForm",
    # `metrics.py` already names them as parvis does; LinkedIn's impressions are views.
    metric_names={"impressions": "views", "reach": "reach", "clicks": "clicks", "reactions": "likes",
                  "comments": "replies", "shares": "reposts", "followers": "followers"},
    link_preview_agents=("linkedinbot",),
    # LinkedIn publishes no promotion guidelines of its own that could be read here; copies
    # of its terms (sweeppeasweeps.com, "Tips for Contest or Sweepstakes Rules on LinkedIn";
    # smprotips.com, "Can you run a sweepstakes on LinkedIn?") say that a promotion must state
    # it is neither sponsored nor endorsed by LinkedIn, and must not require resharing the
    # post or tagging one's network to enter. To check against LinkedIn's current terms.
    contest_clauses={
        "fr": "Ce jeu-concours n'est ni parrainé ni soutenu par LinkedIn, qui n'y est associé en aucune façon.",
        "en": "This promotion is neither sponsored nor endorsed by LinkedIn, nor associated with it in any way.",
    },
    contests_forbid_shares_and_tags=True,
)
