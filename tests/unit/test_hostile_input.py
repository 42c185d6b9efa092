"""docs/input-rules.md: hostile input gets a clear error, never a crash, and the
OpenAPI document holds exactly the rules the server checks. Pure: no I/O."""

from __future__ import annotations

import json
import re
import unicodedata

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from chalicelib.domain import phone, text_rules
from chalicelib.domain.submission import InvalidSubmission, parse_submission
from chalicelib.domain.submission_schema import postal_codes_pattern
from chalicelib.web.openapi import openapi_document
from chalicelib.web.parsing import BodyRefused, parse_form, parse_json
from tests.addresses import addresses, email_format, non_ascii_local_addresses, oracle
from tests.builders import youth


def errors_of(data: dict, json_body: bool = True) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data, json=json_body)
    return {e.field: e.message for e in caught.value.errors}


def referent_submission(**referent) -> dict:
    data = youth(referent={"email": "c.durand@college.example.fr", "structure_name": "Collège Jean Macé", **referent})
    data.pop("email", None)
    data.pop("phone", None)
    return data


# --- Finding 2: the unauthenticated 500s -----------------------------------------------------


def test_json_nested_1000_deep_is_a_400_not_a_recursion_error():
    body = ("[" * 1000 + "]" * 1000).encode()  # 2 KB
    with pytest.raises(BodyRefused) as refused:
        parse_json(body, 64 * 1024)
    assert refused.value.status == 400
    assert "deeper than 20" in refused.value.message


def test_json_nesting_within_the_limit_is_read():
    assert parse_json(json.dumps({"a": [[{"b": "[[[[{{{"}]]}).encode(), 1024) == {"a": [[{"b": "[[[[{{{"}]]}


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"{", b"NaN", b'{"a": Infinity}', b'{"a": "\\ud800"}'])
def test_what_is_not_json_text_is_a_400(raw):
    with pytest.raises(BodyRefused) as refused:
        parse_json(raw, 1024)
    assert refused.value.status == 400


def test_a_body_over_the_limit_is_a_413_before_parsing():
    with pytest.raises(BodyRefused) as refused:
        parse_json(b"[" * (1024 * 1024 + 1), 1024 * 1024)
    assert refused.value.status == 413
    assert "1 MiB" in refused.value.message


def test_more_than_100_form_fields_is_a_french_400():
    with pytest.raises(BodyRefused) as refused:
        parse_form("&".join(f"f{i}=x" for i in range(101)).encode())
    assert refused.value.status == 400
    assert "trop de champs" in refused.value.french


def test_100_form_fields_are_read():
    values = parse_form("&".join(["publics=qpv"] * 50 + [f"f{i}=x" for i in range(50)]).encode())
    assert values["publics"] == ["qpv"] * 50 and values["f49"] == "x"


@pytest.mark.parametrize("email", [12, ["a@b.fr"], {"x": 1}, True])
def test_referent_email_not_a_string_is_a_field_error(email):
    assert set(errors_of(referent_submission(email=email))) == {"referent.email"}


@pytest.mark.parametrize("publics", [[["qpv"]], [{"a": 1}], ["qpv", {"a": 1}]])
def test_list_or_object_inside_publics_is_a_field_error(publics):
    assert set(errors_of(youth(publics=publics))) == {"publics"}


@pytest.mark.parametrize(
    "field, value",
    [
        ("age", "17"),
        ("age", True),
        ("consent", "on"),
        ("consent", 1),
        ("parental_consent", "on"),
        ("postal_code", 59100),
    ],
)
def test_json_types_are_exact_on_the_api(field, value):
    data = youth(age=14, parental_consent=True) if field == "parental_consent" else youth()
    data[field] = value
    assert field in errors_of(data)


def test_forms_still_send_text():
    assert parse_submission(youth(age="17", consent="on")).age == 17


# --- Finding 5: validation -------------------------------------------------------------------

HOSTILE_NAMES = {
    "zero-width-spaces": "\u200b\u200b\u200b",
    "bom": "\ufeff",
    "nul": "L\x00a",
    "ansi-escape": "\x1b[31mLéa",
    "bidi-override": "\u202eaéL",
    "bidi-isolate": "Léa\u2066x",
    "line-separator": "Léa\u2028Martin",
}


@pytest.mark.parametrize("value", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
@pytest.mark.parametrize("field", ["first_name", "last_name", "city"])
def test_names_and_city_refuse_control_and_format_characters(field, value):
    message = errors_of(youth(**{field: value}))[field]
    assert "caractères" in message.lower()


@pytest.mark.parametrize("value", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
@pytest.mark.parametrize("field", ["name", "structure_name"])
def test_referent_names_refuse_control_and_format_characters(field, value):
    assert f"referent.{field}" in errors_of(referent_submission(**{field: value}))


def test_names_are_stored_in_nfc():
    parsed = parse_submission(youth(first_name="Le\u0301a", city="Roubaix"), json=True)
    assert parsed.first_name == "Léa" == unicodedata.normalize("NFC", "Léa")


def test_length_is_counted_on_what_was_sent():
    assert "first_name" in errors_of(youth(first_name="a" * 100 + " "))


def test_message_keeps_lines_and_tabs_and_loses_other_controls():
    parsed = parse_submission(youth(message="Bonjour\r\n\tJ'ai\x00 16 ans\x1b[2J \u202eaé\u202c.\x7f"), json=True)
    assert parsed.message == "Bonjour\n\tJ'ai 16 ans[2J aé."


@pytest.mark.parametrize(
    "typed",
    [
        "０６１２３４５６７８",
        "06 12 34 56 78",
        "+33 6 12 34 56 78",
        "＋３３ ６ １２ ３４ ５６ ７８",
        "06\u00a012\u00a034\u00a056\u00a078",
    ],
)
def test_phones_are_stored_in_one_canonical_form(typed):
    parsed = parse_submission(youth(phone=typed, email=None), json=True)
    assert parsed.phone == "0612345678"


@pytest.mark.parametrize("typed", ["06\n12 34 56 78", "٠٦١٢٣٤٥٦٧٨", "06\u200b12345678"])
def test_phones_with_other_characters_are_refused(typed):
    assert set(errors_of(youth(phone=typed, email=None))) == {"phone"}


def test_unknown_postal_code_is_refused_by_the_model():
    assert "n'existe pas" in errors_of(youth(postal_code="75999"))["postal_code"]


# --- The rules as written in the OpenAPI document -----------------------------------------------


def test_forbidden_ranges_are_the_unicode_categories():
    cats = {"Cc", "Cf", "Zl", "Zp", "Co"}
    ranges, start = [], None
    for cp in range(0x110000):
        inside = unicodedata.category(chr(cp)) in cats
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            ranges.append((start, cp - 1))
            start = None
    assert tuple(ranges) == text_rules.FORBIDDEN_RANGES
    blank = tuple(cp for cp in range(0x110000) if chr(cp).isspace() and not any(a <= cp <= b for a, b in ranges))
    assert blank == text_rules.BLANK_CHARS


@settings(max_examples=200, deadline=None)
@given(st.one_of(addresses(), non_ascii_local_addresses(), st.text(), st.text(st.characters(codec="ascii"))))
def test_the_schema_s_email_format_and_the_server_take_exactly_what_email_validator_takes(value):
    """What `format: email` allows, as the server checks it, is what email-validator accepts
    without SMTPUTF8, blank aside (read as absent): drawn from valid addresses, addresses
    whose local part needs SMTPUTF8, and any text at all."""
    expected = oracle(value) is not None
    assert email_format(value) is expected
    if not text_rules.is_blank(value):
        assert _accepts_email(value) is expected


def _accepts_email(value) -> bool:
    try:
        text_rules.email_value(value)
    except PydanticCustomError:
        return False
    return True


def _submission_validator():
    doc = openapi_document()
    schema = {"$ref": "#/components/schemas/Submission", "components": doc["components"]}
    # `format: email` checked as the server checks it (domain/email_address.py).
    return jsonschema_rs.validator_for(schema, formats={"email": email_format}, validate_formats=True)


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "first_name": st.sampled_from(["Léa", "  ", "\u200b", "A" * 101, None, "Zoé "]),
            "last_name": st.sampled_from(["Martin", "", None, "\x1b[0m"]),
            "email": st.sampled_from(
                [
                    "lea@example.net",
                    "",
                    None,
                    "lea@",
                    "a@b.test",
                    " lea@example.net",
                    "a.b.c.d@mairie-saint-remy-de-provence.fr",
                    "x@exämple.quebec",
                    "zoé@b.fr",
                ]
            ),
            "phone": st.sampled_from(["06 12 34 56 78", "０６１２３４５６７８", "", None, "12345", "06\t12345678"]),
            "age": st.sampled_from([5, 6, 12, 13, 14, 15, 30, 31, "17", 17.0, True]),
            "postal_code": st.sampled_from(["59100", "99999", "59 100", "7501", 59100]),
            "situation": st.sampled_from(["college", "universite"]),
            "need": st.sampled_from(["scolaire"]),
            "consent": st.sampled_from([True, False, "on"]),
            "parental_consent": st.sampled_from([True, False, "on"]),
            "referent": st.sampled_from(
                [None, {"email": "c.durand@college.example.fr", "structure_name": "Collège"}, {"email": 3}, ""]
            ),
        }
    )
)
def test_the_schema_and_the_server_agree(data):
    """What the OpenAPI document allows, the API accepts; what it forbids, the API refuses."""
    allowed = _submission_validator().is_valid(data)
    try:
        parse_submission(data, json=True)
        accepted = True
    except InvalidSubmission:
        accepted = False
    assert allowed == accepted, data


def test_the_schema_names_the_real_constraints():
    doc = openapi_document()
    submission = doc["components"]["schemas"]["Submission"]
    codes = re.compile(submission["properties"]["postal_code"]["pattern"])
    assert codes.fullmatch("59100") and not codes.fullmatch("75999")
    assert submission["properties"]["consent"] == {"const": True}
    ages = [b["properties"]["age"] for b in submission["anyOf"]]
    assert {"minimum": 6, "maximum": 30} in ages and {"minimum": 13, "maximum": 14} in ages
    assert set(doc["paths"]["/api/v1/requests"]["get"]["responses"]) >= {"200", "401", "422"}
    assert set(doc["paths"]["/api/v1/admin/associations"]["put"]["responses"]) >= {"200", "400", "401", "413", "422"}
    assert re.fullmatch(phone.PHONE_PATTERN.strip("^$"), "06 12 34 56 78")


def test_the_postal_code_pattern_matches_exactly_the_known_codes():
    from chalicelib.domain.territory import is_known_postal_code, known_postal_codes

    pattern = jsonschema_rs.validator_for({"type": "string", "pattern": postal_codes_pattern(known_postal_codes())})
    five_digits = [f"{i:05d}" for i in range(100000)]
    assert [c for c in five_digits if pattern.is_valid(c)] == [c for c in five_digits if is_known_postal_code(c)]
    assert not pattern.is_valid("59100\n") and not pattern.is_valid(" 59100")


def test_directory_types_are_exact_and_ages_ordered():
    from pydantic import ValidationError

    from chalicelib.domain.models import Association
    from tests.builders import association

    assert Association.model_validate(association("a", ages={"min": 8.0, "max": 29.0})).ages.min == 8
    for bad in (
        {"active": "yes"},
        {"capacity": "5"},
        {"ages": {"min": True, "max": 20}},
        {"ages": {"min": 20, "max": 8}},
        {"emails": ["x@y.test"]},
        {"name": "\u200b"},
    ):
        with pytest.raises(ValidationError):
            Association.model_validate(association("a", **bad))
