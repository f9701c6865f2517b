"""A brand's published history with its figures, made in bulk: for the dashboard's
browser test and screenshot, and for the analytics benchmarks (a million snapshots).

Figures are drawn from a seeded generator, so a given call always makes the same
history; a post's engagement follows its weekday and hour a little (the best-time
computation has something to find) and each account gains followers slowly.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from parvis.analytics import collect
from parvis.analytics.models import AccountSnapshot, PostFigures, PostSnapshot

TEXTS = ("Nouvelle fournée de croissants ce matin #boulangerie", "La galette des rois est arrivée #galette",
         "Nos horaires pour les fêtes", "Atelier pain au levain samedi : il reste 3 places",
         "Merci pour vos 500 avis !", "Le pain du mois : seigle et noix #painaulevain")


def seed_history(workspace: Any, accounts: Sequence[Any], *, days: int, posts_per_day: float, now: datetime,
                 snapshots_per_post: int = 4, followers: int = 5000, seed: int = 7) -> int:
    """Posts published on `accounts` over the `days` before `now`, each with its figures
    (`snapshots_per_post` readings) and the accounts' daily follower counts; the roll-up
    is rebuilt. How many snapshots were made."""
    from parvis.publishing.models import Post, Publication, State

    rng = random.Random(seed)
    made = 0
    for number, account in enumerate(accounts):
        base = followers * (number + 1)
        AccountSnapshot.objects.bulk_create([
            AccountSnapshot(account=account, taken_at=now - timedelta(days=d), followers=base - 4 * d,
                            values={"followers": base - 4 * d}) for d in range(days + 1)], batch_size=2000)
        total = int(days * posts_per_day)
        moments = sorted(now - timedelta(minutes=rng.randrange(60, days * 1440)) for _ in range(total))
        posts = Post.objects.bulk_create([Post(workspace=workspace, text=rng.choice(TEXTS), scheduled_at=when)
                                          for when in moments], batch_size=2000)
        publications = Publication.objects.bulk_create([
            Publication(post=post, account=account, state=State.PUBLISHED, published_at=post.scheduled_at,
                        due_at=post.scheduled_at, remote_id=f"seed-{account.pk}-{post.pk}",
                        remote_url=f"https://example.test/{account.pk}/{post.pk}") for post in posts],
            batch_size=2000)
        figures, snapshots = [], []
        for pub, when in zip(publications, moments, strict=True):
            local = when.astimezone(workspace.tz)
            # Tuesdays and late mornings do better: a pattern for best time to find.
            boost = (1.6 if local.weekday() == 1 else 1.0) * (1.4 if 10 <= local.hour < 13 else 1.0)
            likes = int(rng.gauss(30, 8) * boost * (number + 1))
            values = {"likes": max(0, likes), "replies": rng.randrange(0, 6), "reposts": rng.randrange(0, 10),
                      "views": max(1, int(rng.gauss(900, 150) * (number + 1)))}
            for k in range(snapshots_per_post):
                share = (k + 1) / snapshots_per_post
                snapshots.append(PostSnapshot(publication=pub, taken_at=when + collect.READINGS[
                    min(k, len(collect.READINGS) - 1)], values={key: int(v * share) for key, v in values.items()}))
            figures.append(PostFigures(
                publication=pub, workspace=workspace, account=account, published_at=when,
                due_at=collect.next_reading(when, now), values=values,
                interactions=collect.interactions(values), views=values["views"], followers=base,
                taken_at=min(now, when + timedelta(days=1)), readings=snapshots_per_post))
        PostFigures.objects.bulk_create(figures, batch_size=2000)
        PostSnapshot.objects.bulk_create(snapshots, batch_size=5000)
        made += len(snapshots)
        collect.rebuild(account)
    return made
