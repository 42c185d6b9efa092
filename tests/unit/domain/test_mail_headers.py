"""Header values are parsed, checked and re-serialised; what fails is dropped or refused."""

from __future__ import annotations

import base64
import email
from email import policy

import pytest

from chalicelib.adapters.mail import render_mime
from chalicelib.domain.mail_headers import UnsendableMail, ascii_address, clean_msg_id, header_text
from chalicelib.services.ports import OutgoingMail

SENDER = "Réseau Mentorat <ne-pas-repondre@lementorat.fr>"
HIDDEN = "<=?utf-8?b?" + base64.b64encode(b"a\r\nBcc: x@attacker.example\r\n\r\n<h1>x</h1>").decode() + "?=@x>"


@pytest.mark.parametrize(
    "value", ["<abc.MNT-2345-6789@lementorat.fr>", "<CAF+x=y_z@mail.gmail.com>", "<a@[127.0.0.1]>"]
)
def test_clean_msg_ids_are_kept_as_written(value):
    assert clean_msg_id(f" {value} ") == value


@pytest.mark.parametrize(
    "value",
    [
        HIDDEN,
        "<a\r\nBcc: x@y>",
        "<a@b>\x00",
        "<a b@c>",
        "a@b",
        "<a@b> <c@d>",
        "<" + "x" * 300 + "@b>",
        "<jöe@b>",
        None,
        42,
    ],
)
def test_anything_else_is_dropped(value):
    assert clean_msg_id(value) is None


def test_non_ascii_domains_go_out_in_punycode():
    assert ascii_address("lea@exämple.fr") == "lea@xn--exmple-cua.fr"


@pytest.mark.parametrize(
    "value",
    ["jöe@example.fr", "a@b.fr\r\nBcc: c@d.fr", "a@b.fr, c@d.fr", "<a@b.fr>", "a@b", "a\x00@b.fr", "", "a@-b.fr"],
)
def test_addresses_that_cannot_be_sent_to_are_refused_without_echoing_them(value):
    with pytest.raises(UnsendableMail) as refused:
        ascii_address(value, "To")
    assert value.strip() not in str(refused.value) or not value.strip()


def test_header_text_is_one_line_and_never_an_encoded_word():
    assert header_text("Demande\r\nBcc: x@y\x00 =?utf-8?b?QQ==?=") == "Demande Bcc: x@y = ?utf-8?b?QQ== ?="


def mail(**overrides):
    base = dict(
        id="m1",
        message_id="<m1.MNT-2345-6789@lementorat.fr>",
        to=("lea@example.net",),
        subject="Votre demande MNT-2345-6789",
        text="Bonjour Léa\x00\r\n",
        html="<p>Bonjour</p>",
        auto_submitted="auto-replied",
        reply_to="urgence@lementorat.fr",
        in_reply_to=None,
    )
    base.update(overrides)
    return OutgoingMail(**base)


def test_a_built_message_holds_exactly_the_expected_headers():
    data, recipients = render_mime(mail(in_reply_to="<orig@college.example.fr>"), SENDER)
    msg = email.message_from_bytes(data, policy=policy.default)
    assert recipients == ("lea@example.net",)
    assert sorted(k.lower() for k in msg.keys()) == sorted(
        [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "reply-to",
            "in-reply-to",
            "references",
            "auto-submitted",
            "mime-version",
            "content-type",
        ]
    )
    assert msg["In-Reply-To"] == msg["References"] == "<orig@college.example.fr>"
    assert msg["From"].addresses[0].display_name == "Réseau Mentorat"
    assert "\x00" not in msg.get_body(("plain",)).get_content()


def test_a_hidden_encoded_word_in_in_reply_to_is_dropped():
    data, _ = render_mime(mail(in_reply_to=HIDDEN), SENDER)
    msg = email.message_from_bytes(data, policy=policy.default)
    assert "In-Reply-To" not in msg and "Bcc" not in msg and b"attacker" not in data


@pytest.mark.parametrize("to", [("jöe@example.fr",), ("a@b.fr\r\nBcc: c@d.fr",), ()])
def test_an_unsendable_recipient_is_a_permanent_failure(to):
    with pytest.raises(UnsendableMail):
        render_mime(mail(to=to), SENDER)
