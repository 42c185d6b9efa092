"""Which numbers are postal codes and which words name the youth's commune, word by word:
each entry of the reading's lists, with the exact place and confidence it gives. Pure: no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.extraction import extract_request


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
