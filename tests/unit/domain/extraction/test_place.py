"""Where the youth lives, read from a mail: the postal code, the commune and the département
found, each with its evidence (the words, as written), its confidence and where it was read.
Exact values: a confidence moved across ACCEPT changes the routing. Pure: no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.extraction import extract_request
from chalicelib.domain.extraction.departements import departement_after, departement_mentions
from chalicelib.domain.extraction.reading import _fold, _Part


def _read(own: str = "", subject: str = "", signature: str = ""):
    x = extract_request(subject, own, "", signature, today=date(2026, 11, 16))
    shown = lambda f: None if f is None else (f.value, f.evidence, f.confidence, f.source)  # noqa: E731
    return shown(x.postal_code), shown(x.city), shown(x.departement)


PLACES = [
    # A code next to a name: the name's words, nearest first.
    (
        "Il habite 59100 Roubaix Cedex.",
        "",
        "",
        ("59100", "59100 Roubaix", 0.9, "body"),
        ("Roubaix", "59100 Roubaix", 0.9, "body"),
        None,
    ),
    (
        "Adresse : 59100 Roubaix France",
        "",
        "",
        ("59100", "59100 Roubaix", 0.9, "body"),
        ("Roubaix", "59100 Roubaix", 0.9, "body"),
        None,
    ),
    (
        "Il habite à Dijon (21000).",
        "",
        "",
        ("21000", "Dijon (21000)", 0.9, "body"),
        ("Dijon", "Dijon (21000)", 0.9, "body"),
        None,
    ),
    (
        "Il est à Roubaix, 59100.",
        "",
        "",
        ("59100", "Roubaix, 59100", 0.85, "body"),
        ("Roubaix", "Roubaix, 59100", 0.85, "body"),
        None,
    ),
    # A code in the subject: 0.8, whatever the words around it.
    (
        "",
        "Demande pour un jeune 59100",
        "",
        ("59100", "59100", 0.8, "subject"),
        ("Roubaix", "59100", 0.8, "subject"),
        None,
    ),
    ("", "Il habite 59100", "", ("59100", "59100", 0.8, "subject"), ("Roubaix", "59100", 0.8, "subject"), None),
    # Where the body says the youth lives comes before a code in the subject.
    (
        "Il habite à Tourcoing.",
        "Demande 59100",
        "",
        ("59200", "Tourcoing", 0.7, "body"),
        ("Tourcoing", "Tourcoing", 0.7, "body"),
        None,
    ),
    # Numbers that are not postal codes.
    ("Dossier n° 59100 à traiter.", "", "", None, None, None),
    ("Il paie 59100 euros.", "", "", None, None, None),
    ("SIRET : 59100 123 45678", "", "", None, None, None),
    # The sender's address: sure only from a local structure.
    (
        "",
        "",
        "Collège Jean Macé\n12 rue des Écoles\n59100 Roubaix",
        ("59100", "59100 Roubaix", 0.6, "signature"),
        ("Roubaix", "59100 Roubaix", 0.6, "signature"),
        None,
    ),
    (
        "",
        "",
        "Association Les Amis\n12 rue des Écoles\n59100 Roubaix",
        ("59100", "59100 Roubaix", 0.45, "signature"),
        ("Roubaix", "59100 Roubaix", 0.45, "signature"),
        None,
    ),
    (
        "",
        "",
        "Mairie de Roubaix\n59100 Roubaix\nantenne 59200 Tourcoing",
        ("59100", "59100 Roubaix", 0.45, "signature"),
        ("Roubaix", "59100 Roubaix", 0.45, "signature"),
        None,
    ),
    # Communes named without a code.
    ("Il habite au Mans.", "", "", ("72000", "Mans", 0.7, "body"), ("Le Mans", "Mans", 0.7, "body"), None),
    ("Il va au Havre demain.", "", "", ("76600", "Havre", 0.5, "body"), ("Le Havre", "Havre", 0.5, "body"), None),
    ("Il a Roubaix en tête.", "", "", None, None, None),  # "a" is "has"
    ("Il a Tourcoing comme ville préférée.", "", "", None, None, None),
    ("Il est à Roubaix.", "", "", ("59100", "Roubaix", 0.5, "body"), ("Roubaix", "Roubaix", 0.5, "body"), None),
    (
        "Il est scolarisé à Roubaix.",
        "",
        "",
        ("59100", "Roubaix", 0.6, "body"),
        ("Roubaix", "Roubaix", 0.6, "body"),
        None,
    ),
    (
        "Il vit avec sa mère. Il est à Roubaix.",
        "",
        "",
        ("59100", "Roubaix", 0.5, "body"),
        ("Roubaix", "Roubaix", 0.5, "body"),
        None,
    ),
    (
        "Il est à Roubaix. Il vit là.",
        "",
        "",
        ("59100", "Roubaix", 0.5, "body"),
        ("Roubaix", "Roubaix", 0.5, "body"),
        None,
    ),
    (
        "Il est à Roubaix (vit là).",
        "",
        "",
        ("59100", "Roubaix", 0.6, "body"),
        ("Roubaix", "Roubaix", 0.6, "body"),
        None,
    ),
    (
        "Il vit avec sa mère à Roubaix.",
        "",
        "",
        ("59100", "Roubaix", 0.7, "body"),
        ("Roubaix", "Roubaix", 0.7, "body"),
        None,
    ),
    # Arrondissements: only those that exist.
    ("Il habite à Paris 19e.", "", "", ("75019", "Paris 19e", 0.7, "body"), ("Paris", "Paris 19e", 0.7, "body"), None),
    ("Il habite à Paris 25e.", "", "", ("75001", "Paris", 0.7, "body"), ("Paris", "Paris", 0.7, "body"), None),
    ("Il habite à Lyon 12e.", "", "", ("69001", "Lyon", 0.7, "body"), ("Lyon", "Lyon", 0.7, "body"), None),
    # Homonyms: a hint, unless a département settles it.
    ("Il vit à Saint-Denis.", "", "", None, ("Saint-Denis", "Saint-Denis", 0.4, "body"), None),
    (
        "Il vit à Saint-Denis. La famille habite en Seine-Saint-Denis.",
        "",
        "",
        ("93200", "Saint-Denis", 0.7, "body"),
        ("Saint-Denis", "Saint-Denis", 0.7, "body"),
        None,
    ),
    (
        "Le collège de Saint-Denis nous écrit. Il est en Seine-Saint-Denis.",
        "",
        "",
        ("93200", "Saint-Denis", 0.7, "body"),
        ("Saint-Denis", "Saint-Denis", 0.7, "body"),
        None,
    ),
    # Two places: the first said, as a hint.
    (
        "Il est souvent à Roubaix et à Tourcoing.",
        "",
        "",
        ("59100", "Roubaix", 0.45, "body"),
        ("Roubaix", "Roubaix", 0.45, "body"),
        None,
    ),
    (
        "Il habite à Tourcoing, 59100 Roubaix.",
        "",
        "",
        ("59200", "Tourcoing", 0.45, "body"),
        ("Tourcoing", "Tourcoing", 0.45, "body"),
        None,
    ),
    (
        "Il habite à Roubaix. La famille vit dans le 93.",
        "",
        "",
        ("59100", "Roubaix", 0.45, "body"),
        ("Roubaix", "Roubaix", 0.45, "body"),
        None,
    ),
    # The commune named within the département said.
    (
        "Il habite dans le 93. Il est au collège de Bobigny.",
        "",
        "",
        ("93000", "Bobigny", 0.6, "body"),
        ("Bobigny", "Bobigny", 0.6, "body"),
        None,
    ),
    # The sender's address when the text names no sure place; a hint beside the text's.
    (
        "Il est à Roubaix.",
        "",
        "Collège Jean Macé\n59200 Tourcoing",
        ("59200", "59200 Tourcoing", 0.6, "signature"),
        ("Tourcoing", "59200 Tourcoing", 0.6, "signature"),
        None,
    ),
    (
        "Il est à Roubaix.",
        "",
        "Association X\n59200 Tourcoing",
        ("59100", "Roubaix", 0.45, "body"),
        ("Roubaix", "Roubaix", 0.45, "body"),
        None,
    ),
    ("Il habite dans le 93.", "", "Collège Jean Macé\n59200 Tourcoing", None, None, ("93", "93", 0.85, "body")),
    (
        "Il habite 59100 Roubaix.",
        "Demande 59200",
        "",
        ("59100", "59100 Roubaix", 0.9, "body"),
        ("Roubaix", "59100 Roubaix", 0.9, "body"),
        None,
    ),
    ("Le lycée du Nord et la mission locale de la Manche.", "", "", None, None, ("59", "Nord", 0.45, "body")),
    ("Il habite en Seine-Saint-Denis et dans le 59.", "", "", None, None, ("93", "Seine-Saint-Denis", 0.45, "body")),
    # A département only.
    ("Il est en Seine-Saint-Denis.", "", "", None, None, ("93", "Seine-Saint-Denis", 0.75, "body")),
    ("Il est au lycée du Nord.", "", "", None, None, ("59", "Nord", 0.55, "body")),
    ("Il habite dans le 93 et le lycée est dans le 59.", "", "", None, None, ("93", "93", 0.45, "body")),
]


@pytest.mark.parametrize(
    "own, subject, signature, code, city, departement", [pytest.param(*p, id=p[0] or p[1] or p[2]) for p in PLACES]
)
def test_place_read_from_a_mail(own, subject, signature, code, city, departement):
    assert _read(own, subject, signature) == (code, city, departement)


def _part(text: str, name: str = "own") -> _Part:
    return _Part(name, text, _fold(text))


DEPARTEMENTS = [
    # (text, [(code, confidence, evidence, residence)])
    ("Elle est au lycée du Nord.", [("59", 0.55, "Nord", False)]),
    ("Il est suivi par la mission locale de la Manche.", [("50", 0.55, "Manche", False)]),
    ("mission locale DE LA Manche", [("50", 0.55, "Manche", False)]),
    ("Le lycée des Landes", [("40", 0.55, "Landes", False)]),
    ("Un jeune de l'Aisne", [("02", 0.55, "Aisne", False)]),
    ("Un jeune de l\u2019Essonne", [("91", 0.55, "Essonne", False)]),
    ("Du Nord", [("59", 0.55, "Nord", False)]),
    ("La famille habite de la Manche", [("50", 0.85, "Manche", True)]),
    ("famille du Nord", [("59", 0.85, "Nord", True)]),
    ("Elle vit dans le Nord", [("59", 0.85, "Nord", True)]),
    ("Elle vit en Seine-Saint-Denis.", [("93", 0.85, "Seine-Saint-Denis", True)]),
    ("Il est en Gironde", [("33", 0.75, "Gironde", False)]),
    ("département du Nord", [("59", 0.75, "Nord", False)]),
    ("à la Réunion", [("974", 0.75, "Réunion", False)]),
    ("à Mayotte", [("976", 0.75, "Mayotte", False)]),
    ("à Nord", []),
    ("Il habite dans le 93.", [("93", 0.85, "93", True)]),
    ("Il est dans le 93.", [("93", 0.75, "93", False)]),
    ("Bonjour. La famille habite ici. Il est dans le 93.", [("93", 0.75, "93", False)]),  # another sentence's
    ("Il habite à Bobigny (93).", [("93", 0.85, "(93)", True)]),
    ("Le collège Jean Moulin (93) nous écrit", [("93", 0.75, "(93)", False)]),
    ("Saint-Denis(974)", [("974", 0.75, "(974)", False)]),
    ("Saint-Denis (974 )", [("974", 0.75, "(974", False)]),
    ("département 2A", [("2A", 0.75, "2A", False)]),
    ("Il est du 15 au 20 mars", []),
    ("dans le 13 rue", []),
]


@pytest.mark.parametrize("text, expected", [pytest.param(*d, id=d[0]) for d in DEPARTEMENTS])
def test_departement_mentions(text, expected):
    part = _part(text)
    found = [(d.hit.value, d.hit.confidence, d.hit.evidence, d.residence) for d in departement_mentions(part)]
    assert found == expected
    for d in departement_mentions(part):
        assert d.hit.part is part
        assert part.text[d.hit.start : d.hit.end] == d.hit.evidence


def test_a_signature_names_no_departement():
    assert departement_mentions(_part("Mission locale de la Manche, dans le 50", "signature")) == []


@pytest.mark.parametrize(
    "text, end, expected",
    [
        ("Saint-Denis (93)", 11, "93"),
        ("Saint-Denis 974", 11, "974"),
        ("Saint-Denis 2a", 11, "2A"),
        ("Saint-Denis, 93", 11, "93"),
        ("Saint-Denis (99)", 11, None),
        ("Valence (Drôme)", 7, "26"),
        ("Valence, Drôme)", 7, "26"),
        ("Valence - Drome)", 7, "26"),
        ("Valence (Ardèche)", 7, "07"),
        ("Valence (Bretagne)", 7, None),
        ("Valence 26 000", 7, None),
        ("Valence 2600", 7, None),
        ("Valence", 7, None),
    ],
)
def test_the_departement_written_after_a_commune(text, end, expected):
    assert departement_after(_part(text), end) == expected


NUMBERS = [
    # The forms people use for a département's number.
    ("Il est du 62.", "62"),
    ("département 62", "62"),
    ("dept. 62", "62"),
    ("dpt 62", "62"),
    ("département : 62", "62"),
    ("Dpt: 62", "62"),
    ("département du 62", "62"),
    ("département n° 62", "62"),
    ("département no 62", "62"),
    ("dans le 62 ", "62"),
    ("dans le 2A", "2A"),
    ("dans le 2b", "2B"),
    ("dans le 971", "971"),
    ("le 62", None),
    ("dans le 20", None),
    ("dans le 975", None),
    ("dans le 96", None),
    # A date, an age, an amount, a time, an address: not a département.
    ("dans le 13 ans", None),
    ("dans le 13 a", None),
    ("du 13 au 15", None),
    ("dans le 13 er", None),
    ("dans le 13 %", None),
    ("dans le 13 euros", None),
    ("dans le 13 €", None),
    ("dans le 13 h", None),
    ("dans le 13 heures", None),
    ("dans le 13 km", None),
    ("dans le 13 mois", None),
    ("dans le 13 jours", None),
    ("dans le 13 semaines", None),
    ("dans le 13/", None),
    ("dans le 13-", None),
    ("dans le 13.5", None),
    ("dans le 13,5", None),
    ("dans le 13 et 14", None),
    ("dans le 13 rue", None),
    ("dans le 13 avenue", None),
    ("dans le 13 bd", None),
    ("dans le 13 janvier", None),
    ("dans le 13 juin", None),
    ("dans le 13 août", None),
    ("dans le 13 décembre", None),
    # Words that only begin like those: the département stands (bug fixed: "avec" read as "a").
    ("Il habite dans le 93 avec sa mère.", "93"),
    ("Il habite dans le 93 actuellement.", "93"),
    ("Il habite dans le 93 mais étudie ailleurs.", "93"),
    ("Il est dans le 93 aujourd'hui.", "93"),
    ("Il est dans le 93 entre deux foyers.", "93"),
    ("Il est du 59 heureusement.", "59"),
    ("Il est dans le 93, avec sa mère.", "93"),
]


@pytest.mark.parametrize("text, code", [pytest.param(*n, id=n[0]) for n in NUMBERS])
def test_a_departement_number(text, code):
    assert [d.hit.value for d in departement_mentions(_part(text))] == ([code] if code else [])


@pytest.mark.parametrize(
    "text",
    [
        "Il vit dans le 62",
        "Ils vivent dans le 62",
        "Il réside dans le 62",
        "résidant dans le 62",
        "domiciliée dans le 62",
        "demeurant dans le 62",
        "logé dans le 62",
        "hébergés dans le 62",
        "installée dans le 62",
        "placé dans le 62",
        "accueillie dans le 62",
        "adresse dans le 62",
        "domicile dans le 62",
        "habitent dans le 62",
        "famille dans le 62",
    ],
)
def test_where_the_youth_lives_is_said_more_surely(text):
    assert [(d.hit.value, d.hit.confidence, d.residence) for d in departement_mentions(_part(text))] == [
        ("62", 0.85, True)
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("en Corse-du-Sud", ("2A", "Corse-du-Sud")),
        ("en Charente-Maritime", ("17", "Charente-Maritime")),
        ("en Charente", ("16", "Charente")),
        ("dans la Manche", ("50", "Manche")),
        ("dans les Landes", ("40", "Landes")),
        ("dans l'Aisne", ("02", "Aisne")),
        ("en Guadeloupe", ("971", "Guadeloupe")),
        ("à la Martinique", ("972", "Martinique")),
        ("à Guyane", ("973", "Guyane")),
        ("Lens (Pas-de-Calais)", ("62", "Pas-de-Calais")),
        ("(Nord)", ("59", "Nord")),
        ("Il étudie dans le 62", ("62", "62")),
        ("en nord", None),
        ("à la Manche", None),
    ],
)
def test_a_departement_named(text, expected):
    found = [(d.hit.value, d.hit.evidence, d.hit.confidence) for d in departement_mentions(_part(text))]
    assert found == ([(*expected, 0.75)] if expected else [])


def test_a_youth_living_in_a_departement_with_a_parent_keeps_it():
    """Bug: "dans le 93 avec sa mère" lost the 93 ("avec" was read as "a", a number's "à")."""
    assert _read("Il habite dans le 93 avec sa mère.") == (None, None, ("93", "93", 0.85, "body"))


# -- Which numbers are postal codes and which words name the youth's commune, word by word: each
# entry of the reading's lists, with the exact place and confidence it gives. Pure: no I/O.


def _place(own: str):
    x = extract_request("", own, today=date(2026, 11, 16))
    shown = lambda f: None if f is None else (f.value, f.evidence, f.confidence)  # noqa: E731
    return shown(x.postal_code), shown(x.city)


TOURCOING_CODE = (("59200", "59200", 0.85), ("Tourcoing", "59200", 0.85))


@pytest.mark.parametrize(
    "word",
    [
        "n°",
        "no",
        "num",
        "numéro",
        "ref",
        "référence",
        "dossier",
        "siret",
        "siren",
        "tel",
        "téléphone",
        "fax",
        "uai",
        "rne",
        "matricule",
        "id",
        "identifiant",
        "compte",
        "facture",
        "commande",
        "ticket",
        "badge",
        "allocataire",
        "caf",
        "sécu",
        "sécurité sociale",
        "bp",
        "cs",
        "iban",
        "rib",
        "dossier :",
        "ref.",
        "n° #",
    ],
)
def test_a_number_after_a_reference_word_is_no_postal_code(word):
    assert _place(f"Son {word} 59200 est là.") == (None, None)


@pytest.mark.parametrize("word", ["code", "ville"])
def test_a_number_after_other_words_is_a_postal_code(word):
    assert _place(f"Son {word} 59200 est là.") == TOURCOING_CODE


@pytest.mark.parametrize("word", ["€", "euros", "euro", "eur", "ans", "km", "m2", "habitants", "élèves", "personnes"])
def test_an_amount_or_a_count_is_no_postal_code(word):
    """ "59200 €" was read as Tourcoing's postal code (bug fixed: "€" then a space never matched)."""
    assert _place(f"Il y a 59200 {word} ici.") == (None, None)


def test_a_number_before_another_word_is_a_postal_code():
    assert _place("Il y a 59200 heures ici.") == TOURCOING_CODE


@pytest.mark.parametrize(
    "text",
    [
        "Écrire à lea59200@mail.fr",
        "Voir https://ex.fr/59200 ici",
        "Voir www.ex.fr/59200",
        "Tel +33 (0)5 59 20 00 00",
        "Tel 05 59 20 01 23",
        "SIRET 123 456 789 59200",
        "Code 592001 ici",
        "Code 59200-1",
        "#59200",
        "Il habite 59 100 roubaix.",
    ],
)
def test_digits_in_addresses_numbers_and_links_are_no_postal_code(text):
    assert _place(text) == (None, None)


def test_a_code_written_in_two_groups_before_a_commune():
    assert _place("Il habite 59 100 Roubaix.") == (("59100", "59 100 Roubaix", 0.9), ("Roubaix", "59 100 Roubaix", 0.9))


TOURCOING_SAID = (("59200", "Tourcoing", 0.7), ("Tourcoing", "Tourcoing", 0.7))


@pytest.mark.parametrize(
    "verb",
    [
        "habite",
        "habitent",
        "vit",
        "vivent",
        "réside",
        "résident",
        "résidant",
        "domicilié",
        "domiciliée",
        "domiciliés",
        "demeurant",
        "logé",
        "logée",
        "hébergé",
        "hébergée",
        "installé",
        "installées",
        "déménagé",
        "déménagée",
    ],
)
def test_where_the_youth_lives_without_a_preposition(verb):
    assert _place(f"Il {verb} Tourcoing.") == TOURCOING_SAID


@pytest.mark.parametrize(
    "words",
    [
        "à",
        "au",
        "aux",
        "sur",
        "dans",
        "vers",
        "près de",
        "à côté de",
        "sur la commune de",
        "dans la commune de",
        "dans la ville de",
        "la commune de",
        "la ville de",
        "actuellement à",
        "maintenant à",
        "aujourd'hui à",
        "désormais à",
    ],
)
def test_where_the_youth_lives_after_a_preposition(words):
    assert _place(f"Il habite {words} Tourcoing.") == TOURCOING_SAID


@pytest.mark.parametrize(
    "text, expected",
    [
        ("la commune de Tourcoing", TOURCOING_SAID),
        ("la ville de Tourcoing", TOURCOING_SAID),
        ("la ville d'Arras", (("62000", "Arras", 0.7), ("Arras", "Arras", 0.7))),
        ("le CCAS de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("la mairie de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("le collège Jean Macé de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("l'école de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("le lycée professionnel de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("le lycée des métiers de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("le lycée polyvalent de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("le groupe scolaire de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("le centre social de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("à l'École de Tourcoing", (("59200", "Tourcoing", 0.6), ("Tourcoing", "Tourcoing", 0.6))),
        ("Il est à Tourcoing.", (("59200", "Tourcoing", 0.5), ("Tourcoing", "Tourcoing", 0.5))),
        ("aux Mureaux", (("78130", "Mureaux", 0.5), ("Les Mureaux", "Mureaux", 0.5))),
        ("Il est à Valence.", (("26000", "Valence", 0.5), ("Valence", "Valence", 0.5))),
        ("Il vient à Noël", (None, None)),
        ("à Marie", (None, None)),
        ("il est allé à Pôle emploi", (None, None)),
        ("Rendez-vous à France Travail", (None, None)),
        ("à Mission locale", (None, None)),
        ("Il habite à Tourcoing 3e.", TOURCOING_SAID),
        ("Il habite à Marseille 13e.", (("13013", "Marseille 13e", 0.7), ("Marseille", "Marseille 13e", 0.7))),
        ("Il habite à Lyon 3e", (("69003", "Lyon 3e", 0.7), ("Lyon", "Lyon 3e", 0.7))),
        ("Il habite à Lyon 3ème", (("69003", "Lyon 3ème", 0.7), ("Lyon", "Lyon 3ème", 0.7))),
        ("Il habite à Paris 1er", (("75001", "Paris 1er", 0.7), ("Paris", "Paris 1er", 0.7))),
        ("Il habite à Paris 20ieme", (("75020", "Paris 20ieme", 0.7), ("Paris", "Paris 20ieme", 0.7))),
        ("Il habite à Saint-Denis (974).", (("97400", "Saint-Denis", 0.7), ("Saint-Denis", "Saint-Denis", 0.7))),
        ("Il habite à Saint-Denis 93.", (("93200", "Saint-Denis", 0.7), ("Saint-Denis", "Saint-Denis", 0.7))),
    ],
)
def test_a_commune_named_without_its_code(text, expected):
    assert _place(text) == expected
