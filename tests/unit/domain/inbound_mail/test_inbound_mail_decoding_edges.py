"""Inbound mail decoding at its edges: charsets as labelled and mislabelled, the byte and
character caps, flowed and enriched text, HTML oddities, attached and encoded messages,
and the structure limits checked before parsing."""

from __future__ import annotations

import base64

import pytest

from chalicelib.domain.inbound_mail import Limits, UnparseableMail, html_to_text, parse_inbound

HEAD = "From: Sophie Lemaire <sophie@ac-lille.fr>\nTo: urgence@lementorat.fr\nSubject: Demande\n"


def parse(raw: bytes | str, limits: Limits = Limits()):
    return parse_inbound(raw, None, limits)


def leaf(content_type: str, body: bytes, limits: Limits = Limits(), extra: str = ""):
    raw = (HEAD + extra + f"Content-Type: {content_type}\n\n").encode("ascii") + body
    return parse(raw, limits)


# -- the parser's entry ---------------------------------------------------------------------


def test_a_message_given_as_text_is_parsed_like_its_utf8_bytes():
    parsed = parse(HEAD + "\nUn élève de 4e a besoin d'aide.\n")
    assert parsed.own_text == "Un élève de 4e a besoin d'aide."


def test_an_unexpected_failure_is_reported_with_its_exception_type():
    with pytest.raises(UnparseableMail) as caught:
        parse(HEAD + "\nBonjour\n", Limits(max_text_chars=None))
    assert caught.value.reason.startswith("parser error: TypeError: ")


# -- charsets --------------------------------------------------------------------------------


def test_the_declared_charset_decodes_the_text():
    assert leaf("text/plain; charset=iso-8859-15", b"Prix : 10 \xa4").text == "Prix : 10 €"
    assert leaf("text/plain; charset=koi8-r", "Привет".encode("koi8-r")).text == "Привет"


def test_latin1_and_ascii_labels_read_windows_1252_or_utf8():
    assert leaf("text/plain; charset=646", b"caf\xe9 \x80").text == "café €"  # 646: another name of ASCII
    assert leaf("text/plain; charset=us-ascii", "café".encode("utf-8")).text == "café"
    assert leaf("text/plain; charset=iso-8859-1", b"\x93oui\x94").text == "“oui”"


def test_invalid_utf8_under_a_utf8_label_is_read_as_windows_1252():
    assert leaf("text/plain; charset=utf-8", b"El\xe8ve de 3e").text == "Elève de 3e"


def test_a_utf8_sequence_cut_by_the_byte_cap_is_dropped_not_misread():
    # 10 characters at most, 40 bytes read: the 40th byte starts an "é".
    parsed = leaf("text/plain", ("a" + "é" * 20).encode("utf-8"), Limits(max_text_chars=10))
    assert parsed.text == "a" + "é" * 9


# -- the caps on text ------------------------------------------------------------------------


def test_plain_text_reads_four_bytes_per_character_allowed():
    assert leaf("text/plain", b"\x00" * 40 + b"Bonjour", Limits(max_text_chars=10)).text == ""
    assert leaf("text/plain", b"\x00" * 39 + b"Bonjour", Limits(max_text_chars=10)).text == "B"


def test_html_reads_five_times_more_than_plain_text():
    assert leaf("text/html", b"\x00" * 200 + b"<p>Bonjour</p>", Limits(max_text_chars=10)).text == ""
    assert leaf("text/html", b"\x00" * 186 + b"<p>Bonjour</p>", Limits(max_text_chars=10)).text == "Bonjour"
    tags = b"<b></b>" * 6 + b"<i></i>"  # 49 characters of markup, then the text: 50 characters of HTML read
    assert leaf("text/html", tags + b"Bonjour", Limits(max_text_chars=10)).text == "B"


def test_enriched_text_loses_its_formatting_commands():
    parsed = leaf("text/enriched", b"<bold>Bonjour</bold>, je t'aime <<3")
    assert parsed.text == "Bonjour, je t'aime <3"


def test_flowed_text_joins_soft_breaks_and_with_delsp_drops_their_space():
    body = b"Un eleve de 15 ans cherche un men \ntor en maths.\n"
    assert (
        leaf("text/plain; format=flowed; delsp=yes", body).own_text == "Un eleve de 15 ans cherche un mentor en maths."
    )
    assert (
        leaf("text/plain; format=flowed; DelSp=YES", body).own_text == "Un eleve de 15 ans cherche un mentor en maths."
    )
    assert leaf("text/plain; format=flowed", body).own_text == "Un eleve de 15 ans cherche un men tor en maths."
    assert leaf("text/plain", body).own_text == "Un eleve de 15 ans cherche un men\ntor en maths."


# -- HTML ------------------------------------------------------------------------------------


def test_preformatted_html_keeps_its_lines():
    assert (
        html_to_text("<p>Fiche :</p><pre>Nom  : Léo\nAge  : 15</pre><p>Merci</p>")
        == "Fiche :\nNom  : Léo\nAge  : 15\nMerci"
    )


def test_an_html_comment_hides_everything_in_it_even_a_greater_than_sign():
    assert html_to_text("<p>Bonjour</p><!-- if (a > b) { x } --><p>Merci</p>") == "Bonjour\nMerci"
    assert html_to_text("<p>Bonjour</p><!-- jamais fermé <p>caché</p>") == "Bonjour"


def test_a_stray_less_than_sign_is_text():
    assert html_to_text("3 < 5 et 7 < 9") == "3 < 5 et 7 < 9"
    assert html_to_text("<p>3 < 5</p><p>fin</p>") == "3 < 5\nfin"


def test_declarations_and_processing_instructions_are_not_text():
    assert html_to_text('<!DOCTYPE html><?xml version="1.0"?><html><body><p>Bonjour</p></body></html>') == "Bonjour"


# -- parts -----------------------------------------------------------------------------------


def multipart(*parts: str, boundary: str = "sep", ctype: str = "multipart/mixed") -> str:
    body = "".join(f"--{boundary}\n{p}\n" for p in parts)
    return f"{HEAD}Content-Type: {ctype}; boundary={boundary}\n\n{body}--{boundary}--\n"


def test_a_bounce_s_copy_of_headers_is_neither_text_nor_an_attachment():
    raw = multipart(
        "Content-Type: text/plain\n\nVotre message n'a pas pu etre remis.",
        "Content-Type: text/rfc822-headers\n\nFrom: nous@lementorat.fr\nSubject: x",
        "Content-Type: image/png; name=logo.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=",
        ctype="multipart/report; report-type=delivery-status",
    )
    parsed = parse(raw)
    assert parsed.attachments == ("logo.png",)
    assert parsed.text == "Votre message n'a pas pu etre remis."


def test_a_named_text_part_of_another_kind_is_an_attachment_not_text():
    raw = multipart(
        "Content-Type: text/plain\n\nCi-joint la fiche.",
        "Content-Type: text/x-plain; name=memo.txt\n\nNe pas lire ici.",
    )
    parsed = parse(raw)
    assert parsed.attachments == ("memo.txt",) and parsed.text == "Ci-joint la fiche."


def encoded_message(inner: str) -> str:
    letters = base64.b64encode(inner.encode("utf-8")).decode("ascii").rstrip("=")
    return multipart(
        "Content-Type: text/plain\n\nVoir le message joint.",
        f"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{letters}",
    )


def test_a_base64_attached_message_without_its_padding_is_still_read():
    for extra in range(8):  # base64 of every length modulo 4 and 5
        inner = f"From: Paul <paul@college.fr>\nSubject: Eleve\n\nLeo a besoin d'aide{'!' * extra}\n"
        parsed = parse(encoded_message(inner))
        assert (
            parsed.forwarded_text == f"De : Paul <paul@college.fr>\nObjet : Eleve\n\nLeo a besoin d'aide{'!' * extra}"
        )


def test_an_encoded_attached_message_counts_its_nesting_from_where_it_is():
    inner = (
        "From: Paul <paul@college.fr>\nSubject: Eleve\nContent-Type: multipart/mixed; boundary=in\n\n"
        "--in\nContent-Type: text/plain\n\nLeo a besoin d'aide\n--in--\n"
    )
    # The outer multipart (0), the message/rfc822 (1), its message (2), that one's text (3).
    assert "Leo a besoin d'aide" in parse(encoded_message(inner), Limits(max_depth=3)).forwarded_text
    with pytest.raises(UnparseableMail, match=r"^MIME nesting too deep \(over 2 levels\)$"):
        parse(encoded_message(inner), Limits(max_depth=2))


# -- limits checked before parsing --------------------------------------------------------------


def test_header_lines_are_counted_by_any_line_break_even_a_leading_one():
    lines = "".join(f"X-Trace-{i}: a\r\n" for i in range(10_001))
    body = "\r\nBonjour\r\n"
    assert parse((lines + body).encode("ascii")).text == "Bonjour"  # 10,000 line breaks before the blank line
    with pytest.raises(UnparseableMail, match=r"^header section too long \(over 10000 lines\)$"):
        parse(("\r" + lines + body).encode("ascii"))


def test_line_breaks_in_the_body_are_not_header_lines():
    raw = (HEAD + "\n").replace("\n", "\r\n") + "ligne\r\n" * 10_001
    assert parse(raw.encode("ascii")).text.count("ligne") == 10_001


def test_boundaries_are_counted_up_to_the_part_limit():
    three = "".join(f"boundary=b{i}\n" for i in range(3))
    assert parse(HEAD + "\n" + three, Limits(max_parts=3)).text == three.strip()
    with pytest.raises(UnparseableMail, match=r"^too many MIME parts \(over 3\)$"):
        parse(HEAD + "\n" + three + "boundary=b3\n", Limits(max_parts=3))


def test_dashed_lines_are_not_mistaken_for_part_delimiters():
    raw = multipart("Content-Type: text/plain\n\nBonjour\n" + "-" * 30 + "\n" + "--\n" * 250 + "Fin")
    parsed = parse(raw)
    assert parsed.text.startswith("Bonjour\n" + "-" * 30) and parsed.text.endswith("Fin")


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_hundreds_of_delimiter_lines_are_refused_whatever_the_line_breaks(newline):
    raw = multipart("Content-Type: text/plain\n\nBonjour") + "--sep--\n" * 250
    with pytest.raises(UnparseableMail, match=r"^too many MIME parts \(over 100\)$"):
        parse(raw.replace("\n", newline).encode("ascii"))


def test_a_header_section_ended_by_two_carriage_returns_leaves_the_body_as_written():
    raw = b"From: sophie@ac-lille.fr\rSubject: Demande\r\rBonjour\nNote : urgent\n\r\rFin"
    assert "Note : urgent" in parse(raw).text


def test_an_encoded_attached_message_too_deep_is_refused_even_past_the_text_cap():
    inner = (
        "From: Paul <paul@college.fr>\nSubject: Eleve\nContent-Type: multipart/mixed; boundary=in\n\n"
        "--in\nContent-Type: text/plain\n\n" + "Leo a besoin d'aide en maths. " * 2 + "\n"
        "--in\nContent-Type: multipart/alternative; boundary=in2\n\n"
        "--in2\nContent-Type: text/plain\n\nsuite\n--in2--\n--in--\n"
    )
    with pytest.raises(UnparseableMail, match=r"^MIME nesting too deep \(over 3 levels\)$"):
        parse(encoded_message(inner), Limits(max_depth=3, max_text_chars=40))
    assert parse(encoded_message(inner), Limits(max_depth=4, max_text_chars=40)).text.startswith(
        "Voir le message joint."
    )


def test_an_attachment_name_in_raw_latin1_is_decoded():
    raw = multipart(
        "Content-Type: text/plain\n\nCi-joint la fiche.", "Content-Type: application/pdf; name=r\xe9sum\xe9.pdf\n\nxx"
    ).encode("latin-1")
    assert parse(raw).attachments == ("résumé.pdf",)
    encoded = multipart(
        "Content-Type: text/plain\n\nCi-joint.",
        'Content-Type: application/pdf; name="=?utf-8?q?fiche_d=C3=A9l=C3=A8ve.pdf?="\n\nxx',
    )
    assert parse(encoded).attachments == ("fiche délève.pdf",)


def test_nesting_deeper_than_python_can_follow_is_refused_with_its_reason():
    inner = b"Content-Type: text/plain\n\nfin\n"
    for i in range(700):
        b = b"b%d" % i
        inner = b"Content-Type: multipart/mixed; boundary=" + b + b"\n\n--" + b + b"\n" + inner + b"\n--" + b + b"--\n"
    with pytest.raises(UnparseableMail, match="^MIME structure nested too deeply for the parser$"):
        parse(b"From: a@b.fr\nSubject: x\n" + inner, Limits(max_parts=100_000, max_depth=100_000))
