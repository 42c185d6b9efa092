"""Who can keep an operator out, and what ends a session, on the stack `make run`
serves (RATE_LIMIT as shipped): a hundred sign-in requests for an operator's address
from one IP, and the operator asking from another still gets a link that opens the
console; signing out, removing the operator from the list (scripts/operators.py, as in
AWS) and an admin's "Déconnecter toutes les sessions" each refuse a copied cookie at its
next request."""

from __future__ import annotations

from dataclasses import replace

from tests.e2e.clients import OPERATOR, ask_link, csrf_of, sign_in
from tests.e2e.stack import Stack

ADMIN_EMAIL = "admin@reseau.example.org"


STACK_ENV = {"RATE_LIMIT": "20/600"}


def opens_the_console(stack: Stack, cookie: str) -> bool:
    r = stack.call("GET", "/console/demandes", headers={"Cookie": cookie})
    assert r.status in (200, 303), r.status
    assert r.status == 200 or r.headers["location"] == "/console/connexion"
    return r.status == 200


def test_a_hundred_requests_from_one_ip_leave_the_operator_a_link_that_opens_the_console(stack):
    stranger = replace(stack, source_ip="127.0.0.2")
    answers = [ask_link(stranger, OPERATOR).status for _ in range(100)]
    assert set(answers) == {200, 429}, "the per-IP limit answered, and nothing failed"
    # The operator, from their own connection: exactly one new mail, whose link signs in.
    assert opens_the_console(stack, sign_in(stack))


def test_signing_out_refuses_a_copied_cookie_at_once(stack):
    cookie = sign_in(stack)
    home = stack.call("GET", "/console", headers={"Cookie": cookie})
    out = stack.post_form("/console/deconnexion", {"csrf": csrf_of(home.text)}, {"Cookie": cookie})
    assert out.status == 303 and "Max-Age=0" in out.headers["set-cookie"]
    assert not opens_the_console(stack, cookie)


def test_removing_an_operator_from_the_list_refuses_their_copied_cookie_at_once(stack):
    import boto3

    from scripts.operators import set_operators

    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.endpoint,
        region_name="eu-west-3",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    theirs, admin = sign_in(stack), sign_in(stack, ADMIN_EMAIL)
    set_operators(client, stack.table, f"{ADMIN_EMAIL}:admin")
    try:
        assert not opens_the_console(stack, theirs)
        assert opens_the_console(stack, admin)
    finally:
        set_operators(client, stack.table, f"{OPERATOR},{ADMIN_EMAIL}:admin")
    assert not opens_the_console(stack, theirs), "back on the list, they sign in again"


def test_an_admin_ends_every_session_their_own_included(stack):
    operator, admin = sign_in(stack), sign_in(stack, ADMIN_EMAIL)
    page = stack.call("GET", "/console/sessions", headers={"Cookie": admin})
    assert page.status == 200 and "Déconnecter toutes les sessions" in page.text
    done = stack.post_form("/console/sessions/fermer", {"csrf": csrf_of(page.text)}, {"Cookie": admin})
    assert done.status == 303 and done.headers["location"] == "/console/connexion?sessions=fermees"
    assert not opens_the_console(stack, operator)
    assert not opens_the_console(stack, admin)
    assert opens_the_console(stack, sign_in(stack, ADMIN_EMAIL))
