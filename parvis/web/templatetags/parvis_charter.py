"""The composer's language choices: the charter's allowed languages when it has some,
else every ISO 639-1 language with the workspace's own first."""

from __future__ import annotations

from django import template

from parvis.accounts.models import Workspace
from parvis.publishing.charter import charter_for
from parvis.publishing.languages import ISO_639_1, language_name

register = template.Library()


@register.simple_tag
def post_languages(workspace: Workspace) -> list[tuple[str, str]]:
    charter = charter_for(workspace)
    if charter is not None and charter.allowed_languages:
        codes = list(charter.allowed_languages)
    else:
        codes = sorted(ISO_639_1, key=lambda code: (code != workspace.language, ISO_639_1[code].casefold()))
    return [(code, language_name(code)) for code in codes]
