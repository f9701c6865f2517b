"""What monitors' queries match, why (the highlighted spans), and that MonitorSet answers
exactly what each query does alone."""

from __future__ import annotations

import random

import pytest

from parvis.listening.query import Item, Match, MonitorSet, Span, compile_query, tokens

pytestmark = pytest.mark.usefixtures("english")  # the messages are read in English


def post(text: str, lang: str = "fr", **fields: str) -> Item:
    return Item(title=fields.pop("title", ""), text=text, lang=lang, **fields)


def matches(query: str, item: Item | str, lang: str = "fr") -> bool:
    return compile_query(query).match(post(item, lang) if isinstance(item, str) else item) is not None


def highlighted(query: str, item: Item) -> list[tuple[str, str]]:
    found = compile_query(query).match(item)
    assert found is not None
    return [(span.field, getattr(item, span.field)[span.start : span.end]) for span in found.spans]


# Normalisation


def test_tokens_keep_spans_in_the_original_text():
    text = "J'adore L’Oréal !"
    found = tokens(text)
    assert [token.term for token in found] == ["adore", "oreal"]
    assert [text[token.start : token.end] for token in found] == ["J'adore", "L’Oréal"]


def test_tokens_reduce_inclusive_writing_to_the_base_word():
    text = "client·e·s, client.e.s, étudiant·es, acteur·rice·s, ami-e-s"
    assert [token.term for token in tokens(text)] == ["client", "client", "etudiant", "acteur", "ami"]
    assert [text[token.start : token.end] for token in tokens(text)][0] == "client·e·s"


def test_hyphens_periods_and_middle_dots_otherwise_separate_words():
    assert [token.term for token in tokens("dis-le, peut-être. Fin.Les autres·celles")] == [
        "dis", "le", "peut", "etre", "fin", "les", "autres", "celles"]


def test_tokens_flag_hashtags_and_mentions_not_emails_and_skip_urls():
    text = "#Paris2026 avec @SNCF, écrire à jean@orange.fr ou voir https://orange.fr/promo?x=1 et www.sosh.fr"
    found = [(token.tag, token.term) for token in tokens(text)]
    assert found == [("#", "paris2026"), ("", "avec"), ("@", "sncf"), ("", "ecrire"), ("", "a"), ("", "jean"),
                     ("", "orange"), ("", "fr"), ("", "ou"), ("", "voir"), ("", "et")]


def test_stems_follow_the_texts_language():
    [french] = tokens("chevaux", "fr")
    [english] = tokens("running", "en-GB")
    [unknown] = tokens("clientes", "")
    assert (french.stem_fr, french.stem_en) == ("cheval", "")
    assert (english.stem_fr, english.stem_en) == ("", "run")
    assert (unknown.stem_fr, unknown.stem_en) == ("client", "client")


def test_decomposed_accents_are_one_word():
    assert [token.term for token in tokens("L'Ore\u0301al")] == ["oreal"]


# Words, accents, case, stems


@pytest.mark.parametrize("text", ["J'adore l'Oréal", "Chez L’ORÉAL", "lʼoreal encore", "Oréal"])
def test_elided_articles_do_not_hide_the_word(text):
    assert matches("oréal", text)
    assert matches("l'Oréal", text)


@pytest.mark.parametrize("text", ["Le réseau d’Orange est en panne", "Alors qu'Orange augmente ses prix",
                                  "Orange's new plan", "ORANGE", "#orange"])
def test_orange_the_brand_matches(text):
    assert matches("Orange", text, lang="")


def test_accents_and_case_are_ignored():
    assert matches("ÉCOLE", "une ecole primaire")
    assert matches("ecole", "L'ÉCOLE est fermée")
    assert matches("garçon", "GARCON")
    assert matches("oeuvre", "une œuvre")


@pytest.mark.parametrize("text", ["nos clients", "les clientes", "cher·e·s client·e·s", "client.e.s fidèles"])
def test_plurals_and_inclusive_writing_match_through_stems(text):
    assert matches("client", text)


def test_french_irregular_plural():
    assert matches("cheval", "des chevaux au galop")
    assert matches("étudiantes", "les étudiant·e·s manifestent")


def test_english_forms_match_through_english_stems():
    assert matches("running", "I run every day", lang="en")
    assert matches("running", "she runs", lang="en")
    assert matches("runs", "running late", lang="")


def test_stems_are_not_mixed_across_languages():
    # French stems "fora" and "for" alike; an English text's "for" is not the word "fora".
    assert not matches("fora", "thanks for this", lang="en")
    assert matches("fora", "les fora de discussion", lang="fr")


def test_words_do_not_match_inside_other_words():
    assert not matches("tier", "un quartier entier")
    assert not matches("free", "freedom", lang="en")


# Phrases, prefixes, NEAR


def test_phrases_match_words_side_by_side_in_order():
    assert matches('"service client"', "Le service client ne répond pas")
    assert not matches('"service client"', "le client du service")
    assert not matches('"service client"', "service après-vente et client")


def test_phrases_are_not_stemmed_but_ignore_accents_and_case():
    assert not matches('"services clients"', "le service client")
    assert matches('"SERVICE CLIENT"', "le Service Clïent")
    assert matches('"client"', "cher·e·s client·e·s")
    assert not matches('"clients"', "cher·e·s client·e·s")


def test_a_query_word_that_splits_matches_as_a_phrase():
    assert matches("Saint-Étienne", "à saint étienne ce soir")
    assert not matches("Saint-Étienne", "Étienne, saint patron")


def test_prefix_matches_the_start_of_words():
    assert matches("rembours*", "toujours pas remboursé")
    assert matches("rembours*", "Remboursement refusé")
    assert matches("rembours*", "je rembourse")
    assert not matches("rembours*", "débours")


@pytest.mark.parametrize(("text", "expected"), [
    ("grève SNCF", True),
    ("SNCF : grève", True),
    ("la SNCF a encore une grève", True),  # 3 words between
    ("la SNCF a encore annoncé une grève", False),  # 4 words between
    ("grève, encore et toujours, à la SNCF", False),
    ("grève à la SNCF", True),  # either order
])
def test_near_counts_the_words_between(text, expected):
    assert matches("SNCF NEAR/3 grève", text) is expected


def test_near_with_groups_and_phrases():
    query = '(orange OR sosh) NEAR/2 ("plus de réseau" OR panne)'
    assert matches(query, "chez Sosh, plus de réseau depuis hier")
    assert not matches(query, "chez Sosh, encore et toujours plus de réseau")


def test_near_needs_both_sides_in_the_same_field():
    item = Item(title="Grève nationale", text="La SNCF annonce", lang="fr")
    assert not matches("SNCF NEAR/3 grève", item)
    assert matches("SNCF grève", item)


def test_near_needs_two_distinct_words():
    assert not matches("orange NEAR/3 orange", "une orange")
    assert matches("orange NEAR/3 orange", "orange et orange")


# Boolean operators


def test_or_and_not_in_english_and_french():
    assert matches("orange OR sosh", "forfait Sosh")
    assert matches("orange OU sosh", "forfait Sosh")
    assert not matches("orange ET sosh", "forfait Sosh")
    assert matches("orange AND sosh", "Orange et Sosh")
    assert not matches("orange SAUF fruit", "une orange, le fruit")
    assert not matches("orange NOT fruit", "une orange, le fruit")
    assert matches("orange -fruit", "Orange augmente ses forfaits")


def test_lowercase_et_and_ou_are_words_to_find():
    assert matches("pain et chocolat", "pain et chocolat")
    assert not matches("pain et chocolat", "pain, chocolat")
    assert matches("pain ou chocolat", "pain ou chocolat")


def test_parentheses_change_what_not_applies_to():
    assert matches("orange SAUF (fruit OU jus)", "Orange, le réseau")
    assert not matches("orange SAUF (fruit OU jus)", "jus d'orange")


# Hashtags and mentions


def test_hashtag_query_matches_only_hashtags_plain_word_matches_both():
    assert matches("#paris2026", "Vivement #Paris2026 !")
    assert not matches("#paris2026", "Vivement Paris2026 !")
    assert matches("paris2026", "Vivement #Paris2026 !")
    assert matches("@sncf", "merci @SNCF")
    assert not matches("@sncf", "merci #SNCF")


# Fields


def test_title_field_reads_only_the_title():
    item = Item(title="Orange lance une offre", text="Sosh aussi", lang="fr")
    assert matches("title:orange", item)
    assert not matches("title:sosh", item)
    assert matches("titre:(sosh OR offre)", item)


def test_author_field_reads_the_authors_name_and_words_do_not():
    item = Item(title="", text="Bonjour à tous", author="Jean Dupont", lang="fr")
    assert matches("author:dupont bonjour", item)
    assert matches('auteur:"jean dupont" bonjour', item)
    assert not matches("dupont", item)


@pytest.mark.parametrize(("site", "expected"), [
    ("lemonde.fr", True), ("www.lemonde.fr", True), ("https://www.lemonde.fr/economie/article.html", True),
    ("campus.lemonde.fr", True), ("notlemonde.fr", False), ("lemonde.fr.example.com", False), ("", False),
])
def test_site_field_matches_the_domain_and_its_subdomains(site, expected):
    item = Item(title="Orange", text="", site=site)
    assert matches("site:lemonde.fr orange", item) is expected
    assert matches("site:https://www.lemonde.fr/ orange", item) is expected


def test_lang_and_network_fields():
    item = Item(title="", text="Orange", lang="fr-CA", network="bluesky")
    assert matches("lang:fr orange", item)
    assert matches("langue:FR orange", item)
    assert not matches("lang:en orange", item)
    assert matches("network:bluesky orange", item)
    assert matches("réseau:Bluesky orange", item)
    assert not matches("network:mastodon orange", item)
    assert matches("orange -network:mastodon", item)


# Why it matched


def test_highlight_points_at_the_original_text():
    item = post("J'adore L’Oréal !")
    found = compile_query("oréal").match(item)
    assert found == Match((Span("text", 8, 15),))
    assert item.text[8:15] == "L’Oréal"


def test_highlights_every_reason_in_every_field():
    item = Item(title="Grève à la SNCF", text="Encore une grève, #SNCF en retard", lang="fr", network="bluesky",
                site="www.lemonde.fr")
    assert highlighted("(sncf OR retard) grève -métro network:bluesky", item) == [
        ("network", "bluesky"), ("text", "grève"), ("text", "#SNCF"), ("text", "retard"),
        ("title", "Grève"), ("title", "SNCF")]


def test_near_highlights_its_two_sides_not_the_words_between():
    assert highlighted("SNCF NEAR/3 grève", post("la SNCF a encore une grève")) == [("text", "SNCF"), ("text", "grève")]


def test_phrase_highlight_covers_the_phrase():
    assert highlighted('"service client"', post("Le Service  Client ?")) == [("text", "Service  Client")]


def test_match_in_field_lists_spans_of_one_field():
    found = compile_query("orange").match(Item(title="Orange", text="et orange"))
    assert found is not None
    assert found.in_field("text") == [(3, 9)]


# MonitorSet


def test_monitor_set_returns_matches_in_the_mappings_order():
    monitors = MonitorSet({
        "b": compile_query("sosh"), "a": compile_query("orange -fruit"), "c": compile_query("free"),
    })
    item = post("Orange et Sosh")
    assert [key for key, _ in monitors.match(item)] == ["b", "a"]
    assert monitors.match(post("rien à voir")) == []
    assert len(monitors) == 3


VOCABULARY = ["orange", "oranges", "sosh", "client", "clientes", "client·e·s", "réseau", "panne", "pannes",
              "grève", "SNCF", "retard", "retards", "remboursement", "remboursé", "l'Oréal", "d’Orange",
              "service", "Service", "fruit", "jus", "et", "ou", "running", "runs", "delay", "refund",
              "#orange", "#SNCF", "@sosh", "Saint-Étienne", "aujourd'hui", "école", "ECOLE", "forfait"]
QUERY_WORDS = ["orange", "sosh", "client", "réseau", "panne", "grève", "sncf", "retard", "l'Oréal", "service",
               "fruit", "running", "delay", "refund", "#orange", "@sosh", "#sncf", "Saint-Étienne", "école",
               "forfait", "aujourd'hui"]


def random_operand(rng: random.Random, depth: int = 0) -> str:
    shape = rng.random()
    word = rng.choice(QUERY_WORDS)
    if shape < 0.45 or depth > 1:
        return word
    if shape < 0.55:
        return f'"{rng.choice(QUERY_WORDS)} {rng.choice(QUERY_WORDS)}"'
    if shape < 0.62:
        return rng.choice(["rembours*", "orang*", "clien*", "#snc*", "pann*"])
    if shape < 0.75:
        return f"({random_operand(rng, depth + 1)} OR {random_operand(rng, depth + 1)})"
    if shape < 0.85:
        return f"{word} NEAR/{rng.randint(1, 4)} {rng.choice(QUERY_WORDS)}"
    if shape < 0.92:
        return f"title:{word}"
    return f"author:{word}"


def random_query(rng: random.Random) -> str:
    parts = [random_operand(rng) for _ in range(rng.randint(1, 3))]
    joined = parts[0]
    for part in parts[1:]:
        joined += rng.choice([" ", " AND ", " OR ", " OU ", " ET "]) + part
    if rng.random() < 0.3:
        joined += " " + rng.choice(["-", "NOT ", "SAUF "]) + rng.choice(QUERY_WORDS)
    if rng.random() < 0.15:
        joined += " " + rng.choice(["lang:fr", "lang:en", "network:bluesky", "site:lemonde.fr", "-network:rss"])
    return joined


FILLER = ["le", "la", "de", "un", "bonjour", "merci", "vraiment", "the", "and", "great", "ville", "train", "voiture"]


def random_item(rng: random.Random) -> Item:
    def words(count: int) -> str:
        share = rng.choice([0.05, 0.2, 0.5])  # some items are mostly filler, so they match nothing
        return " ".join(rng.choice(VOCABULARY if rng.random() < share else FILLER) for _ in range(count))

    return Item(title=words(rng.randint(0, 6)), text=words(rng.randint(3, 25)), author=words(rng.randint(0, 2)),
                site=rng.choice(["", "www.lemonde.fr", "lemonde.fr", "example.com"]),
                lang=rng.choice(["fr", "en", "", "fr-CA", "de"]), network=rng.choice(["bluesky", "rss", "mastodon"]))


def test_monitor_set_answers_exactly_what_each_query_answers_alone():
    rng = random.Random(2026)
    queries = {number: compile_query(random_query(rng)) for number in range(200)}
    monitors = MonitorSet(queries)
    items = [random_item(rng) for _ in range(300)]
    total = 0
    for item in items:
        expected = [(key, found) for key, query in queries.items() if (found := query.match(item)) is not None]
        assert monitors.match(item) == expected, item
        total += len(expected)
    assert total > 300  # the comparison was not only about empty answers
    assert sum(not monitors.match(item) for item in items) > 10
