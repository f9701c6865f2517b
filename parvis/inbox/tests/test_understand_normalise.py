"""The normaliser that undoes spelling tricks, the hashed n-grams, the sparse solver and
the plainly typed copies of training comments. No database, no model: plain functions."""

from __future__ import annotations

import numpy as np
import pytest

from parvis.inbox.understand import augment, logreg, ngrams, normalise
from parvis.inbox.understand.features import model_text


@pytest.mark.parametrize(
    ("masked", "plain"),
    [
        ("t'es qu'une s a l o p e", "t'es qu'une salope"),  # spaced letters
        ("espèce de c.o.n.n.a.r.d", "espèce de connard"),
        ("your boss is a c u n t", "your boss is a cunt"),  # "a" stays a word
        ("g.r.o.s p.o.r.c", "gros porc"),  # two spelt-out words
        ("le gérant est un c0nn4rd", "le gérant est un connard"),  # leetspeak
        ("n1que ta m3re", "nique ta mere"),
        ("you're an id10t", "you're an idiot"),
        ("bunch of @$$holes", "bunch of assholes"),
        ("ENCUL3S", "ENCULES"),
        ("f*ck you", "fuck you"),  # masks filled from the lexicon
        ("quelle p*te", "quelle pute"),
        ("bande d'enc***s", "bande d'enculés"),
        ("une vraie pet*sse", "une vraie pétasse"),  # accents of the lexicon word come back
        ("t'es une ЅаӀоре", "t'es une Salope"),  # Cyrillic look-alikes in a Latin sentence
        ("ｆｕｃｋ ｏｆｆ", "fuck off"),  # fullwidth
        ("f\u0336u\u0336c\u0336k\u0336 you", "fuck you"),  # strike-through marks
        ("sa\u200blo\u200bpe", "salope"),  # zero-width spaces
        ("nuuuuul", "nul"),  # repeated letters
        ("sssssalope", "salope"),
        ("goooood", "good"),
        ("kys", "kill yourself"),  # abbreviations that are insults by themselves
        ("k.y.s loser", "kill yourself loser"),
        ("k y s", "kill yourself"),
        ("stfu", "shut the fuck up"),
        ("ftg le CM", "ferme ta gueule le CM"),
        ("fvck off", "fuck off"),
    ],
)
def test_spelling_tricks_are_undone(masked: str, plain: str) -> None:
    assert normalise.unmask(masked) == plain


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, ma commande n°48213 est arrivée à 20h30, merci !",
        "iPhone 16, ps5, mp3, 4G, B2B, F4F, covid19, 1er, 3ème, 12,99€, 100%, $5",
        "il y a du monde ce matin à la boutique",
        "#fail #tbt snake_case C# BBB zzz",
        "Super!!! trop bien!! salut toi!ça va",
        "Very good coffee, see you soon",
        "Привет, как дела? Спасибо за заказ",  # Russian keeps its letters
        "Merci beaucoup pour tout 😍😍",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert normalise.unmask(text) == text


def test_the_models_read_the_unmasked_text_without_links_or_handles() -> None:
    assert model_text("@julie_cm t'es une s a l o p e https://t.co/x") == "t'es une salope"


def test_hashed_ngrams_are_stable_rows_that_ignore_case_and_accents() -> None:
    grams = ngrams.hashed(["Très bon", "tres BON", "", "autre chose"])
    rows = [set(grams.indices[grams.indptr[i]:grams.indptr[i + 1]].tolist()) for i in range(4)]
    assert rows[0] == rows[1] and rows[0] and rows[0] != rows[3]
    # " tres bon " has 8 + 7 + 6 n-grams of 3, 4 and 5 letters, each 1 / sqrt(21)
    assert grams.indptr[1] == 21 and np.allclose(grams.values[:21], 21 ** -0.5)
    assert grams.indptr[3] == grams.indptr[2]  # the empty text: an empty row
    # Our own hash, not Python's (salted per process): the same columns every run.
    again = ngrams.hashed(["Très bon"])
    assert set(again.indices.tolist()) == rows[0] and max(rows[0]) < ngrams.DIM


def _dense(sparse: logreg.Sparse) -> np.ndarray:
    out = np.zeros((sparse.n, sparse.width))
    np.add.at(out, (sparse.row_of_values(), sparse.indices), sparse.values)
    return out


@pytest.mark.parametrize("n_classes", [2, 3])
def test_truncated_newton_on_sparse_features_matches_exact_newton_on_the_same_matrix(n_classes: int) -> None:
    rng = np.random.default_rng(3)
    words = ["bon", "nul", "merci", "idiot", "super", "colis", "retard", "top"]
    texts = [" ".join(rng.choice(words, size=int(rng.integers(1, 6)))) for _ in range(200)]
    grams = ngrams.hashed(texts, dim=128)
    dense = rng.normal(size=(200, 6))
    y = rng.integers(0, n_classes, 200)
    weights = np.where(np.arange(200) % 4 == 0, 2.0, 1.0)
    design = logreg.Design(dense, grams, 1.5)
    ours = logreg.fit(design, y, l2=0.5, n_classes=n_classes, sample_weight=weights)
    exact = logreg.fit(np.hstack([dense, 1.5 * _dense(grams)]), y, l2=0.5, n_classes=n_classes, sample_weight=weights)
    assert ours.sparse_coef is not None
    assert np.allclose(ours.coef, exact.coef[:, :6], atol=1e-4)
    assert np.allclose(ours.sparse_coef, exact.coef[:, 6:], atol=1e-4)
    assert np.abs(ours.proba(design) - exact.proba(np.hstack([dense, 1.5 * _dense(grams)]))).max() < 1e-4


def test_classes_can_share_their_sparse_weights() -> None:
    rng = np.random.default_rng(4)
    grams = ngrams.hashed([f"mot{i % 7} autre{i % 3}" for i in range(90)], dim=64)
    y = np.arange(90) % 4
    tie = np.array([0, 0, 1, 1])  # four classes, two rows of n-gram weights
    fitted = logreg.fit(logreg.Design(rng.normal(size=(90, 3)), grams), y, l2=1.0, n_classes=4, sparse_tie=tie)
    assert fitted.sparse_coef is not None and fitted.sparse_coef.shape == (2, 64)
    assert fitted.sparse_tie is not None and fitted.sparse_tie.tolist() == [0, 0, 1, 1]


def test_sparse_rows_can_be_taken_and_stacked() -> None:
    grams = ngrams.hashed(["un", "deux mots", "trois petits mots", "quatre"], dim=256)
    picked = grams.subset(np.array([2, 0, 2]))
    assert np.array_equal(_dense(picked), _dense(grams)[[2, 0, 2]])
    stacked = logreg.Sparse.vstack([grams.subset(np.array([0, 1])), grams.subset(np.array([2, 3]))])
    assert np.array_equal(_dense(stacked), _dense(grams))


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Déçue, la couleur n'a rien à voir avec la photo.", "decue la couleur na rien a voir avec la photo"),
        ("I don't know… maybe?", "i dont know maybe?"),
        ("ÇA M'A TUÉ 😂 @brand_fr https://t.co/x", "ca ma tue 😂 @brand_fr https://t.co/x"),
        ("Top !", "top !"),
        ("Livré en 3.5 jours, merci", "livre en 3.5 jours merci"),
    ],
)
def test_a_plainly_typed_copy_drops_case_accents_apostrophes_and_stops(written: str, typed: str) -> None:
    assert augment.typed_plainly(written) == typed


def test_copies_are_learnt_beside_their_originals_at_a_lower_weight() -> None:
    from parvis.inbox.understand.features import featurize

    originals, copies = featurize(["Déçue !", "Top"]), featurize(["decue !", "top"])
    rows, weights = augment.with_copies(originals, copies, np.array([1.0, 2.0]))
    assert len(rows) == 4
    assert np.array_equal(rows.embeddings[2:], copies.embeddings)
    assert weights.tolist() == [1.0, 2.0, augment.COPY_WEIGHT, 2 * augment.COPY_WEIGHT]
