"""The association's link, opened and answered over HTTP, as from its mail."""

from __future__ import annotations

from tests.e2e.clients import answer_path, csrf_of, mails
from tests.e2e.clients import submit_form as submit


def test_the_link_accepts_in_a_click_and_then_shows_the_contact(stack):
    ref = submit(stack, email="yanis.b@example.net", phone="07 98 76 54 32")
    path, _ = answer_path(stack, ref)
    page = stack.call("GET", path)
    assert page.status == 200 and ref in page.text
    assert "yanis.b@example.net" not in page.text and "07 98 76 54 32" not in page.text
    assert stack.admin("GET", f"/api/v1/requests/{ref}").json()["status"] == "routed"  # GET changed nothing

    done = stack.post_form(path, {"decision": "accept", "csrf": csrf_of(page.text)})
    assert done.status == 200
    assert "yanis.b@example.net" in done.text and "mailto:yanis.b@example.net" in done.text
    full = stack.admin("GET", f"/api/v1/requests/{ref}").json()
    assert full["status"] == "accepted"
    assert [e["type"] for e in full["events"]] == ["received", "routed", "accepted"]
    assert any(m["To"] == "yanis.b@example.net" and "contacter" in m["Subject"] for m in mails(stack))

    again = stack.post_form(path, {"decision": "decline", "reason": "complet", "csrf": csrf_of(page.text)})
    assert again.status == 200 and "yanis.b@example.net" in again.text  # what already happened
    assert stack.admin("GET", f"/api/v1/requests/{ref}").json()["status"] == "accepted"


def test_a_decline_mails_the_next_association(stack):
    ref = submit(stack)
    path, first_to = answer_path(stack, ref)
    page = stack.call("GET", path)
    missing_reason = stack.post_form(path, {"decision": "decline", "csrf": csrf_of(page.text)})
    assert missing_reason.status == 422 and 'href="#reason"' in missing_reason.text
    done = stack.post_form(
        path, {"decision": "decline", "reason": "complet", "comment": "Complet", "csrf": csrf_of(page.text)}
    )
    assert done.status == 200
    full = stack.admin("GET", f"/api/v1/requests/{ref}").json()
    assert full["events"][2]["type"] == "declined"
    assert full["status"] == "routed"  # Roubaix has several candidates in the seed directory
    assert full["association"]["id"] not in full["declined"]
    directory = {a["id"]: a for a in stack.admin("GET", "/api/v1/admin/associations").json()["associations"]}
    next_to = directory[full["association"]["id"]]["emails"][0]
    assert next_to != first_to
    assert any(m["To"] == next_to and ref in m["Subject"] for m in mails(stack))


def test_forged_expired_or_cross_site_answers_get_a_clear_page(stack):
    ref = submit(stack)
    path, _ = answer_path(stack, ref)
    tampered = stack.call("GET", path[:-2] + ("xx" if not path.endswith("xx") else "yy"))
    assert 400 <= tampered.status < 500 and "Lien" in tampered.text
    assert stack.call("GET", "/reponse/not-a-token").status == 400
    page = stack.call("GET", path)
    no_csrf = stack.post_form(path, {"decision": "accept"})
    assert no_csrf.status == 403
    cross = stack.post_form(
        path, {"decision": "accept", "csrf": csrf_of(page.text)}, {"Origin": "https://evil.example.com"}
    )
    assert cross.status == 403
    assert stack.admin("GET", f"/api/v1/requests/{ref}").json()["status"] == "routed"
