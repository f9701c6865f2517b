"""The public proof page of a contest: the commitment before the draw (never the seed),
the whole proof after it, checked on the page and downloadable for `parvis draw verify`;
no login, no handles, not indexed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from parvis.relations import draw
from parvis.relations.models import Contest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SEED = bytes(range(32))
CLOSE = datetime(2026, 12, 20, 17, 0, tzinfo=UTC)
IDS = [f"mastodon:{n}" for n in range(1, 41)]


@pytest.fixture
def contest(people):
    return Contest.objects.create(
        workspace=people["workspace"], name="Galette des rois", prize="Une galette", organiser="Boulangerie Dupont",
        opens_at=datetime(2026, 12, 1, tzinfo=UTC), closes_at=CLOSE, winners=2, alternates=1, status="open",
        public_value_rule="the EuroMillions numbers of the first draw after the close",
        seed={"hex": SEED.hex()}, commitment=draw.commitment(SEED), committed_at=datetime(2026, 11, 30, tzinfo=UTC),
        proof_token="t0k3n-abc", rules_text="Règlement du jeu")


def _page(token):
    return Client(headers={"accept-language": "en"}).get(reverse("web:contest_proof", args=[token]))


def test_before_the_draw_the_page_shows_the_commitment_but_never_the_seed(contest):
    page = _page(contest.proof_token)
    text = page.content.decode()
    assert page.status_code == 200 and draw.commitment(SEED) in text
    assert SEED.hex() not in text and 'data-testid="not-drawn"' in text
    assert page["X-Robots-Tag"] == "noindex" and page["Referrer-Policy"] == "no-referrer"
    committed = json.loads(Client().get(reverse("web:contest_proof_json", args=[contest.proof_token])).content)
    assert committed["commitment"] == draw.commitment(SEED) and "seed" not in committed


def test_after_the_draw_the_proof_holds_on_the_page_and_in_the_downloaded_file(contest, tmp_path, capsys):
    proof = draw.make_proof(SEED, IDS, "01-02-03-04-05/06-07", 2, 1, CLOSE, contest.rules_text)
    Contest.objects.filter(pk=contest.pk).update(proof=json.loads(proof.to_json()), status="drawn",
                                                 public_value="01-02-03-04-05/06-07")
    text = _page(contest.proof_token).content.decode()
    assert "The draw holds: every check passed." in text
    assert all(f"<code>{pick}</code>" in text for pick in proof.picks)
    download = Client().get(reverse("web:contest_proof_json", args=[contest.proof_token]))
    assert "attachment" in download["Content-Disposition"]
    saved = tmp_path / "proof.json"
    saved.write_bytes(download.content)
    from parvis.cli import main

    with pytest.raises(SystemExit) as ended:
        main(["draw", "verify", str(saved)])
    assert ended.value.code == 0
    out = capsys.readouterr().out  # in the shell's language
    assert "every check passed" in out or "toutes les vérifications ont réussi" in out


def test_a_draft_or_unknown_contest_has_no_page(contest):
    Contest.objects.filter(pk=contest.pk).update(status="draft")
    assert _page(contest.proof_token).status_code == 404
    assert _page("nope").status_code == 404
