"""Every numeric, code and URL field at its real door, in process, with inputs drawn from
the whole of Unicode (tests/unicode_inputs.py): other scripts' digits, superscripts,
full-width forms, line and paragraph separators, invisible characters, CR and LF.

Whatever is typed, the answer is never a 500: it is the field's French message, or the
normal answer when the value is written with the digits 0 to 9 (spaces around a form's
value left out, as the forms do for every field). The oracles are written here, apart
from the product's code: "0-9 only" is `c in "0123456789"`, another script's digit is a
non-ASCII character with a numeric value in the Unicode database, the postal codes are
the territory table's. The inputs that once gave a 500 have a test of their own first.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.builders import association, body_text, referent_form, signed_in, title_of, volunteer_form, youth, youth_form
from tests.unicode_inputs import KNOWN_OTHER_NUMBERS, code_texts, cursors, numeric_texts, urls_with_foreign

PARTNER = "https://partenaire.example.org"
ADMIN_EMAIL = "admin@reseau.example.org"
ADMIN_API = {"Authorization": "Bearer test-admin-token"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}

WHOLE = "Indiquez un nombre entier."
OTHER_DIGITS = "Écrivez ce nombre avec les chiffres de 0 à 9."
BAD_POSTAL_CODE = "Code postal invalide : 5 chiffres (exemple : 59100)."
UNKNOWN_POSTAL_CODE = "Ce code postal n'existe pas : vérifiez-le (5 chiffres, exemple : 59100)."
YOUTH_AGE = (
    "L'âge doit être compris entre 13 et 30 ans. Pour un enfant plus jeune, un professionnel peut faire la demande."
)
REFERENT_AGE = "L'âge doit être compris entre 6 et 30 ans."
VOLUNTEER_AGE = "Le mentorat bénévole est ouvert aux adultes : l'âge doit être compris entre 18 et 99 ans."
HOURS = "Indiquez un nombre d'heures par mois entre 1 et 40."

EXAMPLES = hypothesis_settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SETTINGS = dict(rate_limit_count=1_000_000, partner_origins=(PARTNER,))
DIRECTORY = [association("nord-asso", name="Nord", recruits_mentors=True)]
OPERATORS = f"{ADMIN_EMAIL}:admin"


@pytest.fixture
def session(wired):
    return signed_in(wired, ADMIN_EMAIL)


# -- the oracles ------------------------------------------------------------------------------


def written_number(value: str, max_digits: int = 9):
    """The number `value` writes with the digits 0 to 9 only, or None."""
    return int(value) if 0 < len(value) <= max_digits and all(c in "0123456789" for c in value) else None


def number_message(value: str) -> str:
    """What a form says of text that is no number: required when blank, which digits to
    use when it holds another script's (a non-ASCII character the Unicode database gives
    a value)."""
    if not value.strip():
        return "Champ obligatoire."
    other = any(ord(c) > 127 and unicodedata.numeric(c, None) is not None for c in value)
    return OTHER_DIGITS if other else WHOLE


def known_postal_codes() -> list[str]:
    from chalicelib.domain.territory import known_postal_codes as table

    return sorted(table())


POSTAL_CODES = st.sampled_from(known_postal_codes())


def field_error(r, name: str):
    """The message shown under field `name`, or None."""
    found = re.search(
        rf'id="{name}-error"><span class="[^"]+">[^<]*</span>\s*(.*?)</p>', html.unescape(body_text(r)), re.S
    )
    return found.group(1).strip() if found else None


def headers_are_clean(r) -> bool:
    return not any(re.search(r"[\x00-\x1f\x7f]", str(v)) for v in r.headers.values())


def post_form(http, path, fields):
    return http.post(path, body=urlencode(fields, doseq=True).encode(), headers=FORM)


def post_json(http, path, data):
    return http.post(path, body=json.dumps(data).encode(), headers=JSON)


def stored_count(wired) -> int:
    return len(wired.requests.list(None, None, 200, None)[0])


# -- the inputs that gave a 500 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path, form", [("/demande", youth_form), ("/orienter", referent_form), ("/devenir-mentor", volunteer_form)]
)
def test_a_superscript_two_as_an_age_on_each_form_gets_the_ages_message(http, wired, path, form):
    r = post_form(http, path, form(age="²"))
    assert r.status_code == 422
    assert field_error(r, "age") == OTHER_DIGITS
    assert 'value="²"' in body_text(r), "the form keeps what was typed"


@pytest.mark.parametrize("path, data", [("/api/v1/requests", youth()), ("/api/v1/mentors", {})])
def test_a_superscript_two_as_an_age_in_the_api_names_the_age(http, wired, path, data):
    r = post_json(http, path, {**data, "age": "²"})
    assert r.status_code == 422
    assert {"field": "age", "message": WHOLE} in json.loads(r.body)["errors"]


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\r", "\u2028", "\x00", "\t"])
def test_a_return_to_holding_a_line_break_is_ignored_and_the_request_kept(http, wired, line_break):
    before = stored_count(wired)
    r = post_form(http, "/demande", youth_form(return_to=f"{PARTNER}/merci{line_break}Set-Cookie: x=1"))
    assert r.status_code == 303
    assert re.fullmatch(r"/demande/merci\?ref=MNT-[A-Z0-9-]+", r.headers["Location"])
    assert stored_count(wired) == before + 1
    assert "Set-Cookie" not in r.headers and headers_are_clean(r)


def test_the_versions_page_of_a_superscript_says_the_link_is_wrong(http, session):
    r = http.get("/console/annuaire/versions?" + urlencode({"avant": "²"}), headers=session[0])
    assert r.status_code == 400
    assert title_of(r) == "Erreur : Lien de page invalide – Réseau Mentorat"
    assert '<a href="/console/annuaire/versions">Revenir à la première page</a>' in body_text(r)


@pytest.mark.parametrize("number", ["²", "１", "١", "99999999999999999999", "1" * 5000])
def test_restoring_a_version_of_no_number_is_not_found(http, session, number):
    r = http.post(
        f"/console/annuaire/versions/{number}/restaurer",
        body=urlencode({"csrf": session[1]}).encode(),
        headers={**session[0], **FORM},
    )
    assert r.status_code == 404


# -- the forms' numeric and code fields ---------------------------------------------------------


def assert_form_number(r, field: str, typed: str, low: int, high: int, range_message: str):
    number = written_number(typed.strip())
    if number is not None and low <= number <= high:
        assert r.status_code == 303, field_error(r, field)
        return
    assert r.status_code == 422
    expected = range_message if number is not None else number_message(typed)
    assert field_error(r, field) == expected


@EXAMPLES
@given(age=numeric_texts(st.integers(0, 130)))
def test_the_youths_age_in_any_digits(http, wired, age):
    r = post_form(http, "/demande", youth_form(age=age) | {"parental_consent": "on"})
    assert_form_number(r, "age", age, 13, 30, YOUTH_AGE)


@EXAMPLES
@given(age=numeric_texts(st.integers(0, 130)))
def test_the_referents_age_in_any_digits(http, wired, age):
    r = post_form(http, "/orienter", referent_form(age=age))
    assert_form_number(r, "age", age, 6, 30, REFERENT_AGE)


@EXAMPLES
@given(age=numeric_texts(st.integers(0, 130)), hours=numeric_texts(st.integers(0, 60)))
def test_the_volunteers_age_and_hours_in_any_digits(http, wired, age, hours):
    r = post_form(http, "/devenir-mentor", volunteer_form(age=age, hours_per_month=hours))
    age_ok = (n := written_number(age.strip())) is not None and 18 <= n <= 99
    hours_ok = (h := written_number(hours.strip())) is not None and 1 <= h <= 40
    if age_ok and hours_ok:
        assert r.status_code == 303
        return
    assert r.status_code == 422
    if not age_ok:
        assert field_error(r, "age") == (VOLUNTEER_AGE if n is not None else number_message(age))
    if not hours_ok:
        assert field_error(r, "hours_per_month") == (HOURS if h is not None else number_message(hours))


def form_postal_code_message(typed: str):
    """None when the form takes it: spaces of any kind between the digits are left out
    ("59 100", a non-breaking space copied with it), digits must be 0 to 9."""
    code = "".join(typed.split())
    if re.fullmatch(r"(0[1-9]|[1-8][0-9]|9[0-8])[0-9]{3}", code) is None or not code.isascii():
        return BAD_POSTAL_CODE if code else "Champ obligatoire."
    return None if code in set(known_postal_codes()) else UNKNOWN_POSTAL_CODE


@EXAMPLES
@given(code=code_texts(POSTAL_CODES), path=st.sampled_from(["/demande", "/orienter", "/devenir-mentor"]))
def test_the_postal_code_of_each_form_in_any_digits(http, wired, code, path):
    form = {"/demande": youth_form, "/orienter": referent_form, "/devenir-mentor": volunteer_form}[path]
    r = post_form(http, path, form(postal_code=code, city=""))
    expected = form_postal_code_message(code)
    if expected is None:
        assert r.status_code == 303
    else:
        assert r.status_code == 422 and field_error(r, "postal_code") == expected


# -- the JSON API's ----------------------------------------------------------------------------


def api_errors(r) -> dict[str, str]:
    return {e["field"]: e["message"] for e in json.loads(r.body)["errors"]}


MENTOR_JSON = {
    "first_name": "Paul",
    "last_name": "Durand",
    "email": "paul.durand@example.net",
    "age": 42,
    "postal_code": "59100",
    "occupation": "actif",
    "modes": ["presentiel"],
    "hours_per_month": 4,
    "youth_ages": ["15-18"],
    "needs": ["orientation"],
    "commitment": True,
    "consent": True,
}


@EXAMPLES
@given(
    value=numeric_texts(st.integers(0, 130)),
    path=st.sampled_from(["/api/v1/requests", "/api/v1/mentors"]),
    field=st.sampled_from(["age", "hours_per_month"]),
)
def test_an_api_number_written_as_text_in_any_digits_is_refused_naming_it(http, wired, value, path, field):
    if path == "/api/v1/requests" and field == "hours_per_month":
        field = "age"
    base = youth() if path == "/api/v1/requests" else MENTOR_JSON
    r = post_json(http, path, {**base, field: value})
    assert r.status_code == 422 and api_errors(r)[field] == WHOLE  # JSON's types are exact: a number, never text


@EXAMPLES
@given(code=code_texts(POSTAL_CODES), path=st.sampled_from(["/api/v1/requests", "/api/v1/mentors"]))
def test_an_api_postal_code_in_any_digits(http, wired, code, path):
    base = youth() if path == "/api/v1/requests" else MENTOR_JSON
    r = post_json(http, path, {**base, "postal_code": code, "city": None})
    if code in set(known_postal_codes()):
        assert r.status_code == 201
        return
    assert r.status_code == 422
    shaped = re.fullmatch(r"(0[1-9]|[1-8][0-9]|9[0-8])[0-9]{3}", code) is not None and code.isascii()
    assert api_errors(r)["postal_code"] == (UNKNOWN_POSTAL_CODE if shaped else BAD_POSTAL_CODE)


# -- the partner's return_to ------------------------------------------------------------------


@EXAMPLES
@given(return_to=st.one_of(st.just(f"{PARTNER}/merci?x=1"), urls_with_foreign(f"{PARTNER}/merci?x=1")))
def test_a_return_to_in_any_characters_is_followed_only_when_it_is_a_plain_partner_url(http, wired, return_to):
    before = stored_count(wired)
    shown = http.get("/demande?" + urlencode({"return_to": return_to}))
    r = post_form(http, "/demande", youth_form(return_to=return_to))
    assert shown.status_code == 200 and r.status_code == 303 and headers_are_clean(r)
    assert stored_count(wired) == before + 1
    plain = all(0x21 <= ord(c) <= 0x7E for c in return_to)
    if plain:
        assert r.headers["Location"].startswith(f"{return_to}&ref=MNT-")
        assert 'name="return_to"' in body_text(shown)
    else:
        assert r.headers["Location"].startswith("/demande/merci?ref=MNT-")
        assert 'name="return_to"' not in body_text(shown)


# -- the console's directory form ----------------------------------------------------------------


def directory_fields(session, **overrides):
    fields = {
        "csrf": session[1],
        "action": "simuler",
        "name": "Nord",
        "emails": "nord-asso@asso.example.org",
        "active": "on",
        "departements": "59",
        "regions": "",
        "communes": "",
        "age_min": "6",
        "age_max": "30",
        "needs[]": ["scolaire"],
        "first_need": "scolaire",
        "capacity": "",
        "mentor_capacity": "",
    }
    return {**fields, **overrides}


def post_directory(http, session, **overrides):
    body = urlencode(directory_fields(session, **overrides), doseq=True).encode()
    return http.post("/console/annuaire/nord-asso", body=body, headers={**session[0], **FORM})


def directory_error(r, name):
    found = re.search(
        rf'id="{name}-error"><span class="visually-hidden">Erreur : </span>(.*?)</p>', html.unescape(body_text(r))
    )
    return found.group(1) if found else None


@EXAMPLES
@given(
    value=numeric_texts(st.integers(0, 200), max_size=7),
    field=st.sampled_from(["capacity", "mentor_capacity", "age_min", "age_max"]),
)
def test_the_directorys_numbers_in_any_digits(http, session, value, field):
    r = post_directory(http, session, **{field: value})
    typed = value.strip()
    number = written_number(typed, max_digits=6)
    if field in {"capacity", "mentor_capacity"}:
        ok = typed == "" or number is not None
    else:  # the form's ages are 6 to 30: a minimum up to 30, a maximum from 6 to 120
        ok = number is not None and (number <= 30 if field == "age_min" else 6 <= number <= 120)
    if ok:
        assert r.status_code == 200, directory_error(r, field)
        return
    assert r.status_code == 422
    if number is None:
        other = any(ord(c) > 127 and unicodedata.numeric(c, None) is not None for c in typed)
        assert (
            directory_error(r, field) == "écrivez ce nombre avec les chiffres de 0 à 9"
            if other
            else directory_error(r, field)
        )
    else:  # a number out of range: its own field's message, or the maximum's when the minimum passes it
        assert directory_error(r, field) or directory_error(r, "age_max")


@EXAMPLES
@given(
    codes=code_texts(st.sampled_from(["59", "62", "2A", "971", "75"])),
    kind=st.sampled_from(["departements", "communes", "regions"]),
)
def test_the_directorys_codes_in_any_digits(http, session, codes, kind):
    r = post_directory(http, session, **{kind: codes, "departements": codes if kind == "departements" else "59"})
    assert r.status_code in {200, 422}
    if r.status_code == 422:
        assert directory_error(r, kind) is not None


# -- query parameters and path numbers ---------------------------------------------------------------


@EXAMPLES
@given(before=numeric_texts(st.integers(0, 10_000), max_size=12))
def test_the_versions_page_number_in_any_digits(http, session, before):
    r = http.get("/console/annuaire/versions?" + urlencode({"avant": before}), headers=session[0])
    if before == "" or written_number(before) is not None:
        assert r.status_code == 200
    else:
        assert r.status_code == 400 and title_of(r) == "Erreur : Lien de page invalide – Réseau Mentorat"


@EXAMPLES
@given(number=numeric_texts(st.integers(0, 4), max_size=12).filter(str.strip))
def test_the_version_to_restore_in_any_digits(http, wired, session, number):
    version = written_number(number)
    exists = version is not None and wired.directory.version(version) is not None
    r = http.post(
        f"/console/annuaire/versions/{quote(number, safe='')}/restaurer",
        body=urlencode({"csrf": session[1]}).encode(),
        headers={**session[0], **FORM},
    )
    assert r.status_code == (303 if exists else 404)
    assert headers_are_clean(r)


@EXAMPLES
@given(value=st.one_of(numeric_texts(st.sampled_from([4, 12, 52, 5])), st.sampled_from(KNOWN_OTHER_NUMBERS)))
def test_the_statistics_period_in_any_digits(http, session, value):
    r = http.get("/console/statistiques?" + urlencode({"periode": value}), headers=session[0])
    assert r.status_code == 200
    shown = value if value in {"4", "12", "52"} else "12"
    assert re.search(rf'<option value="{shown}" selected', body_text(r))


@EXAMPLES
@given(
    day=code_texts(st.just("2026-11-24")),
    departement=code_texts(st.sampled_from(["59", "2A", "974"])),
    path=st.sampled_from(["/console/demandes", "/console/benevoles", "/console/export/demandes"]),
)
def test_the_queue_filters_in_any_digits(http, session, day, departement, path):
    query = urlencode({"onglet": "toutes", "du": day, "au": day, "departement": departement})
    r = http.get(f"{path}?{query}", headers=session[0])
    assert r.status_code == 200 and headers_are_clean(r)


@EXAMPLES
@given(limit=numeric_texts(st.integers(0, 300), max_size=8))
def test_the_api_page_size_in_any_digits(http, wired, limit):
    r = http.get("/api/v1/requests?" + urlencode({"limit": limit}), headers=ADMIN_API)
    number = written_number(limit)
    if number is not None and 1 <= number <= 200:
        assert r.status_code == 200
    else:
        assert r.status_code == 422 and api_errors(r) == {"limit": "a whole number from 1 to 200"}


@EXAMPLES
@given(cursor=cursors())
def test_a_page_cursor_in_any_characters(http, wired, session, cursor):
    """A list's page link holds a cursor anyone may change: a page, or the list's own
    answer to a cursor it did not give (the API: 404 naming the cursor, as its OpenAPI
    document says; the console: a French 400 page)."""
    api = http.get("/api/v1/requests?" + urlencode({"cursor": cursor}), headers=ADMIN_API)
    assert api.status_code in {200, 404}
    if api.status_code == 404:
        assert api_errors(api) == {"cursor": "no such page: use the `next` value of a page"}
    for path in ("/console/demandes", "/console/benevoles"):
        page = http.get(f"{path}?" + urlencode({"onglet": "toutes", "page": cursor}), headers=session[0])
        assert page.status_code in {200, 400} and headers_are_clean(page)
        if page.status_code == 400:
            assert title_of(page) == "Erreur : Lien de page invalide – Réseau Mentorat"


@EXAMPLES
@given(reference=st.one_of(st.sampled_from(KNOWN_OTHER_NUMBERS), code_texts(st.just("MNT-ABCD-1234"))))
def test_a_reference_in_any_characters_is_no_page(http, session, reference):
    for path in ("/console/demandes/", "/console/benevoles/", "/api/v1/requests/", "/api/v1/mentors/"):
        r = http.get(path + quote(reference, safe=""), headers={**session[0], **ADMIN_API})
        assert r.status_code == 404
    thanks = http.get("/demande/merci?" + urlencode({"ref": reference}))
    # The thank-you page shows any reference of docs/contract.md §2's shape, [A-Z0-9-]{6,24} (ASCII).
    assert thanks.status_code == (200 if re.fullmatch(r"[A-Z0-9-]{6,24}", reference, re.ASCII) else 404)
