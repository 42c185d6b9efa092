"""A youth, a referent, a partner site and an operator, over real HTTP."""

from __future__ import annotations

import email
import html
import json
import re
from email import policy
from html.parser import HTMLParser

from tests.builders import youth
from tests.e2e.clients import form_fields, reference_from, referent_fields


class Inputs(HTMLParser):
    """The named inputs of a page, with their value / checked state."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        if tag in {"input", "textarea", "select"} and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", ""))
            else:
                self.values.setdefault(a["name"], []).append(a.get("value", ""))


def parse(html: str) -> Inputs:
    p = Inputs()
    p.feed(html)
    return p


def test_the_form_page_is_french_accessible_and_locked_down(stack):
    r = stack.call("GET", "/demande")
    assert r.status == 200
    assert '<html lang="fr"' in r.text
    for name in (
        "first_name",
        "last_name",
        "email",
        "phone",
        "age",
        "postal_code",
        "city",
        "situation",
        "need",
        "publics",
        "message",
        "consent",
        "parental_consent",
        "submission_id",
        "website",
    ):
        assert f'name="{name}"' in r.text, name
    assert 'autocomplete="given-name"' in r.text and "<fieldset" in r.text and "<legend" in r.text
    assert "<script" not in r.text and "style=" not in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert stack.call("GET", "/static/site.css").status == 200


def test_a_youth_submits_sees_the_reference_and_both_mails_are_written(stack):
    before = len(stack.settle_mails())
    r = stack.post_form("/demande", form_fields())
    assert r.status == 303
    assert r.headers["location"].startswith("/demande/merci?ref=")
    ref = reference_from(r.headers["location"])
    assert re.fullmatch(r"[A-Z0-9-]{6,24}", ref)
    thanks = stack.call("GET", r.headers["location"])
    assert thanks.status == 200 and ref in thanks.text

    files = stack.settle_mails()  # they leave after the answer, through the table's stream
    assert len(files) == before + 2
    subjects = [email.message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"] for p in files]
    assert sum(ref in s for s in subjects) == 2

    stored = stack.admin("GET", f"/api/v1/requests/{ref}").json()
    assert stored["status"] == "routed" and stored["channel"] == "form"
    assert stored["routing"]["candidates"] and stored["events"][0]["type"] == "received"


def test_errors_come_back_with_the_values_kept_and_a_summary_linking_each_field(stack):
    r = stack.post_form(
        "/demande", form_fields(first_name="", postal_code="591", age=15, city="Roubaix") | {"consent": ""}
    )
    assert r.status in (400, 422)
    page = parse(r.text)
    assert page.values["city"] == ["Roubaix"] and page.values["age"] == ["15"]
    assert page.values["situation"] == ["college"]
    for field in ("first_name", "postal_code", "consent"):
        assert field in "".join(page.links), field
    assert all(link in page.ids for link in page.links)
    assert "Erreur" in r.text.split("</title>")[0]


def test_unknown_postal_code_is_an_error_on_that_field(stack):
    r = stack.post_form("/demande", form_fields(postal_code="59999"))  # the right shape, no such code
    assert r.status == 422
    page = parse(r.text)
    # The message of that field, linked from the summary: the label "Code postal" alone
    # is on every form page, so it proves nothing.
    assert "postal_code" in page.links and "postal_code-error" in page.ids
    assert "Ce code postal n'existe pas" in html.unescape(r.text)


def test_a_filled_honeypot_looks_like_success_but_stores_and_sends_nothing(stack):
    before_files = len(stack.settle_mails())
    before = len(stack.admin("GET", "/api/v1/requests?limit=200").json()["items"])
    r = stack.post_form("/demande", form_fields() | {"website": "http://spam.example"})
    assert r.status == 303 and "/demande/merci?ref=" in r.headers["location"]
    assert len(stack.admin("GET", "/api/v1/requests?limit=200").json()["items"]) == before
    assert len(stack.settle_mails()) == before_files


def test_the_same_submission_id_posted_twice_makes_one_request(stack):
    fields = form_fields(submission_id="double-click-123")
    first = stack.post_form("/demande", fields)
    second = stack.post_form("/demande", fields)
    assert first.status == second.status == 303
    assert reference_from(first.headers["location"]) == reference_from(second.headers["location"])


def test_a_referent_orients_a_younger_child(stack):
    r = stack.post_form("/orienter", referent_fields())
    assert r.status == 303 and r.headers["location"].startswith("/orienter/merci?ref=")
    ref = reference_from(r.headers["location"])
    stored = stack.admin("GET", f"/api/v1/requests/{ref}").json()
    assert stored["channel"] == "referent_form" and stored["age"] == 11
    assert stored["referent"]["structure_name"] == "Collège Jean Macé"
    acks = [p for p in stack.settle_mails() if "cpe.college@ac-lille.example.fr" in p.read_text(errors="replace")]
    assert acks, "the referent gets the acknowledgement"


def test_cross_site_posts_only_from_partner_origins_and_redirects_only_there(stack):
    evil = stack.post_form("/demande", form_fields(), {"Origin": "https://evil.example.com"})
    assert evil.status == 403
    partner = stack.post_form(
        "/demande",
        form_fields() | {"return_to": "https://partenaire.example.org/merci"},
        {"Origin": "https://partenaire.example.org"},
    )
    assert partner.status == 303
    assert partner.headers["location"].startswith("https://partenaire.example.org/merci?ref=")
    api_from_evil = stack.call(
        "POST",
        "/api/v1/requests",
        json.dumps(youth()).encode(),
        {"Content-Type": "text/plain", "Origin": "https://evil.example.com"},
    )
    assert api_from_evil.status == 403  # a page elsewhere posting without a preflight
    sneaky = stack.post_form("/demande", form_fields() | {"return_to": "https://evil.example.com/"})
    assert sneaky.status == 303 and sneaky.headers["location"].startswith("/demande/merci?ref=")


def test_api_submission_idempotency_and_errors(stack):
    body = youth(first_name="Yanis")
    r = stack.post_json("/api/v1/requests", body, {"Idempotency-Key": "e2e-key-1"})
    assert r.status == 201
    answer = r.json()
    assert set(answer) == {"id", "reference", "status", "association"}
    again = stack.post_json("/api/v1/requests", body, {"Idempotency-Key": "e2e-key-1"})
    assert again.status == 201 and again.json() == answer
    conflict = stack.post_json("/api/v1/requests", youth(first_name="Other"), {"Idempotency-Key": "e2e-key-1"})
    assert conflict.status == 409

    invalid = stack.post_json("/api/v1/requests", youth(age=40, need="cuisine"))
    assert invalid.status == 422
    fields = {e["field"] for e in invalid.json()["errors"]}
    assert {"age", "need"} <= fields

    assert stack.call("POST", "/api/v1/requests", b"{not json", {"Content-Type": "application/json"}).status == 400
    assert stack.call("POST", "/api/v1/requests", b"hello", {"Content-Type": "text/plain"}).status == 400
    big = stack.post_json("/api/v1/requests", youth(message="x" * (65 * 1024)))
    assert big.status == 413


def test_admin_calls_need_the_token(stack):
    assert stack.call("GET", "/api/v1/requests").status == 401
    assert stack.call("GET", "/api/v1/admin/associations", headers={"Authorization": "Bearer wrong"}).status == 401
    routed = stack.post_json("/api/v1/requests", youth()).json()
    triage = stack.post_json("/api/v1/requests", youth(postal_code="97600", city="Mamoudzou")).json()
    assert routed["status"] == "routed" and triage["status"] == "needs_triage"
    listed = stack.admin("GET", "/api/v1/requests?status=routed&limit=200").json()
    ids = {i["id"] for i in listed["items"]}
    # Not empty (all() of nothing is true), and the filter left the triaged one out.
    assert routed["id"] in ids and triage["id"] not in ids
    assert all(i["status"] == "routed" for i in listed["items"])
    assert "next" in listed


def test_the_directory_is_replaced_all_or_nothing(stack):
    current = stack.admin("GET", "/api/v1/admin/associations").json()["associations"]
    assert len(current) >= 20
    broken = current + [{"id": "Not Valid", "name": "x"}]
    r = stack.admin("PUT", "/api/v1/admin/associations", {"associations": broken})
    assert r.status == 422 and "Not Valid" in r.text
    assert stack.admin("GET", "/api/v1/admin/associations").json()["associations"] == current
    ok = stack.admin("PUT", "/api/v1/admin/associations", {"associations": current})
    assert ok.status == 200 and ok.json() == {"count": len(current)}


def test_openapi_document_describes_the_api(stack):
    doc = stack.call("GET", "/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "post" in doc["paths"]["/api/v1/requests"]
    assert "Submission" in doc["components"]["schemas"]
    assert "postal_code" in doc["components"]["schemas"]["Submission"]["properties"]


def test_anonymous_submissions_over_the_limit_get_429_but_admin_does_not(limited_stack):
    statuses = [limited_stack.post_json("/api/v1/requests", youth()).status for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert limited_stack.post_form("/demande", form_fields()).status == 429
    trusted = limited_stack.post_json("/api/v1/requests", youth(), {"Authorization": "Bearer e2e-admin-token"})
    assert trusted.status == 201


def test_the_server_logs_hold_no_personal_data(stack):
    fields = form_fields(
        first_name="Zélie",
        last_name="Quintard",
        email="zelie.quintard@example.net",
        phone="07 55 44 33 22",
        message="Je m'appelle Zélie Quintard",
    )
    r = stack.post_form("/demande", fields)
    ref = reference_from(r.headers["location"])
    stack.call("GET", f"/demande/merci?ref={ref}")
    log = stack.log_path.read_text(errors="replace")
    assert f"request received reference={ref}" in log  # the request is followed by its reference...
    for secret in ("Zélie", "Quintard", "zelie.quintard", "07 55 44 33 22", "0755443322"):
        assert secret not in log, secret  # ...and by nothing personal
