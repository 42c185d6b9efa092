"""The specific publics read from a mail, wording by wording: each one's value, the words
it came from, its confidence (a hint below ACCEPT, e.g. a girl is no "femme" public) and
where it was read; negations and the signature's own wordings. Pure: no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.extraction import extract_request


def publics(own: str, signature: str = ""):
    x = extract_request("", own, "", signature, today=date(2026, 11, 16))
    return tuple((p.value, p.evidence, p.confidence, p.source) for p in x.publics)


IN_TEXT = [
    ("Il vit en quartier prioritaire.", (("qpv", "quartier prioritaire", 0.9, "body"),)),
    ("Politique de la ville.", (("qpv", "Politique de la ville", 0.9, "body"),)),
    ("Un QPV.", (("qpv", "QPV", 0.9, "body"),)),
    ("Collège REP+.", (("qpv", "REP+", 0.75, "body"),)),
    ("Collège REP +", (("qpv", "REP +", 0.75, "body"),)),
    ("Collège REP.", (("qpv", "REP", 0.75, "body"),)),
    ("Collège rep.", ()),
    ("Réseau d'éducation prioritaire.", (("qpv", "Réseau d'éducation prioritaire", 0.75, "body"),)),
    ("Éducation prioritaire.", (("qpv", "Éducation prioritaire", 0.75, "body"),)),
    ("En zone rurale.", (("rural", "zone rurale", 0.9, "body"),)),
    ("Milieu rural.", (("rural", "Milieu rural", 0.9, "body"),)),
    ("Communes rurales.", ()),
    ("Secteur ruraux.", (("rural", "Secteur ruraux", 0.9, "body"),)),
    ("Une ZRR.", (("rural", "ZRR", 0.9, "body"),)),
    ("Revitalisation rurale.", (("rural", "Revitalisation rurale", 0.9, "body"),)),
    ("Il vit à la campagne.", (("rural", "à la campagne", 0.65, "body"),)),
    ("Il vit en campagne.", (("rural", "en campagne", 0.65, "body"),)),
    ("Une campagne de dons.", ()),
    ("Dans un village.", (("rural", "village", 0.65, "body"),)),
    ("Un hameau.", (("rural", "hameau", 0.65, "body"),)),
    ("Isolée géographiquement.", (("rural", "Isolée géographiquement", 0.65, "body"),)),
    ("Il est handicapé.", (("handicap", "handicapé", 0.9, "body"),)),
    ("Un handicap.", (("handicap", "handicap", 0.9, "body"),)),
    ("Dossier MDPH.", (("handicap", "MDPH", 0.9, "body"),)),
    ("Une RQTH.", (("handicap", "RQTH", 0.9, "body"),)),
    ("Il touche l'AAH.", (("handicap", "AAH", 0.9, "body"),)),
    ("Une AESH.", (("handicap", "AESH", 0.85, "body"),)),
    ("Une AVS.", (("handicap", "AVS", 0.85, "body"),)),
    ("En ULIS.", (("handicap", "ULIS", 0.85, "body"),)),
    ("En IME.", (("handicap", "IME", 0.85, "body"),)),
    ("En ITEP.", (("handicap", "ITEP", 0.85, "body"),)),
    ("Un SESSAD.", (("handicap", "SESSAD", 0.85, "body"),)),
    ("Un TSA.", (("handicap", "TSA", 0.85, "body"),)),
    ("Un TDAH.", (("handicap", "TDAH", 0.85, "body"),)),
    ("Un ulis.", ()),
    ("Troubles dys.", (("handicap", "Troubles dys", 0.85, "body"),)),
    ("Il est dyslexique.", (("handicap", "dyslexique", 0.85, "body"),)),
    ("Dyspraxie.", (("handicap", "Dyspraxie", 0.85, "body"),)),
    ("Dyscalculie.", (("handicap", "Dyscalculie", 0.85, "body"),)),
    ("Il est autiste.", (("handicap", "autiste", 0.85, "body"),)),
    ("Trouble du spectre autistique.", (("handicap", "Trouble du spectre autistique", 0.85, "body"),)),
    ("Trouble du déficit de l'attention.", (("handicap", "Trouble du déficit de l'attention", 0.85, "body"),)),
    ("Hyperactivité.", (("handicap", "Hyperactivité", 0.85, "body"),)),
    ("Il est réfugié.", (("refugie", "réfugié", 0.9, "body"),)),
    ("Demandeuse d'asile.", (("refugie", "Demandeuse d'asile", 0.9, "body"), ("femme", "Demandeuse", 0.4, "body"))),
    ("Droit d'asile.", (("refugie", "Droit d'asile", 0.9, "body"),)),
    ("Protection internationale.", (("refugie", "Protection internationale", 0.9, "body"),)),
    ("Protection subsidiaire.", (("refugie", "Protection subsidiaire", 0.9, "body"),)),
    ("Jeunes exilés.", (("refugie", "exilés", 0.9, "body"),)),
    ("Mineur non accompagné.", (("refugie", "Mineur non accompagné", 0.9, "body"),)),
    ("Un MNA.", (("refugie", "MNA", 0.9, "body"),)),
    ("Primo-arrivant.", (("refugie", "Primo-arrivant", 0.45, "body"),)),
    ("Allophone.", (("refugie", "Allophone", 0.45, "body"),)),
    ("En UPE2A.", (("refugie", "UPE2A", 0.45, "body"),)),
    ("Suivi par l'ASE.", (("ase", "ASE", 0.9, "body"),)),
    ("Aide sociale à l'enfance.", (("ase", "Aide sociale à l'enfance", 0.9, "body"),)),
    ("Protection de l'enfance.", (("ase", "Protection de l'enfance", 0.9, "body"),)),
    ("En famille d'accueil.", (("ase", "famille d'accueil", 0.9, "body"),)),
    ("Son assistante familiale.", (("ase", "assistante familiale", 0.9, "body"),)),
    ("En MECS.", (("ase", "MECS", 0.9, "body"),)),
    ("Contrat jeune majeur.", (("ase", "Contrat jeune majeur", 0.9, "body"),)),
    ("Ordonnance de placement.", (("ase", "Ordonnance de placement", 0.9, "body"),)),
    ("Une OPP.", (("ase", "OPP", 0.8, "body"),)),
    ("Une AEMO.", (("ase", "AEMO", 0.8, "body"),)),
    ("Une aemo.", ()),
    ("Il a été placé.", (("ase", "a été placé", 0.75, "body"),)),
    ("Elle est placée.", (("ase", "est placée", 0.75, "body"),)),
    ("Il est placé en stage.", ()),
    ("Il est placé en tête.", ()),
    ("Placé en foyer.", (("ase", "Placé en foyer", 0.85, "body"),)),
    ("Placée par le juge.", (("ase", "Placée par le juge", 0.85, "body"),)),
    ("Confiée à l'ASE.", (("ase", "ASE", 0.9, "body"),)),
    ("Foyer de l'enfance.", (("ase", "Foyer de l'enfance", 0.85, "body"),)),
    ("Il vit en foyer.", (("ase", "vit en foyer", 0.85, "body"),)),
    ("Hébergée dans un foyer.", (("ase", "Hébergée dans un foyer", 0.85, "body"),)),
    ("Une mentore.", (("femme", "mentore", 0.8, "body"),)),
    ("Mentorat féminin.", (("femme", "Mentorat féminin", 0.8, "body"),)),
    ("Accompagnée par une femme.", (("femme", "Accompagnée par une femme", 0.8, "body"),)),
    ("Public féminin.", (("femme", "Public féminin", 0.8, "body"),)),
    ("Programme pour jeunes filles.", (("femme", "Programme pour jeunes filles", 0.8, "body"),)),
    ("Association dédiée aux femmes.", (("femme", "Association dédiée aux femmes", 0.8, "body"),)),
    ("Femmes dans la tech.", (("femme", "Femmes dans la tech", 0.8, "body"),)),
    ("Une jeune femme.", (("femme", "jeune femme", 0.75, "body"),)),
    ("Une jeune fille.", (("femme", "jeune fille", 0.4, "body"),)),
    ("Une lycéenne.", (("femme", "lycéenne", 0.4, "body"),)),
    ("Des collégiennes.", (("femme", "collégiennes", 0.4, "body"),)),
    ("Pas de handicap.", ()),
    ("Sans MDPH.", ()),
    ("Handicap : non", ()),
    ("Il n'est plus placé.", ()),
    ("Hors QPV.", ()),
    ("Handicap reconnu, MDPH et AESH.", (("handicap", "Handicap", 0.9, "body"),)),
    ("Éducation prioritaire, et QPV.", (("qpv", "QPV", 0.9, "body"),)),
    ("QPV. Éducation prioritaire.", (("qpv", "QPV", 0.9, "body"),)),
    (
        "Réfugiée, handicapée, en zone rurale, en QPV, suivie par l'ASE, une jeune femme.",
        (
            ("qpv", "QPV", 0.9, "body"),
            ("rural", "zone rurale", 0.9, "body"),
            ("handicap", "handicapée", 0.9, "body"),
            ("refugie", "Réfugiée", 0.9, "body"),
            ("ase", "ASE", 0.9, "body"),
            ("femme", "jeune femme", 0.75, "body"),
        ),
    ),
]


@pytest.mark.parametrize("text, expected", [pytest.param(*t, id=t[0]) for t in IN_TEXT])
def test_publics_said_in_the_mail(text, expected):
    assert publics(text) == expected


IN_SIGNATURE = [
    ("ASE du Nord", (("ase", "ASE", 0.7, "signature"),)),
    ("Aide sociale à l'enfance", (("ase", "Aide sociale à l'enfance", 0.7, "signature"),)),
    ("Protection de l'enfance", (("ase", "Protection de l'enfance", 0.7, "signature"),)),
    ("MECS Les Tilleuls", (("ase", "MECS", 0.7, "signature"),)),
    ("Collège REP+", (("qpv", "REP+", 0.6, "signature"),)),
    ("Collège REP", (("qpv", "REP", 0.6, "signature"),)),
    ("Éducation prioritaire", (("qpv", "Éducation prioritaire", 0.6, "signature"),)),
    ("QPV", (("qpv", "QPV", 0.6, "signature"),)),
    ("Collège Jean Macé", ()),
    ("Pas de MDPH ASE", ()),
]


@pytest.mark.parametrize("signature, expected", [pytest.param(*s, id=s[0]) for s in IN_SIGNATURE])
def test_publics_hinted_by_the_senders_structure(signature, expected):
    assert publics("Bonjour", signature) == expected


def test_the_text_says_more_than_the_signature():
    assert publics("Collège REP", "Collège REP") == (("qpv", "REP", 0.75, "body"),)


@pytest.mark.parametrize(
    "text",
    [
        "Pas de MDPH.",
        "Sans MDPH.",
        "Aucun MDPH.",
        "Aucune MDPH.",
        "Ni MDPH.",
        "Non MDPH.",
        "Jamais de MDPH.",
        "Pas vraiment de MDPH.",
        "Il ne relève plus de la MDPH.",
        "Il n'a plus de MDPH.",
        "MDPH : non",
        "MDPH : aucun",
        "MDPH : aucune",
        "MDPH : néant",
        "MDPH : pas",
        "Hors QPV.",
    ],
)
def test_a_negated_public_is_not_read(text):
    assert publics(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "MDPH : oui",
        "Pas de souci, dossier MDPH.",
        "Pas encore vraiment de suivi MDPH.",
        "Pas de souci pour le dossier MDPH.",
    ],
)
def test_a_negation_further_away_says_nothing_of_the_public(text):
    assert publics(text) == (("handicap", "MDPH", 0.9, "body"),)
