"""The mails about a request, as stored in the outbox (what will be sent): the exact lines
the association, the youth and the referent read, and each header (Subject, To, Reply-To,
Message-ID, Auto-Submitted, In-Reply-To). On the in-memory stores (services/mails.py)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from chalicelib.domain.vocabulary import Channel
from tests.builders import association, make_memory_services, request_of, youth

LINK = re.compile(r"http://127\.0\.0\.1:8000/reponse/([A-Za-z0-9_.\-]+)")
REFERENT = {
    "name": "Mme Roux",
    "email": "roux@college.example.fr",
    "phone": "0320000000",
    "structure_name": "Collège Jean Macé",
    "structure_type": "ase",
}


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=[association("asso-a")])


def stored_mails(s, result):
    """The result's mails by kind, as the outbox holds them."""
    mails = [s.stores.outbox.mail_state(m) for m in result.mail_ids]
    return {m["kind"]: m for m in mails}


def lines(text):
    return [line for line in text.splitlines() if line.startswith("- ")]


def test_the_associations_mail_lists_the_facts_of_a_referents_request_and_no_contact(s):
    data = youth(publics=["handicap"], referent=REFERENT, age=12)
    result = s.submit(request_of(data, Channel.REFERENT_FORM))
    mail = stored_mails(s, result)["association_new_request"]
    assert mail["to"] == ["asso-a@asso.example.org"]
    assert mail["subject"] == f"Nouvelle demande de mentorat {result.reference}"
    assert mail["auto_submitted"] == "auto-generated" and mail["reply_to"] is None and mail["in_reply_to"] is None
    assert re.fullmatch(rf"<{mail['id']}\.{result.reference}@lementorat\.fr>", mail["message_id"])
    assert mail["request_id"] == result.id
    assert mail["text"].startswith("Bonjour Association asso-a,\n")
    assert lines(mail["text"]) == [
        "- Âge : 12 ans",
        "- Commune : Roubaix (59100)",
        "- Situation : Au collège",
        "- Besoin : Soutien scolaire",
        "- Situation particulière : En situation de handicap",
        "- Demande faite par : un professionnel (Aide sociale à l'enfance)",
    ]
    assert "> J'ai besoin d'aide en maths." in mail["text"].splitlines()
    assert LINK.search(mail["text"])
    # The HTML part says the same, and is sent too.
    assert isinstance(mail["html"], str) and result.reference in mail["html"] and "Aide sociale" in mail["html"]
    for secret in ("roux@college.example.fr", "lea.martin@example.net", "Martin", "Mme Roux", "06 12 34 56 78"):
        assert secret not in mail["text"] and secret not in mail["html"]


def test_the_associations_mail_of_a_youths_own_request(s):
    result = s.submit(request_of(youth(situation="lycee", need="orientation", publics=[]), Channel.FORM))
    mail = stored_mails(s, result)["association_new_request"]
    assert lines(mail["text"]) == [
        "- Âge : 15 ans",
        "- Commune : Roubaix (59100)",
        "- Situation : Au lycée général ou technologique",
        "- Besoin : Orientation (choisir une voie, un métier)",
        "- Situation particulière : aucune indiquée",
        "- Demande faite par : le ou la jeune",
    ]


def test_a_referent_of_no_stated_structure_is_a_professional(s, settings):
    # A request from another door may hold a referent without a structure type.
    record = {
        "id": "r1",
        "reference": "MNT-2345-6789",
        "fields": {"age": 14, "postal_code": "59100"},
        "place": {"commune_name": "Roubaix", "postal_code": "59100", "departement": "59"},
        "referent": {"name": "X", "email": "x@example.fr", "structure_type": None},
        "channel": "api",
    }
    asso = s.directory.snapshot().get("asso-a")
    mail = s.mails.association_new_request(record, asso, 1)
    assert "- Demande faite par : un professionnel\n" in mail.text
    assert "- Situation particulière : aucune indiquée\n" in mail.text


def test_a_postal_code_without_a_known_commune_is_shown_as_such(s):
    record = {
        "id": "r1",
        "reference": "MNT-2345-6789",
        "fields": {"age": 14, "postal_code": "59999", "situation": "college"},
        "place": None,
        "referent": None,
        "channel": "form",
    }
    mail = s.mails.association_new_request(record, s.directory.snapshot().get("asso-a"), 1)
    assert "- Commune : code postal 59999\n" in mail.text and "- Situation : Au collège\n" in mail.text
    assert "- Demande faite par : le ou la jeune\n" in mail.text


def test_the_youths_acknowledgement_of_a_routed_request(s):
    result = s.submit(request_of(youth(), Channel.FORM))
    ack = stored_mails(s, result)["acknowledgement"]
    assert ack["to"] == ["lea.martin@example.net"]
    assert ack["subject"] == f"Votre demande de mentorat {result.reference} est bien reçue"
    assert ack["reply_to"] == "urgence@lementorat.fr"
    assert ack["auto_submitted"] == "auto-generated" and ack["in_reply_to"] is None
    assert re.fullmatch(rf"<[0-9a-f]{{32}}\.{result.reference}@lementorat\.fr>", ack["message_id"])
    text = ack["text"]
    assert text.startswith("Bonjour Léa,\n\nNous avons bien reçu votre demande de mentorat.\n")
    assert f"Votre référence : {result.reference}\n" in text
    assert (
        "Elle a été transmise à une association de mentorat du réseau. "
        "L'association va étudier votre demande et vous contactera."
    ) in text
    assert "Une personne du réseau va chercher" not in text


def test_the_acknowledgement_of_a_request_in_triage_says_someone_will_look(s):
    result = s.submit(request_of(youth(postal_code="75001", city="Paris"), Channel.FORM))
    assert result.status == "needs_triage"
    ack = stored_mails(s, result)["acknowledgement"]
    assert "Une personne du réseau va chercher l'association qui peut vous accompagner." in ack["text"]
    assert "Elle a été transmise" not in ack["text"]


def test_the_referents_acknowledgement_names_them_and_the_youth(s):
    result = s.submit(request_of(youth(referent=REFERENT, age=12), Channel.REFERENT_FORM))
    ack = stored_mails(s, result)["acknowledgement"]
    assert ack["to"] == ["roux@college.example.fr"]  # the referent, not the youth
    assert ack["text"].startswith(
        "Bonjour Mme Roux,\n\nNous avons bien reçu la demande de mentorat que vous avez faite pour Léa.\n"
    )
    assert "Elle a été transmise à une association de mentorat du réseau, qui va l'étudier." in ack["text"]


def test_no_intake_address_no_reply_to(settings, clock):
    s = make_memory_services(replace(settings, intake_addresses=()), clock, directory=[association("asso-a")])
    result = s.submit(request_of(youth(), Channel.FORM))
    assert stored_mails(s, result)["acknowledgement"]["reply_to"] is None


def test_the_message_id_names_the_domain_of_the_from_address(settings, clock):
    s = make_memory_services(
        replace(settings, mail_from="Réseau <ne-pas-repondre@MAIL.EXAMPLE.FX>"),
        clock,
        directory=[association("asso-a")],
    )
    result = s.submit(request_of(youth(), Channel.FORM))
    for mail in stored_mails(s, result).values():
        assert mail["message_id"] == f"<{mail['id']}.{result.reference}@MAIL.EXAMPLE.FX>"


def test_a_from_address_without_a_domain_gives_localhost(settings, clock):
    s = make_memory_services(
        replace(settings, mail_from="Réseau <ne-pas-repondre@>"), clock, directory=[association("asso-a")]
    )
    result = s.submit(request_of(youth(), Channel.FORM))
    for mail in stored_mails(s, result).values():
        assert mail["message_id"] == f"<{mail['id']}.{result.reference}@localhost>"


def test_a_mail_about_no_request_has_a_bare_message_id(s):
    mail = s.mails.console_sign_in("op@reseau.example.org", "http://127.0.0.1:8000/console/x", 15)
    assert mail.message_id == f"<{mail.id}@lementorat.fr>" and mail.request_id is None
    assert mail.to == ("op@reseau.example.org",) and mail.kind == "console_sign_in"


def answer_link(s, result):
    return LINK.search(stored_mails(s, result)["association_new_request"]["text"]).group(1)


def test_the_reminder_names_the_association_the_days_and_the_days_left(s, clock, settings):
    result = s.submit(request_of(youth(), Channel.FORM))
    clock.advance(days=settings.reminder_days)
    s.stores.outbox.take_inserted()
    assert s.answers.sweep_silence() == (1, 0)
    (mail_id,) = s.stores.outbox.take_inserted()
    mail = s.stores.outbox.mail_state(mail_id)
    assert mail["kind"] == "association_reminder" and mail["to"] == ["asso-a@asso.example.org"]
    assert mail["subject"] == f"Rappel : demande de mentorat {result.reference} en attente de réponse"
    text = mail["text"]
    assert text.startswith(
        f"Bonjour Association asso-a,\n\nLe réseau vous a proposé la demande de mentorat {result.reference} "
        f"il y a {settings.reminder_days} jours."
    )
    left = settings.reroute_days - settings.reminder_days
    assert f"Sans réponse dans {left} jours, la demande sera proposée à une autre association." in text
    assert LINK.search(text).group(1).split(".")[0] == answer_link(s, result).split(".")[0]  # the same routing, attempt


def test_the_youth_told_of_the_acceptance_reads_the_associations_name_and_address(s):
    result = s.submit(request_of(youth(), Channel.FORM))
    s.stores.outbox.take_inserted()
    s.answers.accept(answer_link(s, result))
    told = [s.stores.outbox.mail_state(m) for m in s.stores.outbox.take_inserted()]
    (mail,) = [m for m in told if m["kind"] == "requester_accepted"]
    assert mail["to"] == ["lea.martin@example.net"] and mail["reply_to"] == "urgence@lementorat.fr"
    assert mail["subject"] == f"Votre demande de mentorat {result.reference} : une association va vous contacter"
    assert mail["text"].startswith(
        "Bonjour Léa,\n\nBonne nouvelle : l'association Association asso-a a accepté votre demande de mentorat.\n"
    )
    assert "Pour joindre l'association : asso-a@asso.example.org\n" in mail["text"]


def test_the_referent_told_of_the_acceptance_reads_for_whom(s):
    result = s.submit(request_of(youth(referent=REFERENT, age=12), Channel.REFERENT_FORM))
    s.stores.outbox.take_inserted()
    s.answers.accept(answer_link(s, result))
    told = [s.stores.outbox.mail_state(m) for m in s.stores.outbox.take_inserted()]
    (mail,) = [m for m in told if m["kind"] == "requester_accepted"]
    assert mail["to"] == ["roux@college.example.fr"]
    assert (
        "Bonne nouvelle : l'association Association asso-a a accepté la demande de mentorat que vous avez "
        "faite pour Léa."
    ) in mail["text"]


def referent_record(channel="referent_form", name="Mme Roux", first_name=None, association=None):
    return {
        "id": "r1",
        "reference": "MNT-2345-6789",
        "channel": channel,
        "association": association,
        "fields": {"first_name": first_name, "age": 12},
        "referent": {**REFERENT, "name": name},
        "inbound": None,
    }


@pytest.mark.parametrize(
    ("name", "hello"),
    [
        ("Mme Roux", "Bonjour Mme Roux,"),
        ("  Mme\tRoux\n ", "Bonjour Mme Roux,"),
        ("M. " + "x" * 100, "Bonjour M. " + "x" * 77 + ","),
        (None, "Bonjour,"),
        ("", "Bonjour,"),
    ],
)
def test_the_referents_greeting_is_their_name_on_one_line_at_most_80_characters(s, name, hello):
    mail = s.mails.acknowledgement(referent_record(name=name), "roux@college.example.fr")
    assert mail.text.splitlines()[0] == hello
    assert "faite pour le ou la jeune que vous accompagnez." in mail.text  # no first name given


def test_a_mails_sender_is_never_greeted_by_the_name_it_claims(s):
    mail = s.mails.acknowledgement(referent_record(channel="email", name="Service des impôts"), "x@example.fr")
    assert mail.text.splitlines()[0] == "Bonjour,"
    assert mail.auto_submitted == "auto-replied" and mail.in_reply_to is None  # no inbound id kept


def test_the_referent_told_of_an_acceptance_without_the_youths_first_name(s):
    asso = s.directory.snapshot().get("asso-a")
    mail = s.mails.requester_accepted(referent_record(), asso, "roux@college.example.fr")
    assert (
        "l'association Association asso-a a accepté la demande de mentorat que vous avez faite pour "
        "le ou la jeune que vous accompagnez."
    ) in mail.text
    assert mail.to == ("roux@college.example.fr",) and mail.request_id == "r1"


def request_entity(s, result):
    return s.stores.requests.get(result.id, s.clock.now().epoch)


@pytest.mark.parametrize(
    "kind",
    ["nothing_known", "association_new_request", "association_reminder", "requester_accepted", "mentor_accepted"],
)
def test_a_mail_the_request_cannot_have_is_refused(s, kind):
    from chalicelib.domain.request import MailIntent

    request = request_entity(s, s.submit(request_of(youth(), Channel.FORM)))
    with pytest.raises(ValueError, match=f"no mail for {kind}"):
        s.mails.render(MailIntent(kind), request)  # no association given


@pytest.mark.parametrize("kind", ["acknowledgement", "requester_accepted"])
def test_no_mail_to_a_youth_without_an_address(s, kind):
    from chalicelib.domain.request import MailIntent

    result = s.submit(request_of(youth(email=None, phone="0612345678"), Channel.API))
    assert [s.stores.outbox.mail_state(m)["kind"] for m in result.mail_ids] == ["association_new_request"]
    asso = s.directory.snapshot().get("asso-a")
    with pytest.raises(ValueError, match=f"no mail for {kind}"):
        s.mails.render(MailIntent(kind, asso), request_entity(s, result))


def test_the_associations_mail_says_what_a_mailed_request_left_unsaid(s):
    """A request that came by mail and was routed by an operator may lack an age, a place,
    a situation or a need: the association reads "non précisé", never "None"."""
    from chalicelib.domain.models import Association

    request = {
        "id": "r1",
        "reference": "MEN-2026-ABCDEF",
        "fields": {"message": "Un élève a besoin d'aide."},
        "referent": {"name": "Mme Roux", "email": "roux@college.example.fr"},
    }
    asso = Association(**association("asso-a"))
    mail = s.mails.association_new_request(request, asso, 1)
    assert lines(mail.text) == [
        "- Âge : non précisé",
        "- Commune : non précisée",
        "- Situation : non précisée",
        "- Besoin : non précisé",
        "- Situation particulière : aucune indiquée",
        "- Demande faite par : un professionnel",
    ]
    assert "None" not in mail.text and "None" not in mail.html
