"""A contest's public proof page (no login): before the draw, what the organiser
committed to — the hash C of the secret seed, the close, the number of winners and
alternates, the public value that will be used, the rules; after it, the whole
parvis-draw-v1 proof, with its JSON for `parvis draw verify PROOF.json`. Entrants are
shown by their network ids only."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from parvis.relations import contests
from parvis.relations import draw as parvis_draw
from parvis.relations.models import Contest

SHOWN_ENTRIES = 500  # the page lists the first ones; the JSON holds them all


def _contest(token: str) -> Contest:
    found = Contest.objects.filter(proof_token=token).exclude(status=Contest.Status.DRAFT).select_related(
        "workspace").first()
    if found is None or len(token) > 64:
        raise Http404()
    return found


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def contest_proof(request: HttpRequest, token: str) -> HttpResponse:
    contest = _contest(token)
    proof = contests.public_proof(contest)
    checks = parvis_draw.verify(contest.proof) if contest.proof else None
    entries = proof.get("entries", [])
    return _public(render(request, "parvis/relations/proof.html", {
        "contest": contest, "proof": proof, "checks": checks, "entries": entries[:SHOWN_ENTRIES],
        "more_entries": max(0, len(entries) - SHOWN_ENTRIES), "entry_count": len(entries),
        "winners": proof.get("picks", [])[:contest.winners], "alternates": proof.get("picks", [])[contest.winners:],
    }))


@never_cache
def contest_proof_json(request: HttpRequest, token: str) -> HttpResponse:
    """Exactly the proof the draw made (what `parvis draw verify` reads); before the draw,
    the commitment."""
    contest = _contest(token)
    body = json.dumps(contest.proof or contests.public_proof(contest), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="parvis-draw-{contest.proof_token[:12]}.json"'
    response["Access-Control-Allow-Origin"] = "*"  # anyone may check it, from anywhere
    return _public(response)
