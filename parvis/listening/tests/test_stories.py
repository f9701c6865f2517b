"""Stories: the fingerprint and its grouping, and how well they group on two sets of news.

How the settings of stories.py were chosen, and how they are judged. TUNING (below) was
written first, and the fingerprint's settings were chosen on it alone: single words vs
2-word shingles vs 3- and 4-character grams, light plural stripping vs Snowball stems vs
none, the title's weight (1 to 1,000) and the text's decay, the threshold (3 to 12 bits).
Single words, unstemmed, a title ×6, the text decaying over ~10 words and 6 bits kept
every light edit of TUNING within 4 bits and every other story at ≥ 20 bits; shingles and
stems did no better (stems brought the English version of a French story to 8 bits: they
fold "likes" and "like" across languages but also across stories). EVALUATION was written
after that choice, with stories of its own, and never used to tune anything: its scores
are the ones to quote, and its floors were set before it was first run.

How an item of a set was made (its kind): "orig" and "edit" (the same text with an outlet's
suffix, a "MISE À JOUR", a tracking link, a truncated or extended summary) are the
near-duplicates this module exists for; "share" is a post quoting the title with a comment;
"wire" the same dispatch under another outlet's title; "rewrite" the same news written
independently. A story in English is its own group ("…/en"): SimHash compares words, so
grouping across languages is not expected, and such pairs are counted neither way.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from parvis.listening.stories import (
    MASK,
    StoryIndex,
    bands,
    distance,
    fingerprint,
    group,
    words,
)

Variant = tuple[str, str, str]  # (kind, title, text)

TUNING: dict[str, list[Variant]] = {
    "instagram-likes": [
        ("orig", "Instagram teste la suppression des likes en France",
         "Le réseau social va masquer le nombre de « j'aime » sous les publications d'une partie des utilisateurs "
         "français à partir de jeudi. Seul l'auteur d'une photo verra encore combien de personnes l'ont aimée."),
        ("edit", "Instagram teste la suppression des likes en France | Le Monde",
         "Le réseau social va masquer le nombre de « j'aime » sous les publications d'une partie des utilisateurs "
         "français à partir de jeudi. Seul l'auteur d'une photo…"),
        ("rewrite", "Instagram va masquer le nombre de likes, test en France",
         "À partir de jeudi, une partie des utilisateurs français d'Instagram ne verra plus le nombre de « j'aime » "
         "des publications des autres. Le réseau social dit vouloir réduire la pression sociale."),
        ("share", "",
         "Instagram teste la suppression des likes en France 👀 enfin ? https://www.lemonde.fr/pixels/article/2024/"
         "instagram-likes.html?utm_source=twitter&utm_medium=social"),
        ("wire", "Les « j'aime » bientôt invisibles sur Instagram",
         "Le réseau social va masquer le nombre de « j'aime » sous les publications d'une partie des utilisateurs "
         "français à partir de jeudi. Seul l'auteur d'une photo verra encore combien de personnes l'ont aimée, "
         "précise Instagram dans un communiqué."),
    ],
    "instagram-likes/en": [
        ("orig", "Instagram tests hiding like counts in France",
         "Instagram will hide the number of likes on posts for some users in France starting Thursday, the company "
         "said, expanding a test meant to reduce social pressure on the platform."),
        ("edit", "Instagram tests hiding like counts in France - The Verge",
         "Instagram will hide the number of likes on posts for some users in France starting Thursday, the company "
         "said."),
    ],
    "instagram-reels": [
        ("orig", "Instagram lance une nouvelle fonction Reels pour les vidéos de trois minutes",
         "Les Reels pourront désormais durer jusqu'à trois minutes, annonce Instagram, qui veut concurrencer TikTok "
         "sur les vidéos plus longues. La fonction arrive en France cette semaine."),
        ("edit", "MISE À JOUR : Instagram lance une nouvelle fonction Reels pour les vidéos de trois minutes",
         "Les Reels pourront désormais durer jusqu'à trois minutes, annonce Instagram, qui veut concurrencer TikTok "
         "sur les vidéos plus longues. La fonction arrive en France cette semaine, sur Android puis sur iPhone."),
        ("share", "",
         "Les Reels passent à trois minutes sur Instagram, la réponse à TikTok est là #reels #instagram"),
    ],
    "sncf-greve": [
        ("orig", "Grève à la SNCF : trafic très perturbé ce week-end, un TGV sur deux",
         "La SNCF prévoit un TGV sur deux et deux TER sur cinq samedi et dimanche, en raison du préavis de grève "
         "déposé par les contrôleurs. Les voyageurs sont invités à reporter leur déplacement."),
        ("edit", "Grève à la SNCF : trafic très perturbé ce week-end, un TGV sur deux - Ouest-France",
         "La SNCF prévoit un TGV sur deux et deux TER sur cinq samedi et dimanche, en raison du préavis de grève "
         "déposé par les contrôleurs. Plus d'infos : https://www.ouest-france.fr/sncf?xtor=RSS-3208"),
        ("rewrite", "Grève des contrôleurs : un TGV sur deux samedi et dimanche",
         "Le préavis de grève des contrôleurs SNCF va fortement perturber le trafic ce week-end : un TGV sur deux "
         "circulera et deux TER sur cinq, selon les prévisions de la compagnie."),
        ("wire", "Week-end noir dans les gares",
         "La SNCF prévoit un TGV sur deux et deux TER sur cinq samedi et dimanche, en raison du préavis de grève "
         "déposé par les contrôleurs."),
    ],
    "sncf-prix": [
        ("orig", "La SNCF augmente le prix des billets de TGV de 5 % en janvier",
         "Les tarifs des TGV Inoui et Intercités augmenteront en moyenne de 5 % au 1er janvier, a annoncé la SNCF, "
         "qui invoque la hausse du coût de l'énergie. Les cartes de réduction ne changent pas."),
        ("edit", "La SNCF augmente le prix des billets de TGV de 5 % en janvier",
         "Les tarifs des TGV Inoui et Intercités augmenteront en moyenne de 5 % au 1er janvier, a annoncé la SNCF, "
         "qui invoque la hausse du coût de l'énergie."),
    ],
    "orange-panne": [
        ("orig", "Panne géante chez Orange : internet et téléphone coupés dans plusieurs régions",
         "Des milliers de clients d'Orange sont privés d'internet et de téléphone fixe depuis mardi matin en "
         "Bretagne et en Normandie. L'opérateur évoque un incident sur son réseau et promet un retour rapide."),
        ("share", "",
         "Panne géante chez Orange, internet et téléphone coupés depuis ce matin ici en Bretagne, rien ne marche 😡"),
        ("edit", "Panne géante chez Orange : internet et téléphone coupés dans plusieurs régions",
         "Des milliers de clients d'Orange sont privés d'internet et de téléphone fixe depuis mardi matin en "
         "Bretagne et en Normandie. L'opérateur évoque un incident sur son réseau et promet un retour rapide. "
         "MISE À JOUR : le service est rétabli à 14 heures."),
    ],
    "orange-fibre": [
        ("orig", "Orange lance une nouvelle offre fibre à 8 Gbit/s",
         "L'opérateur présente une Livebox plus puissante et une offre fibre à 8 Gbit/s, vendue 50 euros par mois, "
         "pour concurrencer Free et SFR sur le très haut débit."),
        ("rewrite", "Fibre : Orange dégaine une offre à 8 Gbit/s pour 50 euros par mois",
         "Pour répondre à Free et SFR, Orange commercialise une offre fibre à 8 Gbit/s avec une nouvelle Livebox, "
         "à 50 euros par mois."),
    ],
    "canicule-vigilance": [
        ("orig", "Canicule : 14 départements placés en vigilance orange par Météo-France",
         "Météo-France a placé 14 départements du sud-est en vigilance orange canicule à partir de mercredi, avec "
         "des températures attendues jusqu'à 40 degrés dans la vallée du Rhône."),
        ("edit", "Canicule : 14 départements placés en vigilance orange par Météo-France",
         "Météo-France a placé 14 départements du sud-est en vigilance orange canicule à partir de mercredi, avec "
         "des températures attendues jusqu'à 40 degrés…"),
        ("share", "",
         "Canicule : 14 départements en vigilance orange par Météo-France, jusqu'à 40 degrés dans la vallée du "
         "Rhône, pensez à vous hydrater"),
    ],
    "canicule-ecoles": [
        ("orig", "Canicule : des écoles fermées dans le Gard et l'Hérault",
         "Plusieurs communes du Gard et de l'Hérault ferment leurs écoles jeudi et vendredi en raison de la "
         "chaleur, les salles de classe dépassant 35 degrés."),
    ],
    "doctolib-fuite": [
        ("orig", "Doctolib victime d'une fuite de données de 6 000 rendez-vous",
         "Des pirates ont récupéré les données de 6 000 rendez-vous médicaux pris sur Doctolib, a reconnu la "
         "plateforme, qui assure qu'aucune donnée de santé n'a été dérobée."),
        ("edit", "Doctolib victime d'une fuite de données de 6 000 rendez-vous | 20 Minutes",
         "Des pirates ont récupéré les données de 6 000 rendez-vous médicaux pris sur Doctolib, a reconnu la "
         "plateforme, qui assure qu'aucune donnée de santé n'a été dérobée. Les patients concernés ont été "
         "prévenus par courriel."),
        ("rewrite", "Fuite de données chez Doctolib : 6 000 rendez-vous concernés",
         "La plateforme de prise de rendez-vous médicaux Doctolib a été piratée : les données de 6 000 "
         "rendez-vous ont fuité, mais aucune donnée de santé, selon l'entreprise."),
    ],
    "free-panne-mobile": [
        ("orig", "Free Mobile : une panne prive des milliers d'abonnés de réseau",
         "Depuis 8 heures ce lundi, de nombreux abonnés Free Mobile ne peuvent plus passer d'appels ni utiliser les "
         "données mobiles. L'opérateur confirme un incident technique et annonce un retour progressif dans "
         "l'après-midi."),
        ("edit", "Free Mobile : une panne prive des milliers d'abonnés de réseau",
         "Depuis 8 heures ce lundi, de nombreux abonnés Free Mobile ne peuvent plus passer d'appels ni utiliser les "
         "données mobiles. Lire la suite : https://www.numerama.com/tech/free-panne.html?utm_campaign=rss&at_medium=flux"),
        ("share", "",
         "Vous aussi vous n'avez plus de réseau ? Free Mobile : une panne prive des milliers d'abonnés de réseau "
         "https://l.bfmtv.com/xK2"),
    ],
    "free-forfait": [
        ("orig", "Free lance un forfait mobile 5G à 9,99 euros",
         "L'opérateur de Xavier Niel dégaine un forfait 5G de 150 Go à 9,99 euros par mois, sans engagement, pour "
         "séduire les petits budgets face à Sosh et B&You."),
        ("edit", "VIDÉO. Free lance un forfait mobile 5G à 9,99 euros",
         "L'opérateur de Xavier Niel dégaine un forfait 5G de 150 Go à 9,99 euros par mois, sans engagement, pour "
         "séduire les petits budgets face à Sosh et B&You. Notre journaliste l'a testé."),
    ],
    "louvre-tarif": [
        ("orig", "Le Louvre augmente son billet d'entrée à 22 euros",
         "À partir du 15 janvier, l'entrée au musée du Louvre coûtera 22 euros au lieu de 17, afin de financer la "
         "rénovation du bâtiment et l'accueil de près de neuf millions de visiteurs par an."),
        ("edit", "Le Louvre augmente son billet d'entrée à 22 euros",
         "À partir du 15 janvier, l'entrée au musée du Louvre coûtera 22 euros au lieu de 17, afin de financer…"),
        ("share", "", "22 euros le Louvre maintenant 😳 Le Louvre augmente son billet d'entrée à 22 euros"),
    ],
    "louvre-vol": [
        ("orig", "Vol au Louvre : des bijoux de la couronne dérobés en plein jour",
         "Des malfaiteurs ont dérobé dimanche matin plusieurs bijoux de la galerie d'Apollon. Le musée est resté "
         "fermé toute la journée et une enquête a été ouverte."),
        ("edit", "Vol au Louvre : des bijoux de la couronne dérobés en plein jour – France Info",
         "Des malfaiteurs ont dérobé dimanche matin plusieurs bijoux de la galerie d'Apollon. Le musée est resté "
         "fermé toute la journée et une enquête a été ouverte, a indiqué le parquet de Paris."),
    ],
}


# Written after the settings were chosen on TUNING; never used to choose anything.
EVALUATION: dict[str, list[Variant]] = {
    "tiktok-fonctionnaires": [
        ("orig", "TikTok interdit sur les téléphones professionnels des fonctionnaires",
         "Le gouvernement interdit dès vendredi l'installation de TikTok, Instagram et Twitter sur les téléphones "
         "professionnels des 2,5 millions d'agents de l'État, au nom de la cybersécurité."),
        ("edit", "TikTok interdit sur les téléphones professionnels des fonctionnaires | Les Echos",
         "Le gouvernement interdit dès vendredi l'installation de TikTok, Instagram et Twitter sur les téléphones "
         "professionnels des 2,5 millions d'agents de l'État, au nom de la cybersécurité. Les messageries restent "
         "permises."),
        ("share", "", "TikTok interdit sur les téléphones professionnels des fonctionnaires. Il était temps. "
         "https://www.lesechos.fr/tech-medias/tiktok-interdit-1921?xtor=CS1-3046"),
        ("rewrite", "Les agents de l'État n'auront plus le droit d'utiliser TikTok au travail",
         "Par mesure de sécurité, les applications récréatives comme TikTok sont bannies des smartphones fournis "
         "aux fonctionnaires, annonce le ministre de la Transformation publique."),
    ],
    "tiktok-fonctionnaires/en": [
        ("orig", "France bans TikTok from government employees' work phones",
         "France will ban recreational apps such as TikTok, Twitter and Instagram from the work phones of 2.5 "
         "million civil servants, citing cybersecurity concerns."),
    ],
    "tiktok-shop": [
        ("orig", "TikTok Shop arrive en France : la vente en ligne directement dans l'application",
         "Les utilisateurs français de TikTok pourront acheter des produits sans quitter l'application à partir "
         "du 31 mars, avec le lancement de TikTok Shop, déjà présent au Royaume-Uni et en Espagne."),
        ("edit", "MISE À JOUR. TikTok Shop arrive en France : la vente en ligne directement dans l'application",
         "Les utilisateurs français de TikTok pourront acheter des produits sans quitter l'application à partir "
         "du 31 mars, avec le lancement de TikTok Shop…"),
    ],
    "bluesky-utilisateurs": [
        ("orig", "Bluesky dépasse les 20 millions d'utilisateurs",
         "Le réseau social décentralisé a franchi la barre des 20 millions d'inscrits, porté par les départs de "
         "X après l'élection américaine, selon ses propres chiffres publiés mardi."),
        ("edit", "Bluesky dépasse les 20 millions d'utilisateurs - BFMTV",
         "Le réseau social décentralisé a franchi la barre des 20 millions d'inscrits, porté par les départs de X "
         "après l'élection américaine. Lire aussi : https://www.bfmtv.com/tech/bluesky?at_medium=RSS&at_campaign=b"),
        ("share", "", "Bluesky dépasse les 20 millions d'utilisateurs 🦋 on est bien ici"),
        ("wire", "Les déçus de X affluent sur Bluesky",
         "Le réseau social décentralisé Bluesky a franchi la barre des 20 millions d'inscrits, porté par les "
         "départs de X après l'élection américaine, selon ses chiffres publiés mardi."),
    ],
    "x-payant": [
        ("orig", "X va faire payer un dollar par an aux nouveaux comptes",
         "Pour lutter contre les robots, X testera en Nouvelle-Zélande et aux Philippines un abonnement d'un "
         "dollar par an exigé des nouveaux inscrits pour publier et répondre."),
        ("rewrite", "Un dollar pour tweeter : X teste un abonnement obligatoire",
         "Les nouveaux utilisateurs de X aux Philippines et en Nouvelle-Zélande devront payer un dollar par an "
         "pour pouvoir publier, un test destiné à limiter les bots."),
    ],
    "ratp-greve": [
        ("orig", "Grève RATP jeudi : trafic très perturbé sur les lignes de métro et de RER",
         "La RATP prévoit un trafic très perturbé jeudi sur la plupart des lignes de métro et sur les RER A et B, "
         "en raison d'un mouvement social contre la réforme des retraites. Seules les lignes 1 et 14 fonctionneront."),
        ("edit", "Grève RATP jeudi : trafic très perturbé sur les lignes de métro et de RER",
         "La RATP prévoit un trafic très perturbé jeudi sur la plupart des lignes de métro et sur les RER A et B, "
         "en raison d'un mouvement social contre la réforme des retraites. Seules les lignes 1 et 14 fonctionneront "
         "normalement, car automatiques."),
        ("share", "", "Grève RATP jeudi, trafic très perturbé sur les lignes de métro et de RER… télétravail obligé"),
    ],
    "ratp-ticket": [
        ("orig", "Le ticket de métro passe à 2,50 euros au 1er janvier",
         "Île-de-France Mobilités a voté la hausse du ticket t+ de 2,15 à 2,50 euros, et le passe Navigo mensuel "
         "augmentera de 2 euros, pour financer l'extension du réseau."),
        ("edit", "Le ticket de métro passe à 2,50 euros au 1er janvier | Le Parisien",
         "Île-de-France Mobilités a voté la hausse du ticket t+ de 2,15 à 2,50 euros, et le passe Navigo mensuel…"),
    ],
    "tempete-electricite": [
        ("orig", "Tempête Ciarán : 1,2 million de foyers privés d'électricité",
         "Au plus fort de la tempête, jeudi matin, 1,2 million de foyers étaient privés de courant, principalement "
         "en Bretagne et en Normandie, selon Enedis, qui a mobilisé 3 000 techniciens."),
        ("edit", "Tempête Ciarán : 1,2 million de foyers privés d'électricité",
         "Au plus fort de la tempête, jeudi matin, 1,2 million de foyers étaient privés de courant, principalement "
         "en Bretagne et en Normandie, selon Enedis, qui a mobilisé 3000 techniciens. MISE À JOUR à 15 heures : "
         "800 000 foyers restent sans électricité."),
        ("wire", "Un million de foyers dans le noir après le passage de Ciarán",
         "Au plus fort de la tempête, jeudi matin, 1,2 million de foyers étaient privés de courant, principalement "
         "en Bretagne et en Normandie, selon Enedis."),
    ],
    "tempete-trains": [
        ("orig", "Tempête Ciarán : aucun train ne circulera jeudi en Bretagne",
         "La SNCF annule tous les TER et TGV au départ et à destination de la Bretagne jeudi, par précaution, "
         "en raison des rafales attendues jusqu'à 150 km/h sur les côtes."),
        ("share", "", "Aucun train ne circulera jeudi en Bretagne à cause de la tempête Ciarán. Bon courage à tous"),
    ],
    "charal-rappel": [
        ("orig", "Rappel conso : des steaks hachés Charal contaminés à E. coli",
         "Charal rappelle des steaks hachés surgelés vendus dans toute la France chez Leclerc, Carrefour et "
         "Intermarché, en raison d'une possible contamination par la bactérie E. coli."),
        ("edit", "VIDÉO. Rappel conso : des steaks hachés Charal contaminés à E. coli",
         "Charal rappelle des steaks hachés surgelés vendus dans toute la France chez Leclerc, Carrefour et "
         "Intermarché, en raison d'une possible contamination par la bactérie E. coli. Les lots concernés sont "
         "listés sur le site RappelConso."),
        ("share", "", "⚠️ Rappel conso : des steaks hachés Charal contaminés à E. coli, vérifiez vos congélateurs"),
    ],
    "lactalis-rappel": [
        ("orig", "Listeria : Lactalis rappelle des fromages au lait cru",
         "Des camemberts et des coulommiers au lait cru de marque Président sont rappelés après la détection de "
         "listeria dans un lot fabriqué en Normandie."),
    ],
    "carrefour-pepsico": [
        ("orig", "Carrefour retire les produits PepsiCo de ses rayons",
         "Le distributeur ne vend plus les Lay's, 7Up ou Lipton de PepsiCo dans ses magasins en France, en Belgique "
         "et en Italie, jugeant leurs hausses de prix inacceptables."),
        ("edit", "Carrefour retire les produits PepsiCo de ses rayons – France Info",
         "Le distributeur ne vend plus les Lay's, 7Up ou Lipton de PepsiCo dans ses magasins en France, en Belgique "
         "et en Italie, jugeant leurs hausses de prix inacceptables."),
        ("rewrite", "Bras de fer sur les prix : Lay's et Lipton disparaissent des magasins Carrefour",
         "Faute d'accord avec PepsiCo sur ses tarifs, Carrefour a cessé de commander ses marques, dont les chips "
         "Lay's et le thé Lipton, en France, en Belgique et en Italie."),
    ],
    "carrefour-fermetures": [
        ("orig", "Carrefour va céder 20 magasins en location-gérance",
         "Le groupe annonce le passage en location-gérance de vingt hypermarchés et supermarchés déficitaires, une "
         "décision dénoncée par les syndicats."),
        ("share", "", "Carrefour va céder 20 magasins en location-gérance, les salariés inquiets 😟 #carrefour"),
    ],
    "carrefour-fermetures/en": [
        ("orig", "Carrefour to franchise 20 loss-making stores in France",
         "French retailer Carrefour said it would hand 20 loss-making hypermarkets and supermarkets over to "
         "franchisees, a move criticised by unions."),
    ],
    "insee-inflation": [
        ("orig", "Inflation : les prix ont augmenté de 2,3 % sur un an en mars, selon l'Insee",
         "La hausse des prix à la consommation ralentit à 2,3 % sur un an en mars, après 3 % en février, grâce au "
         "recul des prix de l'énergie et de l'alimentation."),
        ("edit", "Inflation : les prix ont augmenté de 2,3 % sur un an en mars, selon l'Insee",
         "La hausse des prix à la consommation ralentit à 2,3 % sur un an en mars, après 3 % en février, grâce au…"),
        ("wire", "L'inflation ralentit nettement en mars",
         "La hausse des prix à la consommation ralentit à 2,3 % sur un an en mars, après 3 % en février, grâce au "
         "recul des prix de l'énergie et de l'alimentation, selon l'Insee."),
    ],
    "livret-a": [
        ("orig", "Le taux du Livret A restera à 3 % jusqu'en janvier 2025",
         "Le ministre de l'Économie a annoncé le gel du taux du Livret A à 3 %, malgré le ralentissement de "
         "l'inflation, pour protéger l'épargne des ménages."),
        ("edit", "Le taux du Livret A restera à 3 % jusqu'en janvier 2025 | Capital",
         "Le ministre de l'Économie a annoncé le gel du taux du Livret A à 3 %, malgré le ralentissement de "
         "l'inflation, pour protéger l'épargne des ménages."),
    ],
    "ariane-6": [
        ("orig", "Ariane 6 réussit son premier vol depuis Kourou",
         "La nouvelle fusée européenne a décollé mardi soir de Guyane et placé en orbite ses premiers satellites, "
         "après quatre ans de retard. Un succès salué par l'Agence spatiale européenne."),
        ("edit", "Ariane 6 réussit son premier vol depuis Kourou",
         "La nouvelle fusée européenne a décollé mardi soir de Guyane et placé en orbite ses premiers satellites, "
         "après quatre ans de retard."),
        ("share", "", "Quelle émotion 🚀 Ariane 6 réussit son premier vol depuis Kourou ! Bravo à toutes les équipes"),
    ],
    "ariane-6/en": [
        ("orig", "Europe's Ariane 6 rocket makes successful first flight",
         "Europe's new Ariane 6 rocket lifted off from French Guiana on Tuesday evening and placed its first "
         "satellites in orbit, four years behind schedule."),
        ("edit", "Europe's Ariane 6 rocket makes successful first flight - Reuters",
         "Europe's new Ariane 6 rocket lifted off from French Guiana on Tuesday evening and placed its first "
         "satellites in orbit."),
    ],
    "psg-ligue-champions": [
        ("orig", "Le PSG remporte la Ligue des champions pour la première fois",
         "Le Paris Saint-Germain a battu l'Inter Milan 5-0 en finale à Munich samedi soir et remporte enfin la "
         "Ligue des champions, un premier sacre européen pour le club."),
        ("edit", "Le PSG remporte la Ligue des champions pour la premiere fois",
         "Le Paris Saint-Germain a battu l'Inter Milan 5-0 en finale à Munich samedi soir et remporte enfin la "
         "Ligue des champions. https://www.lequipe.fr/football/psg?utm_source=newsletter&utm_medium=email"),
        ("share", "", "LE PSG REMPORTE LA LIGUE DES CHAMPIONS POUR LA PREMIÈRE FOIS !!! 🔴🔵"),
    ],
    "psg-mercato": [
        ("orig", "Le PSG prolonge son entraîneur jusqu'en 2027",
         "Le club parisien a annoncé la prolongation du contrat de son entraîneur jusqu'en juin 2027, après une "
         "saison marquée par le doublé coupe-championnat."),
    ],
    "mistral-levee": [
        ("orig", "Mistral AI lève 600 millions d'euros et vaut 6 milliards",
         "La start-up française d'intelligence artificielle boucle une levée de fonds de 600 millions d'euros "
         "auprès de fonds américains et européens, qui la valorise 6 milliards."),
        ("edit", "Mistral AI lève 600 millions d'euros et vaut 6 milliards | Le Figaro",
         "La start-up française d'intelligence artificielle boucle une levée de fonds de 600 millions d'euros "
         "auprès de fonds américains et européens, qui la valorise…"),
        ("rewrite", "Intelligence artificielle : la pépite française Mistral valorisée 6 milliards d'euros",
         "Nouvelle levée de fonds géante pour Mistral AI : 600 millions d'euros apportés notamment par des "
         "investisseurs américains, trois mois seulement après le précédent tour."),
    ],
    "mistral-chat": [
        ("orig", "Mistral AI lance Le Chat Pro, un abonnement à 15 euros",
         "L'assistant conversationnel de Mistral AI passe à la version payante : Le Chat Pro donne accès à plus de "
         "messages et aux modèles les plus puissants pour 14,99 euros par mois."),
        ("share", "", "Mistral AI lance Le Chat Pro à 15 euros par mois, je teste ce soir et je vous dis"),
    ],
    "bac-resultats": [
        ("orig", "Bac 2025 : les résultats seront publiés le 4 juillet à 10 heures",
         "Les candidats au baccalauréat découvriront leurs résultats le vendredi 4 juillet à partir de 10 heures, "
         "sur le site de leur académie et dans les lycées. Les oraux de rattrapage suivront."),
        ("edit", "Bac 2025 : les résultats seront publiés le 4 juillet à 10 heures",
         "Les candidats au baccalauréat découvriront leurs résultats le vendredi 4 juillet à partir de 10 heures, "
         "sur le site de leur académie et dans les lycées. Les oraux de rattrapage suivront du 5 au 8 juillet."),
        ("share", "", "Bac 2025 : les résultats seront publiés le 4 juillet à 10 heures. Courage aux candidats ! 🍀"),
    ],
    "parcoursup": [
        ("orig", "Parcoursup : la phase principale d'admission commence ce jeudi",
         "Les 950 000 lycéens et étudiants inscrits sur Parcoursup recevront leurs premières réponses jeudi à 19 "
         "heures et auront quelques jours pour accepter ou refuser les propositions."),
        ("rewrite", "Parcoursup : premières réponses jeudi soir pour 950 000 candidats",
         "C'est le jour J pour les candidats de Parcoursup : les premières propositions d'admission tombent jeudi "
         "à 19 heures, et il faudra répondre dans les délais."),
    ],
    "eurovision": [
        ("orig", "Eurovision : la France termine quatrième avec Slimane",
         "Le chanteur Slimane a pris la quatrième place de la finale de l'Eurovision samedi à Malmö, le meilleur "
         "résultat français depuis 2021. La Suisse remporte le concours."),
        ("edit", "Eurovision : la France termine quatrième avec Slimane - 20 Minutes",
         "Le chanteur Slimane a pris la quatrième place de la finale de l'Eurovision samedi à Malmö, le meilleur "
         "résultat français depuis 2021."),
    ],
    "eurovision-vainqueur": [
        ("orig", "Eurovision : la Suisse gagne avec Nemo, premier artiste non binaire vainqueur",
         "Nemo a remporté l'Eurovision pour la Suisse avec The Code, une chanson sur son identité non binaire, "
         "devant la Croatie et l'Ukraine."),
    ],
    "sanofi-doliprane": [
        ("orig", "Doliprane : Sanofi cède le contrôle d'Opella à un fonds américain",
         "Sanofi a choisi le fonds américain CD&R pour reprendre 50 % d'Opella, sa filiale de santé grand public "
         "qui fabrique le Doliprane, malgré l'inquiétude des salariés et des élus."),
        ("edit", "Doliprane : Sanofi cède le contrôle d'Opella à un fonds américain",
         "Sanofi a choisi le fonds américain CD&R pour reprendre 50 % d'Opella, sa filiale de santé grand public qui "
         "fabrique le Doliprane. https://www.liberation.fr/economie/doliprane?utm_source=twitter&utm_medium=social"),
        ("share", "", "Doliprane : Sanofi cède le contrôle d'Opella à un fonds américain. La souveraineté sanitaire, "
         "on en reparle ?"),
    ],
    "amoxicilline": [
        ("orig", "Pénurie d'amoxicilline : les pharmacies autorisées à préparer l'antibiotique",
         "Face aux ruptures de stock, les pharmaciens pourront fabriquer eux-mêmes des doses d'amoxicilline pour "
         "les enfants, annonce l'Agence du médicament."),
    ],
}


@dataclass
class Scores:
    precision: float
    recall: float  # of every same-story, same-language pair
    near_duplicates: float  # recall of the pairs of "orig" and "edit" items alone
    by_kind: dict[str, tuple[int, int]]  # kind of a pair (its less alike item) -> (grouped, pairs)
    cross_language: tuple[int, int]  # pairs of one story in two languages: (grouped, pairs), not scored


KINDS = ["orig", "edit", "share", "wire", "rewrite"]  # from most to least alike


def score(stories: dict[str, list[Variant]]) -> Scores:
    """Pair precision and recall of `group` over a set, its items arriving interleaved
    (one story's variants are not next to each other), five minutes apart."""
    items = [(name, n, kind, title, text) for name, variants in stories.items()
             for n, (kind, title, text) in enumerate(variants)]
    items.sort(key=lambda item: (item[1], item[0]))
    start = datetime(2025, 3, 3, 8, tzinfo=UTC)
    found = group([((name, n), fingerprint(title, text), start + timedelta(minutes=5 * i))
                   for i, (name, n, _kind, title, text) in enumerate(items)])
    tally: dict[str, list[int]] = {kind: [0, 0] for kind in KINDS[1:]}
    true_positive = predicted = 0
    cross = [0, 0]
    for a, b in itertools.combinations(items, 2):
        together = found[(a[0], a[1])] == found[(b[0], b[1])]
        if a[0] != b[0] and a[0].split("/")[0] == b[0].split("/")[0]:
            cross[0] += together
            cross[1] += 1
            continue
        predicted += together
        if a[0] == b[0]:
            kind = max(a[2], b[2], "edit", key=KINDS.index)
            tally[kind][0] += together
            tally[kind][1] += 1
            true_positive += together
    positives = sum(pairs for _grouped, pairs in tally.values())
    return Scores(
        precision=true_positive / predicted if predicted else 1.0,
        recall=true_positive / positives,
        near_duplicates=tally["edit"][0] / tally["edit"][1],
        by_kind={kind: (grouped, pairs) for kind, (grouped, pairs) in tally.items()},
        cross_language=(cross[0], cross[1]),
    )


def test_scores_on_the_tuning_set():
    # What the settings were chosen for; shown to compare with the evaluation, not quoted.
    scores = score(TUNING)
    assert scores.precision == 1.0, scores
    assert scores.near_duplicates == 1.0, scores


def test_scores_on_the_evaluation_set():
    # Floors set before this set was first run: no story merged with another (precision
    # ≥ 0.95) and the near-duplicates found (≥ 0.8). Measured at its first run: precision
    # 1.0; recall 1.0 of near-duplicates (17 pairs), 10 of 19 shares, 0 of 7 wire copies,
    # 0 of 9 rewrites, 0.52 of all pairs; 0 of 12 cross-language pairs. Edits were within
    # 4 bits, other stories at 16 bits or more. (TUNING: precision 1.0, near-duplicates
    # 12 of 12, shares 2 of 12, all pairs 0.36.)
    scores = score(EVALUATION)
    assert scores.precision >= 0.95, scores
    assert scores.near_duplicates >= 0.8, scores
    # A regression guard set after that first run (measured 0.52: shares half found,
    # wire copies under another title and independent rewrites not at all, by design).
    assert scores.recall >= 0.45, scores
    assert scores.cross_language == (0, 12), scores


# The fingerprint


def test_the_fingerprint_is_stable_across_processes_and_fits_a_signed_64_bit_column():
    # Fingerprints are stored: a change of this value (stop words, weights, hash) makes
    # the stored ones incomparable with the new ones, so it must be deliberate.
    value = fingerprint("Instagram teste la suppression des likes en France",
                        "Le réseau social va masquer le nombre de « j’aime ».")
    assert value == 8218337512886548862
    assert -(2**63) <= value < 2**63


def test_words_are_folded_without_links_punctuation_or_stop_words():
    assert words("MISE À JOUR : Les ÉLÈVES de l’école, voir https://t.co/x?utm_source=bsky !") == [
        "eleves", "ecole", "voir"]
    assert words("The kids are back at school & it's 2025") == ["kids", "back", "school", "2025"]


@pytest.mark.parametrize("title", [
    "Grève à la SNCF ce week-end | Le Monde",
    "Grève à la SNCF ce week-end - Ouest-France",
    "Grève à la SNCF ce week-end – 20 Minutes",
    "MISE À JOUR : Grève à la SNCF ce week-end",
    "VIDÉO. Grève à la SNCF ce week-end",
])
def test_an_outlets_name_or_label_around_a_title_is_left_out(title):
    assert fingerprint(title, "Un TGV sur deux.") == fingerprint("Grève à la SNCF ce week-end", "Un TGV sur deux.")


def test_what_follows_a_dash_stays_when_it_is_not_a_name():
    assert fingerprint("Orange annonce une panne - un réseau coupé", "") != fingerprint("Orange annonce une panne", "")


def test_the_title_weighs_more_than_the_text():
    text_a = "Le réseau social va masquer le nombre de « j’aime » sous les publications des utilisateurs français."
    text_b = "Les tarifs des TGV augmenteront de 5 % au 1er janvier, a annoncé la SNCF, qui invoque le coût."
    title_a, title_b = "Instagram teste la suppression des likes", "La SNCF augmente le prix des billets"
    same_title = distance(fingerprint(title_a, text_a), fingerprint(title_a, text_b))
    same_text = distance(fingerprint(title_a, text_a), fingerprint(title_b, text_a))
    assert same_title < same_text


def test_texts_without_words_are_told_apart_and_an_empty_one_is_zero():
    assert fingerprint("", "") == 0
    assert fingerprint("", "🎉🎉🎉") == fingerprint("", "🎉🎉🎉") != fingerprint("", "😡")


def test_distance_counts_the_64_bits_of_signed_values():
    assert distance(-1, 0) == 64
    assert distance(-(2**63), 0) == 1
    assert distance(2**63 - 1, -(2**63)) == 64
    assert distance(12345, 12345) == 0


# The index


@pytest.mark.parametrize("max_distance", [0, 3, 6, 8, 15])
def test_bands_cover_the_64_bits_once(max_distance):
    slices = bands(max_distance)
    assert len(slices) == max_distance + 1
    covered = [mask << shift for shift, mask in slices]
    assert sum(covered) == MASK and all(a & b == 0 for a, b in itertools.combinations(covered, 2))


def naive(items: list[tuple[int, int, datetime]], max_distance: int, window: timedelta) -> dict[int, int]:
    """The reference: every new fingerprint against every earlier one of the window."""
    out: dict[int, int] = {}
    for n, (key, value, at) in enumerate(items):
        best, story = max_distance + 1, key
        for other_key, other_value, other_at in items[:n]:
            found = distance(value, other_value)
            if at - window <= other_at and found <= min(best, max_distance):  # between equals, the latest
                best, story = found, out[other_key]
        out[key] = story
    return out


@pytest.mark.parametrize("max_distance", [3, 6])
def test_the_index_finds_what_comparing_with_everything_finds(max_distance):
    rng = random.Random(max_distance)
    start = datetime(2025, 3, 3, tzinfo=UTC)
    items: list[tuple[int, int, datetime]] = []
    for key in range(3000):
        if items and rng.random() < 0.5:  # a near copy of an earlier one, 0 to max + 2 bits away
            value = rng.choice(items)[1]
            for bit in rng.sample(range(64), rng.randint(0, max_distance + 2)):
                value ^= 1 << bit
        else:
            value = rng.getrandbits(64)
        items.append((key, value - 2**63, start + timedelta(minutes=3 * key)))
    window = timedelta(days=2)  # 3,000 items over 6 days: some neighbours have expired
    index: StoryIndex[int] = StoryIndex(max_distance=max_distance, window=window)
    assert {key: index.add(key, value, at) for key, value, at in items} == naive(items, max_distance, window)
    assert len(index) == 961  # the last two days, 3 minutes apart, and the first of them


def test_an_item_joins_the_nearest_story_and_expires_after_the_window():
    start = datetime(2025, 3, 3, tzinfo=UTC)
    index: StoryIndex[str] = StoryIndex(max_distance=6, window=timedelta(days=3))
    assert index.add("far", 0b11111, start) == "far"
    assert index.add("near", 0b11 << 40, start) == "near"
    assert index.add("new", 0, start + timedelta(hours=1)) == "near"  # 2 bits, not 5
    assert index.add("late", 0b11 << 40, start + timedelta(days=3, hours=2)) == "late"  # all expired
    assert len(index) == 1


def test_group_takes_items_in_time_order_whatever_their_order_in_the_list():
    start = datetime(2025, 3, 3, tzinfo=UTC)
    items = [("second", 1, start + timedelta(minutes=5)), ("first", 0, start), ("other", -1, start)]
    assert group(items) == {"first": "first", "second": "first", "other": "other"}
