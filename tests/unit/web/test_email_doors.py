"""Every door that takes an e-mail address, in process (chalice's test client, in-memory
stores), against the outside oracle: for every address email-validator accepts (with the
product's options, tests/addresses), the youth form, the referent form, the API (the
youth's address and a referent's), the volunteer form and its API, and mail intake take
it, and its acknowledgement leaves, To the address's ASCII form (the domain in punycode,
as SES takes it). The shapes people really have are explicit examples at each door. A
local part with non-ASCII letters is refused at each door with a message saying why;
mail intake keeps such a sender's request, and its acknowledgement is given up where
operators see it. The directory and the console's sign-in take the same shapes."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from tests.addresses import NON_ASCII_LOCAL, REAL_SHAPES, addresses, oracle
from tests.builders import (
    VOLUNTEER_DIRECTORY,
    YOUTH_DIRECTORY,
    association,
    form_of,
    post_form,
    post_json,
    shown,
    volunteer,
    youth,
)
from tests.builders import youth_form_with_id as form
from tests.integration.mail_stream import read_outbox

ADMIN = {"Authorization": "Bearer test-admin-token"}
SHAPES = [address for _, address in REAL_SHAPES]
SHAPE_IDS = [name for name, _ in REAL_SHAPES]
DOORS = ["youth form", "referent form", "API", "API with a referent", "volunteer form", "volunteer API", "mail intake"]
# Hypothesis keeps one stack for all the examples of a test: each example is a new request.
MANY = hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


SETTINGS = dict(
    rate_limit_count=1_000_000,
    ack_limit_per_hour=1_000_000,
    mail_intake_limit_per_day=1_000_000,
    keep_raw_mail=True,
    operators=("op@exämple.fr:admin",),
)
DIRECTORY = YOUTH_DIRECTORY + VOLUNTEER_DIRECTORY


def _referent_form(address: str) -> dict:
    return form(email="", phone="", last_name="", age=11, situation="primaire") | {
        "referent_name": "Mme Dupont",
        "referent_email": address,
        "structure_name": "Mairie",
        "structure_type": "etablissement_scolaire",
    }


def _mail(address: str) -> bytes:
    raw = (
        f"From: Mme Dupont <{address}>\r\nTo: urgence@lementorat.fr\r\nSubject: Demande de mentorat\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@mairie.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Bonjour, un élève de 4e, 14 ans, à Roubaix 59100, a besoin de soutien scolaire.\r\n"
    )
    return raw.encode("utf-8")


def _ref(r) -> str:
    return parse_qs(urlsplit(r.headers["Location"]).query)["ref"][0]


def submit(http, wired, door: str, address: str):
    """(the answer, the reference) of one submission giving `address` at `door`."""
    if door == "youth form":
        r = post_form(http, "/demande", form(email=address, submission_id=uuid.uuid4().hex))
        return r, _ref(r) if r.status_code == 303 else None
    if door == "referent form":
        r = post_form(http, "/orienter", _referent_form(address) | {"submission_id": uuid.uuid4().hex})
        return r, _ref(r) if r.status_code == 303 else None
    if door in {"API", "API with a referent", "volunteer API"}:
        path, data = "/api/v1/requests", youth(email=address)
        if door == "API with a referent":
            data = youth(
                email=None, phone=None, last_name=None, age=11, referent={"email": address, "structure_name": "Mairie"}
            )
        elif door == "volunteer API":
            path, data = "/api/v1/mentors", volunteer(email=address)
        r = post_json(http, path, data)
        return r, json.loads(r.body).get("reference") if r.status_code == 201 else None
    if door == "volunteer form":
        r = post_form(http, "/devenir-mentor", form_of(volunteer(email=address), submission_id=uuid.uuid4().hex))
        return r, _ref(r) if r.status_code == 303 else None
    outcome = wired.mail_intake.ingest(_mail(address), None, ["urgence@lementorat.fr"])
    return outcome, outcome.reference


def acknowledgements(wired, reference: str) -> list:
    return [m for m in read_outbox(wired) if reference in m["Subject"] and "asso.example.org" not in m["To"]]


def assert_taken_and_acknowledged(http, wired, door: str, address: str) -> None:
    answer, reference = submit(http, wired, door, address)
    assert reference, (door, address, getattr(answer, "status_code", answer))
    expected = oracle(address.lower() if door == "mail intake" else address).ascii_email
    acks = acknowledgements(wired, reference)
    assert [m["To"] for m in acks] == [expected], (door, address)
    assert acks[0]["To"].addresses[0].addr_spec.isascii()


@pytest.mark.parametrize("door", DOORS)
@MANY
@given(address=addresses())
def test_every_address_email_validator_accepts_passes_every_door_and_is_acknowledged(http, wired, door, address):
    assert_taken_and_acknowledged(http, wired, door, address)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("address", SHAPES, ids=SHAPE_IDS)
def test_the_real_shapes_pass_every_door_and_are_acknowledged(http, wired, address, door):
    assert_taken_and_acknowledged(http, wired, door, address)


def test_what_is_stored_is_the_ascii_form(http, wired):
    r = post_form(http, "/demande", form(email="Lea.Martin@SAINT-ÉTIENNE-DE-TINÉE.fr"))
    assert wired.requests.get(_ref(r))["email"] == "Lea.Martin@xn--saint-tienne-de-tine-g2bn.fr"
    r = post_json(
        http,
        "/api/v1/requests",
        youth(
            email=None,
            phone=None,
            last_name=None,
            age=11,
            referent={"email": "accueil@mairie-lœuilly.fr", "structure_name": "Mairie"},
        ),
    )
    assert (
        wired.requests.get(json.loads(r.body)["reference"])["referent"]["email"] == "accueil@xn--mairie-luilly-woc.fr"
    )


@pytest.mark.parametrize("address", NON_ASCII_LOCAL)
@pytest.mark.parametrize(
    "door, field", [("youth form", "email"), ("referent form", "referent_email"), ("volunteer form", "email")]
)
def test_a_form_refuses_a_local_part_with_non_ascii_letters_saying_why(http, wired, address, door, field):
    answer, reference = submit(http, wired, door, address)
    page = shown(answer)
    assert answer.status_code == 422 and reference is None
    assert f'id="{field}-error"' in page and "notre service d'envoi de mails ne peut pas écrire" in page
    assert f'value="{address}"' in page  # kept as typed, to correct
    assert read_outbox(wired) == []


@pytest.mark.parametrize(
    "door, field", [("API", "email"), ("API with a referent", "referent.email"), ("volunteer API", "email")]
)
def test_the_api_refuses_a_local_part_with_non_ascii_letters_saying_why(http, wired, door, field):
    answer, _ = submit(http, wired, door, "zoé.martin@orange.fr")
    errors = {e["field"]: e["message"] for e in json.loads(answer.body)["errors"]}
    assert answer.status_code == 422 and "« é »" in errors[field] and "SMTPUTF8" not in errors[field]


def test_mail_intake_keeps_the_request_of_a_sender_ses_cannot_answer(http, wired):
    outcome, reference = submit(http, wired, "mail intake", "hélène@mairie-saint-remy-de-provence.fr")
    assert outcome.kind == "request"
    assert wired.requests.get(reference)["referent"]["email"] == "hélène@mairie-saint-remy-de-provence.fr"
    assert acknowledgements(wired, reference) == []  # SES cannot carry it: given up at once...
    events = [e["type"] for e in wired.requests.get(reference)["events"]]
    assert "mail_failed" in events  # ...where the request's page and the queue show it


@pytest.mark.parametrize("address", SHAPES, ids=SHAPE_IDS)
def test_the_directory_api_takes_the_real_shapes(http, address):
    directory = [association("first-asso", emails=[address, "autre@asso.example.org"])]
    r = http.put(
        "/api/v1/admin/associations",
        body=json.dumps({"associations": directory}).encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.body
    listed = json.loads(http.get("/api/v1/admin/associations", headers=ADMIN).body)["associations"]
    assert listed[0]["emails"] == [oracle(address).ascii_email, "autre@asso.example.org"]


def test_the_console_sign_in_takes_an_operator_s_domain_in_either_spelling(http, wired):
    for typed in ("OP@EXÄMPLE.FR", "op@xn--exmple-cua.fr"):
        r = post_form(http, "/console/connexion", {"email": typed})
        assert r.status_code in (200, 303)
    links = [m for m in read_outbox(wired) if "/console/lien/" in m.get_body(("plain",)).get_content()]
    assert [m["To"] for m in links] == ["op@xn--exmple-cua.fr"] * 2
