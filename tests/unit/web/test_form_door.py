"""The public forms' door as a youth, a referent or a volunteer meets it (docs/contract.md §2,
§3 and §11): each refusal page word for word, the way back, the redirect to the thank-you
page, the form kept as typed after a failure (with its submission id and partner page),
the per-IP limit on each door, and what the form's fields become once stored."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from markupsafe import escape

from tests.builders import association, referent_form, volunteer_form, youth_form
from tests.builders import body_text as text
from tests.integration.mail_stream import read_outbox

OURS = "http://127.0.0.1:8000"
PARTNER = "https://partenaire.example.org"
DIRECTORY = [
    association("first-asso", needs=["scolaire"]),
    association("lille-mentors", recruits_mentors=True, mentor_capacity=3),
]
SETTINGS = dict(public_base_url=OURS, rate_limit_count=2, rate_limit_seconds=600, partner_origins=(PARTNER,))


def post(http, path, fields, headers=None):
    body = fields if isinstance(fields, bytes) else urlencode(fields, doseq=True).encode()
    return http.post(path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def ref_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["ref"][0]


def stored(wired) -> list[dict]:
    return wired.requests.list(None, None, 200, None)[0]


def title_of(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)


def assert_error_page(r, settings, status, heading, message, back=()):
    assert r.status_code == status
    page = text(r)
    assert title_of(page) == f"Erreur : {heading} – {settings.network_name}"
    assert re.search(r"<h1>(.*?)</h1>", page, re.S).group(1) == str(escape(heading))
    assert re.search(r'<p class="lead">(.*?)</p>', page, re.S).group(1) == str(escape(message))
    assert re.findall(r'<p class="next-link"><a href="([^"]*)">(.*?)</a></p>', page) == list(back)


FORMS = [("/demande", youth_form, "Demande trop longue"), ("/devenir-mentor", volunteer_form, "Envoi trop long")]


# -- refusals, word for word ---------------------------------------------------------------


@pytest.mark.parametrize("path, fields, too_long", FORMS)
def test_a_form_over_64_kib_is_refused_413_with_its_own_title(http, wired, settings, path, fields, too_long):
    r = post(http, path, fields(message="x" * (65 * 1024)))
    assert_error_page(
        r, settings, 413, too_long, "Le formulaire envoyé est trop long. Raccourcissez le message et réessayez."
    )
    assert stored(wired) == [] and read_outbox(wired) == []


@pytest.mark.parametrize("path, fields, too_long", FORMS)
def test_a_form_posted_from_another_site_is_refused_403_with_a_way_back(http, wired, settings, path, fields, too_long):
    r = post(http, path, fields(), {"Origin": "https://evil.example.com"})
    assert_error_page(
        r,
        settings,
        403,
        "Envoi refusé",
        "Pour votre sécurité, ce formulaire n'a pas été accepté : il a été envoyé depuis une page "
        "qui n'est pas la nôtre. Rien n'a été enregistré. Ouvrez le formulaire directement sur notre "
        "site, remplissez-le à nouveau et envoyez-le.",
        [(path, "Ouvrir le formulaire")],
    )
    assert stored(wired) == [] and read_outbox(wired) == []


@pytest.mark.parametrize("path, fields, too_long", FORMS)
def test_a_form_with_too_many_fields_is_refused_400_with_a_way_back(http, wired, settings, path, fields, too_long):
    many = list(fields().items()) + [(f"extra{i}", "x") for i in range(100)]
    r = post(http, path, urlencode(many, doseq=True).encode())
    assert_error_page(
        r,
        settings,
        400,
        "Formulaire refusé",
        "Le formulaire envoyé contient trop de champs : il ne vient pas de notre site. "
        "Ouvrez le formulaire sur notre site, remplissez-le et envoyez-le.",
        [(path, "Ouvrir le formulaire")],
    )
    assert stored(wired) == []


def test_bytes_that_are_not_utf8_do_not_break_the_form(http, wired):
    body = urlencode(youth_form()).encode() + b"&message=caf\xe9+\xff"
    r = post(http, "/demande", body)
    assert r.status_code == 303
    assert wired.requests.get(ref_of(r.headers["Location"]))["message"] == "caf\ufffd \ufffd"


# -- the thank-you pages -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/demande", "/orienter", "/devenir-mentor"])
def test_a_thank_you_page_without_a_reference_is_a_french_404_back_to_the_form(http, settings, path):
    for query in ("", "?ref=", "?ref=nothing"):
        r = http.get(f"{path}/merci{query}")
        assert_error_page(
            r,
            settings,
            404,
            "Référence inconnue",
            "Cette page de confirmation n'existe pas.",
            [(path, "Revenir à la page précédente")],
        )


def test_the_partners_page_gets_the_reference_with_the_right_separator(http, wired):
    plain = post(http, "/demande", youth_form(return_to=f"{PARTNER}/merci"))
    assert plain.status_code == 303
    assert plain.headers["Location"] == f"{PARTNER}/merci?ref={ref_of(plain.headers['Location'])}"
    with_query = post(http, "/devenir-mentor", volunteer_form(return_to=f"{PARTNER}/merci?x=1"))
    ref = parse_qs(urlsplit(with_query.headers["Location"]).query)["ref"][0]
    assert with_query.headers["Location"] == f"{PARTNER}/merci?x=1&ref={ref}"


def test_our_own_thank_you_page_is_the_redirect_without_a_partner(http, wired):
    r = post(http, "/orienter", referent_form())
    ref = ref_of(r.headers["Location"])
    assert r.headers["Location"] == f"/orienter/merci?ref={ref}"
    assert r.headers["Cache-Control"] == "no-store" and r.body in (b"", "", None)


# -- the form page with the partner's page ---------------------------------------------------


@pytest.mark.parametrize("path", ["/demande", "/orienter", "/devenir-mentor"])
def test_the_form_opened_from_a_partner_carries_its_return_page(http, path):
    page = text(http.get(f"{path}?{urlencode({'return_to': f'{PARTNER}/merci?x=1'})}"))
    assert f'<input type="hidden" name="return_to" value="{escape(PARTNER + "/merci?x=1")}">' in page
    elsewhere = text(http.get(f"{path}?{urlencode({'return_to': 'https://evil.example.com/'})}"))
    assert 'name="return_to"' not in elsewhere


def test_an_invalid_form_keeps_its_submission_id_and_partner_page(http, wired):
    r = post(http, "/demande", youth_form(first_name="", submission_id="sid-77", return_to=f"{PARTNER}/merci"))
    assert r.status_code == 422
    page = text(r)
    assert '<input type="hidden" name="submission_id" value="sid-77">' in page
    assert f'<input type="hidden" name="return_to" value="{PARTNER}/merci">' in page


def test_a_fresh_form_is_issued_a_submission_id(http):
    ids = [re.search(r'name="submission_id" value="([^"]*)"', text(http.get("/demande"))).group(1) for _ in range(2)]
    assert all(len(i) >= 20 for i in ids) and ids[0] != ids[1]


# -- storage down: the form again, as typed ---------------------------------------------------


def unavailable(*args, **kwargs):
    from chalicelib.services.ports import StorageUnavailable

    raise StorageUnavailable("ConnectionError")


@pytest.mark.parametrize(
    "path, fields, service, method, what, button",
    [
        ("/demande", youth_form, "intake", "accept", "demande", "Envoyer la demande"),
        ("/devenir-mentor", volunteer_form, "mentors", "sign_up", "candidature", "Proposer mon aide"),
    ],
)
def test_storage_down_shows_the_form_as_typed_503_with_retry_after(
    http, wired, monkeypatch, path, fields, service, method, what, button
):
    monkeypatch.setattr(getattr(wired, service), method, unavailable)
    r = post(http, path, fields(submission_id="sid-9", return_to=f"{PARTNER}/merci"))
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "30"
    page = text(r)
    assert f'<h2 id="unavailable-title">Votre {what} n\'a pas pu être envoyée</h2>' in page
    assert f"« {button} »" in page
    assert '<input type="hidden" name="submission_id" value="sid-9">' in page
    assert f'<input type="hidden" name="return_to" value="{PARTNER}/merci">' in page
    assert 'value="Roubaix"' in page


# -- the per-IP limit on each door ---------------------------------------------------------


TOO_MANY = "Trop de demandes ont été envoyées depuis cette connexion. Réessayez dans quelques minutes."


def test_the_volunteer_form_counts_on_the_per_ip_limit(http, wired, settings):
    statuses = [post(http, "/devenir-mentor", volunteer_form()).status_code for _ in range(2)]
    assert statuses == [303, 303]
    r = post(http, "/devenir-mentor", volunteer_form())
    assert_error_page(r, settings, 429, "Trop de demandes", TOO_MANY)
    assert r.headers["Retry-After"] == "600"


def test_the_volunteer_api_counts_on_the_per_ip_limit(http, wired):
    def send():
        data = {k: v for k, v in volunteer_form().items() if k != "website"}
        data |= {"age": 42, "hours_per_month": 4, "commitment": True, "consent": True}
        return http.post(
            "/api/v1/mentors", body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
        )

    assert [send().status_code for _ in range(2)] == [201, 201]
    r = send()
    assert r.status_code == 429 and r.headers["Retry-After"] == "600"
    assert json.loads(r.body) == {"errors": [{"field": "body", "message": "too many submissions from this address"}]}


def test_the_youth_form_counts_on_the_per_ip_limit(http, wired, settings):
    assert [post(http, "/demande", youth_form()).status_code for _ in range(2)] == [303, 303]
    assert_error_page(post(http, "/demande", youth_form()), settings, 429, "Trop de demandes", TOO_MANY)


# -- what the fields become ------------------------------------------------------------------


def test_a_youth_form_is_stored_with_its_consent_and_tidied_postal_code(http, wired):
    r = post(http, "/demande", youth_form(postal_code=" 59 100 ", age=14) | {"parental_consent": "on"})
    assert r.status_code == 303
    fields = wired.requests.get(ref_of(r.headers["Location"]))
    assert fields["postal_code"] == "59100"
    assert fields["consent"] is True and fields["parental_consent"] is True


def test_a_referent_form_stores_the_referent_and_never_a_parents_consent(http, wired):
    r = post(http, "/orienter", referent_form(parental_consent="on", referent_name="  Mme Dupont "))
    assert r.status_code == 303
    record = wired.requests.get(ref_of(r.headers["Location"]))
    assert record["parental_consent"] is False
    assert record["referent"]["name"] == "Mme Dupont"
    assert record["referent"]["phone"] in ("03 20 00 00 00", "+33320000000", "0320000000")
    assert record["referent"]["structure_name"] == "Collège Jean Macé"


def test_a_referents_wrong_email_is_shown_at_the_referents_email_field(http, wired):
    r = post(
        http, "/orienter", referent_form(referent_email="pas-une-adresse", structure_name="", referent_name="x" * 101)
    )
    assert r.status_code == 422
    page = text(r)
    assert re.findall(r'<p class="error-message" id="([^"]+)-error">', page) == [
        "referent_name",
        "referent_email",
        "structure_name",
    ]
    assert re.findall(r'<li><a href="#([^"]+)">([^<:]+?) :', page) == [
        ("referent_name", "Vos prénom et nom"),
        ("referent_email", "Votre e-mail professionnel"),
        ("structure_name", "Nom de la structure"),
    ]


@pytest.mark.parametrize(
    "error_field, shown_at",
    [
        ("referent.name", "referent_name"),
        ("referent.email", "referent_email"),
        ("referent.phone", "referent_phone"),
        ("referent.structure_name", "structure_name"),
        ("referent.structure_type", "structure_type"),
        ("referent", "referent_email"),
        ("age", "age"),
    ],
)
def test_where_each_api_error_is_shown_on_the_referent_form(error_field, shown_at):
    from chalicelib.web.forms import form_field

    assert form_field(error_field) == shown_at


def test_the_volunteer_forms_error_summary_names_its_own_fields(http, wired):
    fields = volunteer_form(hours_per_month="60", modes=[], occupation="")
    r = post(http, "/devenir-mentor", fields)
    assert r.status_code == 422
    items = re.findall(r'<li><a href="#([^"]+)">([^<]*?) : ', text(r))
    assert items == [
        ("occupation", "Votre situation"),
        ("modes", "Comment mentorer"),
        ("hours_per_month", "Heures par mois"),
    ]


@pytest.mark.parametrize("value", ["yes", "true", "1", ""])
def test_only_the_ticked_box_is_consent_on_the_form(http, wired, value):
    r = post(http, "/demande", youth_form() | {"consent": value})
    assert r.status_code == 422
    assert 'id="consent-error"' in text(r)
    assert stored(wired) == []


def test_the_volunteer_form_is_stored_tidied_with_its_lists_and_boxes(http, wired):
    fields = volunteer_form(
        postal_code=" 59 100 ",
        first_name="  Paul ",
        sector="",
        modes=["", "presentiel", "distance"],
        needs=["orientation", ""],
        submission_id="sid-volunteer",
    )
    r = post(http, "/devenir-mentor", fields)
    assert r.status_code == 303
    ref = ref_of(r.headers["Location"])
    made = json.loads(http.get(f"/api/v1/mentors/{ref}", headers={"Authorization": "Bearer test-admin-token"}).body)
    assert made["postal_code"] == "59100" and made["first_name"] == "Paul"
    assert made["sector"] is None
    assert (
        made["modes"] == ["presentiel", "distance"]
        and made["needs"] == ["orientation"]
        and made["youth_ages"] == ["15-18"]
    )
    assert made["commitment"] is True and made["consent"] is True and made["channel"] == "form"


def test_the_volunteer_forms_unticked_commitment_is_refused(http, wired):
    fields = volunteer_form()
    del fields["commitment"]
    r = post(http, "/devenir-mentor", fields)
    assert r.status_code == 422
    assert re.findall(r'<li><a href="#([^"]+)">', text(r)) == ["commitment"]


def test_the_volunteer_forms_empty_age_is_missing_and_spaces_around_an_email_are_dropped(http, wired):
    r = post(http, "/devenir-mentor", volunteer_form(age="", email="  paul.durand@example.net "))
    assert r.status_code == 422
    page = text(r)
    assert re.findall(r'<li><a href="#([^"]+)">([^<]*)</a></li>', page) == [("age", "Âge : Champ obligatoire.")]


def test_spaces_typed_around_a_youths_values_are_dropped(http, wired):
    r = post(http, "/demande", youth_form(email=" lea.martin@example.net  ", city=" Roubaix "))
    assert r.status_code == 303
    made = wired.requests.get(ref_of(r.headers["Location"]))
    assert made["email"] == "lea.martin@example.net" and made["city"] == "Roubaix"


def test_a_referent_may_leave_the_structure_type_unchosen(http, wired):
    r = post(http, "/orienter", referent_form(structure_type=""))
    assert r.status_code == 303
    assert (
        wired.requests.get(ref_of(r.headers["Location"]))["referent"]["structure_type"] == "autre"
    )  # stored as "other"
