"""The editorial charter (every rule, warnings and blocking ones) and UTM parameters on
links, down to what the network receives."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from parvis.accounts.models import AuditEntry
from parvis.networks.bluesky.richtext import build_facets
from parvis.networks.models import SocialAccount
from parvis.publishing import engine
from parvis.publishing.actions import save_post
from parvis.publishing.charter import (
    BLOCKING,
    WARNING,
    Finding,
    charter_errors,
    check_charter,
    count_emojis,
    is_emoji,
)
from parvis.publishing.charter_settings import CharterError, clean_charter, update_charter
from parvis.publishing.models import Campaign, Charter, Post
from parvis.publishing.tests.helpers import pub
from parvis.publishing.utm import add_utm, final_text
from parvis.publishing.validation import MediaInfo, PostInput, PostValidationError, check_post

pytestmark = pytest.mark.usefixtures("english")


def charter(**rules: Any) -> Charter:
    """An unsaved charter: the checks are plain functions of it and the post."""
    return Charter(**rules)


def post(text: str = "", **fields: Any) -> PostInput:
    return PostInput(text=text, accounts=[], mode=fields.pop("mode", "schedule"), **fields)


def messages(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings]


# -- banned words ------------------------------------------------------------------------

def test_banned_expression_is_found_whatever_the_case_and_accents():
    rules = charter(banned_terms=["pas cher", "arnaque"])
    found = check_charter(rules, post("Nos croissants PAS  CHÈR, venez !"))
    assert messages(found) == ["Charter — banned expression: “pas cher”"]
    assert found[0].rule == "banned_terms" and found[0].field == "text"


def test_banned_word_after_an_elided_article_is_found():
    rules = charter(banned_terms=["arnaque"])
    assert len(check_charter(rules, post("Ce n'est pas l'arnaque du siècle"))) == 1
    assert len(check_charter(rules, post("Ce n’est pas l’Arnaque du siècle"))) == 1
    assert len(check_charter(rules, post("Quelle #arnaque"))) == 1


def test_banned_term_matches_whole_words_only():
    rules = charter(banned_terms=["cher", "pas cher"])
    assert check_charter(rules, post("Nous cherchons un apprenti, pas chercheur")) == []


def test_banned_term_written_with_accents_matches_text_without():
    assert len(check_charter(charter(banned_terms=["Défi"]), post("Le defi du jour"))) == 1


# -- severity ----------------------------------------------------------------------------

def test_rule_is_a_warning_unless_the_charter_marks_it_blocking():
    text = post("C'est pas cher")
    warning = check_charter(charter(banned_terms=["pas cher"]), text)
    blocking = check_charter(charter(banned_terms=["pas cher"], blocking=["banned_terms"]), text)
    assert [f.severity for f in warning] == [WARNING] and not warning[0].blocking
    assert [f.severity for f in blocking] == [BLOCKING] and blocking[0].blocking


def test_no_charter_means_no_findings():
    assert check_charter(None, post("pas cher 🎉🎉🎉 http://x.example")) == []


# -- hashtags and mentions ---------------------------------------------------------------

def test_required_hashtags_are_case_insensitive_and_each_one_is_named():
    rules = charter(required_hashtags=["#Boulangerie", "artisan"])
    assert messages(check_charter(rules, post("Pain chaud #BOULANGERIE"))) == [
        "Charter — required hashtag missing: #artisan"]
    assert check_charter(rules, post("#boulangerie #Artisan")) == []


def test_hashtag_inside_a_link_does_not_count():
    rules = charter(required_hashtags=["menu"])
    assert len(check_charter(rules, post("https://dupont.example/carte#menu"))) == 1


def test_required_mention_with_or_without_server(people):
    rules = charter(required_mentions=["@dupont"])
    assert check_charter(rules, post("Merci @Dupont@piaille.example !")) == []
    assert messages(check_charter(rules, post("Merci dupont"))) == ["Charter — required mention missing: @dupont"]
    exact = charter(required_mentions=["@dupont@piaille.example"])
    mastodon = SocialAccount(workspace=people["workspace"], network="mastodon", handle="@b@piaille.example")
    assert len(check_charter(exact, PostInput("Merci @dupont@autre.example", [mastodon], "schedule"))) == 1
    assert check_charter(exact, PostInput("Merci @Dupont@piaille.example", [mastodon], "schedule")) == []


def test_a_networks_own_handle_is_required_only_where_the_text_goes(people):
    rules = charter(required_mentions=["@dupont@piaille.example", "@dupont.bsky.social"])
    mastodon = SocialAccount(workspace=people["workspace"], network="mastodon", handle="@b@piaille.example")
    bluesky = SocialAccount(workspace=people["workspace"], network="bluesky", handle="@b.bsky.social")
    data = PostInput(text="Merci @dupont@piaille.example", accounts=[mastodon, bluesky], mode="schedule",
                     variants={"bluesky": "Merci @dupont.bsky.social"})
    assert check_charter(rules, data) == []
    data.variants = {"bluesky": "Merci"}
    assert [(f.field, f.message) for f in check_charter(rules, data)] == [
        ("variants.bluesky", "Charter — required mention missing: @dupont.bsky.social (text for Bluesky)")]
    assert check_charter(charter(required_mentions=["@dupont"]), PostInput(
        "Merci @dupont.bsky.social", [bluesky], "schedule")) == []


def test_main_text_replaced_on_every_target_is_not_checked(people):
    bluesky = SocialAccount(workspace=people["workspace"], network="bluesky", handle="@b.bsky.social")
    data = PostInput(text="pas cher", accounts=[bluesky], mode="schedule", variants={"bluesky": "Bonjour"})
    assert check_charter(charter(banned_terms=["pas cher"]), data) == []


def test_maximum_hashtags():
    rules = charter(max_hashtags=2)
    assert check_charter(rules, post("#a #b")) == []
    assert messages(check_charter(rules, post("#a #b #c"))) == ["Charter — too many hashtags: 3, 2 at most"]
    assert len(check_charter(charter(max_hashtags=0), post("#seul"))) == 1


# -- emoji -------------------------------------------------------------------------------

@pytest.mark.parametrize("emoji", ["👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "☕", "🥐", "👩🏾‍🍳"])
def test_each_emoji_counts_once(emoji):
    assert count_emojis(emoji) == 1
    assert count_emojis(f"Bonjour {emoji} !") == 1


def test_skin_tones_families_and_flags_are_one_each():
    assert count_emojis("👍🏽👨‍👩‍👧🇫🇷") == 3
    assert count_emojis("🇫🇷🇧🇪🇨🇦") == 3


@pytest.mark.parametrize("text", ["©", "®", "™", "→", "1", "#", "é", "ñ", "…", "«»", "☺"])
def test_text_symbols_are_not_emoji(text):
    assert not is_emoji(text)
    assert count_emojis(text) == 0


def test_text_symbol_made_emoji_by_the_variation_selector_counts():
    assert count_emojis("☺️ ©️") == 2


def test_maximum_emojis():
    rules = charter(max_emojis=2)
    assert check_charter(rules, post("Bon appétit 🥐👨‍👩‍👧")) == []
    assert messages(check_charter(rules, post("🥐🥖🍞"))) == ["Charter — too many emojis: 3, 2 at most"]


# -- alt text and language ---------------------------------------------------------------

def test_every_image_needs_alt_text():
    rules = charter(require_alt_text=True)
    media = [MediaInfo("pain.png", "image/png", 10, alt_text="Une miche"), MediaInfo("four.jpg", "image/jpeg", 10)]
    found = check_charter(rules, post("Photo", media=media))
    assert [(f.rule, f.field, f.message) for f in found] == [
        ("require_alt_text", "media", "Charter — alt text required: “four.jpg” has none")]
    media[1].alt_text = "  "
    assert len(check_charter(rules, post("Photo", media=media))) == 1
    assert check_charter(charter(require_alt_text=False), post("Photo", media=media)) == []


def test_post_language_must_be_allowed():
    rules = charter(allowed_languages=["fr", "en"])
    assert check_charter(rules, post("Bonjour", language="fr")) == []
    assert check_charter(rules, post("Bonjour", language="fr-CA")) == []
    found = check_charter(rules, post("Hallo", language="de"))
    assert found[0].field == "language" and "language not allowed: Deutsch (de)" in found[0].message


def test_post_without_language_is_asked_to_choose_one():
    found = check_charter(charter(allowed_languages=["fr"]), post("Bonjour"))
    assert messages(found) == ["Charter — choose the post's language (allowed: français (fr))"]
    assert check_charter(charter(allowed_languages=[]), post("Bonjour")) == []


# -- links -------------------------------------------------------------------------------

def test_no_links_policy():
    rules = charter(link_policy=Charter.LinkPolicy.NONE)
    assert messages(check_charter(rules, post("Voir https://dupont.example/carte."))) == [
        "Charter — no links allowed: dupont.example"]
    assert check_charter(rules, post("Pas de lien, juste dupont.example")) == []


def test_allowed_domains_include_their_subdomains():
    rules = charter(link_policy=Charter.LinkPolicy.ALLOWED_DOMAINS, allowed_domains=["dupont.example"])
    assert check_charter(rules, post("https://dupont.example/a https://shop.dupont.example/b")) == []
    found = check_charter(rules, post("https://notdupont.example/ https://dupont.example.evil.test/"))
    assert [f.message.split(": ")[1].split(" (")[0] for f in found] == [
        "notdupont.example", "dupont.example.evil.test"]


def test_blocked_domains_apply_whatever_the_policy():
    rules = charter(blocked_domains=["concurrent.example"])
    assert messages(check_charter(rules, post("http://www.Concurrent.example/promo"))) == [
        "Charter — link to a blocked domain: www.concurrent.example"]


def test_international_domain_names_match_in_either_spelling():
    rules = charter(link_policy=Charter.LinkPolicy.ALLOWED_DOMAINS, allowed_domains=["xn--caf-dma.example"])
    assert check_charter(rules, post("https://café.example/menu")) == []
    assert len(check_charter(charter(blocked_domains=["café.example"]), post("https://xn--caf-dma.example/"))) == 1


# -- per-network texts -------------------------------------------------------------------

def test_each_target_networks_own_text_is_checked(people):
    account = SocialAccount(workspace=people["workspace"], network="bluesky", handle="@b.bsky.social")
    data = PostInput(text="Propre", accounts=[account], mode="schedule",
                     variants={"bluesky": "C'est pas cher", "mastodon": "pas cher non plus"})
    found = check_charter(charter(banned_terms=["pas cher"]), data)
    assert [(f.field, f.message) for f in found] == [
        ("variants.bluesky", "Charter — banned expression: “pas cher” (text for Bluesky)")]
    assert [f.field for f in check_charter(charter(banned_terms=["pas cher"]), data, "mastodon")] == [
        "variants.mastodon"]
    assert check_charter(charter(banned_terms=["pas cher"]), PostInput(
        text="Propre", accounts=[], mode="draft", variants={"bluesky": ""}), "bluesky") == []


# -- blocking errors in validation -------------------------------------------------------

@pytest.mark.django_db
def test_blocking_findings_become_errors_named_after_the_rule(people):
    workspace = people["workspace"]
    Charter.objects.create(workspace=workspace, banned_terms=["pas cher"], max_emojis=0,
                           blocking=["banned_terms"])
    data = post("Pas cher 🎉", workspace=workspace)
    errors = charter_errors(data)
    assert [(e.field, e.code, e.message) for e in errors] == [
        ("text", "charter_banned_terms", "Charter — banned expression: “pas cher”")]
    data.mode = "draft"
    assert charter_errors(data) == []


@pytest.mark.django_db
def test_scheduling_is_refused_but_a_draft_is_kept(people):
    workspace, owner = people["workspace"], people["owner"]
    account = SocialAccount.objects.create(workspace=workspace, network="bluesky", server_url="https://bsky.social",
                                           remote_id="did:plc:x", handle="@brand.bsky.social")
    Charter.objects.create(workspace=workspace, required_hashtags=["#dupont"], blocking=["required_hashtags"])
    when = timezone.now() + timedelta(days=1)
    with pytest.raises(PostValidationError) as refused:
        save_post(workspace, owner, PostInput("Galette", [account], "schedule", scheduled_at=when))
    assert refused.value.by_field() == {"text": ["Charter — required hashtag missing: #dupont"]}
    assert not Post.objects.exists()
    draft = save_post(workspace, owner, PostInput("Galette", [account], "draft"))
    assert draft.is_draft


# -- charter settings --------------------------------------------------------------------

def test_settings_input_is_read_from_lines_or_commas_and_checked():
    values, errors = clean_charter({
        "banned_terms": "pas cher\narnaque, promo\n\narnaque", "required_hashtags": "dupont, #Pain",
        "allowed_languages": "FR, en", "allowed_domains": "https://Dupont.example/shop\ncafé.example",
        "max_hashtags": "3", "max_emojis": "", "blocking": ["links", "banned_terms"], "utm_enabled": "on",
    })
    assert errors == []
    assert values["banned_terms"] == ["pas cher", "arnaque", "promo"]
    assert values["required_hashtags"] == ["#dupont", "#Pain"]
    assert values["allowed_languages"] == ["fr", "en"]
    assert values["allowed_domains"] == ["dupont.example", "café.example"]
    assert values["max_hashtags"] == 3 and values["max_emojis"] is None
    assert values["blocking"] == ["banned_terms", "links"] and values["utm_enabled"] is True


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("max_hashtags", "-1", "Maximum hashtags: enter a whole number"),
    ("max_emojis", "beaucoup", "Maximum emojis: enter a whole number"),
    ("allowed_domains", "not a domain", "Allowed domains: “not a domain” is not a valid domain name"),
    ("blocked_domains", "localhost", "Blocked domains: “localhost” is not a valid domain name"),
    ("allowed_languages", "french", "Allowed languages: “french” is not an ISO 639-1 language code"),
    ("allowed_languages", "xx", "Allowed languages: “xx” is not an ISO 639-1 language code"),
    ("required_hashtags", "deux mots", "Required hashtags: “deux mots” is not a hashtag"),
    ("link_policy", "some", "Links: choose one of any, allowed, none"),
    ("blocking", "everything", "Blocking rules: unknown rule “everything”"),
])
def test_bad_settings_are_refused_naming_the_field(field, value, expected):
    _values, errors = clean_charter({field: value})
    assert [e.field for e in errors] == [field]
    assert errors[0].message.startswith(expected), errors[0].message


@pytest.mark.django_db
def test_charter_change_is_audited_with_a_readable_before_and_after(people):
    workspace, manager = people["workspace"], people["manager"]
    update_charter(workspace, manager, {"banned_terms": "pas cher", "blocking": ["banned_terms"]})
    update_charter(workspace, manager, {"banned_terms": "pas cher, arnaque"})
    update_charter(workspace, manager, {"banned_terms": "pas cher, arnaque"})  # no change, no entry
    entries = list(AuditEntry.objects.filter(workspace=workspace, action="charter_changed").order_by("pk"))
    assert len(entries) == 2 and entries[-1].actor == manager
    assert "Banned words and expressions: pas cher\n" in entries[-1].before
    assert "Banned words and expressions: pas cher, arnaque\n" in entries[-1].after
    assert "Blocking rules: Banned words and expressions" in entries[-1].after


@pytest.mark.django_db
def test_allowed_domains_policy_needs_a_domain(people):
    with pytest.raises(CharterError) as refused:
        update_charter(people["workspace"], people["manager"], {"link_policy": "allowed"})
    assert list(refused.value.by_field()) == ["allowed_domains"]
    assert not Charter.objects.exists()


# -- UTM ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("https://dupont.example", "https://dupont.example?utm_source=mastodon&utm_medium=social&utm_campaign=noel"),
    ("Voir https://dupont.example/carte.",
     "Voir https://dupont.example/carte?utm_source=mastodon&utm_medium=social&utm_campaign=noel."),
    ("(https://dupont.example/carte)",
     "(https://dupont.example/carte?utm_source=mastodon&utm_medium=social&utm_campaign=noel)"),
    ("https://dupont.example/p?id=4&lang=fr#prix",
     "https://dupont.example/p?id=4&lang=fr&utm_source=mastodon&utm_medium=social&utm_campaign=noel#prix"),
    ("https://dupont.example/p?utm_source=newsletter&x=1",
     "https://dupont.example/p?utm_source=newsletter&x=1&utm_medium=social&utm_campaign=noel"),
    ("https://café.example/menu !",
     "https://café.example/menu?utm_source=mastodon&utm_medium=social&utm_campaign=noel !"),
    ("https://fr.wikipedia.org/wiki/Galette_(pâtisserie)",
     "https://fr.wikipedia.org/wiki/Galette_(pâtisserie)?utm_source=mastodon&utm_medium=social&utm_campaign=noel"),
    ("@dupont #galette dupont.example", "@dupont #galette dupont.example"),
])
def test_utm_parameters_on_every_shape_of_link(text, expected):
    assert add_utm(text, "mastodon", "noel") == expected


def test_utm_without_campaign_leaves_it_out_and_tags_every_link():
    text = "A http://a.example/ et B https://b.example/x?y=1, merci @dupont"
    assert add_utm(text, "bluesky", None) == (
        "A http://a.example/?utm_source=bluesky&utm_medium=social et "
        "B https://b.example/x?y=1&utm_source=bluesky&utm_medium=social, merci @dupont")


def test_link_already_fully_tagged_is_unchanged():
    url = "https://a.example/?UTM_SOURCE=x&utm_medium=y&utm_campaign=z"
    assert add_utm(url, "mastodon", "noel") == url


@pytest.mark.django_db
def test_final_text_tags_links_only_when_the_charter_asks(people):
    workspace = people["workspace"]
    campaign = Campaign.objects.create(workspace=workspace, name="Noël", slug="noel-2030")
    saved = Post.objects.create(workspace=workspace, text="https://dupont.example/",
                                variants={"bluesky": "Bluesky https://dupont.example/"}, campaign=campaign)
    assert final_text(saved, "mastodon") == "https://dupont.example/"
    Charter.objects.create(workspace=workspace, utm_enabled=True)
    saved = Post.objects.get(pk=saved.pk)
    assert final_text(saved, "mastodon") == (
        "https://dupont.example/?utm_source=mastodon&utm_medium=social&utm_campaign=noel-2030")
    assert final_text(saved, "bluesky") == (
        "Bluesky https://dupont.example/?utm_source=bluesky&utm_medium=social&utm_campaign=noel-2030")


def test_bluesky_link_facet_covers_the_whole_tagged_url():
    text = add_utm("Galette 🥐 à gagner : https://dupont.example/jeu?id=12&lang=fr#règles.", "bluesky", "noel")
    facets = build_facets(text, lambda handle: None)
    encoded = text.encode("utf-8")
    link = encoded[facets[0]["index"]["byteStart"]:facets[0]["index"]["byteEnd"]].decode("utf-8")
    assert link == "https://dupont.example/jeu?id=12&lang=fr&utm_source=bluesky&utm_medium=social&utm_campaign=noel#règles"
    assert facets[0]["features"][0]["uri"] == link


@pytest.mark.django_db
def test_tagged_link_that_makes_a_bluesky_post_too_long_is_refused_naming_the_account(people):
    workspace = people["workspace"]
    account = SocialAccount.objects.create(workspace=workspace, network="bluesky", server_url="https://bsky.social",
                                           remote_id="did:plc:x", handle="@brand.bsky.social")
    text = "x" * 250 + " https://dupont.example/"
    data = PostInput(text, [account], "schedule", scheduled_at=timezone.now() + timedelta(days=1),
                     workspace=workspace)
    assert check_post(data) == []
    Charter.objects.create(workspace=workspace, utm_enabled=True)
    workspace.refresh_from_db()
    errors = check_post(data)
    assert [(e.field, e.code) for e in errors] == [("text", "too_long")]
    assert "Bluesky (@brand.bsky.social)" in errors[0].message and "311 characters" in errors[0].message


@pytest.mark.django_db(transaction=True)
def test_engine_publishes_the_tagged_text(mastodon_server, mastodon_account, people):
    account, local = mastodon_account
    workspace = people["workspace"]
    Charter.objects.create(workspace=workspace, utm_enabled=True)
    campaign = Campaign.objects.create(workspace=workspace, name="Galettes", slug="galettes")
    saved = save_post(workspace, people["owner"], PostInput(
        "La carte : https://dupont.example/carte?j=1.", [account], "schedule",
        scheduled_at=timezone.now() + timedelta(minutes=5), campaign=campaign))
    saved.publications.update(due_at=timezone.now(), next_attempt_at=timezone.now())
    assert engine.publish(pub(saved).pk) == "published"
    content = mastodon_server.statuses_of(local)[0]["content"]
    assert "https://dupont.example/carte?j=1&amp;utm_source=mastodon&amp;utm_medium=social" \
           "&amp;utm_campaign=galettes" in content
