"""Where each value of a mail is read (subject, body, forwarded text, attachment) and how a
mail about several young people keeps its single-youth values as hints only. Pure: no I/O."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.extraction import Extraction, Found, extract_request

TODAY = date(2026, 11, 16)


def test_an_attachments_values_name_the_file_and_its_words():
    x = extract_request(
        "", "Bonjour", attachments=[("fiche.pdf", "Besoin : soutien\n   scolaire. Il habite à Tourcoing.")], today=TODAY
    )
    assert x.need == Found("scolaire", "soutien scolaire", 0.9, "attachment:fiche.pdf")
    assert x.postal_code == Found("59200", "Tourcoing", 0.7, "attachment:fiche.pdf")


def test_an_attachment_without_a_name():
    x = extract_request("", "Bonjour", attachments=[("", "Besoin : soutien scolaire.")], today=TODAY)
    assert x.need == Found("scolaire", "soutien scolaire", 0.9, "attachment:?")


def test_only_the_first_20000_characters_of_an_attachment_are_read():
    cut = extract_request("", "Bonjour", attachments=[("f.txt", "x" * 19984 + " soutien scolaire")], today=TODAY)
    assert cut.need is None  # 20,001 characters: "scolair" is what is read
    near_the_end = extract_request(
        "", "Bonjour", attachments=[("f.txt", "x" * 19983 + " soutien scolaire")], today=TODAY
    )
    assert near_the_end.need == Found("scolaire", "soutien scolaire", 0.9, "attachment:f.txt")


def test_the_subject_weighs_more_than_forwarded_text():
    x = extract_request("Soutien scolaire", "Bonjour", "Orientation", today=TODAY)
    assert x.need == Found("scolaire", "Soutien scolaire", 0.7, "subject")


def test_a_blank_mail_says_nothing():
    assert extract_request("", "   ", "", "", today=TODAY) == Extraction(None, None, None, None, None, (), False, None)


def test_several_youths_keep_age_situation_and_place_as_hints_only():
    x = extract_request(
        "",
        "Nous suivons plusieurs élèves de 15 ans en 3e, ils habitent à Tourcoing, en QPV, pour du soutien scolaire.",
        today=TODAY,
    )
    assert x == Extraction(
        age=Found(15, "15 ans", 0.5, "body"),
        situation=Found("college", "en 3e", 0.5, "body"),
        postal_code=Found("59200", "Tourcoing", 0.5, "body"),
        city=Found("Tourcoing", "Tourcoing", 0.5, "body"),
        need=Found("scolaire", "soutien scolaire", 0.9, "body"),
        publics=(Found("qpv", "QPV", 0.9, "body"),),
        several_youths=True,
        departement=None,
    )


def test_several_youths_keep_a_departement_as_a_hint_only():
    assert extract_request("", "Plusieurs jeunes du 93.", today=TODAY).departement == Found("93", "93", 0.5, "body")
