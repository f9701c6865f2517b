"""Saved replies (the FAQ): validation naming the field, search ignoring case and accents,
variables filled for an item, uses counted, the crisis set pinned during a crisis pause."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from parvis.accounts.models import AuditEntry, User
from parvis.inbox.ingest import store
from parvis.inbox.models import Item, SavedReply
from parvis.inbox.saved_replies import (
    MAX_BODY_CHARS,
    SavedReplyInput,
    count_use,
    create_saved_reply,
    delete_saved_reply,
    render,
    search,
    signature_of,
    update_saved_reply,
)
from parvis.inbox.tests.factories import author, inbound
from parvis.networks.models import SocialAccount
from parvis.publishing.models import EditorialSettings
from parvis.publishing.validation import PostValidationError

pytestmark = pytest.mark.django_db


def no_analysis(items: list[Item]) -> None:
    """Language and sentiment are not what these tests are about."""


@pytest.fixture
def account(people: dict[str, Any]) -> SocialAccount:
    # Not the root's `account`: its handle and name are what signatures fill in below.
    return SocialAccount.objects.create(
        workspace=people["workspace"], network="mastodon", server_url="https://example.social", remote_id="1",
        handle="@dupont@example.social", display_name="Dupont", credentials={"access_token": "x"})


@pytest.fixture
def item(account: SocialAccount) -> Item:
    stored = store(account, [inbound("Vous livrez à Lyon ?", by=author("Camille Martin", "camille@example.social"))],
                   analyser=no_analysis)
    return stored.new_in_inbox[0]


def make(people: dict[str, Any], title: str, body: str = "Bonjour {name}", crisis: bool = False) -> SavedReply:
    return create_saved_reply(people["workspace"], people["editor"], SavedReplyInput(title, body, crisis))


def fields_of(exc: pytest.ExceptionInfo[PostValidationError]) -> dict[str, list[str]]:
    return exc.value.by_field()


def test_create_keeps_the_reply_and_audits_it(people, english):
    saved = make(people, "  Horaires  ", "Bonjour {name}, nous ouvrons à 7h.\r\nÀ bientôt, {me}")
    assert saved.title == "Horaires" and saved.body == "Bonjour {name}, nous ouvrons à 7h.\nÀ bientôt, {me}"
    assert saved.workspace == people["workspace"] and saved.created_by == people["editor"]
    assert AuditEntry.objects.filter(action="saved_reply.created", target_id=str(saved.pk)).exists()


@pytest.mark.parametrize(("title", "body", "field"), [
    ("", "Bonjour", "title"),
    ("   ", "Bonjour", "title"),
    ("x" * 121, "Bonjour", "title"),
    ("Horaires", "", "body"),
    ("Horaires", "x" * (MAX_BODY_CHARS + 1), "body"),
])
def test_bad_input_names_the_field_and_saves_nothing(people, english, title, body, field):
    with pytest.raises(PostValidationError) as exc:
        make(people, title, body)
    assert list(fields_of(exc)) == [field]
    assert not SavedReply.objects.exists()


def test_unknown_variable_is_refused_with_the_known_ones_listed(people, english):
    with pytest.raises(PostValidationError) as exc:
        make(people, "Livraison", "Bonjour {prenom}, voir {name} et {ville}")
    message = fields_of(exc)["body"][0]
    assert "{prenom}" in message and "{ville}" in message and "{name}" not in message.split(";")[0]
    for known in ("{name}", "{handle}", "{brand}", "{me}", "{account}"):
        assert known in message


def test_stray_braces_are_text_not_variables(people, item):
    saved = make(people, "Smiley", "Oh non :-{ désolés {name} } {{brand}}")
    assert render(saved, item, people["editor"]) == "Oh non :-{ désolés Camille Martin } {Boulangerie Dupont}"


def test_update_and_delete(people, english):
    saved = make(people, "Horaires", "7h")
    update_saved_reply(saved, people["manager"], SavedReplyInput("Horaires d'été", "8h {brand}", crisis=True))
    saved.refresh_from_db()
    assert (saved.title, saved.body, saved.crisis) == ("Horaires d'été", "8h {brand}", True)
    with pytest.raises(PostValidationError):
        update_saved_reply(saved, people["manager"], SavedReplyInput("", "8h"))
    saved.refresh_from_db()
    assert saved.title == "Horaires d'été"  # nothing already saved is lost
    delete_saved_reply(saved, people["manager"])
    assert not SavedReply.objects.exists()
    assert AuditEntry.objects.filter(action="saved_reply.deleted").count() == 1


def test_search_matches_title_or_body_ignoring_case_and_accents(people):
    livraison = make(people, "Livraison", "Nous livrons à Écully et Lyon.")
    horaires = make(people, "Horaires d'été", "Ouvert de 7h à 19h.")
    make(people, "Allergènes", "Liste sur demande.")
    assert search(people["workspace"], "ECULLY") == [livraison]
    assert search(people["workspace"], "ete") == [horaires]
    assert search(people["workspace"], "ouvert 19h") == [horaires]
    assert search(people["workspace"], "ouvert lyon") == []
    assert [s.title for s in search(people["workspace"], "")] == ["Allergènes", "Horaires d'été", "Livraison"]


def test_search_stays_in_the_workspace(people):
    make(people, "Livraison")
    create_saved_reply(people["other_workspace"], people["outsider"], SavedReplyInput("Livraison ailleurs", "x"))
    assert [s.title for s in search(people["workspace"], "livraison")] == ["Livraison"]


def test_crisis_set_is_pinned_only_during_a_crisis_pause(people):
    make(people, "Adresse")
    make(people, "Rappel produit", crisis=True)
    make(people, "Bienvenue")
    workspace = people["workspace"]
    assert [s.title for s in search(workspace)] == ["Adresse", "Bienvenue", "Rappel produit"]
    editorial = EditorialSettings.of(workspace)
    editorial.paused_at = timezone.now()
    editorial.save(update_fields=["paused_at"])
    assert [s.title for s in search(workspace)] == ["Rappel produit", "Adresse", "Bienvenue"]
    assert [s.title for s in search(workspace, "rappel")] == ["Rappel produit"]


def test_render_fills_every_variable_for_the_item(people, item):
    people["editor"].first_name = "Léa"
    saved = make(people, "Merci", "Merci {name} ({handle}) ! L'équipe {brand}, {me} — {account}")
    text = render(saved, item, people["editor"])
    assert text == "Merci Camille Martin (@camille@example.social) ! L'équipe Boulangerie Dupont, Léa — " \
                   "@dupont@example.social"


def test_me_never_publishes_an_email_address(people):
    user = User.objects.create_user("sam.durand@agence.test", "pw")
    assert signature_of(user) == "sam.durand"
    user.first_name = "Sam"
    assert signature_of(user) == "Sam"


def test_author_without_display_name_uses_the_handle(people, account):
    stored = store(account, [inbound("Salut", by=author("", "jo.lin@masto.test"))], analyser=no_analysis)
    saved = make(people, "Salut", "Salut {name}")
    assert render(saved, stored.new_in_inbox[0], people["editor"]) == "Salut jo"


def test_uses_are_counted(people):
    saved = make(people, "Horaires", "7h")
    count_use(saved)
    stale = SavedReply.objects.get(pk=saved.pk)
    count_use(saved)
    count_use(stale)  # a copy read before another use still adds one, not overwrites
    assert SavedReply.objects.get(pk=saved.pk).uses == 3 and stale.uses == 3
