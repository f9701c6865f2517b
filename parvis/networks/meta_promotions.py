"""The clauses Meta requires in the rules of a promotion (contest, giveaway, sweepstakes)
run on Facebook, Instagram or Threads; each package's `NetworkInfo.contest_clauses`.

What this relies on (read in 2026 through secondary copies of Meta's pages, which
quote them word for word; Meta's own pages answer only to a browser):

- Facebook, "Pages, Groups and Events Policies", section "Promotions" (facebook.com/
  policies/pages_groups_events, quoted at deniseloris.com/august-2019-facebook-promotion-
  competition-rules/): "Promotions on Facebook must include the following: A complete
  release of Facebook by each entrant or participant; and Acknowledgement that the
  promotion is in no way sponsored, endorsed, administered by or associated with
  Facebook." and "Personal timelines and friend connections must not be used to
  administer promotions (e.g. 'share on your timeline to enter' or 'share on your
  friend's timeline to get additional entries' and 'tag your friends in this post to
  enter' are not permitted)." Hence Facebook's `contests_forbid_shares_and_tags`.
- Instagram, "Promotion Guidelines" in its Terms of Use help (quoted in full at
  contestqueen.com/2024/conflicting-meta-promotional-guidelines/ and help.plexus.co,
  "How to run a promotion on Instagram"): "Promotions on Instagram must include the
  following: A complete release of Instagram by each entrant or participant.
  Acknowledgement that the promotion is in no way sponsored, endorsed or administered
  by, or associated with, Instagram." Instagram has no rule against tagging friends
  (the same copies note it was removed), so it does not forbid mentions.
- Threads publishes no promotion guidelines of its own: it is governed by Instagram's
  Terms of Use and Community Guidelines (Loeb & Loeb, "To Thread(s) or not to
  Thread(s)", 2023), so Instagram's clauses are given, naming Threads and Instagram.

The French texts are parvis's translations; the rules quote them in the contest's
language. No Django here: the settings import the network packages' infos.
"""

from __future__ import annotations

_FR = (
    "Chaque participant décharge entièrement {platforms} de toute responsabilité liée au présent jeu-concours. "
    "Ce jeu-concours n'est en aucun cas parrainé, soutenu ou administré par {platforms}, ni associé à "
    "{platforms}."
)
_EN = (
    "Each entrant or participant gives a complete release of {platforms} in connection with this promotion. "
    "This promotion is in no way sponsored, endorsed or administered by, or associated with, {platforms}."
)
_FR_TIMELINES = (
    " Conformément aux règles de {platforms}, la participation ne passe ni par le journal personnel des participants "
    "ni par leurs amis : il n'est demandé ni de partager la publication ni d'identifier des amis pour participer."
)
_EN_TIMELINES = (
    " As {platforms}'s rules require, entering uses neither the entrants' personal timelines nor their friend "
    "connections: nobody is asked to share the post or to tag friends to enter."
)


def clauses(platforms: str, *, timelines: bool = False) -> dict[str, str]:
    """The required clauses naming `platforms` ("Facebook", "Threads et Instagram"…),
    with the rule on timelines and friends (Facebook's) when `timelines`."""
    names_fr = platforms.replace(" and ", " et ")
    return {
        "fr": (_FR + (_FR_TIMELINES if timelines else "")).format(platforms=names_fr),
        "en": (_EN + (_EN_TIMELINES if timelines else "")).format(platforms=platforms),
    }
