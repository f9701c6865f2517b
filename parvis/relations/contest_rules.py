"""The rules (règlement) of a contest, drafted in the contest's language, French or
English, for the CM to read and complete before opening.

They are a document of the contest, not a page of parvis: written in the contest's
language whoever drafts them, so each language is one whole template here (a lawyer
reads it as one text) rather than sentences in the interface's catalogue. Each
network's required clauses come from its package (`NetworkInfo.contest_clauses`),
quoted as they are. The commitment C does not exist before the contest opens: the draft
holds COMMITMENT_MARK where it goes, and opening puts C there (or adds it, if the CM
removed the mark), so that the rules frozen at opening always state it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import dateformat, timezone, translation

from parvis.networks import registry
from parvis.relations.models import Contest

COMMITMENT_MARK = "{{C}}"
RETENTION_MONTHS = 6  # the entrants' data after the draw (the proof keeps network ids only)

WAYS = {
    "fr": {"reply": "répondre à la publication", "repost": "partager (republier) la publication",
           "like": "aimer la publication",
           "follow": "s'abonner au compte de l'Organisateur qui a publié la publication (un abonnement antérieur "
                     "à l'ouverture du jeu ne compte pas)"},
    "en": {"reply": "reply to the post", "repost": "share (repost) the post", "like": "like the post",
           "follow": "follow the Organiser's account that published the post (following it from before the "
                     "contest opened does not count)"},
}

TEMPLATES = {
    "fr": """Règlement du jeu-concours « {name} »

Article 1 – Organisateur
Le jeu-concours « {name} » est organisé par {organiser} (ci-après « l'Organisateur »).

Article 2 – Dates
Le jeu-concours est ouvert du {opens} au {closes} (heure de {zone}). Les participations reçues après la clôture ne sont pas retenues.

Article 3 – Comment participer
La participation est gratuite et sans obligation d'achat. Pour participer, il suffit, pendant la durée du jeu, de {ways} :
{publications}
{extra_ways}
Article 4 – Conditions
Le jeu est ouvert à toute personne physique majeure (18 ans ou plus). Une seule participation par personne est retenue, quel que soit le nombre de réponses, de partages ou de mentions « J'aime ».
{conditions}Ne peuvent participer ni les comptes de l'Organisateur ni les membres de son personnel.

Article 5 – Dotation
{prize_line}
La dotation ne peut être ni échangée ni remboursée.

Article 6 – Tirage au sort
{winners_line}
Le tirage est fait avec l'algorithme public et vérifiable parvis-draw-v1. Avant l'ouverture, l'Organisateur a tiré un nombre secret S et publié son empreinte C = SHA-256(S) :
C = {commitment}
Après la clôture, S est publié avec la liste des identifiants des participants retenus (leurs identifiants sur le réseau, sans leur nom), de sorte que chacun peut refaire le tirage et vérifier que S correspond bien à C.
{public_value_line}
La preuve du tirage est publiée à l'adresse : {proof_url}

Article 7 – Information des gagnants
Chaque gagnant est contacté par message privé sur le réseau où il a participé, ou, à défaut, par une réponse publique. Il dispose de {answer_days} jours pour répondre. Sans réponse dans ce délai, la dotation revient au premier suppléant dans l'ordre du tirage, puis au suivant.

Article 8 – Données personnelles
L'Organisateur est responsable du traitement des données des participants (identifiant et nom sur le réseau, réponse publiée). Elles servent uniquement à gérer le jeu : vérifier les conditions, faire le tirage, contacter les gagnants et leur remettre leur dotation ; ce traitement repose sur l'exécution du présent règlement. Elles sont supprimées au plus tard {retention} mois après le tirage ; la preuve du tirage, qui ne contient que des identifiants de comptes, est conservée pour établir la loyauté du tirage. Chaque participant dispose d'un droit d'accès, de rectification, d'effacement, de limitation, d'opposition et de portabilité, qu'il exerce en écrivant à l'Organisateur ; il peut aussi adresser une réclamation à la CNIL (www.cnil.fr).
{clauses}
Article {last} – Acceptation du règlement
La participation au jeu-concours vaut acceptation du présent règlement.
""",  # noqa: E501 - a paragraph is one line: the CM's editor wraps it
    "en": """Rules of the contest “{name}”

1. Organiser
The contest “{name}” is organised by {organiser} (the “Organiser”).

2. Dates
The contest runs from {opens} to {closes} ({zone} time). Entries received after the close are not counted.

3. How to enter
Entry is free and no purchase is necessary. To enter, during the contest, {ways}:
{publications}
{extra_ways}
4. Conditions
The contest is open to individuals aged 18 or over. One entry per person is counted, however many replies, shares or likes they make.
{conditions}The Organiser's own accounts and staff may not enter.

5. Prize
{prize_line}
The prize cannot be exchanged or refunded.

6. The draw
{winners_line}
The draw uses the public, verifiable algorithm parvis-draw-v1. Before the opening, the Organiser drew a secret number S and published its fingerprint C = SHA-256(S):
C = {commitment}
After the close, S is published with the list of the eligible entrants' ids (their ids on the network, without their names), so that anyone can run the draw again and check that S matches C.
{public_value_line}
The proof of the draw is published at: {proof_url}

7. Telling the winners
Each winner is contacted by private message on the network where they entered or, failing that, by a public reply. They have {answer_days} days to answer. Without an answer in that time, the prize goes to the first alternate in the order of the draw, then to the next.

8. Personal data
The Organiser is the controller of the entrants' data (id and name on the network, the reply posted). It is used only to run the contest: checking the conditions, drawing, contacting the winners and giving them their prize, on the basis of these rules. It is deleted at most {retention} months after the draw; the proof of the draw, which holds account ids only, is kept to show that the draw was fair. Every entrant has the rights of access, rectification, erasure, restriction, objection and portability, by writing to the Organiser, and may complain to their data protection authority.
{clauses}
{last}. Acceptance of the rules
Entering the contest means accepting these rules.
""",  # noqa: E501
}


def _when(contest: Contest, value: datetime, language: str) -> str:
    local = timezone.localtime(value, contest.workspace.tz)
    with translation.override(language):
        return dateformat.format(local, "j F Y, H:i" if language == "en" else r"j F Y \à H\hi")


def _money(value: Decimal, language: str) -> str:
    amount = f"{value:,.2f}"
    if language == "fr":
        return amount.replace(",", "\u202f").replace(".", ",") + " € TTC"
    return f"€{amount} (incl. VAT)"


def _publications(contest: Contest) -> list[tuple[str, str, str]]:
    """(network key, its label, the post's address there) for each publication."""
    from parvis.relations.contests import publications_of

    if contest.post is None:
        return []
    return [(p.account.network, registry.get(p.account.network).label, p.remote_url or p.account.shown_handle)
            for p in publications_of(contest.post)]


def _conditions(contest: Contest, fr: bool) -> str:
    lines = []
    if contest.must_follow:
        lines.append("Le participant doit être abonné au compte de l'Organisateur sur le réseau où il participe."
                     if fr else "Entrants must follow the Organiser's account on the network where they enter.")
    if contest.hashtag:
        lines.append(f"La réponse doit contenir le mot-dièse {contest.hashtag}." if fr
                     else f"The reply must carry the hashtag {contest.hashtag}.")
    if contest.mentions:
        lines.append(f"La réponse doit mentionner au moins {contest.mentions} autre(s) compte(s) que celui de "
                     "l'Organisateur." if fr else f"The reply must mention at least {contest.mentions} account(s) "
                     "other than the Organiser's.")
    if contest.exclude_new_accounts:
        lines.append("Les comptes créés après l'ouverture du jeu ne sont pas retenus." if fr
                     else "Accounts created after the contest opened are not counted.")
    if contest.exclude_bots:
        lines.append("Les comptes automatisés (robots) ne sont pas retenus." if fr
                     else "Automated (bot) accounts are not counted.")
    return "".join(f"{line}\n" for line in lines)


def _clauses(contest: Contest, networks: list[tuple[str, str]], fr: bool, first: int) -> tuple[str, int]:
    """Each network's required clauses, an article each; the next article's number."""
    out, number = [], first
    for key, label in networks:
        clauses = registry.get(key).contest_clauses
        text = clauses.get(contest.language) or clauses.get("en")
        if not text:
            continue
        title = f"Article {number} – {label}" if fr else f"{number}. {label}"
        out.append(f"\n{title}\n{text}\n")
        number += 1
    return "".join(out), number


def draft_rules(contest: Contest) -> str:
    """The rules drafted from what the contest says, in its language."""
    language = contest.language if contest.language in TEMPLATES else "fr"
    fr = language == "fr"
    found = _publications(contest)
    ways = [WAYS[language][way] for way in contest.ways]
    joined = (" ou " if fr else " or ").join(ways) if ways else "…"
    networks = list(dict.fromkeys((key, label) for key, label, _ in found))
    publications = "".join(f"– {label} : {where}\n" if fr else f"– {label}: {where}\n" for _, label, where in found)
    extra = ("Une participation compte si elle est faite sur l'une de ces publications.\n" if fr
             else "Taking part on any one of these posts counts.\n") if len(found) > 1 else ""
    prize = contest.prize or "…"
    if contest.prize_value is not None:
        value = _money(contest.prize_value, language)
        prize_line = (f"Le jeu est doté de : {prize}, d'une valeur commerciale indicative de {value}." if fr
                      else f"The prize is: {prize}, with a retail value of {value}.")
    else:
        prize_line = f"Le jeu est doté de : {prize}." if fr else f"The prize is: {prize}."
    n, m = contest.winners, contest.alternates
    winners_line = (f"{n} gagnant(s) et {m} suppléant(s) sont tirés au sort parmi les participations retenues, "
                    "dans cet ordre." if fr else
                    f"{n} winner(s) then {m} alternate(s) are drawn among the eligible entries, in that order.")
    if contest.public_value_rule:
        public_value_line = (f"Le tirage dépend aussi d'une valeur publique connue seulement après la clôture : "
                             f"{contest.public_value_rule}." if fr else
                             f"The draw also depends on a public value known only after the close: "
                             f"{contest.public_value_rule}.")
    else:
        public_value_line = ("Aucune valeur publique n'entre dans le tirage : il dépend de S et de la liste des "
                             "participants retenus." if fr else
                             "No public value enters the draw: it depends on S and the list of eligible entrants.")
    from parvis.relations.contests import proof_url

    clauses, last = _clauses(contest, networks, fr, 9)
    return TEMPLATES[language].format(
        name=contest.name, organiser=contest.organiser or "…",
        opens=_when(contest, contest.opens_at, language) if contest.opens_at else "…",
        closes=_when(contest, contest.closes_at, language) if contest.closes_at else "…",
        zone=contest.workspace.timezone, ways=joined, publications=publications, extra_ways=extra,
        conditions=_conditions(contest, fr), prize_line=prize_line, winners_line=winners_line,
        commitment=contest.commitment or COMMITMENT_MARK, public_value_line=public_value_line,
        proof_url=proof_url(contest), answer_days=contest.answer_days, retention=RETENTION_MONTHS,
        clauses=clauses, last=last)


def with_commitment(contest: Contest) -> str:
    """The rules with C written where the draft left its mark (added at the end if the
    CM took the mark out): the frozen rules always state it."""
    if COMMITMENT_MARK in contest.rules_text:
        return contest.rules_text.replace(COMMITMENT_MARK, contest.commitment)
    if contest.commitment in contest.rules_text:
        return contest.rules_text
    line = ("Empreinte du nombre secret du tirage (parvis-draw-v1) : C = " if contest.language == "fr"
            else "Fingerprint of the draw's secret number (parvis-draw-v1): C = ")
    return f"{contest.rules_text.rstrip()}\n\n{line}{contest.commitment}\n"
