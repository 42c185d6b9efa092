"""The need, the "several young people" flag and the present situation read from a mail,
with exact confidences and evidence; and how the text is folded for matching. Pure: no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.extraction import extract_request
from chalicelib.domain.extraction.reading import _fold


def _read(own: str = "", subject: str = "", forwarded: str = "", signature: str = ""):
    return extract_request(subject, own, forwarded, signature, today=date(2026, 11, 16))


def _shown(found):
    return None if found is None else (found.value, found.evidence, found.confidence, found.source)


NEEDS = [
    # One need only: sure when strongly said, less when weakly, a hint from one weak word.
    ("Il a besoin de soutien scolaire.", "", "", ("scolaire", "soutien scolaire", 0.9, "body")),
    ("Il cherche un stage.", "", "", ("insertion_pro", "cherche un stage", 0.9, "body")),
    ("Il a des devoirs.", "", "", ("scolaire", "devoirs", 0.65, "body")),
    ("Il veut apprendre le français.", "", "", ("scolaire", "apprendre le français", 0.65, "body")),
    ("Il veut un stage.", "", "", ("insertion_pro", "stage", 0.45, "body")),
    ("Elle a des lacunes. Les devoirs sont durs.", "", "", ("scolaire", "lacunes", 0.9, "body")),
    ("Il a des devoirs. Il a encore des devoirs.", "", "", ("scolaire", "devoirs", 0.9, "body")),
    # The evidence is the strongest phrase, the first said among equals.
    ("Soutien scolaire puis accompagnement scolaire.", "", "", ("scolaire", "Soutien scolaire", 0.9, "body")),
    ("Une aide aux devoirs. Aussi une aide aux devoirs.", "", "", ("scolaire", "aide aux devoirs", 0.9, "body")),
    ("Il a besoin de soutien scolaire.", "Devoirs", "", ("scolaire", "soutien scolaire", 0.9, "body")),
    ("Il a des devoirs.", "", "Soutien scolaire demandé.", ("scolaire", "Soutien scolaire", 0.9, "forwarded")),
    # Two needs: how far ahead the first is.
    ("Soutien scolaire, aide aux devoirs et orientation.", "", "", ("scolaire", "Soutien scolaire", 0.85, "body")),
    ("Soutien scolaire, des devoirs et orientation.", "", "", ("scolaire", "Soutien scolaire", 0.7, "body")),
    (
        "Aide en maths, méthodes de travail, et orientation.",
        "",
        "",
        ("scolaire", "Aide en maths", 0.7, "body"),
    ),  # 1.5 to 1
    ("Soutien scolaire et orientation.", "", "", ("scolaire", "Soutien scolaire", 0.45, "body")),
    ("Orientation, puis soutien scolaire.", "", "", ("orientation", "Orientation", 0.45, "body")),
    (
        "Il cherche un emploi et a besoin de soutien scolaire.",
        "",
        "",
        ("insertion_pro", "cherche un emploi", 0.45, "body"),
    ),
    # The subject weighs more.
    ("Il a des devoirs.", "Orientation", "", ("orientation", "Orientation", 0.85, "subject")),
    # Negated, or the sender's job: not the need.
    ("Pas de soutien scolaire, il cherche un emploi.", "", "", ("insertion_pro", "cherche un emploi", 0.9, "body")),
    ("Conseiller en insertion, je vous écris pour un stage.", "", "", ("insertion_pro", "stage", 0.45, "body")),
]


@pytest.mark.parametrize("own, subject, forwarded, expected", [pytest.param(*n, id=n[0]) for n in NEEDS])
def test_need_read_from_a_mail(own, subject, forwarded, expected):
    assert _shown(_read(own, subject, forwarded).need) == expected


def test_the_signature_says_no_need():
    assert _read("Bonjour", signature="Soutien scolaire et orientation").need is None


@pytest.mark.parametrize(
    "own, signature, several",
    [
        ("Nous suivons plusieurs élèves.", "", True),
        ("Il n'y a pas plusieurs jeunes concernés.", "", False),
        ("Il n'y a pas plusieurs jeunes. Nous suivons plusieurs élèves.", "", True),
        ("Une demande pour Lea et Tom.", "", True),
        ("Une demande pour Lea et Tom, qui sont en 4e.", "", True),
        ("Une demande pour Lens et Arras, qui sont voisines.", "", False),  # communes, not names
        ("Une demande pour Roubaix et Tom.", "", False),
        ("Une demande pour Madame et Tom.", "", False),
        ("Bonjour", "Accompagnement de plusieurs jeunes du quartier", False),
    ],
)
def test_several_young_people(own, signature, several):
    assert _read(own, signature=signature).several_youths is several


@pytest.mark.parametrize(
    "own, expected",
    [
        ("Il est en BTS.", ("etudiant", "en BTS", 0.85, "body")),
        ("Il est en BTS après son bac.", None),
        ("Il est en BTS APRÈS SON BAC.", None),
        ("Il est en BTS Plus Tard.", None),
        ("Il est en BTS L'an prochain.", None),
        ("Il est en BTS ? ou en licence ?", None),
        ("Il est en BTS depuis l'an dernier.", ("etudiant", "en BTS", 0.85, "body")),
        ("Elle est en terminale et vise un BTS APRÈS SON BAC.", ("lycee", "en terminale", 0.85, "body")),
    ],
)
def test_a_situation_to_come_is_not_the_present_one(own, expected):
    assert _shown(_read(own).situation) == expected


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Élève en 4ᵉ à Besançon", "Eleve en 4e a Besancon"),
        ("l’école — ça va", "l'ecole - ca va"),
        ("ǖ œ ß", "u œ ß"),
        ("가나", "가나"),  # a syllable is no letter with accents: kept
        ("a\u00a0b\tc", "a b c"),
    ],
)
def test_folding_strips_accents_and_keeps_the_length(text, folded):
    assert _fold(text) == folded
    assert len(_fold(text)) == len(text)
