"""The OpenAPI document served at /api/v1/openapi.json, as an API client reads it: every
path, parameter, status, description and schema reference, and the response schemas."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.mentor_submission import MentorSubmission, parse_mentor_submission
from chalicelib.domain.submission import InvalidSubmission, Submission, parse_submission
from chalicelib.domain.submission_schema import postal_codes_pattern
from tests.addresses import REAL_SHAPES, addresses, email_format, non_ascii_local_addresses
from tests.builders import volunteer, youth


@pytest.fixture
def document(http, wired):
    # The document is built once per process and kept: built again here, so that what is
    # checked is what the code builds now (mutmut forks its runs from a process whose
    # earlier tests already built it).
    from chalicelib.web.openapi import openapi_document

    openapi_document.cache_clear()
    r = http.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(r.body)


def ref(name):
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def answer(description, schema=None):
    return {"description": description, **(ref(schema) if schema else {})}


UNAUTHORIZED = answer("missing or wrong admin token", "Errors")
BAD_JSON = answer("body is not JSON, not UTF-8, nested deeper than 20 levels, or not an object", "Errors")


def submission_post(summary, schema, created):
    return {
        "summary": summary,
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}],
        "requestBody": {"required": True, **ref(schema)},
        "responses": {
            "201": answer(created, "IntakeResponse"),
            "400": BAD_JSON,
            "403": answer("posted by a browser page of another site that is not a partner", "Errors"),
            "409": answer("Idempotency-Key reused with another body", "Errors"),
            "413": answer("body over 64 KiB", "Errors"),
            "422": answer("invalid fields, one message each", "Errors"),
            "429": answer("too many anonymous submissions from this address", "Errors"),
        },
    }


def admin_read(summary, found, missing):
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": [{"name": "id_or_reference", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": answer(found), "401": UNAUTHORIZED, "404": answer(missing, "Errors")},
    }


def test_the_document_names_its_version_and_the_bearer_scheme(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Mentorat intake API", "version": "1.0.0"}
    assert document["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    assert sorted(document["paths"]) == [
        "/api/v1/admin/associations",
        "/api/v1/mentors",
        "/api/v1/mentors/{id_or_reference}",
        "/api/v1/requests",
        "/api/v1/requests/{id_or_reference}",
    ]


def test_the_two_submission_doors_describe_every_answer(document):
    assert document["paths"]["/api/v1/requests"]["post"] == submission_post(
        "Submit a request for a mentor", "Submission", "stored and routed (or waiting in triage)"
    )
    assert document["paths"]["/api/v1/mentors"] == {
        "post": submission_post(
            "Sign up as a volunteer mentor (contract section 11)",
            "MentorSubmission",
            "stored and routed under mentor v1 (or waiting in triage)",
        )
    }


def test_the_admin_reads_of_one_item(document):
    assert document["paths"]["/api/v1/requests/{id_or_reference}"] == {
        "get": admin_read("One request with its routing explanation and timeline", "the request", "no such request")
    }
    assert document["paths"]["/api/v1/mentors/{id_or_reference}"] == {
        "get": admin_read(
            "One sign-up with its routing explanation (mentor v1) and timeline", "the sign-up", "no such sign-up"
        )
    }


def test_the_list_of_requests_and_its_bounds(document):
    assert document["paths"]["/api/v1/requests"]["get"] == {
        "summary": "List requests, newest first",
        "security": [{"bearer": []}],
        "parameters": [
            {
                "name": "status",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": ["needs_triage", "routed", "accepted", "closed"]},
            },
            {
                "name": "association",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "pattern": "^(?:[a-z0-9][a-z0-9-]{0,63})?$"},
            },
            {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
            },
        ],
        "responses": {
            "200": answer("a page of requests and the `next` cursor"),
            "401": UNAUTHORIZED,
            "404": answer("the cursor names no page (not a `next` value we gave)", "Errors"),
            "422": answer("unknown status, association not an id, or limit not a whole number from 1 to 200", "Errors"),
        },
    }


def test_the_directory_read_and_replace(document):
    assert document["paths"]["/api/v1/admin/associations"] == {
        "get": {
            "summary": "The directory",
            "security": [{"bearer": []}],
            "responses": {"200": answer("the directory", "Directory"), "401": UNAUTHORIZED},
        },
        "put": {
            "summary": "Replace the directory (all or nothing)",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, **ref("Directory")},
            "responses": {
                "200": answer("replaced", "DirectoryCount"),
                "400": BAD_JSON,
                "401": UNAUTHORIZED,
                "413": answer("body over 1 MiB", "Errors"),
                "422": answer("an invalid entry, named; nothing changed", "Errors"),
            },
        },
    }


def test_the_answer_schemas(document):
    schemas = document["components"]["schemas"]
    assert schemas["Errors"] == {
        "properties": {
            "errors": {"items": {"$ref": "#/components/schemas/FieldError"}, "title": "Errors", "type": "array"}
        },
        "required": ["errors"],
        "title": "Errors",
        "type": "object",
    }
    assert schemas["FieldError"] == {
        "properties": {
            "field": {"title": "Field", "type": "string"},
            "message": {"title": "Message", "type": "string"},
        },
        "required": ["field", "message"],
        "title": "FieldError",
        "type": "object",
    }
    assert schemas["IntakeResponse"] == {
        "properties": {
            "id": {"title": "Id", "type": "string"},
            "reference": {"title": "Reference", "type": "string"},
            "status": {"title": "Status", "type": "string"},
            "association": {"anyOf": [{"$ref": "#/components/schemas/AssociationRef"}, {"type": "null"}]},
        },
        "required": ["id", "reference", "status", "association"],
        "title": "IntakeResponse",
        "type": "object",
    }
    assert schemas["AssociationRef"]["required"] == ["id", "name"]
    assert schemas["DirectoryCount"] == {
        "properties": {"count": {"title": "Count", "type": "integer"}},
        "required": ["count"],
        "title": "DirectoryCount",
        "type": "object",
    }
    assert schemas["Directory"]["properties"]["associations"]["items"] == {"$ref": "#/components/schemas/Association"}
    assert schemas["Submission"]["required"] == ["first_name", "age", "postal_code", "situation", "need", "consent"]
    assert schemas["MentorSubmission"]["required"] == [
        "first_name",
        "last_name",
        "email",
        "age",
        "postal_code",
        "occupation",
        "modes",
        "hours_per_month",
        "youth_ages",
        "needs",
        "commitment",
        "consent",
    ]
    assert schemas["MentorSubmission"]["properties"]["hours_per_month"] == {
        "maximum": 40,
        "minimum": 1,
        "type": "integer",
    }


def test_every_reference_names_a_schema_of_the_document(document):
    names = set(document["components"]["schemas"])
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                found.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert found and all(r.startswith("#/components/schemas/") and r.rsplit("/", 1)[1] in names for r in found)


# -- The JSON Schema the OpenAPI document publishes says, rule by rule, what the server checks: for
# each payload below (a valid one changed in one way), the schema allows it exactly when the API
# accepts it, and that verdict is the expected one. The schemas are generated afresh from the
# models, not read from the cached OpenAPI document. Pure: no I/O. An address's schema is `format:
# email`, whose rule no regular expression states: the validator here checks that format with the
# server's own rule (domain/email_address.py), so what is compared is where the schema asks for an
# address, and how long it may be.


def _label(c: str) -> str:
    return c * 24 + ("-" + c * 12) * 3  # 63 characters, the longest label there is


# 254 characters (the limit) and 255.
EMAIL_254 = "a" * 54 + "@" + _label("b") + "." + _label("c") + "." + _label("d") + ".corsica"
EMAIL_255 = "a" + EMAIL_254
REAL = dict((name, address) for name, address in REAL_SHAPES)


def _without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


def _by_referent(**changes) -> dict:
    """A professional submits for a 10-year-old: no last name, no contact of the youth."""
    data = _without(youth(age=10), "last_name", "email", "phone")
    data["referent"] = {"email": "c.durand@college.example.fr", "structure_name": "Collège Jean Macé"}
    data.update(changes)
    return data


def _accepted(parse, data) -> bool:
    try:
        parse(data, json=True)
    except InvalidSubmission:
        return False
    return True


YOUTH_CASES = [
    ("valid", youth(), True),
    ("email only", _without(youth(), "phone"), True),
    ("phone only", _without(youth(), "email"), True),
    ("no contact at all", _without(youth(), "email", "phone"), False),
    ("blank phone, no email", _without(youth(phone="   "), "email"), False),
    ("blank email, no phone", _without(youth(email="  "), "phone"), False),
    ("blank phone beside an email", youth(phone="  "), True),
    ("bad email beside a phone", youth(email="lea@"), False),
    ("bad phone beside an email", youth(phone="12345"), False),
    ("email of 254 characters", _without(youth(email=EMAIL_254), "phone"), True),
    ("email of 255 characters", youth(email=EMAIL_255), False),
    ("email of five dot-separated parts", youth(email=REAL["five parts, an académie's mailbox"]), True),
    ("email of an intercommunalité", youth(email=REAL["an intercommunalité"]), True),
    ("email under .education", youth(email=REAL["a .education"]), True),
    ("email with a Unicode domain", youth(email=REAL["a Unicode domain"]), True),
    ("email with a punycode domain", youth(email=REAL["a punycode domain"]), True),
    ("email with an accent before the @", youth(email="zoé@orange.fr"), False),
    ("email with an accent before the @, no phone", _without(youth(email="zoé@orange.fr"), "phone"), False),
    ("email under a special-use domain", youth(email="lea@exemple.test"), False),
    ("email with a display name", youth(email="Léa <lea@example.net>"), False),
    ("no last name", _without(youth(), "last_name"), False),
    ("blank last name", youth(last_name="   "), False),
    ("null last name", youth(last_name=None), False),
    ("last name of 101 letters", youth(last_name="M" * 101), False),
    ("invisible first name", youth(first_name="\u200b"), False),
    ("blank first name", youth(first_name="  "), False),
    ("first name of 100 letters", youth(first_name="L" * 100), True),
    ("first name of 101 letters", youth(first_name="L" * 101), False),
    ("control character in the city", youth(city="Rou\x1bbaix"), False),
    ("city of 201 letters", youth(city="R" * 201), False),
    ("no city", youth(city=None), True),
    ("postal code as a number", youth(postal_code=59100), False),
    ("postal code that does not exist", youth(postal_code="99999"), False),
    ("postal code with a space", youth(postal_code="59 100"), False),
    ("no postal code", _without(youth(), "postal_code"), False),
    ("message as a number", youth(message=123), False),
    ("message of 2000 characters", youth(message="m" * 2000), True),
    ("message of 2001 characters", youth(message="m" * 2001), False),
    ("no message", youth(message=None), True),
    ("consent absent", _without(youth(), "consent"), False),
    ("consent refused", youth(consent=False), False),
    ("consent as form text", youth(consent="on"), False),
    ("parental consent as form text", youth(parental_consent="on"), False),
    ("age as text", youth(age="17"), False),
    ("age 12 alone", youth(age=12, parental_consent=True), False),
    ("age 13 with a parent's consent", youth(age=13, parental_consent=True), True),
    ("age 14 with a parent's consent", youth(age=14, parental_consent=True), True),
    ("age 14 with a parent's consent, phone only", _without(youth(age=14, parental_consent=True), "email"), True),
    ("age 14 with a parent's consent, email only", _without(youth(age=14, parental_consent=True), "phone"), True),
    ("age 14 without a parent's consent", youth(age=14, parental_consent=False), False),
    ("age 14, parental consent absent", _without(youth(age=14), "parental_consent"), False),
    ("age 15 without a parent's consent", _without(youth(age=15), "parental_consent"), True),
    ("age 30", youth(age=30), True),
    ("age 31", youth(age=31, parental_consent=True), False),
    ("by a referent, age 10", _by_referent(), True),
    ("by a referent, age 6", _by_referent(age=6), True),
    ("by a referent, age 5", _by_referent(age=5), False),
    ("by a referent, age 31", _by_referent(age=31), False),
    ("referent null, age 10", _by_referent(referent=None), False),
    ("referent absent, age 10", _without(_by_referent(), "referent"), False),
    ("referent as text, age 10", _by_referent(referent="Collège"), False),
    ("referent with a bad email", _by_referent(referent={"email": "c.durand@", "structure_name": "Collège"}), False),
    (
        "referent of a town hall",
        _by_referent(referent={"email": REAL["more than three hyphens"], "structure_name": "Mairie"}),
        True,
    ),
    ("referent under .coop", _by_referent(referent={"email": REAL["a .coop"], "structure_name": "MJC"}), True),
    (
        "referent with an accent before the @",
        _by_referent(referent={"email": "hélène@mairie.fr", "structure_name": "Mairie"}),
        False,
    ),
    ("referent without an email", _by_referent(referent={"structure_name": "Collège"}), False),
    ("referent without a structure", _by_referent(referent={"email": "c.durand@college.example.fr"}), False),
    (
        "referent with a blank structure",
        _by_referent(referent={"email": "c@college.example.fr", "structure_name": " "}),
        False,
    ),
    (
        "referent with a bad phone",
        _by_referent(referent={"email": "c@college.example.fr", "structure_name": "C", "phone": "12"}),
        False,
    ),
    (
        "referent with an unknown field",
        _by_referent(referent={"email": "c@college.example.fr", "structure_name": "C", "x": 1}),
        False,
    ),
    (
        "referent with an unknown type",
        _by_referent(referent={"email": "c@college.example.fr", "structure_name": "C", "structure_type": "zoo"}),
        False,
    ),
    (
        "referent with a blank type",
        _by_referent(referent={"email": "c@college.example.fr", "structure_name": "C", "structure_type": " "}),
        True,
    ),
    (
        "referent with an invisible name",
        _by_referent(referent={"email": "c@college.example.fr", "structure_name": "C", "name": "\u200b"}),
        False,
    ),
]


def _validator(schema: dict):
    return jsonschema_rs.validator_for(schema, formats={"email": email_format}, validate_formats=True)


@pytest.fixture(scope="module")
def youth_schema():
    return _validator(Submission.model_json_schema())


@pytest.fixture(scope="module")
def volunteer_schema():
    return _validator(MentorSubmission.model_json_schema())


def test_every_address_field_of_the_schemas_says_format_email():
    from chalicelib.domain.text_rules import email_schema

    def address_fields(node, path=""):
        if isinstance(node, dict):
            if node.get("format") == "email":
                yield path
            for key, value in node.items():
                yield from address_fields(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from address_fields(value, f"{path}/{i}")

    youth_fields = list(address_fields(Submission.model_json_schema()))
    assert {p.rsplit("/properties/", 1)[1].split("/")[0] for p in youth_fields} == {"email"}
    assert any("/Referent/" in p for p in youth_fields) and any(p.startswith("/anyOf/") for p in youth_fields)
    assert list(address_fields(MentorSubmission.model_json_schema())) == ["/properties/email"]
    assert email_schema()["maxLength"] == 254 and "pattern" not in email_schema()


@pytest.mark.parametrize("data, expected", [c[1:] for c in YOUTH_CASES], ids=[c[0] for c in YOUTH_CASES])
def test_youth_schema_allows_what_the_api_accepts(youth_schema, data, expected):
    schema = youth_schema
    assert _accepted(parse_submission, data) is expected
    assert schema.is_valid(data) is expected


MENTOR_CASES = [
    ("valid", volunteer(), True),
    ("blank first name", volunteer(first_name="  "), False),
    ("invisible first name", volunteer(first_name="Pa\u200bul"), False),
    ("first name of 101 letters", volunteer(first_name="P" * 101), False),
    ("blank last name", volunteer(last_name=" "), False),
    ("bad email", volunteer(email="paul@"), False),
    ("email of 254 characters", volunteer(email=EMAIL_254), True),
    ("email of 255 characters", volunteer(email=EMAIL_255), False),
    ("email of four dot-separated parts", volunteer(email=REAL["four dot-separated parts"]), True),
    ("email under .quebec", volunteer(email=REAL["a .quebec"]), True),
    ("email with a Unicode top-level domain", volunteer(email=REAL["a Unicode TLD"]), True),
    ("email with an accent before the @", volunteer(email="hélène@orange.fr"), False),
    ("blank phone", volunteer(phone=" "), True),
    ("bad phone", volunteer(phone="12345"), False),
    ("unknown occupation", volunteer(occupation="astronaute"), False),
    ("hours as text", volunteer(hours_per_month="10"), False),
    ("hours 0", volunteer(hours_per_month=0), False),
    ("hours 40", volunteer(hours_per_month=40), True),
    ("hours 41", volunteer(hours_per_month=41), False),
    ("age as text", volunteer(age="42"), False),
    ("age 17", volunteer(age=17), False),
    ("unknown postal code", volunteer(postal_code="99999"), False),
    ("city with a control character", volunteer(city="Rou\x07baix"), False),
    ("no mode", volunteer(modes=[]), False),
    ("unknown mode", volunteer(modes=["visio"]), False),
    ("unknown need", volunteer(needs=["tout"]), False),
    ("unknown age band", volunteer(youth_ages=["6-99"]), False),
    ("sector invisible", volunteer(sector="\u200b"), False),
    ("sector of 100 letters", volunteer(sector="S" * 100), True),
    ("sector of 101 letters", volunteer(sector="S" * 101), False),
    ("no sector", volunteer(sector=None), True),
    ("message as a number", volunteer(message=7), False),
    ("message of 2001 characters", volunteer(message="m" * 2001), False),
    ("message of 2000 characters", volunteer(message="m" * 2000), True),
    ("commitment not ticked", volunteer(commitment=False), False),
    ("consent absent", _without(volunteer(), "consent"), False),
]


@pytest.mark.parametrize("data, expected", [c[1:] for c in MENTOR_CASES], ids=[c[0] for c in MENTOR_CASES])
def test_volunteer_schema_allows_what_the_api_accepts(volunteer_schema, data, expected):
    schema = volunteer_schema
    assert _accepted(parse_mentor_submission, data) is expected
    assert schema.is_valid(data) is expected


@settings(max_examples=60, deadline=None)
@given(address=addresses(), where=st.sampled_from(["youth", "referent", "volunteer"]))
def test_the_schemas_and_the_server_accept_every_address_email_validator_accepts(
    youth_schema, volunteer_schema, address, where
):
    data = {
        "youth": _without(youth(email=address), "phone"),
        "referent": _by_referent(referent={"email": address, "structure_name": "Mairie"}),
        "volunteer": volunteer(email=address),
    }[where]
    parse, schema = (
        (parse_mentor_submission, volunteer_schema) if where == "volunteer" else (parse_submission, youth_schema)
    )
    assert _accepted(parse, data) and schema.is_valid(data)


@settings(max_examples=30, deadline=None)
@given(address=non_ascii_local_addresses(), where=st.sampled_from(["youth", "referent", "volunteer"]))
def test_the_schemas_and_the_server_refuse_a_non_ascii_local_part(youth_schema, volunteer_schema, address, where):
    data = {
        "youth": youth(email=address),
        "referent": _by_referent(referent={"email": address, "structure_name": "Mairie"}),
        "volunteer": volunteer(email=address),
    }[where]
    parse, schema = (
        (parse_mentor_submission, volunteer_schema) if where == "volunteer" else (parse_submission, youth_schema)
    )
    assert not _accepted(parse, data) and not schema.is_valid(data)


@pytest.mark.parametrize(
    "codes, pattern",
    [
        (["59100"], "^59100$"),
        (["10000", "10001", "10002", "10005", "10006", "10009"], "^1000[0-25-69]$"),
        (["75001", "75002", "69001"], "^(?:69001|7500[1-2])$"),
        (["13001", "13002", "14001", "14002"], "^1[3-4]00[1-2]$"),
    ],
)
def test_the_postal_code_pattern_is_the_digit_trie(codes, pattern):
    assert postal_codes_pattern(codes) == pattern


def test_the_postal_code_pattern_holds_only_digits():
    validator = jsonschema_rs.validator_for(
        {"type": "string", "pattern": postal_codes_pattern(["10000", "10002", "10004", "10005"])}
    )
    assert [
        c for c in ("10000", "10002", "10004", "10005", "10001", "10003", "1000X", "1000-") if validator.is_valid(c)
    ] == [
        "10000",
        "10002",
        "10004",
        "10005",
    ]
