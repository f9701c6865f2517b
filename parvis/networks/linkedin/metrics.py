"""Post and page statistics from LinkedIn, under parvis's metric names.

Pages: `organizationalEntityShareStatistics` (lifetime totals per post, organic only,
the last 12 months) and `networkSizes` (followers). Personal profiles:
`memberCreatorPostAnalytics`, one metric type per call. Names as of LinkedIn-Version
202610 (see `version.py`); when the version moves, check this table against
LinkedIn's "recent changes" pages.

| LinkedIn name                      | parvis name  | since / note                              |
| ---------------------------------- | ------------ | ----------------------------------------- |
| impressionCount                    | impressions  | share statistics, all versioned releases  |
| uniqueImpressionsCount             | reach        | share statistics                          |
| clickCount                         | clicks       | share statistics                          |
| likeCount                          | reactions    | share statistics (every reaction type)    |
| commentCount                       | comments     | share statistics                          |
| shareCount                         | shares       | share statistics                          |
| engagement                         | —            | a ratio (float): not kept; parvis computes its own |
| firstDegreeSize (networkSizes)     | followers    | COMPANY_FOLLOWED_BY_MEMBER (older: CompanyFollowedByMember) |
| IMPRESSION (creator analytics)     | impressions  | memberCreatorPostAnalytics, 2025 releases |
| MEMBERS_REACHED                    | reach        | memberCreatorPostAnalytics                |
| REACTION / COMMENT / RESHARE       | reactions / comments / shares | memberCreatorPostAnalytics |
"""

from __future__ import annotations

from collections.abc import Sequence

from parvis.networks.linkedin.client import LinkedInClient, LinkedInError, enc

SHARE_STATISTICS = {
    "impressionCount": "impressions",
    "uniqueImpressionsCount": "reach",
    "clickCount": "clicks",
    "likeCount": "reactions",
    "commentCount": "comments",
    "shareCount": "shares",
}
CREATOR_METRICS = {
    "IMPRESSION": "impressions",
    "MEMBERS_REACHED": "reach",
    "REACTION": "reactions",
    "COMMENT": "comments",
    "RESHARE": "shares",
}


def post_metrics(api: LinkedInClient, author: str, remote_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    posts = [rid for rid in remote_ids if rid.startswith(("urn:li:share:", "urn:li:ugcPost:"))]
    if not posts:
        return {}
    if author.startswith("urn:li:organization:"):
        return page_posts(api, author, posts)
    return {urn: creator_post(api, urn) for urn in posts}


def page_posts(api: LinkedInClient, org: str, posts: Sequence[str]) -> dict[str, dict[str, int]]:
    # Rest.li lists are written by hand: each URN encoded once inside List(…).
    query = f"q=organizationalEntity&organizationalEntity={enc(org)}"
    for key, kind in (("shares", "urn:li:share:"), ("ugcPosts", "urn:li:ugcPost:")):
        urns = [enc(urn) for urn in posts if urn.startswith(kind)]
        if urns:
            query += f"&{key}=List({','.join(urns)})"
    answer = api.get("organizationalEntityShareStatistics", query=query)
    out = {}
    for element in answer.get("elements") or []:
        urn = element.get("share") or element.get("ugcPost")
        stats = element.get("totalShareStatistics") or {}
        if urn:
            out[str(urn)] = {ours: int(stats.get(theirs) or 0) for theirs, ours in SHARE_STATISTICS.items()}
    return out


def creator_post(api: LinkedInClient, urn: str) -> dict[str, int]:
    kind = "share" if urn.startswith("urn:li:share:") else "ugc"
    values = {}
    for theirs, ours in CREATOR_METRICS.items():
        query = f"q=entity&entity=({kind}:{enc(urn)})&queryType={theirs}&aggregation=TOTAL"
        elements = api.get("memberCreatorPostAnalytics", query=query).get("elements") or []
        values[ours] = sum(int(element.get("count") or 0) for element in elements)
    return values


def account_metrics(api: LinkedInClient, author: str) -> dict[str, int]:
    """A page's followers (a person's are not readable through the API)."""
    if not author.startswith("urn:li:organization:"):
        return {}
    try:
        size = api.get(f"networkSizes/{enc(author)}", params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"})
    except LinkedInError as error:
        if error.status == 404:
            return {}
        raise
    return {"followers": int(size.get("firstDegreeSize") or 0)}
