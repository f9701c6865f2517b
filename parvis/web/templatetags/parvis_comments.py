"""The internal comments section of a post's page, and @mentions shown highlighted.

Comment bodies are people's text: every piece is escaped; only the <mark> we add around a
mention that names a member is markup."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from parvis.accounts.models import Membership, Role
from parvis.publishing.comments import MENTION, members_by_handle
from parvis.publishing.models import Post

register = template.Library()


@register.inclusion_tag("parvis/_internal_comments.html", takes_context=True)
def internal_comments(context: dict[str, Any], post: Post, error: str = "", draft: str = "") -> dict[str, Any]:
    request = context["request"]
    membership = Membership.objects.filter(user=request.user, workspace_id=post.workspace_id).first()
    return {
        "request": request, "csrf_token": context.get("csrf_token"), "post": post,
        "comments": post.comments.filter(internal=True).select_related("author"),
        "handles": set(members_by_handle(post.workspace)),
        "can_comment": membership is not None and membership.at_least(Role.EDITOR),
        "error": error, "draft": draft,
    }


@register.filter
def with_mentions(body: str, handles: set[str]) -> SafeString:
    """`body` escaped, with each @mention of a member wrapped in <mark class="mention">."""
    out, last = [], 0
    for match in MENTION.finditer(body):
        handle = match.group(1).rstrip(".")
        if handle.lower() not in handles:
            continue
        start, end = match.start(), match.start(1) + len(handle)
        out.append(escape(body[last:start]))
        out.append(format_html('<mark class="mention">@{}</mark>', handle))
        last = end
    out.append(escape(body[last:]))
    return mark_safe("".join(out).replace("\n", "<br>"))  # noqa: S308 - every piece escaped above
