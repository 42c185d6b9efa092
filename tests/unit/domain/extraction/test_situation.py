"""The youth's present situation read from a mail, wording by wording, with its evidence and
exact confidence, and the usual age of the class named (a hint, 0.35): each class, school,
training and work wording; what is past, a project or another person's. Pure: no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.extraction import extract_request


def situation_and_age(own: str, signature: str = ""):
    x = extract_request("", own, "", signature, today=date(2026, 11, 16))
    shown = lambda f: None if f is None else (f.value, f.evidence, f.confidence)  # noqa: E731
    return shown(x.situation), shown(x.age)


# "En CP.", "En Tle.", "En BUT." at the start of a sentence were not read (bug fixed: the
# class patterns are case-sensitive and their "en" was written in lower case only).
IN_TEXT = [
    ("En CP.", (("primaire", "En CP", 0.9), (6, "En CP", 0.35))),
    ("En Tle.", (("lycee", "En Tle", 0.85), (17, "En Tle", 0.35))),
    ("En BUT.", (("etudiant", "En BUT", 0.85), None)),
    ("De CP.", (("primaire", "De CP", 0.9), (6, "De CP", 0.35))),
    ("Il est en CP.", (("primaire", "en CP", 0.9), (6, "en CP", 0.35))),
    ("Élève de CP.", (("primaire", "Élève de CP", 0.9), (6, "Élève de CP", 0.35))),
    ("Il est en cp.", (("primaire", "en cp", 0.9), (6, "en cp", 0.35))),
    ("Il est en CE1.", (("primaire", "CE1", 0.9), (7, "CE1", 0.35))),
    ("En CE2.", (("primaire", "CE2", 0.9), (8, "CE2", 0.35))),
    ("En CM1.", (("primaire", "CM1", 0.9), (9, "CM1", 0.35))),
    ("En CM2.", (("primaire", "CM2", 0.9), (10, "CM2", 0.35))),
    ("École primaire.", (("primaire", "École primaire", 0.75), None)),
    ("Une écolière.", (("primaire", "écolière", 0.75), None)),
    ("En grande section.", (("primaire", "grande section", 0.6), None)),
    ("En maternelle.", (("primaire", "maternelle", 0.6), None)),
    ("Il est en 6e.", (("college", "en 6e", 0.9), (11, "en 6e", 0.35))),
    ("En 5ème.", (("college", "En 5ème", 0.9), (12, "En 5ème", 0.35))),
    ("En 4 eme.", (("college", "En 4 eme", 0.9), (13, "En 4 eme", 0.35))),
    ("Élève de 3e.", (("college", "Élève de 3e", 0.9), (14, "Élève de 3e", 0.35))),
    ("Sa 4ieme.", (("college", "Sa 4ieme", 0.9), (13, "Sa 4ieme", 0.35))),
    ("Niveau 3em.", (("college", "Niveau 3em", 0.9), (14, "Niveau 3em", 0.35))),
    ("Il redouble sa 3e.", (("college", "redouble sa 3e", 0.9), (14, "redouble sa 3e", 0.35))),
    ("En sixième.", (("college", "En sixième", 0.9), (11, "En sixième", 0.35))),
    ("En cinquième.", (("college", "En cinquième", 0.9), (12, "En cinquième", 0.35))),
    ("En quatrième.", (("college", "En quatrième", 0.9), (13, "En quatrième", 0.35))),
    ("En troisième.", (("college", "En troisième", 0.9), (14, "En troisième", 0.35))),
    ("Une collégienne.", (("college", "collégienne", 0.8), None)),
    ("En SEGPA.", (("college", "SEGPA", 0.8), None)),
    ("Il va au collège.", (("college", "collège", 0.6), None)),
    ("Il est en 3e année.", (None, None)),
    ("En 4e arrondissement.", (None, None)),
    ("En 5e position.", (None, None)),
    ("La 3e fois.", (None, None)),
    ("En seconde.", (("lycee", "En seconde", 0.85), (15, "En seconde", 0.35))),
    ("En première.", (("lycee", "En première", 0.85), (16, "En première", 0.35))),
    ("En terminale.", (("lycee", "En terminale", 0.85), (17, "En terminale", 0.35))),
    ("Élève de terminale.", (("lycee", "Élève de terminale", 0.85), (17, "Élève de terminale", 0.35))),
    ("En 2nde.", (("lycee", "En 2nde", 0.85), (15, "En 2nde", 0.35))),
    ("En 2de.", (("lycee", "En 2de", 0.85), (15, "En 2de", 0.35))),
    ("En 1re.", (("lycee", "En 1re", 0.85), (16, "En 1re", 0.35))),
    ("En 1ère.", (("lycee", "En 1ère", 0.85), (16, "En 1ère", 0.35))),
    ("Seconde générale.", (("lycee", "Seconde générale", 0.9), (15, "Seconde générale", 0.35))),
    ("Première STMG.", (("lycee", "Première STMG", 0.9), (16, "Première STMG", 0.35))),
    ("Terminale STI2D.", (("lycee", "Terminale STI2D", 0.9), (17, "Terminale STI2D", 0.35))),
    ("Bac général.", (("lycee", "Bac général", 0.9), None)),
    ("Bac technologique.", (("lycee", "Bac technologique", 0.9), None)),
    ("Lycée général.", (("lycee", "Lycée général", 0.9), None)),
    ("Un lycéen.", (("lycee", "lycéen", 0.6), None)),
    ("Il est au lycée.", (("lycee", "lycée", 0.5), None)),
    ("En seconde pro.", (("lycee_pro", "En seconde pro", 0.9), (15, "En seconde pro", 0.35))),
    ("En terminale, bac pro commerce.", (("lycee_pro", "bac pro", 0.85), None)),
    ("En première générale.", (("lycee", "En première générale", 0.9), (16, "En première générale", 0.35))),
    ("Bac pro.", (("lycee_pro", "Bac pro", 0.85), None)),
    ("Lycée professionnel.", (("lycee_pro", "Lycée professionnel", 0.85), None)),
    ("Lycée des métiers.", (("lycee_pro", "Lycée des métiers", 0.85), None)),
    ("Un BEP.", (("lycee_pro", "BEP", 0.85), None)),
    (
        "Terminale professionnelle.",
        (("lycee_pro", "Terminale professionnelle", 0.9), (17, "Terminale professionnelle", 0.35)),
    ),
    ("Il prépare un CAP.", (("lycee_pro", "un CAP", 0.85), None)),
    ("Un CAP.", (("lycee_pro", "Un CAP", 0.85), None)),
    ("Son CAP cuisine.", (("lycee_pro", "Son CAP", 0.85), None)),
    ("CAP.", (("lycee_pro", "CAP", 0.7), None)),
    ("Étudiante.", (("etudiant", "Étudiante", 0.85), None)),
    ("En BTS.", (("etudiant", "En BTS", 0.85), None)),
    ("En DUT.", (("etudiant", "En DUT", 0.85), None)),
    ("En licence.", (("etudiant", "En licence", 0.85), None)),
    ("En master.", (("etudiant", "En master", 0.85), None)),
    ("En L1.", (("etudiant", "En L1", 0.85), None)),
    ("En M2.", (("etudiant", "En M2", 0.85), None)),
    ("À l'IUT.", (("etudiant", "IUT", 0.6), None)),
    ("En prépa.", (("etudiant", "En prépa", 0.85), None)),
    ("En classe préparatoire.", (("etudiant", "En classe préparatoire", 0.85), None)),
    ("Un BTS.", (("etudiant", "Un BTS", 0.85), None)),
    ("Licence pro.", (("etudiant", "Licence pro", 0.6), None)),
    ("À la fac.", (("etudiant", "À la fac", 0.8), None)),
    ("À l'université.", (("etudiant", "À l'université", 0.8), None)),
    ("École d'ingénieurs.", (("etudiant", "École d'ingénieurs", 0.8), None)),
    ("Apprenti.", (("apprenti", "Apprenti", 0.85), None)),
    ("En apprentissage.", (("apprenti", "En apprentissage", 0.85), None)),
    ("En alternance.", (("apprenti", "En alternance", 0.85), None)),
    ("Contrat d'apprentissage.", (("apprenti", "Contrat d'apprentissage", 0.85), None)),
    ("Contrat de professionnalisation.", (("apprenti", "Contrat de professionnalisation", 0.85), None)),
    ("Au CFA.", (("apprenti", "CFA", 0.7), None)),
    ("CAP en alternance.", (("apprenti", "CAP", 0.85), None)),
    ("BTS en apprentissage.", (("apprenti", "BTS", 0.85), None)),
    ("En recherche d'emploi.", (("recherche_emploi", "En recherche d'emploi", 0.9), None)),
    ("À la recherche d'un travail.", (("recherche_emploi", "À la recherche d'un travail", 0.9), None)),
    ("Demandeuse d'emploi.", (("recherche_emploi", "Demandeuse d'emploi", 0.9), None)),
    ("Il cherche un emploi.", (("recherche_emploi", "cherche un emploi", 0.8), None)),
    ("Inscrit à France Travail.", (("recherche_emploi", "Inscrit à France Travail", 0.85), None)),
    ("Inscrite au Pôle emploi.", (("recherche_emploi", "Inscrite au Pôle emploi", 0.85), None)),
    ("Au chômage.", (("recherche_emploi", "Au chômage", 0.85), None)),
    ("Sans emploi.", (("recherche_emploi", "Sans emploi", 0.7), None)),
    ("Ni en emploi, ni en formation.", (("sans_activite", "Ni en emploi, ni en formation", 0.85), None)),
    ("Ni emploi ni formation.", (("sans_activite", "Ni emploi ni formation", 0.85), None)),
    ("Sans emploi ni formation.", (("sans_activite", "Sans emploi ni formation", 0.85), None)),
    ("Décrocheur.", (("sans_activite", "Décrocheur", 0.85), None)),
    ("Déscolarisée.", (("sans_activite", "Déscolarisée", 0.85), None)),
    ("Sans activité.", (("sans_activite", "Sans activité", 0.85), None)),
    ("Il n'est plus scolarisé.", (("sans_activite", "n'est plus scolarisé", 0.85), None)),
    ("Sortie du système scolaire.", (("sans_activite", "Sortie du système scolaire", 0.85), None)),
    ("Il ne fait rien.", (("sans_activite", "ne fait rien", 0.7), None)),
    ("Sans solution.", (("sans_activite", "Sans solution", 0.7), None)),
    ("Aucune activité.", (("sans_activite", "Aucune activité", 0.7), None)),
    ("Inactive.", (("sans_activite", "Inactive", 0.7), None)),
    ("NEET.", (("sans_activite", "NEET", 0.85), None)),
    ("Il a décroché du lycée.", (("sans_activite", "a décroché du lycée", 0.75), None)),
    ("En CDI.", (("emploi", "En CDI", 0.8), None)),
    ("En intérim.", (("emploi", "En intérim", 0.8), None)),
    ("Salariée.", (("emploi", "Salariée", 0.8), None)),
    ("Il travaille comme vendeur.", (("emploi", "travaille comme", 0.75), None)),
    ("Il travaille à mi-temps.", (("emploi", "travaille à mi-temps", 0.75), None)),
    ("Il n'est pas en 3e.", (None, None)),
    ("Titulaire du bac pro.", (None, None)),
    ("Il veut aller en BTS.", (None, None)),
    ("Il a quitté le lycée.", (None, None)),
    ("Sa mère est salariée.", (None, None)),
    ("En 3e, il veut un CAP.", (("college", "En 3e", 0.9), (14, "En 3e", 0.35))),
    ("En seconde et en CAP.", (("lycee_pro", "En seconde et en CAP", 0.9), (15, "En seconde et en CAP", 0.35))),
    ("Collège: il est en 4e.", (("college", "en 4e", 0.9), (13, "en 4e", 0.35))),
    ("En 4e. Au lycée en 2nde.", (("college", "En 4e", 0.45), (13, "En 4e", 0.35))),
]


@pytest.mark.parametrize("text, expected", [pytest.param(*t, id=t[0]) for t in IN_TEXT])
def test_situation_said_in_the_mail(text, expected):
    assert situation_and_age(text) == expected


IN_SIGNATURE = [
    ("Collège Jean Macé", (("college", "Collège", 0.5), None)),
    ("École primaire Jules Ferry", (("primaire", "École primaire", 0.5), None)),
    ("Groupe scolaire Pasteur", (("primaire", "Groupe scolaire", 0.5), None)),
    ("Lycée professionnel Turgot", (("lycee_pro", "Lycée professionnel", 0.5), None)),
    ("Lycée Baggio", (("lycee", "Lycée", 0.45), None)),
    ("Mairie de Roubaix", (None, None)),
]


@pytest.mark.parametrize("signature, expected", [pytest.param(*s, id=s[0]) for s in IN_SIGNATURE])
def test_situation_hinted_by_the_senders_school(signature, expected):
    assert situation_and_age("Bonjour", signature) == expected


@pytest.mark.parametrize(
    "word",
    "annee annees fois trimestre semestre etage arrondissement rang heure place position semaine mois jour periode "
    "enfant edition republique ligne partie page intention urgence lieu temps necessite main chance zone degre "
    "categorie vague rencontre demande session circonscription generation age plan etape seance".split(),
)
def test_an_ordinal_before_these_words_is_no_class(word):
    assert situation_and_age(f"Il est en 4e {word}.") == (None, None)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Il est en 4e avec sa classe.", (("college", "en 4e", 0.9), (13, "en 4e", 0.35))),
        ("Il est en 4e classe de BTS.", (("etudiant", "de BTS", 0.85), None)),
        ("Il est en seconde. CAP vente.", (("lycee_pro", "CAP", 0.7), None)),  # a vocational marker settles the level
        ("Il est en seconde. Lycée professionnel.", (("lycee_pro", "Lycée professionnel", 0.85), None)),
    ],
)
def test_what_follows_a_class_level(text, expected):
    assert situation_and_age(text) == expected
