"""The closed lists of docs/contract.md §2 and §3, with the French labels people read.

One place for both: the form templates, the mails and the validation all read these, so a
value added here appears everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Labelled(str, Enum):
    """A str enum whose members carry the French label shown to people."""

    label: str

    # `label` has a default only for type checkers: after the class is built, `Need("scolaire")`
    # is Enum's lookup by value, which mypy reads as a call to this constructor.
    def __new__(cls, value: str, label: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def label_of(cls, value: str | None) -> str | None:
        """The label of a stored value; None for none."""
        return cls(value).label if value else None

    @classmethod
    def labels_of(cls, values: Iterable[str] | None) -> list[str]:
        """The labels of stored values, in their order."""
        return [cls(v).label for v in values or []]


class Situation(Labelled):
    PRIMAIRE = ("primaire", "À l'école primaire")
    COLLEGE = ("college", "Au collège")
    LYCEE = ("lycee", "Au lycée général ou technologique")
    LYCEE_PRO = ("lycee_pro", "Au lycée professionnel")
    ETUDIANT = ("etudiant", "Étudiant ou étudiante")
    APPRENTI = ("apprenti", "En apprentissage")
    RECHERCHE_EMPLOI = ("recherche_emploi", "En recherche d'emploi")
    EMPLOI = ("emploi", "En emploi")
    SANS_ACTIVITE = ("sans_activite", "Sans activité ni formation")


class Need(Labelled):
    SCOLAIRE = ("scolaire", "Soutien scolaire")
    ORIENTATION = ("orientation", "Orientation (choisir une voie, un métier)")
    INSERTION_PRO = ("insertion_pro", "Insertion professionnelle (stage, alternance, emploi)")


class Public(Labelled):
    # Neutral wording: read by the youth, by a referent and by the association alike.
    QPV = ("qpv", "Habite un quartier prioritaire de la ville (QPV)")
    RURAL = ("rural", "Habite en zone rurale")
    HANDICAP = ("handicap", "En situation de handicap")
    REFUGIE = ("refugie", "Réfugié ou réfugiée, mineur non accompagné")
    ASE = ("ase", "Suivi par l'Aide sociale à l'enfance (ASE)")
    FEMME = ("femme", "Jeune femme")


class StructureType(Labelled):
    ETABLISSEMENT_SCOLAIRE = ("etablissement_scolaire", "Établissement scolaire")
    ASE = ("ase", "Aide sociale à l'enfance")
    PRE = ("pre", "Programme de réussite éducative")
    MISSION_LOCALE = ("mission_locale", "Mission locale")
    COLLECTIVITE = ("collectivite", "Collectivité (mairie, département...)")
    ASSOCIATION = ("association", "Association")
    SERVICE_PUBLIC = ("service_public", "Service public (France Travail, CIO...)")
    AUTRE = ("autre", "Autre")


class Channel(str, Enum):
    FORM = "form"
    REFERENT_FORM = "referent_form"
    API = "api"
    EMAIL = "email"


class Status(str, Enum):
    NEEDS_TRIAGE = "needs_triage"
    ROUTED = "routed"
    ACCEPTED = "accepted"
    CLOSED = "closed"
