"""Who an inbound mail is from, whether a robot sent it, and how its text splits into the
sender's own words, quotes, forwarded mail and signature."""

from __future__ import annotations

import pytest

from chalicelib.domain.inbound_mail import parse_inbound


def mail(
    body: str = "Bonjour,\n\nUn eleve a besoin d'aide.\n",
    *,
    sender="Sophie Lemaire <sophie@ac-lille.fr>",
    subject="Demande",
    headers="",
    envelope=None,
    mbox="",
):
    raw = (
        f"{mbox}{headers}From: {sender}\nTo: urgence@lementorat.fr\nSubject: {subject}\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}"
    )
    return parse_inbound(raw.encode("utf-8"), envelope)


# -- the sender ------------------------------------------------------------------------------


def test_the_first_usable_address_gives_the_sender_and_its_own_name():
    parsed = mail(sender="Secretariat <pas-une-adresse>, Sophie Lemaire <sophie@ac-lille.fr>")
    assert (parsed.from_address, parsed.from_name) == ("sophie@ac-lille.fr", "Sophie Lemaire")


def test_a_bare_address_listed_first_is_the_sender():
    parsed = mail(sender="sophie@ac-lille.fr, Paul <paul@college.fr>")
    assert (parsed.from_address, parsed.from_name) == ("sophie@ac-lille.fr", None)


def test_quotes_around_the_sender_s_name_are_dropped():
    assert mail(sender="'Sophie Lemaire' <sophie@ac-lille.fr>").from_name == "Sophie Lemaire"
    assert mail(sender="\"'Sophie'\" <sophie@ac-lille.fr>").from_name == "Sophie"


@pytest.mark.parametrize("address", ["sophie@.ac-lille.fr", "sophie@ac-lille.fr.", "sophie@ac..lille.fr"])
def test_an_address_whose_domain_is_malformed_is_not_the_sender(address):
    parsed = mail(sender=f"Sophie <{address}>")
    assert (parsed.from_address, parsed.from_name) == (None, "Sophie")


# -- robots ----------------------------------------------------------------------------------


def test_an_mbox_envelope_from_the_mailer_daemon_is_a_robot():
    parsed = mail(mbox="From MAILER-DAEMON Fri Nov 27 10:00:00 2026\n")
    assert parsed.automatic == "mailer-daemon envelope sender (mbox)"
    assert mail(mbox="From <> Fri Nov 27 10:00:00 2026\n").automatic == "mailer-daemon envelope sender (mbox)"
    assert mail(mbox="From sophie@ac-lille.fr Fri Nov 27 10:00:00 2026\n").automatic is None


def test_an_empty_return_path_is_a_robot():
    assert mail(headers="Return-Path: <>\n").automatic == "empty envelope sender (return-path)"
    assert mail(headers="Return-Path: < >\n").automatic == "empty envelope sender (return-path)"
    assert mail(headers="Return-Path: <sophie@ac-lille.fr>\n").automatic is None


def test_auto_submitted_names_its_first_token_only():
    parsed = mail(headers="Auto-Submitted: auto-replied; owner-email=x@y.fr; type=vacation\n")
    assert parsed.automatic == "auto-submitted: auto-replied"
    assert mail(headers="Auto-Submitted: auto-generated (bounce)\n").automatic == "auto-submitted: auto-generated"


def test_an_automatic_subject_is_quoted_up_to_forty_characters():
    subject = "Réponse automatique : je suis absente jusqu'au lundi 7 décembre"
    assert mail(subject=subject).automatic == f"subject: {subject[:40]}"
    assert mail(subject=subject).automatic == "subject: Réponse automatique : je suis absente ju"


@pytest.mark.parametrize("name", ["Mail Delivery System", "Mail Administrator", "MAIL SYSTEM", "Mailer Daemon"])
def test_a_robot_s_display_name_makes_it_a_robot(name):
    assert mail(sender=f"{name} <notices@ac-lille.fr>").automatic == "mailer-daemon sender"


def test_a_person_s_display_name_does_not():
    assert mail(sender="Mail Sophie <sophie@ac-lille.fr>").automatic is None


def test_a_forwarded_robot_mail_is_automatic_unless_the_sender_wrote_more_than_three_words():
    subject = "TR: Réponse automatique : absent"
    assert mail("Pour info.\n", subject=subject).automatic == "forwarded automatic mail: Réponse automatique : absent"
    assert mail("Voir ci-dessous.\n", subject=subject).automatic == (
        "forwarded automatic mail: Réponse automatique : absent"
    )
    assert mail("Voici le message reçu.\n", subject=subject).automatic is None


# -- the text's parts ----------------------------------------------------------------------------


def test_an_attribution_without_le_or_on_counts_when_a_quote_follows():
    parsed = mail(
        "Je vous transmets sa demande.\n\nSophie Martin a écrit :\n> Mon fils a besoin d'aide.\n",
        subject="RE: Demande",
        sender="Paul <paul@college.fr>",
    )
    assert parsed.own_text == "Je vous transmets sa demande."
    assert parsed.quoted_text == "Sophie Martin a écrit :\n> Mon fils a besoin d'aide."


def test_an_attribution_followed_by_unquoted_text_quotes_all_that_follows():
    parsed = mail(
        "Merci pour votre retour.\n\nLe 3 mars 2026, Sophie <sophie@ac-lille.fr> a écrit :\n"
        "Bonjour,\nvoici la fiche.\n",
        subject="RE: Demande",
        sender="Paul <paul@college.fr>",
    )
    assert parsed.own_text == "Merci pour votre retour."
    assert parsed.quoted_text == "Le 3 mars 2026, Sophie <sophie@ac-lille.fr> a écrit :\nBonjour,\nvoici la fiche."


def test_a_forwarded_message_starts_right_after_its_separator():
    parsed = mail(
        "Pour suite à donner.\n\n---------- Message transféré ---------\nDe : Paul <paul@college.fr>\n"
        "Objet : Leo\n\nLeo a 15 ans.\n",
        subject="TR: Leo",
    )
    assert parsed.own_text == "Pour suite à donner."
    assert parsed.forwarded_text == "De : Paul <paul@college.fr>\nObjet : Leo\n\nLeo a 15 ans."


def test_the_sender_s_name_on_the_last_line_is_the_signature():
    parsed = mail("Bonjour,\n\nUn eleve a besoin d'aide.\nsophie lemaire\n")
    assert (parsed.own_text, parsed.signature) == ("Bonjour,\n\nUn eleve a besoin d'aide.", "sophie lemaire")


def test_a_sign_off_block_may_hold_lines_of_up_to_120_characters():
    line = "Collège Jean Moulin, 12 rue des Écoles, 59100 Roubaix, standard 03 20 00 00 00, " + "x" * 40
    assert len(line) == 120
    parsed = mail(f"Bonjour,\n\nUn eleve a besoin d'aide.\nCordialement\n{line}\n", sender="P <p@college.fr>")
    assert (parsed.own_text, parsed.signature) == ("Bonjour,\n\nUn eleve a besoin d'aide.", f"Cordialement\n{line}")
    longer = mail(f"Bonjour,\n\nUn eleve a besoin d'aide.\nCordialement\n{line}x\n", sender="P <p@college.fr>")
    assert longer.signature == ""


def test_a_text_without_blank_line_that_starts_with_the_sender_s_name_is_all_the_sender_s_own():
    parsed = mail("Sophie Martin a 15 ans\net cherche un mentor.\n", sender="Sophie Lemaire <sophie@ac-lille.fr>")
    assert (parsed.own_text, parsed.signature) == ("Sophie Martin a 15 ans\net cherche un mentor.", "")


def test_a_last_paragraph_of_more_than_five_lines_is_not_a_name_block():
    body = "Bonjour,\n\n" + "".join(f"Sophie ligne {i}\n" for i in range(6))
    parsed = mail(body)
    assert parsed.signature == "" and parsed.own_text == body.strip()


def test_a_name_and_subject_in_raw_latin1_keep_their_last_letter():
    parsed = parse_inbound(b"From: Jos\xe9 <jose@ac-lille.fr>\nSubject: Caf\xe9\n\nBonjour\n", None)
    assert (parsed.from_name, parsed.subject) == ("José", "Café")
