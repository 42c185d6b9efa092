"""Who may post (docs/contract.md §2: our pages, a partner's, or no browser at all), which
partner pages a form returns to, which tokens skip the per-IP limit; and the form pages'
titles, error summary order and the choices each form offers."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from chalicelib.domain.phone import display_phone, phone_uri
from chalicelib.domain.submission import InvalidSubmission, parse_submission
from chalicelib.web import forms
from tests.builders import association, youth
from tests.builders import body_text as text

OURS = "http://127.0.0.1:8000"
PARTNER = "https://partenaire.example.org"
EVIL = "https://evil.example.com"
SETTINGS = dict(
    public_base_url=OURS,
    partner_origins=(PARTNER,),
    partner_tokens=("partner-token",),
    rate_limit_count=1,
    rate_limit_seconds=600,
)
DIRECTORY = [association("first-asso")]


def api_post(http, headers):
    return http.post(
        "/api/v1/requests", body=json.dumps(youth()).encode(), headers={"Content-Type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    "headers, allowed",
    [
        ({}, True),  # no browser at all
        ({"Sec-Fetch-Site": "same-origin", "Origin": EVIL}, True),
        ({"Sec-Fetch-Site": "none", "Origin": EVIL}, True),  # the person acted in the browser itself
        ({"Sec-Fetch-Site": "Same-Origin ", "Origin": EVIL}, True),
        ({"Sec-Fetch-Site": "Cross-Site", "Origin": EVIL}, False),
        ({"Sec-Fetch-Site": "same-site", "Origin": PARTNER}, True),
        ({"Sec-Fetch-Site": "cross-site", "Origin": PARTNER.upper()}, True),
        ({"Sec-Fetch-Site": "same-site", "Origin": EVIL}, False),
        ({"Sec-Fetch-Site": "cross-site"}, False),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "null"}, False),
        ({"Origin": OURS}, True),
        ({"Origin": "HTTP://127.0.0.1:8000"}, True),
        ({"Origin": PARTNER}, True),
        ({"Origin": EVIL}, False),
        ({"Origin": "null"}, False),
        ({"Origin": "https://mentorat.example.fr", "Host": "mentorat.example.fr"}, True),
        ({"Origin": "http://mentorat.example.fr", "Host": "mentorat.example.fr"}, True),
        ({"Origin": "https://other.example.fr", "Host": "mentorat.example.fr"}, False),
        ({"Referer": f"{OURS}/demande"}, True),
        ({"Referer": f"{PARTNER}/page?x=1"}, True),
        ({"Referer": f"{EVIL}/page"}, False),
        ({"Referer": "not a url"}, False),
        ({"Origin": "", "Referer": f"{OURS}/"}, True),
        ({"Sec-Fetch-Site": "unknown-value", "Origin": EVIL}, False),
        ({"Sec-Fetch-Site": "unknown-value", "Origin": OURS}, True),
    ],
)
def test_who_may_post_a_submission(http, wired, headers, allowed):
    r = api_post(http, {"Authorization": "Bearer partner-token", **headers})
    assert r.status_code == (201 if allowed else 403)


def test_partner_and_admin_tokens_skip_the_per_ip_limit_and_others_do_not(http, wired):
    assert api_post(http, {}).status_code == 201
    assert api_post(http, {}).status_code == 429
    assert api_post(http, {"Authorization": "Bearer partner-token"}).status_code == 201
    assert api_post(http, {"Authorization": "bearer  partner-token "}).status_code == 201
    assert api_post(http, {"Authorization": "Bearer test-admin-token"}).status_code == 201
    assert api_post(http, {"Authorization": "Bearer other-token"}).status_code == 429
    assert api_post(http, {"Authorization": "Bearer "}).status_code == 429
    assert api_post(http, {"Authorization": "partner-token"}).status_code == 429


@pytest.mark.parametrize(
    "return_to, kept",
    [
        (f"{PARTNER}/merci", True),
        (f"{PARTNER.upper()}/merci", True),
        (f"{PARTNER}:8443/merci", False),
        ("http://partenaire.example.org/merci", False),
        (f"{EVIL}/merci", False),
        ("/merci", False),
        ("", False),
    ],
)
def test_only_a_partners_page_is_followed_after_the_form(http, wired, return_to, kept):
    fields = {k: v for k, v in youth().items() if k not in {"consent", "parental_consent", "publics"}}
    fields |= {"consent": "on", "return_to": return_to, "age": "16"}
    r = http.post(
        "/demande", body=urlencode(fields).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 303
    location = r.headers["Location"]
    if kept:
        assert location.startswith(f"{return_to}?ref=MNT-")
    else:
        assert location.startswith("/demande/merci?ref=MNT-")


# -- the form pages ---------------------------------------------------------------------------


def title_of(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)


def test_each_form_page_has_its_title_and_heading(http, wired, settings):
    for path, title in (
        ("/demande", "Demander un mentor"),
        ("/orienter", "Orienter un ou une jeune vers un mentor"),
        ("/devenir-mentor", "Devenir mentor"),
    ):
        page = text(http.get(path))
        assert title_of(page) == f"{title} – {settings.network_name}"
        assert re.search(r"<h1>(.*?)</h1>", page, re.S).group(1) == title
        assert re.search(r'<form[^>]* action="([^"]+)"', page).group(1) == path


def test_the_error_summary_follows_the_pages_order_and_counts_the_errors(http, wired, settings):
    fields = {
        "age": "40",
        "consent": "on",
        "postal_code": "59100",
        "need": "scolaire",
        "situation": "college",
        "email": "a@b.fr",
        "first_name": "",
    }
    r = http.post(
        "/demande", body=urlencode(fields).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 422
    page = text(r)
    assert title_of(page) == f"Erreur : le formulaire contient 3 erreurs – Demander un mentor – {settings.network_name}"
    assert re.findall(r'<li><a href="#([^"]+)">', page) == ["first_name", "last_name", "age"]


def test_a_youth_writing_for_themselves_is_not_offered_primary_school(http, wired):
    youth_choices = re.findall(r'name="situation" value="([^"]+)"', text(http.get("/demande")))
    referent_choices = re.findall(r'name="situation" value="([^"]+)"', text(http.get("/orienter")))
    assert "primaire" not in youth_choices and referent_choices == ["primaire", *youth_choices]
    assert youth_choices[0] == "college"


def test_a_missing_static_file_or_type_is_the_french_404(http, wired, settings):
    for path in ("/static/nope.css", "/static/notes.txt", "/static/site"):
        r = http.get(path)
        assert r.status_code == 404 and r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert title_of(text(r)) == f"Erreur : page introuvable – {settings.network_name}"


# -- Form details a person notices: one message for a too-young age, phone numbers as people read
# them, the youth form's choices. Pure: no I/O.


def _errors(data: dict) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data)
    return {e.field: e.message for e in caught.value.errors}


@pytest.mark.parametrize("age", [12, "12", 5])
def test_a_child_under_13_gets_one_message_about_the_age_only(age):
    # No parental consent ticked: a 12-year-old used to get "a parent must agree" too,
    # a message that cannot help since the form refuses that age anyway.
    data = {**youth(), "age": age, "parental_consent": False}
    errors = _errors(data)
    assert list(errors) == ["age"]
    assert "entre 13 et 30 ans" in errors["age"]
    assert "professionnel" in errors["age"]  # says what to do instead


def test_parental_consent_still_required_at_13_and_14():
    for age in (13, 14):
        assert list(_errors({**youth(), "age": age, "parental_consent": False})) == ["parental_consent"]


def test_an_age_that_is_not_a_number_gets_one_message():
    errors = _errors({**youth(), "age": "douze", "parental_consent": False})
    assert list(errors) == ["age"]


@pytest.mark.parametrize(
    "typed",
    [
        "0612345678",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "33612345678",
        " 06  12 34 56 78 ",
    ],
)
def test_a_french_mobile_is_shown_in_pairs_however_it_was_typed(typed):
    assert display_phone(typed) == "06 12 34 56 78"
    assert phone_uri(typed) == "tel:+33612345678"


def test_a_landline_is_shown_in_pairs():
    assert display_phone("+33320123456") == "03 20 12 34 56"


@pytest.mark.parametrize("odd", ["+44 20 7946 0958", "12345", "appeler le standard"])
def test_what_is_not_a_french_number_is_shown_as_typed(odd):
    assert display_phone(odd) == odd


def test_no_phone_stays_no_phone():
    assert display_phone(None) is None
    assert display_phone("") == ""
    assert phone_uri(None) is None


def test_the_youth_form_does_not_offer_primary_school_but_the_referent_form_does():
    youth_choices = [value for value, _ in forms.choices_for("youth")["situation"]]
    referent_choices = [value for value, _ in forms.choices_for("referent")["situation"]]
    assert "primaire" not in youth_choices
    assert "primaire" in referent_choices
    assert "college" in youth_choices and "etudiant" in youth_choices
