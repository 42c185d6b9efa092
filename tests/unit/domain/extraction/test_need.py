"""The need read from a mail, wording by wording: each phrase's value, evidence and exact
confidence (one strong phrase 0.9, one weaker 0.65, one weak word a 0.45 hint), and the
phrases that say nothing of the youth's need (negated, the sender's job). Pure: no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.extraction import extract_request


def need(own: str):
    found = extract_request("", own, today=date(2026, 11, 16)).need
    return None if found is None else (found.value, found.evidence, found.confidence)


# "Risque de décrocher" was not read (bug fixed: the pattern spelled "risquent?", which
# needs "risquen").
CASES = [
    ("Ils risquent de décrocher.", ("scolaire", "risquent de décrocher", 0.65)),
    ("Soutien scolaire.", ("scolaire", "Soutien scolaire", 0.9)),
    ("Accompagnement scolaire.", ("scolaire", "Accompagnement scolaire", 0.9)),
    ("Suivi scolaire.", ("scolaire", "Suivi scolaire", 0.9)),
    ("Aide scolaire.", ("scolaire", "Aide scolaire", 0.9)),
    ("Aide aux devoirs.", ("scolaire", "Aide aux devoirs", 0.9)),
    ("Aide pour ses devoirs.", ("scolaire", "Aide pour ses devoirs", 0.9)),
    ("Aide pour les devoirs.", ("scolaire", "Aide pour les devoirs", 0.9)),
    ("Aide à faire ses devoirs.", ("scolaire", "Aide à faire ses devoirs", 0.9)),
    ("Aide dans ses devoirs.", ("scolaire", "Aide dans ses devoirs", 0.9)),
    ("Aide aux leçons.", ("scolaire", "Aide aux leçons", 0.9)),
    ("Des devoirs.", ("scolaire", "devoirs", 0.65)),
    ("Difficultés scolaires.", ("scolaire", "Difficultés scolaires", 0.9)),
    ("Difficulté d'apprentissage.", ("scolaire", "Difficulté d'apprentissage", 0.9)),
    ("Difficultés de lecture.", ("scolaire", "Difficultés de lecture", 0.9)),
    ("Difficultés à l'école.", ("scolaire", "Difficultés à l'école", 0.9)),
    ("Difficultés en classe.", ("scolaire", "Difficultés en classe", 0.9)),
    ("Difficultés en maths.", ("scolaire", "Difficultés en maths", 0.9)),
    ("Difficultés dans les mathématiques.", ("scolaire", "Difficultés dans les mathématiques", 0.9)),
    ("Difficultés en français.", ("scolaire", "Difficultés en français", 0.9)),
    ("Aide en anglais.", ("scolaire", "Aide en anglais", 0.65)),
    ("Soutien en physique.", ("scolaire", "Soutien en physique", 0.65)),
    ("Progresser en histoire.", ("scolaire", "Progresser en histoire", 0.65)),
    ("Lacunes en orthographe.", ("scolaire", "Lacunes en orthographe", 0.65)),
    ("Il décroche en maths.", ("scolaire", "décroche en maths", 0.65)),
    ("Du mal en calcul.", ("scolaire", "Du mal en calcul", 0.65)),
    ("Du mal à lire.", ("scolaire", "Du mal à lire", 0.65)),
    ("Beaucoup de mal à écrire.", ("scolaire", "Beaucoup de mal à écrire", 0.65)),
    ("Du mal avec les sciences.", ("scolaire", "Du mal avec les sciences", 0.65)),
    ("De mal à suivre.", ("scolaire", "De mal à suivre", 0.65)),
    ("Faible en maths.", ("scolaire", "Faible en", 0.65)),
    ("En échec scolaire.", ("scolaire", "En échec scolaire", 0.65)),
    ("Retard scolaire.", ("scolaire", "Retard scolaire", 0.65)),
    ("Décrochage scolaire.", ("scolaire", "Décrochage scolaire", 0.9)),
    ("Remise à niveau.", ("scolaire", "Remise à niveau", 0.9)),
    ("Résultats scolaires.", ("scolaire", "Résultats scolaires", 0.9)),
    ("Rattraper son retard.", ("scolaire", "Rattraper son retard", 0.9)),
    ("Risque de décrochage.", ("scolaire", "Risque de décrochage", 0.65)),
    ("Risque de décrocher.", ("scolaire", "Risque de décrocher", 0.65)),
    ("Des lacunes.", ("scolaire", "lacunes", 0.65)),
    ("Niveau scolaire.", ("scolaire", "Niveau scolaire", 0.65)),
    ("Cours particuliers.", ("scolaire", "Cours particuliers", 0.65)),
    ("Préparer le brevet.", ("scolaire", "Préparer le brevet", 0.65)),
    ("Réviser son bac.", ("scolaire", "Réviser son bac", 0.65)),
    ("Réussir l'examen du bac.", ("scolaire", "Réussir l'examen du bac", 0.65)),
    ("Réussite scolaire.", ("scolaire", "Réussite scolaire", 0.65)),
    ("Méthodes de travail.", ("scolaire", "Méthodes de travail", 0.65)),
    ("Apprendre le français.", ("scolaire", "Apprendre le français", 0.65)),
    ("Cours de FLE.", ("scolaire", "FLE", 0.65)),
    ("Orientation.", ("orientation", "Orientation", 0.9)),
    ("Orientation d'un jeune.", None),
    ("Orientation vers un CAP.", None),
    ("S'orienter.", ("orientation", "S'orienter", 0.9)),
    ("Parcoursup.", ("orientation", "Parcoursup", 0.9)),
    ("Affelnet.", ("orientation", "Affelnet", 0.9)),
    ("Choix d'orientation.", ("orientation", "Choix d'orientation", 0.9)),
    ("Choisir sa voie.", ("orientation", "Choisir sa voie", 0.9)),
    ("Choisir ses études.", ("orientation", "Choisir ses études", 0.9)),
    ("Choisir une filière.", ("orientation", "Choisir une filière", 0.9)),
    ("Quel métier ?", ("orientation", "Quel métier", 0.65)),
    ("Quelle formation ?", ("orientation", "Quelle formation", 0.65)),
    ("Projet professionnel.", ("orientation", "Projet professionnel", 0.65)),
    ("Projet d'avenir.", ("orientation", "Projet d'avenir", 0.65)),
    ("Ne sait pas quoi faire.", ("orientation", "Ne sait pas quoi faire", 0.65)),
    ("Ne sait pas ce qu'il veut faire.", ("orientation", "Ne sait pas ce qu'il veut faire", 0.65)),
    ("Découvrir des métiers.", ("orientation", "Découvrir des métiers", 0.65)),
    ("Après son bac.", ("orientation", "Après son bac", 0.45)),
    ("Trouver une formation.", ("orientation", "Trouver une formation", 0.65)),
    ("Reprendre ses études.", ("orientation", "Reprendre ses études", 0.65)),
    ("Reprendre une formation.", ("orientation", "Reprendre une formation", 0.65)),
    ("Recherche d'emploi.", ("insertion_pro", "Recherche d'emploi", 0.9)),
    ("Il cherche du travail.", ("insertion_pro", "cherche du travail", 0.9)),
    ("Trouver un job.", ("insertion_pro", "Trouver un job", 0.9)),
    ("Chercher une alternance.", ("insertion_pro", "Chercher une alternance", 0.9)),
    ("Trouver un patron.", ("insertion_pro", "Trouver un patron", 0.9)),
    ("Trouver une entreprise.", ("insertion_pro", "Trouver une entreprise", 0.9)),
    ("Chercher un apprentissage.", ("insertion_pro", "Chercher un apprentissage", 0.9)),
    ("Trouver un contrat.", ("insertion_pro", "Trouver un contrat", 0.9)),
    ("Trouver un employeur.", ("insertion_pro", "Trouver un employeur", 0.9)),
    ("Trouver un emploi scolaire.", ("insertion_pro", "emploi", 0.45)),
    ("Insertion.", ("insertion_pro", "Insertion", 0.9)),
    ("Faire son CV.", ("insertion_pro", "CV", 0.9)),
    ("Lettre de motivation.", ("insertion_pro", "Lettre de motivation", 0.9)),
    ("Entretiens d'embauche.", ("insertion_pro", "Entretiens d'embauche", 0.9)),
    ("Préparer ses entretiens.", ("insertion_pro", "Préparer ses entretiens", 0.9)),
    ("Un stage.", ("insertion_pro", "stage", 0.45)),
    ("Un emploi.", ("insertion_pro", "emploi", 0.45)),
    ("La vie professionnelle.", ("insertion_pro", "vie professionnelle", 0.45)),
    ("Le monde du travail.", ("insertion_pro", "monde du travail", 0.45)),
    ("Permis de conduire.", ("insertion_pro", "Permis de conduire", 0.45)),
    ("Pas de difficultés scolaires.", None),
    ("Pas besoin de soutien scolaire.", None),
    ("Sans CV.", None),
    ("Aucun stage.", None),
    ("Conseillère d'orientation.", None),
    ("Service orientation.", None),
    ("Psychologue de l'orientation.", None),
    ("Professeur en soutien scolaire.", None),
    ("Chargée d'insertion.", None),
    ("Mission locale insertion.", None),
]


@pytest.mark.parametrize("text, expected", [pytest.param(*c, id=c[0]) for c in CASES])
def test_need_wording(text, expected):
    assert need(text) == expected


@pytest.mark.parametrize(
    "role",
    [
        "Conseiller en",
        "Conseillère d'",
        "Chargé de",
        "Chargée d'",
        "Référente",
        "Coordinatrice",
        "Responsable",
        "Service",
        "Pôle",
        "Cellule",
        "Psychologue de l'",
        "Professeur",
        "Professeure",
        "Mission locale",
        "Centre",
        "Bureau",
        "Plateforme",
        "Responsable pour l'",
        "Service à l'",
    ],
)
def test_the_senders_job_is_no_need(role):
    assert need(f"{role} insertion.") is None


def test_the_same_word_alone_is_the_need():
    assert need("Le insertion.") == ("insertion_pro", "insertion", 0.9)
