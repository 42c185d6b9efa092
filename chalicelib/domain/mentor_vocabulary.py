"""The closed lists of a volunteer's sign-up (docs/contract.md §11), with their French labels.

Kept apart from vocabulary.py (the youth's lists): the mentor form, its mails and its
validation read these.
"""

from __future__ import annotations

from .vocabulary import Labelled


class Occupation(Labelled):
    ETUDIANT = ("etudiant", "Étudiant ou étudiante")
    ACTIF = ("actif", "En activité professionnelle")
    RETRAITE = ("retraite", "À la retraite")
    AUTRE = ("autre", "Autre situation")


class MentorMode(Labelled):
    PRESENTIEL = ("presentiel", "En présentiel, près de chez moi")
    DISTANCE = ("distance", "À distance (visio, téléphone)")


class YouthAgeBand(Labelled):
    AGES_6_10 = ("6-10", "6 à 10 ans (école primaire)")
    AGES_11_14 = ("11-14", "11 à 14 ans (collège)")
    AGES_15_18 = ("15-18", "15 à 18 ans (lycée)")
    AGES_19_25 = ("19-25", "19 à 25 ans (études, premier emploi)")
    AGES_26_30 = ("26-30", "26 à 30 ans")

    @property
    def bounds(self) -> tuple[int, int]:
        low, _, high = self.value.partition("-")
        return int(low), int(high)
