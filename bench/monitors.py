"""bench/monitors: keyword monitors matched against a stream of items, on ONE core.

    .venv/bin/python -m bench.monitors [--items 20000] [--queries 500] [--repeat 3] [--seed 7]

* 500 monitor queries as community managers write them (`make_queries`): brands and
  product names (single words, "two-word phrases", l'Oréal-like elisions, hashtags and
  mentions), French and English topic words, OR-groups, NOT / SAUF / -word exclusions, a
  few NEAR/n and prefix*, and some fields (title:, author:, site:, lang:, network:).
* A stream of items (`make_items`), French and English, from word lists with a fixed seed:
  social posts of 20–60 words (hashtags, mentions, links, elisions, inclusive writing)
  and feed entries (a title and a ~100-word summary, with a site). Every item also carries
  a few words never seen before (names, typos, numbers), as a real stream does, so the
  caches never hold the whole vocabulary. About 3 % of items mention a monitored brand.
* Measured, alternating in the same run, best of --repeat: items/s of `MonitorSet.match`
  (every query, with the reasons of each match), and the baseline: plain substring
  matching of each query's positive terms, `any(term in text.lower() …)` for all the
  queries (what a naive implementation does; it over-matches: "free" in "freedom", no
  NOT, no phrases or fields). The first pass, with empty caches, is shown apart.
  Also: the share of items whose candidate queries had to be evaluated, matches found by
  both, and the time to compile the queries.

Target (the issue): ≥ 5,000 items/s per core with 500 queries (a Bluesky-scale stream is
~50 posts/s). No other thread runs: the figure is one core's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import time
from collections.abc import Callable, Sequence

from parvis.listening.query import Item, MonitorSet, Query, compile_query

TARGET = 5000


def word_list(text: str) -> list[str]:
    return text.split()


FRENCH = word_list("""le la les un une des du de et ou mais donc car ne pas plus très bien aussi encore
toujours jamais déjà avec pour sans sur sous dans chez entre après avant pendant depuis vers
nous vous ils elles on je tu il elle ce cette ces mon ton son notre votre leur qui que quoi
est sont était sera fait faire dit voir aller venir prendre donner trouver pense crois aime
adore déteste attends merci bravo super génial nul incroyable vraiment franchement enfin
journée semaine matin soir week-end vacances travail bureau maison ville quartier gare train
métro bus vélo voiture route trajet retard grève panne réseau connexion fibre box forfait
offre prix promo soldes commande livraison colis remboursement service client conseiller
magasin boutique site application appli compte mot passe facture abonnement résiliation
nouveau nouvelle nouveaux produit gamme collection lancement annonce événement salon concert
festival match équipe joueur supporters stade victoire défaite saison école université
étudiant professeur élèves enfants parents famille amis santé médecin hôpital pharmacie
rendez-vous pluie soleil chaleur froid neige orage climat énergie électricité facture gaz
essence prix hausse baisse inflation salaire emploi recrutement entreprise startup
innovation technologie intelligence données sécurité piratage fuite mise jour version bug
problème solution question réponse avis note étoile recommande déconseille qualité
""")
ENGLISH = word_list("""the a an and or but so because not no more very well also still always never
already with for without on under in at between after before during since to we you they
he she it this that these my your his her our their who what which is are was will be do
does did make made say said see go come take give find think believe love hate wait thanks
great awesome terrible amazing really honestly finally day week morning evening weekend
holiday work office home city town station train subway bus bike car road trip delay strike
outage network connection fiber plan offer price deal sale order delivery parcel refund
customer service support agent store shop website app account password bill subscription
cancel new product range collection launch announcement event show concert festival game
team player fans stadium win loss season school university student teacher kids parents
family friends health doctor hospital pharmacy appointment rain sun heat cold snow storm
climate energy power gas fuel prices rise drop inflation salary job hiring company startup
innovation technology data security hack leak update version bug issue fix question answer
review rating star recommend avoid quality running runs shipping shipped waiting waited
""")
# Brands and names people monitor: real-looking ones, then invented ones to reach the count.
BRANDS = word_list("""Orange Sosh Free Bouygues SFR SNCF Ouigo Decathlon Carrefour Leclerc Auchan Fnac
Darty Boulanger Cdiscount Vinted Leboncoin Blablacar Doctolib Alan Qonto Lydia Deezer Ubisoft
Michelin Renault Peugeot Citroën Airbus Danone Evian Lactalis Bonduelle Yoplait Sephora
Lancôme Dior Chanel Hermès Kering Publicis Capgemini Atos Thales Safran Dassault Veolia Engie
EDF TotalEnergies Schneider Legrand Saint-Gobain Vinci Eiffage Accor Ratp Transavia Heetch
Mirakl Contentsquare Ledger Swile Payfit Spendesk Malt Welcome Jobteaser Mistral Dataiku
Algolia Sendinblue Brevo Shopify Stripe Notion Slack Figma Canva Spotify Netflix Tesla Nike
Adidas Puma Zalando Ikea Lego Nintendo Sony Samsung Xiaomi Huawei Apple Google Microsoft
Amazon Uber Airbnb Deliveroo Lime Dott Tier Cityscoot Zity Getaround Backmarket Vestiaire
Sézane Jacquemus Kiabi Jules Celio Promod Camaïeu Picard Thiriet Biocoop Naturalia Yves
Rocher Nocibé Marionnaud Clarins Caudalie Nuxe Bioderma Vichy Avène Uriage Mustela
""")
TWO_WORD = ["Back Market", "Leroy Merlin", "Yves Rocher", "Castorama Pro", "Bouygues Telecom",
            "Air France", "Crédit Agricole", "Société Générale", "Caisse Epargne", "La Poste",
            "Ligue 1", "Roland Garros", "Tour de France", "Paris 2026", "Vieux Campeur",
            "Nature Découvertes", "Maisons du Monde", "Grand Frais", "Brico Dépôt", "Mr Bricolage"]
ELIDED = ["l'Oréal", "l'Occitane", "d'Aucy", "l'Obs", "l'Olympia"]
TOPICS_FR = ["panne", "retard", "grève", "remboursement", "livraison", "forfait", "offre", "prix",
             "résiliation", "facture", "service client", "application", "promo", "nouveauté"]
TOPICS_EN = ["outage", "delay", "refund", "delivery", "price", "offer", "support", "app", "launch",
             "customer service", "subscription", "review"]
EXCLUDE = ["recrutement", "emploi", "stage", "fruit", "jus", "job", "hiring", "concours"]
SITES = ["lemonde.fr", "lefigaro.fr", "liberation.fr", "20minutes.fr", "ouest-france.fr",
         "bfmtv.com", "lesechos.fr", "theguardian.com", "bbc.co.uk", "techcrunch.com", "numerama.com"]
NETWORKS = ["bluesky", "mastodon", "threads", "linkedin", "rss"]


def invented_names(rng: random.Random, count: int) -> list[str]:
    syllables = ["ka", "lo", "vi", "ra", "mé", "to", "zu", "li", "no", "sa", "pé", "ri", "ta", "fo", "gu", "bel",
                 "dor", "mix", "nov", "tek", "lux", "ver", "sol", "ark", "zen", "pix", "vol", "kor", "lin", "qua"]
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


def make_queries(rng: random.Random, count: int) -> tuple[list[str], list[str], list[list[str]]]:
    """(queries, the brand-like names they watch, each query's positive terms for the baseline)."""
    names = BRANDS + invented_names(rng, max(0, count - len(BRANDS)))
    queries: list[str] = []
    positives: list[list[str]] = []
    watched: list[str] = []

    def add(text: str, terms: list[str], name: str) -> None:
        if text in queries:  # the same monitor in two workspaces is one query to match
            return
        queries.append(text)
        positives.append([t.lower() for t in terms])
        watched.append(name)

    while len(queries) < count:
        shape = rng.random()
        name = rng.choice(names)
        other = rng.choice(names)
        slug = name.lower().replace("-", "")
        topics = TOPICS_FR if rng.random() < 0.6 else TOPICS_EN
        topic, topic2 = rng.sample(topics, 2)
        quoted = [f'"{t}"' if " " in t else t for t in (topic, topic2)]
        if shape < 0.22:
            add(name, [name], name)
        elif shape < 0.34:
            add(f"{name} OR #{slug} OR @{slug}", [name, slug], name)
        elif shape < 0.44:
            phrase = rng.choice(TWO_WORD)
            add(f'"{phrase}" OR {phrase.replace(" ", "").lower()}', [phrase, phrase.replace(" ", "")], phrase)
        elif shape < 0.48:
            elided = rng.choice(ELIDED)
            add(f"{elided} OR {elided.split(chr(39))[1]}", [elided.split("'")[1]], elided)
        elif shape < 0.60:
            add(f"{name} ({quoted[0]} OR {quoted[1]})", [name], name)
        elif shape < 0.70:
            add(f"{name} -{rng.choice(EXCLUDE)} -{rng.choice(EXCLUDE)}", [name], name)
        elif shape < 0.76:
            add(f"({name} OU {other}) SAUF ({rng.choice(EXCLUDE)} OU {rng.choice(EXCLUDE)})", [name, other], name)
        elif shape < 0.82:
            add(f"({name} OR #{slug}) NEAR/{rng.randint(3, 8)} ({quoted[0]} OR {quoted[1]})", [name, slug], name)
        elif shape < 0.86:
            stem = rng.choice(["rembours", "livr", "résili", "factur", "annul", "refund", "deliver"])
            add(f"{name} AND {stem}*", [name], name)
        elif shape < 0.89:
            add(f"title:{name}", [name], name)
        elif shape < 0.91:
            add(f"author:{slug} OR {name}", [slug, name], name)
        elif shape < 0.94:
            add(f"site:{rng.choice(SITES)} {name}", [name], name)
        elif shape < 0.97:
            add(f"lang:{rng.choice(['fr', 'en'])} ({name} OR {other})", [name, other], name)
        else:
            add(f"network:{rng.choice(NETWORKS)} {name} {topic if ' ' not in topic else quoted[0]}", [name], name)
    return queries, watched, positives


def pseudo_word(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return str(rng.randint(0, 99999))
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 10)))


def sentence(rng: random.Random, words: list[str], length: int) -> list[str]:
    out: list[str] = []
    while len(out) < length:
        word = rng.choice(words)
        if out and out[-1] in ("le", "la", "de") and word[0] in "aeéiou":
            out[-1] = out[-1][0] + rng.choice("'’") + word  # l'abonnement, d’énergie
        else:
            out.append(word)
    return out


def make_items(rng: random.Random, count: int, watched: list[str], share: float = 0.03) -> list[Item]:
    items: list[Item] = []
    for _ in range(count):
        french = rng.random() < 0.6
        vocabulary = FRENCH if french else ENGLISH
        social = rng.random() < 0.6
        words = sentence(rng, vocabulary, rng.randint(20, 60) if social else rng.randint(85, 115))
        words += [pseudo_word(rng) for _ in range(rng.randint(2, 4))]
        rng.shuffle(words)
        if rng.random() < share:
            words.insert(rng.randrange(len(words)), rng.choice(watched))
            words.insert(rng.randrange(len(words)), rng.choice(TOPICS_FR if french else TOPICS_EN))
        if social:
            if rng.random() < 0.3:
                words.append("#" + rng.choice(vocabulary).replace("-", ""))
            if rng.random() < 0.2:
                words.insert(0, "@" + pseudo_word(rng))
            if rng.random() < 0.2:
                words.append(f"https://example.com/{pseudo_word(rng)}?utm_source=bsky")
            if french and rng.random() < 0.1:
                words.append(rng.choice(["client·e·s", "étudiant·es", "ami·e·s", "salarié.e.s"]))
        text = " ".join(words)
        text = text[0].upper() + text[1:] + rng.choice([".", " !", " ?", "…"])
        if social:
            items.append(Item(title="", text=text, author=pseudo_word(rng), lang="fr" if french else "en",
                              network=rng.choice(NETWORKS[:4])))
        else:
            title = " ".join(sentence(rng, vocabulary, rng.randint(6, 12))).capitalize()
            items.append(Item(title=title, text=text, author=pseudo_word(rng).capitalize(),
                              site="https://www." + rng.choice(SITES) + "/article", lang="fr" if french else "en",
                              network="rss"))
    return items


def run_monitors(monitors: MonitorSet[int], items: list[Item]) -> tuple[float, int, int]:
    started = time.perf_counter()
    found = matched_items = 0
    for item in items:
        matches = monitors.match(item)
        found += len(matches)
        matched_items += bool(matches)
    return len(items) / (time.perf_counter() - started), found, matched_items


def run_substrings(positives: list[list[str]], items: list[Item]) -> tuple[float, int, int]:
    started = time.perf_counter()
    found = matched_items = 0
    for item in items:
        text = (item.title + "\n" + item.text).lower()
        hits = sum(1 for terms in positives if any(term in text for term in terms))
        found += hits
        matched_items += bool(hits)
    return len(items) / (time.perf_counter() - started), found, matched_items


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Keyword monitors against a stream, on one core")
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    texts, watched, positives = make_queries(rng, args.queries)
    started = time.perf_counter()
    queries: dict[int, Query] = {number: compile_query(text) for number, text in enumerate(texts)}
    monitors = MonitorSet(queries)
    compiled_ms = (time.perf_counter() - started) * 1000
    items = make_items(rng, args.items, watched)
    words = statistics.mean(len((i.title + " " + i.text).split()) for i in items)
    print(f"{len(queries)} queries (compiled in {compiled_ms:.0f} ms), {len(items):,} items of "
          f"~{words:.0f} words ({sum(i.lang == 'fr' for i in items) / len(items):.0%} French)")
    print("examples: " + " | ".join(texts[n] for n in range(0, len(texts), max(1, len(texts) // 6))))

    cold, found, matched_items = run_monitors(monitors, items)
    evaluated = sum(bool(monitors.candidates(item)) for item in items)
    print(f"\nfirst pass (empty caches): {cold:,.0f} items/s; {found:,} matches, "
          f"{matched_items / len(items):.1%} of items matched something, "
          f"{evaluated / len(items):.1%} had candidate queries to evaluate")

    cases: list[tuple[str, Callable[[], tuple[float, int, int]]]] = [
        ("baseline: substrings of positive terms", lambda: run_substrings(positives, items)),
        ("MonitorSet.match", lambda: run_monitors(monitors, items)),
    ]
    rates: dict[str, list[float]] = {}
    totals: dict[str, tuple[int, int]] = {}
    for _ in range(args.repeat):  # alternate, so drift on a shared machine hits both alike
        for name, fn in cases:
            rate, found, matched_items = fn()
            rates.setdefault(name, []).append(rate)
            totals[name] = (found, matched_items)
    base = max(rates[cases[0][0]])
    print(f"\nitems/s on one core, best of {args.repeat} (runs in brackets)")
    for name, _fn in cases:
        best = max(rates[name])
        found, matched_items = totals[name]
        print(f"  {name:<42} {best:>9,.0f}  × baseline {best / base:5.2f}  "
              f"matches {found:>6,} in {matched_items:>5,} items  ({', '.join(f'{r:,.0f}' for r in rates[name])})")
    best = max(rates["MonitorSet.match"])
    print(f"\ntarget ≥ {TARGET:,} items/s: {'met' if best >= TARGET else 'NOT met'} "
          f"({1e6 / best:.0f} µs an item for {len(queries)} queries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
