"""How monitors' queries are read: operators in English and French, precedence, fields,
phrases and prefixes, and the errors people see."""

from __future__ import annotations

import pytest

from parvis.listening.query import QuerySyntaxError, describe, parse
from parvis.listening.query.syntax import MAX_DEPTH, Near, Phrase, Prefix, Term

pytestmark = pytest.mark.usefixtures("english")  # the messages are read in English


def read(query: str) -> str:
    return describe(parse(query))


def error(query: str) -> tuple[str, int]:
    with pytest.raises(QuerySyntaxError) as raised:
        parse(query)
    return raised.value.message, raised.value.position


def test_adjacent_words_are_all_required():
    assert read("Orange forfait") == "(AND orange forfait)"


@pytest.mark.parametrize("query", ["orange AND sosh OR free", "orange ET sosh OU free"])
def test_and_binds_tighter_than_or_in_english_and_french(query):
    assert read(query) == "(OR (AND orange sosh) free)"


@pytest.mark.parametrize("query", ["orange NOT sosh", "orange SAUF sosh", "orange -sosh", "orange AND NOT sosh"])
def test_not_sauf_and_minus_exclude(query):
    assert read(query) == "(AND orange (NOT sosh))"


def test_operators_in_lower_case_are_words():
    assert read("pain et chocolat ou croissant") == "(AND pain et chocolat ou croissant)"
    assert read("lingot or argent") == "(AND lingot or argent)"
    assert read("orange and not sosh") == "(AND orange and not sosh)"


def test_an_operator_word_in_quotes_is_a_word():
    assert read('"OR" lingot') == '(AND "or" lingot)'


def test_parentheses_group():
    assert read("(orange OR sosh) (panne OU coupure)") == "(AND (OR orange sosh) (OR panne coupure))"
    assert read("orange SAUF (fruit OU jus)") == "(AND orange (NOT (OR fruit jus)))"


def test_not_binds_tighter_than_near_which_binds_tighter_than_and():
    assert read("sncf NEAR/3 grève retard") == "(AND (NEAR/3 sncf greve) retard)"
    assert read("a OR b NEAR/2 c") == "(OR a (NEAR/2 b c))"


def test_near_forms():
    assert read("sncf NEAR/3 grève") == "(NEAR/3 sncf greve)"
    assert read("sncf PRES/4 grève") == "(NEAR/4 sncf greve)"
    assert read("sncf PRÈS/4 grève") == "(NEAR/4 sncf greve)"
    assert read("sncf NEAR grève") == "(NEAR/5 sncf greve)"
    assert read("(orange OR sosh) NEAR/5 (panne OR \"plus de réseau\")") == (
        '(NEAR/5 (OR orange sosh) (OR panne "plus de reseau"))')
    assert isinstance(parse("a NEAR/50 b"), Near)


def test_words_are_normalised_and_stemmed_phrases_are_not():
    term = parse("Clientes")
    assert term == Term("clientes", "client", "client")
    assert parse('"Clientes fidèles"') == Phrase(("clientes", "fideles"))


def test_a_word_that_normalises_to_several_is_a_phrase():
    assert read("Saint-Étienne") == '"saint etienne"'
    assert read("aujourd'hui") == '"aujourd hui"'


def test_elisions_and_inclusive_writing_in_queries():
    assert read("l'Oréal") == "oreal"
    assert read("qu’Orange") == "orange"
    assert read("client·e·s") == "client"


def test_punctuation_alone_is_ignored():
    assert read("orange & sosh !") == "(AND orange sosh)"


def test_hashtags_and_mentions():
    assert read("#Paris2026 OR @SNCF") == "(OR #paris2026 @sncf)"
    assert parse("#Paris2026") == Term("#paris2026")


def test_prefix():
    assert parse("rembours*") == Prefix("rembours")
    assert parse("#paris*") == Prefix("#paris")
    assert read("Rembours* ET l'Oré*") == "(AND rembours* ore*)"


@pytest.mark.parametrize("query", ["ab*", "l'a*", "saint-eti*"])
def test_prefix_needs_one_word_of_three_letters(query):
    message, position = error(query)
    assert "3 letters" in message
    assert position == 0


def test_fields_apply_to_a_word_a_phrase_or_a_group():
    assert read("title:Orange") == "title:orange"
    assert read('title:"forfait mobile"') == 'title:"forfait mobile"'
    assert read("title:(orange OR sosh) panne") == "(AND title:(OR orange sosh) panne)"
    assert read("author:jean orange") == "(AND author:jean orange)"


def test_a_field_applies_to_a_negation():
    assert read("orange title:-promo") == "(AND orange title:(NOT promo))"


def test_french_and_curly_quotes_make_phrases():
    assert read("« service client » OR “plus de réseau”") == '(OR "service client" "plus de reseau")'


def test_value_fields_take_one_value():
    assert read("orange site:www.lemonde.fr lang:fr network:bluesky") == (
        "(AND orange site:www.lemonde.fr lang:fr network:bluesky)")
    assert read('orange site:"lemonde.fr"') == "(AND orange site:lemonde.fr)"


def test_french_field_names_accents_and_case():
    assert read("Titre:orange auteur:jean langue:fr réseau:mastodon reseau:bluesky") == (
        "(AND title:orange author:jean lang:fr network:mastodon network:bluesky)")


def test_a_space_after_a_fields_colon_is_allowed():
    assert read("titre: orange") == "title:orange"


def test_a_word_ending_with_a_colon_is_a_word():
    assert read("Attention: orange") == "(AND attention orange)"


@pytest.mark.parametrize(("query", "position"), [("(orange OR sosh", 0), ("orange (sosh", 7), ("orange) sosh", 6),
                                                  (")orange", 0)])
def test_unbalanced_parentheses(query, position):
    assert error(query) == ("Unbalanced parenthesis", position)


def test_unterminated_quote():
    assert error('orange "forfait mobile') == ("This quote is never closed", 7)
    assert error("orange site:\"lemonde.fr") == ("This quote is never closed", 12)


@pytest.mark.parametrize(("query", "expected"), [
    ("orange AND", ("Nothing after “AND”", 7)),
    ("orange OR", ("Nothing after “OR”", 7)),
    ("orange ET OU sosh", ("Nothing after “ET”", 7)),
    ("orange NOT", ("Nothing after “NOT”", 7)),
    ("orange NEAR/3", ("Nothing after “NEAR/3”", 7)),
    ("orange titre:", ("Nothing after “titre:”", 7)),
    ("orange site:", ("Nothing after “site:”", 7)),
    ("orange ()", ("Nothing after “(”", 7)),
    ("OR orange", ("Nothing before “OR”", 0)),
    ("orange (AND sosh)", ("Nothing before “AND”", 8)),
])
def test_operator_with_nothing_beside_it(query, expected):
    assert error(query) == expected


def test_unknown_field():
    message, position = error("orange couleur:rouge")
    assert message.startswith("Unknown field “couleur”")
    assert position == 7


@pytest.mark.parametrize("query", ["a NEAR/0 b", "a NEAR/51 b", "a NEAR/x b", "a PRES/-1 b"])
def test_near_distance_must_be_from_1_to_50(query):
    assert error(query) == ("NEAR/n takes a number from 1 to 50", 2)


def test_near_joins_words_phrases_or_or_groups():
    message, position = error("orange NEAR/3 (panne AND réseau)")
    assert message.startswith("NEAR joins")
    assert position == 7
    assert error("orange NEAR/3 -panne")[1] == 7
    assert error("lang:fr NEAR/3 orange")[1] == 8


@pytest.mark.parametrize("query", ["", "   ", "!!", "-orange", "NOT orange", "-orange -sosh", "SAUF (a OU b)",
                                   "NOT a OR b", "lang:fr", "site:lemonde.fr -orange", "title:(NOT orange)"])
def test_a_query_must_look_for_at_least_one_word(query):
    assert error(query) == ("A monitor needs at least one word to look for", 0)


def test_negative_parts_are_fine_next_to_a_positive_one():
    assert read("-fruit orange") == "(AND (NOT fruit) orange)"
    assert read("(orange OR sosh) -recrutement lang:fr") == "(AND (OR orange sosh) (NOT recrutement) lang:fr)"


def test_deep_nesting_and_long_queries_are_refused():
    assert error("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))[0] == "This query is nested too deeply"
    assert error("NOT " * (MAX_DEPTH + 1) + "a b")[0] == "This query is nested too deeply"
    assert error("orange " * 400)[0] == "This query is too long"
    assert read("(" * 10 + "a" + ")" * 10) == "a"


def test_nested_ands_and_ors_are_flattened():
    assert read("a AND (b AND c)") == "(AND a b c)"
    assert read("(a OR b) OR c") == "(OR a b c)"


def test_a_url_is_not_a_field():
    message, _ = error("https://lemonde.fr")
    assert message.startswith("Unknown field “https”")

