"""The one rule of an e-mail address (domain/email_address.py) against the outside oracle,
email-validator with the product's options: every address it accepts is taken, stored in
its ASCII form and sent to; a local part that needs SMTPUTF8 is refused with a message
saying why; nothing else is taken. Addresses from tests/addresses: drawn from RFC 5322
dot-atoms, IDNA labels and the IANA top-level domains, email-validator's own test inputs,
and the shapes French people, schools and town halls have. Pure: no I/O."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from chalicelib.domain.email_address import NotAnAddress, address_key, read_email
from chalicelib.domain.inbound_mail import parse_inbound
from chalicelib.domain.mail_headers import ascii_address
from chalicelib.domain.models import Association
from chalicelib.domain.operators import operator_key, parse_operators
from chalicelib.domain.text_rules import INVALID_EMAIL, email_value
from chalicelib.web.directory_form import entry_from_form, form_values
from tests.addresses import (
    NON_ASCII_LOCAL,
    REAL_SHAPES,
    addresses,
    email_validator_cases,
    iana_tlds,
    non_ascii_local_addresses,
    oracle,
)
from tests.builders import association

SHAPES = [address for _, address in REAL_SHAPES]
SHAPE_IDS = [name for name, _ in REAL_SHAPES]


def stored(value: str) -> str:
    """What the forms, the API and the directory keep of an address."""
    return email_value(value)


def refusal(value: str) -> str:
    with pytest.raises(PydanticCustomError) as refused:
        email_value(value)
    return refused.value.message()


# -- every address the oracle accepts --------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(addresses())
@example("jean.pierre.de.lafontaine@orange.fr")
def test_every_address_email_validator_accepts_is_stored_in_ascii_and_sent_to(address):
    expected = oracle(address).ascii_email
    assert stored(address) == expected and expected.isascii()
    assert ascii_address(stored(address), "To") == expected  # the To of its acknowledgement
    assert stored(expected) == expected  # what is stored reads back as itself


def _mutated(address: str, position: int, character: str) -> str:
    position %= len(address) + 1
    return address[:position] + character + address[position:]


# Text near an address: one character of any Unicode category put anywhere in a valid one
# (superscripts, full-width forms, line and paragraph separators, invisible characters...).
NEAR_ADDRESSES = st.builds(_mutated, addresses(), st.integers(0, 300), st.characters(codec=None))


@settings(max_examples=400, deadline=None)
@given(st.one_of(addresses(), non_ascii_local_addresses(), NEAR_ADDRESSES, st.text(max_size=300)))
@example("²@example.fr")
@example("lea@example.fr\u2028")
@example("ｌｅａ@example.fr")
@example("lea@ｅｘａｍｐｌｅ．ｆｒ")
@example("a" * 65 + "@example.fr")
def test_the_rule_takes_exactly_what_email_validator_takes(value):
    """allow_smtputf8=False's verdict is the product's: an address with an ASCII form; and
    allow_smtputf8=True's tells an address without one from no address at all."""
    try:
        found = read_email(value)
    except NotAnAddress:
        found = None
    assert (found is not None and found.ascii is not None) is (oracle(value) is not None)
    assert (found is not None) is (oracle(value, smtputf8=True) is not None)


def test_an_address_over_254_characters_is_refused_before_it_is_read():
    with pytest.raises(NotAnAddress, match="^too long$"):
        read_email("a@" + "b" * 100_000 + ".fr")
    assert refusal("a" * 60 + "@" + "b" * 190 + ".fr") == INVALID_EMAIL  # 255 characters


# -- email-validator's own cases ---------------------------------------------------------------


@pytest.mark.parametrize("address", email_validator_cases()["valid"])
def test_email_validator_s_valid_addresses_are_taken(address):
    assert stored(address) == oracle(address).ascii_email


@pytest.mark.parametrize("address", email_validator_cases()["valid_non_ascii_local"])
def test_email_validator_s_internationalised_local_parts_are_refused_saying_why(address):
    message = refusal(address)
    assert "notre service d'envoi de mails ne peut pas écrire" in message
    assert "avant « @ » contient des lettres accentuées ou d'un autre alphabet" in message
    local = address.rpartition("@")[0]
    assert all(f"« {c} »" in message for c in local if not c.isascii())


@pytest.mark.parametrize("value", email_validator_cases()["others"])
def test_email_validator_s_other_cases_get_its_verdict(value):
    verdict = oracle(value)
    if verdict is None:
        assert refusal(value) == INVALID_EMAIL
    else:
        assert stored(value) == verdict.ascii_email


# -- the shapes people have ----------------------------------------------------------------------


@pytest.mark.parametrize("address", SHAPES, ids=SHAPE_IDS)
def test_the_real_shapes_are_taken(address):
    assert stored(address) == oracle(address).ascii_email


def test_a_unicode_domain_and_its_punycode_are_one_address_stored_in_punycode():
    assert (
        stored("accueil@mairie-lœuilly.fr")
        == stored("accueil@xn--mairie-luilly-woc.fr")
        == "accueil@xn--mairie-luilly-woc.fr"
    )
    assert stored("Direction@CRÈCHE-LES-PITCHOUNS.FR") == "Direction@xn--crche-les-pitchouns-ryb.fr"
    assert address_key("Accueil@MAIRIE-LŒUILLY.fr") == address_key("accueil@xn--mairie-luilly-woc.fr")


def test_every_iana_top_level_domain_is_taken_but_the_special_use_one():
    refused = [tld for tld in iana_tlds() if oracle(f"contact@mairie.{tld}") is None]
    assert refused == ["arpa"]  # .arpa is IANA's, never a mailbox's (RFC 6761)
    assert [tld for tld in iana_tlds() if tld != "arpa" and not stored(f"contact@mairie.{tld}")] == []


@pytest.mark.parametrize("address", NON_ASCII_LOCAL)
def test_a_local_part_with_non_ascii_letters_is_refused_saying_why_and_what_to_do(address):
    message = refusal(address)
    assert message.startswith("Adresse e-mail impossible à utiliser : notre service d'envoi de mails")
    assert "Indiquez une autre adresse" in message
    assert "ici : « " in message


def test_the_homoglyph_in_a_local_part_is_named():
    assert "(ici : « е »)" in refusal("lеa@example.fr")  # a Cyrillic е that looks Latin


# -- the other doors that take an address ------------------------------------------------------


def _from_header(address: str, name: str = "Mme CPE") -> bytes:
    raw = f"From: {name} <{address}>\r\nTo: urgence@lementorat.fr\r\nSubject: Demande\r\n\r\nBonjour\r\n"
    return raw.encode("utf-8")  # an internationalised domain in raw UTF-8, as SMTPUTF8 mail has it


@settings(max_examples=200, deadline=None)
@given(addresses())
def test_mail_intake_takes_every_sender_email_validator_accepts(address):
    expected = oracle(address.lower()).ascii_email
    assert parse_inbound(_from_header(address), None).from_address == expected
    assert parse_inbound(_from_header(oracle(address).ascii_email), None).from_address == expected


@pytest.mark.parametrize("address", SHAPES, ids=SHAPE_IDS)
def test_mail_intake_takes_the_real_shapes_as_sender_and_reply_to(address):
    raw = _from_header(address).replace(b"Subject:", f"Reply-To: <{address}>\r\nSubject:".encode())
    parsed = parse_inbound(raw, None)
    assert parsed.from_address == parsed.reply_to == oracle(address.lower()).ascii_email


def test_mail_intake_keeps_a_sender_whose_local_part_needs_smtputf8():
    # Their mail came; their request is kept. Its acknowledgement cannot leave through SES
    # (tests/unit/web/test_email_doors.py shows where it is given up).
    assert parse_inbound(_from_header("zoé@exemple.fr"), None).from_address == "zoé@exemple.fr"
    assert parse_inbound(_from_header("zoé@exemple"), None).from_address is None


def _directory_form(emails: str) -> dict:
    """The console's association form as posted, with these addresses typed."""
    return {**form_values(association("a")), "needs[]": ["scolaire"], "emails": emails}


@pytest.mark.parametrize("address", SHAPES, ids=SHAPE_IDS)
def test_the_directory_and_the_operators_take_the_real_shapes(address):
    expected = oracle(address).ascii_email
    assert Association.model_validate(association("a", emails=[address])).emails == [expected]
    assert [o.email for o in parse_operators(f"{address}:admin")] == [expected.lower()]
    entry, _, errors = entry_from_form(_directory_form(f"{address}\n{address.upper()}"), {}, False)
    assert errors == [] and entry["emails"] == [address, address.upper()]


def test_the_directory_says_why_it_refuses_an_address():
    _, _, errors = entry_from_form(_directory_form("contact@asso.fr zoé@asso.fr"), {}, False)
    assert [e["field"] for e in errors] == ["emails"]
    assert errors[0]["message"].startswith("« zoé@asso.fr » : Adresse e-mail impossible à utiliser")
    with pytest.raises(ValueError, match="its local part is not ASCII"):
        Association.model_validate(association("a", emails=["zoé@asso.fr"]))


def test_an_operator_is_one_whatever_the_spelling_of_their_domain():
    assert operator_key(" Op@EXÄMPLE.fr ") == operator_key("op@xn--exmple-cua.fr") == "op@xn--exmple-cua.fr"
    assert operator_key("zoé@example.fr") is None and operator_key("op@example.test") is None
    assert [o.email for o in parse_operators("op@exämple.fr, OP@xn--exmple-cua.fr:admin, pas-une-adresse")] == [
        "op@xn--exmple-cua.fr"
    ]
