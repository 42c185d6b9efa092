"""Writes the project's French intake corpus: `fr/` (tuned on) and `fr-holdout/` (never
tuned on: the extraction is measured on it). Each mail is what a CPE, a child-welfare
team, a mission locale or a town hall sends, written here in the encodings and layouts
their programs use; attachments are made by tests/corpus/documents.py.

    .venv/bin/python -m tests.corpus.build

`expected.json` follows ../shared/corpus/fr/expected.json, plus `departement` (a place
known only to its département) and `several` (several young people in one mail).
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from tests.corpus.documents import docx_with, encrypted_pdf, odt_with, pdf_with_text

HERE = Path(__file__).resolve().parent
PDF_TYPE = ("application", "pdf")
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
ODT_TYPE = ("application", "vnd.oasis.opendocument.text")


def mail(sender, subject, body, *, html=None, charset="utf-8", attachments=(), n=0, headers=None):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime(2026, 11, 16, 9, n % 60, tzinfo=UTC))
    m["Message-ID"] = f"<corpus-{zlib.crc32(subject.encode())}-{n}@{sender.split('@')[1].rstrip('>')}>"
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(body, charset=charset, cte="quoted-printable" if charset != "utf-8" else "8bit")
    if html:
        m.add_alternative(html, subtype="html", charset=charset)
    for name, (maintype, subtype), data in attachments:
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes()


SIG_COLLEGE_TOURCOING = """Mme Nadia Benali
Conseillère principale d'éducation
Collège Anne Frank - REP+
2 rue du Lieutenant Colpin, 59200 Tourcoing
03 20 00 00 00"""

TUNE = {
    "t01-cpe-pdf-fiche": (
        mail(
            "Nadia Benali <nadia.benali@ac-lille.fr>",
            "Demande de mentorat - fiche de liaison",
            "Bonjour,\n\nVeuillez trouver ci-joint la fiche de liaison pour un de nos élèves.\n\n"
            "Cordialement,\n\n" + SIG_COLLEGE_TOURCOING,
            n=1,
            attachments=[
                (
                    "fiche_liaison.pdf",
                    PDF_TYPE,
                    pdf_with_text(
                        [
                            "FICHE DE LIAISON - MENTORAT",
                            "Élève : Yanis B.",
                            "Âge : 14 ans",
                            "Classe : 3ème",
                            "Domicile : 14 rue de l'Alma, 59100 Roubaix",
                            "Quartier prioritaire (QPV) de l'Alma",
                            "Besoin : soutien scolaire en mathématiques et en français",
                        ]
                    ),
                )
            ],
        ),
        {"age": 14, "situation": "college", "postal_code": "59100", "need": "scolaire", "publics": ["qpv"]},
    ),
    "t02-ase-docx": (
        mail(
            "Service ASE Val-de-Marne <ase.creteil@valdemarne.fr>",
            "Orientation d'une jeune accompagnée",
            "Bonjour,\n\nNous accompagnons une jeune placée à l'ASE. Vous trouverez ses informations dans le document "
            "joint.\n\n"
            "Bien à vous,\nL'équipe ASE - Conseil départemental du Val-de-Marne",
            n=2,
            attachments=[
                (
                    "fiche jeune.docx",
                    DOCX_TYPE,
                    docx_with(
                        ["Fiche de présentation"],
                        [
                            ("Âge", "16 ans"),
                            ("Scolarité", "en seconde pro commerce"),
                            ("Adresse", "94000 Créteil"),
                            ("Demande", "aide pour son orientation après le bac pro"),
                        ],
                    ),
                )
            ],
        ),
        {"age": 16, "situation": "lycee_pro", "postal_code": "94000", "need": "orientation", "publics": ["ase"]},
    ),
    "t03-mission-locale-odt": (
        mail(
            "Julie Roche <j.roche@missionlocale-lyon.fr>",
            "Jeune femme à accompagner",
            "Bonjour,\n\nCi-joint la fiche de synthèse d'une jeune que je suis.\n\nCordialement\nJulie "
            "Roche\nConseillère en insertion",
            n=3,
            attachments=[
                (
                    "synthese.odt",
                    ODT_TYPE,
                    odt_with(
                        [
                            "Jeune femme de 22 ans, en recherche d'emploi depuis un an.",
                            "Habite le quartier prioritaire des Buers, 69100 Villeurbanne.",
                            "Objectif : trouver un emploi dans la logistique, préparer ses entretiens d'embauche.",
                        ]
                    ),
                )
            ],
        ),
        {
            "age": 22,
            "situation": "recherche_emploi",
            "postal_code": "69100",
            "need": "insertion_pro",
            "publics": ["femme", "qpv"],
        },
    ),
    "t04-mairie-sarthe-signature-laval": (
        mail(
            "Accueil Mairie <accueil@mairie-laval.fr>",
            "Demande pour un jeune",
            "Bonjour,\n\nUn jeune de seize ans, en terminale pro, qui habite dans la Sarthe chez sa tante, "
            "cherche de l'aide pour son orientation.\n\nCordialement,\n\nService jeunesse\nMairie de Laval\n"
            "Place du 11 Novembre, 53000 Laval",
            n=4,
        ),
        {
            "age": 16,
            "situation": "lycee_pro",
            "postal_code": None,
            "departement": "72",
            "need": "orientation",
            "publics": [],
        },
    ),
    "t05-dans-le-93": (
        mail(
            "M. Hamid <cpe@lycee-voltaire.fr>",
            "Soutien scolaire",
            "Bonjour,\n\nJe vous signale une élève de 15 ans, en 3e, dont la famille habite dans le 93. "
            "Elle a besoin de soutien scolaire.\n\nCdt,\n\nM. Hamid, CPE\nLycée Voltaire\n101 avenue de la République, "
            "75011 Paris",
            n=5,
        ),
        {
            "age": 15,
            "situation": "college",
            "postal_code": None,
            "departement": "93",
            "need": "scolaire",
            "publics": [],
        },
    ),
    "t06-outlook-forward": (
        mail(
            "Claire Petit <claire.petit@ville-grenoble.fr>",
            "TR: demande d'aide",
            "Bonjour,\n\nJe vous transfère la demande d'une maman reçue à l'accueil.\n\nClaire\n\n"
            "________________________________\nDe : Fatima A. <fatima.a@example.fr>\nEnvoyé : lundi 9 novembre 2026 "
            "18:02\n"
            "À : Accueil Mairie\nObjet : demande d'aide\n\nBonjour,\nMon fils Adam a 13 ans, il est en 4ème au collège "
            "Fantin-Latour. "
            "Nous habitons 38100 Grenoble. Il a besoin d'aide aux devoirs.\nMerci",
            n=6,
        ),
        {"age": 13, "situation": "college", "postal_code": "38100", "need": "scolaire", "publics": []},
    ),
    "t07-reply-quoted-history": (
        mail(
            "Paul Durand <p.durand@lycee-descartes-tours.fr>",
            "Re: mentorat",
            "Bonjour,\n\nUne nouvelle demande : Lucas, 17 ans, en terminale générale, habite 37000 Tours. "
            "Il ne sait pas quoi faire après le bac et a besoin d'aide pour Parcoursup.\n\nPaul Durand\n\n"
            "Le 2 novembre 2026 à 10:12, Réseau Mentorat a écrit :\n> Bonjour, pour l'élève de 12 ans à Lille 59000,\n"
            "> en soutien scolaire, l'association a accepté.\n",
            n=7,
        ),
        {"age": 17, "situation": "lycee", "postal_code": "37000", "need": "orientation", "publics": []},
    ),
    "t08-deux-freres": (
        mail(
            "Sandrine Morel <s.morel@pre-evry.fr>",
            "Deux frères",
            "Bonjour,\n\nLe Programme de réussite éducative suit deux frères de 12 et 14 ans, scolarisés au collège, "
            "91000 Évry-Courcouronnes. Ils ont besoin de soutien scolaire.\n\nSandrine Morel\nCoordinatrice PRE",
            n=8,
        ),
        {
            "status": "needs_triage",
            "several": True,
            "age": None,
            "situation": None,
            "postal_code": None,
            "need": "scolaire",
            "publics": [],
        },
    ),
    "t09-liste-prenoms": (
        mail(
            "CPE Collège Jean Moulin <cpe.jeanmoulin@ac-amiens.fr>",
            "Demande de mentorat",
            "Bonjour,\n\nJe vous écris pour Inès, Mohamed et Sarah, élèves de 4e qui risquent de décrocher. "
            "Collège Jean Moulin, 80000 Amiens.\n\nCordialement",
            n=9,
        ),
        {
            "status": "needs_triage",
            "several": True,
            "age": None,
            "situation": None,
            "postal_code": None,
            "need": "scolaire",
            "publics": [],
        },
    ),
    "t10-mna-marseille": (
        mail(
            "Équipe MNA <mna@addap13.fr>",
            "Mineur non accompagné",
            "Bonjour,\n\nNous suivons un mineur non accompagné de 16 ans, hébergé à Marseille (13003), scolarisé en "
            "UPE2A. "
            "Il a besoin de soutien scolaire en français.\n\nBien cordialement,\nL'équipe MNA",
            n=10,
        ),
        {"age": 16, "situation": None, "postal_code": "13003", "need": "scolaire", "publics": ["refugie"]},
    ),
    "t11-mdph-rural": (
        mail(
            "Directrice <ce.0380001x@ac-grenoble.fr>",
            "Élève de CM2",
            "Bonjour,\n\nJe dirige l'école élémentaire de Saint-Pierre-de-Chartreuse (38380), commune rurale. "
            "Un élève de CM2, 10 ans, avec une notification MDPH, aurait besoin d'aide aux "
            "devoirs.\n\nCordialement,\nLa directrice",
            n=11,
        ),
        {
            "age": 10,
            "situation": "primaire",
            "postal_code": "38380",
            "need": "scolaire",
            "publics": ["handicap", "rural"],
        },
    ),
    "t12-corse-du-sud-html": (
        mail(
            "BIJ Ajaccio <bij@ville-ajaccio.fr>",
            "Étudiant",
            "Bonjour, un jeune de 19 ans, étudiant en L1, résidant en Corse-du-Sud, recherche un stage. Cordialement",
            html="<html><body><p>Bonjour,</p><p>un jeune de 19 ans, étudiant en L1, résidant en Corse-du-Sud, "
            "recherche un stage.</p><p>Cordialement</p></body></html>",
            n=12,
        ),
        {
            "age": 19,
            "situation": "etudiant",
            "postal_code": None,
            "departement": "2A",
            "need": "insertion_pro",
            "publics": [],
        },
    ),
    "t13-la-reunion-quinze-ans": (
        mail(
            "CIO Saint-Paul <cio.saintpaul@ac-reunion.fr>",
            "Orientation",
            "Bonjour,\n\nUne lycéenne de quinze ans, en seconde, qui vit à La Réunion, souhaite être accompagnée "
            "pour son orientation.\n\nCordialement",
            n=13,
        ),
        {
            "age": 15,
            "situation": "lycee",
            "postal_code": None,
            "departement": "974",
            "need": "orientation",
            "publics": [],
        },
    ),
    "t14-annee-de-naissance": (
        mail(
            "Mission locale Amiens <contact@ml-amiens.fr>",
            "Jeune en CAP",
            "Bonjour,\n\nJeune né en 2010, en CAP électricité, domicilié 80000 Amiens, cherche un "
            "stage.\n\nCordialement",
            charset="iso-8859-1",
            n=14,
        ),
        {"age": None, "situation": "lycee_pro", "postal_code": "80000", "need": "insertion_pro", "publics": []},
    ),
}

HOLDOUT = {
    "h01-college-pdf-bondy": (
        mail(
            "Vie scolaire <vie-scolaire.0930000a@ac-creteil.fr>",
            "Fiche élève",
            "Bonjour,\n\nVoir la fiche jointe.\n\nCordialement,\n\nVie scolaire\nCollège Lucie Aubrac\n3 rue de Meaux, "
            "93190 Livry-Gargan",
            n=21,
            attachments=[
                (
                    "Fiche élève.pdf",
                    PDF_TYPE,
                    pdf_with_text(
                        [
                            "Fiche de liaison",
                            "Classe : 5ème",
                            "Âge : 12 ans",
                            "Domicile : 8 allée des Tilleuls, 93140 Bondy",
                            "Motif : difficultés en mathématiques",
                        ]
                    ),
                )
            ],
        ),
        {"age": 12, "situation": "college", "postal_code": "93140", "need": "scolaire", "publics": []},
    ),
    "h02-ase-docx-seine-maritime": (
        mail(
            "Référente ASE <referente.ase@seinemaritime.fr>",
            "Jeune accueillie en famille d'accueil",
            "Bonjour,\n\nJe vous adresse en pièce jointe la situation d'une jeune que je suis.\n\nCordialement",
            n=22,
            attachments=[
                (
                    "situation.docx",
                    DOCX_TYPE,
                    docx_with(
                        [
                            "Jeune accueillie en famille d'accueil depuis 2022, âgée de 17 ans, en terminale pro.",
                            "Elle vit en Seine-Maritime.",
                            "Elle souhaite être aidée pour choisir sa formation après le bac.",
                        ]
                    ),
                )
            ],
        ),
        {
            "age": 17,
            "situation": "lycee_pro",
            "postal_code": None,
            "departement": "76",
            "need": "orientation",
            "publics": ["ase"],
        },
    ),
    "h03-thunderbird-forward": (
        mail(
            "Secrétariat Mairie <secretariat@mairie-dijon.fr>",
            "Fwd: Demande",
            "Pour suite à donner.\n\n-------- Message transféré --------\nSujet : \tDemande\nDate : \tSun, 15 Nov 2026 "
            "20:11:00 +0100\n"
            "De : \tM. Lefebvre <lefebvre@example.fr>\n\nBonjour, ma fille de 14 ans, collégienne en 3e, habite 21000 "
            "Dijon. "
            "Elle aurait besoin de soutien scolaire.\n",
            n=23,
        ),
        {"age": 14, "situation": "college", "postal_code": "21000", "need": "scolaire", "publics": []},
    ),
    "h04-trois-eleves": (
        mail(
            "Principal adjoint <pa.0590000@ac-lille.fr>",
            "Mentorat pour des élèves",
            "Bonjour,\n\nJe souhaite inscrire trois élèves de 4e de notre collège, 59000 Lille, à votre programme "
            "de soutien scolaire.\n\nCordialement",
            n=24,
        ),
        {
            "status": "needs_triage",
            "several": True,
            "age": None,
            "situation": None,
            "postal_code": None,
            "need": "scolaire",
            "publics": [],
        },
    ),
    "h05-mission-locale-neet": (
        mail(
            "Conseiller ML <conseiller@ml-amienois.fr>",
            "Jeune à accompagner",
            "Bonjour,\n\nJeune homme de vingt ans, ni en emploi ni en formation, habite un quartier prioritaire, "
            "80080 Amiens. Il cherche une alternance.\n\nCordialement",
            n=25,
        ),
        {"age": 20, "situation": "sans_activite", "postal_code": "80080", "need": "insertion_pro", "publics": ["qpv"]},
    ),
    "h06-pre-odt-village": (
        mail(
            "PRE Creuse <pre@creuse.fr>",
            "Enfant de CE2",
            "Bonjour,\n\nCi-joint la fiche.\n\nL'équipe PRE",
            n=26,
            attachments=[
                (
                    "fiche.odt",
                    ODT_TYPE,
                    odt_with(
                        [
                            "Enfant de 9 ans en CE2.",
                            "Vit dans un petit village, 23400 Bourganeuf.",
                            "Besoin : aide aux devoirs et à la lecture.",
                        ]
                    ),
                )
            ],
        ),
        {"age": 9, "situation": "primaire", "postal_code": "23400", "need": "scolaire", "publics": ["rural"]},
    ),
    "h07-montreuil-93": (
        mail(
            "AS scolaire <as@college-montreuil.fr>",
            "Demande",
            "Bonjour,\n\nÉlève de 13 ans en 4e, habite à Montreuil (93), a besoin d'un accompagnement "
            "scolaire.\n\nCordialement",
            n=27,
        ),
        {"age": 13, "situation": "college", "postal_code": "93100", "need": "scolaire", "publics": []},
    ),
    "h08-html-cp1252-quimper": (
        mail(
            "Prof principal <pp@lycee-quimper.fr>",
            "Parcoursup",
            "Bonjour, élève de terminale STMG, 17 ans, domicilié 29000 Quimper, a besoin d'aide pour Parcoursup. "
            "Cordialement",
            html="<html><body><div>Bonjour,</div><div>élève de terminale STMG, 17 ans, domicilié 29000 Quimper, "
            "a besoin d'aide pour Parcoursup.</div><div>Cordialement</div></body></html>",
            charset="windows-1252",
            n=28,
        ),
        {"age": 17, "situation": "lycee", "postal_code": "29000", "need": "orientation", "publics": []},
    ),
    "h09-mdph-val-de-marne": (
        mail(
            "Enseignante référente <er.handicap@ac-creteil.fr>",
            "Adolescent TSA",
            "Bonjour,\n\nAdolescent de 15 ans, reconnu MDPH (TSA), élève de 3e, habite dans le Val-de-Marne. "
            "Il a besoin de soutien scolaire.\n\nCordialement",
            n=29,
        ),
        {
            "age": 15,
            "situation": "college",
            "postal_code": None,
            "departement": "94",
            "need": "scolaire",
            "publics": ["handicap"],
        },
    ),
    "h10-encrypted-pdf-only": (
        mail(
            "Secrétariat <secretariat@college-x.fr>",
            "Fiche de liaison",
            "Bonjour,\n\nVeuillez trouver ci-joint la fiche.\n\nCordialement",
            n=30,
            attachments=[("fiche.pdf", PDF_TYPE, encrypted_pdf(["Élève de 14 ans, 59100 Roubaix, soutien scolaire"]))],
        ),
        {"status": "needs_triage", "age": None, "situation": None, "postal_code": None, "need": None, "publics": []},
    ),
    "h11-reponse-automatique": (
        mail(
            "Marie Dupont <marie.dupont@ac-nantes.fr>",
            "Réponse automatique : absente",
            "Je suis absente jusqu'au 30 novembre. En cas d'urgence, contactez le secrétariat.",
            n=31,
            headers={"Auto-Submitted": "auto-replied"},
        ),
        None,
    ),
    "h12-apprenti-lyon": (
        mail(
            "Développeur de l'apprentissage <dev.apprentissage@cfa-lyon.fr>",
            "Apprenti sans patron",
            "Bonjour,\n\nUn jeune de 17 ans, apprenti en CAP cuisine, habite 69003 Lyon. Il cherche un patron "
            "pour son contrat.\n\nCordialement",
            n=32,
        ),
        {"age": 17, "situation": "apprenti", "postal_code": "69003", "need": "insertion_pro", "publics": []},
    ),
}


def write(folder: str, cases: dict) -> None:
    target = HERE / folder
    target.mkdir(exist_ok=True)
    expected = {}
    for name, (raw, want) in cases.items():
        (target / f"{name}.eml").write_bytes(raw)
        if want is None:
            expected[name] = {"request": False, "ack": False}
        else:
            expected[name] = {"request": True, "ack": True, **want}
    (target / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write("fr", TUNE)
    write("fr-holdout", HOLDOUT)
