"""Language, sentiment and flags on items, with people's corrections kept on top."""

from __future__ import annotations

from collections.abc import Sequence

from parvis.inbox.models import Item


def analyse_items(items: Sequence[Item]) -> None:
    """Fill in what the models find, in place (the caller saves), with each workspace's
    own model when it has one (retrained on its corrections). An item a person has
    corrected keeps its corrected sentiment and flags; its language is still refreshed
    (an edit may change it)."""
    from parvis.inbox.learning import model_for
    from parvis.inbox.understand import MODEL_VERSION, analyse

    by_workspace: dict[int, list[Item]] = {}
    for item in items:
        by_workspace.setdefault(item.workspace_id, []).append(item)
    for workspace_id, group in by_workspace.items():
        model = model_for(workspace_id)
        results = analyse([item.text for item in group], model)
        version = MODEL_VERSION if model is None else model.version
        for item, found in zip(group, results, strict=True):
            item.language = found.language
            item.analysed_with = version[:40]
            if item.corrected:
                continue
            item.sentiment, item.sentiment_score = found.sentiment, round(found.sentiment_score, 4)
            item.toxic, item.toxic_score = found.toxic, round(found.toxic_score, 4)
            item.spam, item.spam_score = found.spam, round(found.spam_score, 4)
