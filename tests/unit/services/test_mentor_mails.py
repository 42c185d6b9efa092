"""The mails of a volunteer's sign-up, as stored in the outbox: the profile the association
reads (and no contact), the volunteer's acknowledgement and acceptance, the association's
reminder; each with its exact Subject, To and Reply-To (services/mentor_mails.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.request import MailIntent
from tests.builders import ANSWER_URL as LINK
from tests.builders import association, make_memory_services
from tests.builders import retired_volunteer as volunteer

DIRECTORY = [association("first", recruits_mentors=True), association("second", recruits_mentors=True)]


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def sign_up(s, **overrides):
    return s.mentors.sign_up(parse_mentor_submission(volunteer(**overrides), json=True), "api")


def new_mails(s):
    return {m["kind"]: m for m in (s.stores.outbox.mail_state(i) for i in s.stores.outbox.take_inserted())}


def test_a_sign_up_returns_the_ids_of_its_two_mails(s):
    made = sign_up(s)
    mails = new_mails(s)
    assert sorted(made.mail_ids) == sorted(m["id"] for m in mails.values())
    assert sorted(mails) == ["mentor_acknowledgement", "mentor_association_new_signup"]


def test_the_associations_mail_shows_the_profile_and_no_contact(s):
    made = sign_up(s)
    mail = new_mails(s)["mentor_association_new_signup"]
    assert mail["to"] == ["first@asso.example.org"] and mail["reply_to"] is None
    assert mail["subject"] == f"Un ou une bénévole souhaite devenir mentor {made.reference}"
    assert mail["message_id"] == f"<{mail['id']}.{made.reference}@lementorat.fr>"
    assert mail["auto_submitted"] == "auto-generated"
    text = mail["text"]
    assert text.startswith("Bonjour Association first,\n")
    assert [line for line in text.splitlines() if line.startswith("- ")] == [
        "- Âge : 42 ans",
        "- Commune : Roubaix (59100)",
        "- Situation : À la retraite",
        "- Secteur ou métier : Informatique",
        "- Mentorat : En présentiel, près de chez moi, À distance (visio, téléphone)",
        "- Disponibilité : 4 heures par mois, pendant au moins 6 mois",
        "- Âges des jeunes : 11 à 14 ans (collège), 15 à 18 ans (lycée)",
        "- Pour aider en : Soutien scolaire, Orientation (choisir une voie, un métier)",
    ]
    assert "> Ingénieur, j'aimerais aider des lycéens." in text.splitlines()
    assert LINK.search(text)
    for secret in ("paul.durand@example.net", "Durand", "06 98 76 54 32"):
        assert secret not in text and secret not in mail["html"]


def test_the_volunteers_acknowledgement_when_routed(s, settings):
    made = sign_up(s)
    ack = new_mails(s)["mentor_acknowledgement"]
    assert ack["to"] == ["paul.durand@example.net"]
    assert ack["reply_to"] is None  # a volunteer's reply is no youth's request: not the intake address
    assert ack["subject"] == f"Votre candidature pour devenir mentor est bien reçue {made.reference}"
    text = ack["text"]
    assert text.startswith("Bonjour Paul,\n\nMerci de vouloir devenir mentor !")
    assert "Votre profil a été transmis à une association de mentorat du réseau près de chez vous." in text
    assert f"Écrivez au réseau, contact@lementorat.fr, en rappelant la référence {made.reference}." in text
    assert f"sans association, elles sont supprimées au bout de {settings.mentor_retention_days} jours." in text


def test_the_volunteers_acknowledgement_when_nobody_fits(s):
    made = sign_up(s, postal_code="75019", city=None)
    assert made.status == "needs_triage" and made.association is None
    mails = new_mails(s)
    assert list(mails) == ["mentor_acknowledgement"] and list(made.mail_ids) == [mails["mentor_acknowledgement"]["id"]]
    assert (
        "Une personne du réseau va chercher l'association qui pourra vous accueillir."
        in mails["mentor_acknowledgement"]["text"]
    )


def test_the_reminder_to_the_association(s, clock, settings):
    made = sign_up(s)
    first_link = LINK.search(new_mails(s)["mentor_association_new_signup"]["text"]).group(1)
    clock.advance(days=settings.reminder_days)
    assert s.mentors.sweep_silence() == (1, 0)
    mail = new_mails(s)["mentor_reminder"]
    assert mail["to"] == ["first@asso.example.org"] and mail["reply_to"] is None
    assert mail["subject"] == f"Rappel : un ou une bénévole attend votre réponse {made.reference}"
    text = mail["text"]
    assert text.startswith(
        f"Bonjour Association first,\n\nLe réseau vous a proposé le profil de bénévole {made.reference} "
        f"il y a {settings.reminder_days} jours."
    )
    left = settings.reroute_days - settings.reminder_days
    assert f"Sans réponse dans {left} jours, le profil sera proposé à une autre association." in text
    # The same link as the first mail's: the same sign-up, association and attempt.
    assert LINK.search(text).group(1).split(".")[0] == first_link.split(".")[0]
    assert s.mentors.view(LINK.search(text).group(1)).state == "open"


def test_the_accepted_volunteer_reads_the_associations_name_and_address(s):
    made = sign_up(s)
    link = LINK.search(new_mails(s)["mentor_association_new_signup"]["text"]).group(1)
    s.mentors.accept(link)
    mail = new_mails(s)["mentor_accepted"]
    assert mail["to"] == ["paul.durand@example.net"] and mail["reply_to"] is None
    assert mail["subject"] == f"L'association Association first va vous contacter pour devenir mentor {made.reference}"
    assert mail["text"].startswith(
        "Bonjour Paul,\n\nBonne nouvelle : l'association Association first a accepté votre candidature"
    )
    assert "Pour joindre l'association : first@asso.example.org\n" in mail["text"]


@pytest.mark.parametrize(
    "kind",
    ["nothing_known", "requester_accepted", "mentor_accepted", "mentor_reminder", "mentor_association_new_signup"],
)
def test_a_mail_the_sign_up_cannot_have_is_refused(s, kind):
    made = sign_up(s)
    signup = s.stores.mentors.get(made.id, s.clock.now().epoch)
    with pytest.raises(ValueError, match=f"no mail for {kind}"):
        s.mentors.mails.render(MailIntent(kind), signup)  # no association given


def test_a_short_profile_without_sector_or_message(s):
    made = sign_up(
        s,
        modes=["distance"],
        hours_per_month=1,
        youth_ages=["6-10"],
        needs=["insertion_pro"],
        sector=None,
        message=None,
        occupation="etudiant",
    )
    text = new_mails(s)["mentor_association_new_signup"]["text"]
    assert [line for line in text.splitlines() if line.startswith("- ")] == [
        "- Âge : 42 ans",
        "- Commune : Roubaix (59100)",
        "- Situation : Étudiant ou étudiante",
        "- Mentorat : À distance (visio, téléphone)",
        "- Disponibilité : 1 heure par mois, pendant au moins 6 mois",
        "- Âges des jeunes : 6 à 10 ans (école primaire)",
        "- Pour aider en : Insertion professionnelle (stage, alternance, emploi)",
    ]
    assert "\nPas de message.\n" in text and made.reference in text
