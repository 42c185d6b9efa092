"""Pages a person can land on, and form details, over HTTP as `make run` serves them:
home, legal pages, 404, favicon, HEAD, the footer, the youth form's choices, the age
message, phone numbers as people read them, the answer deadline."""

from __future__ import annotations

import html
import http.client
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.clients import answer_path, csrf_of, form_fields, reference_from, referent_fields
from tests.e2e.clients import submit_form as submit

PAGES = ["/", "/demande", "/orienter", "/mentions-legales", "/donnees-personnelles", "/accessibilite"]
THANKS = ["/demande/merci?ref=MNT-ABCD-EFGH", "/orienter/merci?ref=MNT-ABCD-EFGH"]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


class Outline(HTMLParser):
    """What an accessibility check looks at first: language, headings, landmarks, links."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.h1 = 0
        self.tags: list[str] = []
        self.links: dict[str, str] = {}  # href -> text
        self.ids: set[str] = set()
        self.inline_styles = 0
        self.icon = None
        self._href = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "h1":
            self.h1 += 1
        if "id" in a:
            self.ids.add(a["id"])
        if "style" in a or tag in {"style", "script"}:
            self.inline_styles += 1
        if tag == "link" and a.get("rel") == "icon":
            self.icon = a
        if tag == "a":
            self._href, self._text = a.get("href"), ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links[self._href] = " ".join(self._text.split())
            self._href = None


def outline(html: str) -> Outline:
    o = Outline()
    o.feed(html)
    return o


def assert_accessible_frame(html: str) -> Outline:
    o = outline(html)
    assert o.lang == "fr"
    assert o.h1 == 1, "one main heading per page"
    for landmark in ("header", "main", "footer", "nav"):
        assert landmark in o.tags, landmark
    assert o.links.get("#contenu") == "Aller au contenu" and "contenu" in o.ids  # skip link
    assert o.inline_styles == 0, "the CSP forbids inline style and script"
    # The footer, on every page: the network and the three legal pages.
    assert "Réseau Mentorat" in html
    assert o.links.get("/mentions-legales") == "Mentions légales"
    assert o.links.get("/donnees-personnelles") == "Données personnelles"
    assert o.links.get("/accessibilite", "").startswith("Accessibilité")
    assert o.icon and o.icon["href"].startswith("/") and o.icon.get("type") == "image/svg+xml"
    return o


def test_the_home_page_leads_to_both_forms(stack):
    r = stack.call("GET", "/")
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    o = assert_accessible_frame(r.text)
    assert o.links["/demande"] == "Demander un mentor"
    assert o.links["/orienter"] == "Orienter un ou une jeune"
    assert "<h1>Trouver un mentor</h1>" in r.text
    assert "13 et 30 ans" in r.text and "moins de 15 ans" in r.text


@pytest.mark.parametrize("path", PAGES + THANKS)
def test_every_page_has_the_frame_footer_and_favicon(stack, path):
    r = stack.call("GET", path)
    assert r.status == 200
    assert_accessible_frame(r.text)
    assert "img-src 'self'" in r.headers["content-security-policy"]  # the favicon is ours


def test_legal_notice_names_publisher_director_and_host(stack):
    text = stack.call("GET", "/mentions-legales").text
    assert "<h1>Mentions légales</h1>" in text
    assert "Éditeur du site" in text and "Réseau Mentorat, association loi 1901" in text
    assert "directrice de la publication" in text
    assert "Hébergement" in text and "Amazon Web Services EMEA SARL" in text


def test_privacy_page_says_who_why_on_what_basis_how_long_and_which_rights(stack):
    text = stack.call("GET", "/donnees-personnelles").text
    for heading in (
        "Qui est responsable",
        "Pourquoi",
        "Sur quelle base",
        "Combien de temps",
        "Vos droits",
        "moins de 15 ans",
    ):
        assert heading in text, heading
    assert "consentement" in text and "article 6.1.a du RGPD" in text
    assert "un an après son envoi" in text  # RETENTION_DAYS=365, the stack's default
    for right in ("accès", "rectification", "effacement", "opposer"):
        assert right in text, right
    assert "CNIL" in text and "https://www.cnil.fr/fr/plaintes" in text
    assert "article 45 de la loi Informatique et Libertés" in text
    assert "mailto:donnees-personnelles@lementorat.fr" in text


def test_accessibility_statement_follows_the_rgaa_model(stack):
    text = stack.call("GET", "/accessibilite").text
    assert "<h1>Déclaration d'accessibilité</h1>" in text
    assert "<strong>non conforme</strong>" in text and "RGAA" in text
    assert "Ce que nous avons vérifié" in text
    assert "mailto:accessibilite@lementorat.fr" in text
    assert "Défenseur des droits" in text and "Libre réponse 71120" in text
    # RGAA: the footer link states the conformity status.
    assert outline(stack.call("GET", "/").text).links["/accessibilite"] == "Accessibilité : non conforme"


@pytest.mark.parametrize(
    "path", ["/nope", "/index.html", "/demande/autre", "/a/b/c/d", "/reponse/x/y", "/static/nope.css"]
)
def test_unknown_paths_get_a_french_404_page(stack, path):
    r = stack.call("GET", path)
    assert r.status == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Missing Authentication Token" not in r.text
    o = assert_accessible_frame(r.text)
    assert "<h1>Page introuvable</h1>" in r.text
    assert {"/demande", "/orienter", "/"} <= set(o.links)


def test_a_post_to_an_unknown_path_is_a_404_too(stack):
    r = stack.post_form("/inscription", {"a": "b"})
    assert r.status == 404 and "Page introuvable" in r.text


@pytest.mark.parametrize("path", ["/api", "/api/v1/nope", "/api/v2/requests", "/api/v1/requests/x/y"])
def test_unknown_api_paths_answer_json_404(stack, path):
    r = stack.call("GET", path, headers={"Accept": "application/json"})
    assert r.status == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"errors": [{"field": "path", "message": "no such resource"}]}


def test_the_favicon_is_an_svg_served_with_its_type(stack):
    for path in ("/favicon.ico", "/static/favicon.svg"):
        r = stack.call("GET", path)
        assert r.status == 200
        assert r.headers["content-type"] == "image/svg+xml"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.text.startswith("<svg") and "<script" not in r.text


@pytest.mark.parametrize("path", PAGES + THANKS + ["/favicon.ico", "/static/site.css"])
def test_head_gives_the_headers_of_get_and_no_body(stack, path):
    get = stack.call("GET", path)
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    try:
        conn.request("HEAD", path)
        head = conn.getresponse()
        assert head.status == get.status == 200
        assert head.read() == b""
        headers = {k.lower(): v for k, v in head.getheaders()}
        for name in ("content-type", "content-security-policy", "cache-control", "x-content-type-options"):
            assert headers.get(name) == get.headers.get(name), name
        assert int(headers["content-length"]) == len(get.body)
        # No stray body bytes: the kept-alive connection still reads the next answer right.
        conn.request("GET", "/health")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_head_on_the_answer_page(stack):
    ref = submit(stack)
    path, _ = answer_path(stack, ref)
    get = stack.call("GET", path)
    head = stack.call("HEAD", path)
    assert head.status == get.status == 200 and head.body == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_the_youth_form_does_not_offer_primary_school_the_referent_form_does(stack):
    youth_page = html.unescape(stack.call("GET", "/demande").text)
    referent_page = html.unescape(stack.call("GET", "/orienter").text)
    assert 'value="college"' in youth_page
    assert 'value="primaire"' not in youth_page and "À l'école primaire" not in youth_page
    assert 'value="primaire"' in referent_page and "À l'école primaire" in referent_page


def test_an_age_of_12_on_the_youth_form_gives_one_clear_message(stack):
    r = stack.post_form("/demande", form_fields(age=12, parental_consent=False))
    assert r.status == 422
    assert "Le formulaire contient 1 erreur</h2>" in r.text
    assert r.text.count('class="error-message"') == 1
    assert "entre 13 et 30 ans" in r.text and 'href="#age"' in r.text
    assert "parental_consent-error" not in r.text


def test_phone_numbers_are_shown_in_pairs_after_acceptance(stack):
    r = stack.post_form(
        "/orienter", referent_fields(phone="+33612345678", email="sami@example.net", referent_phone="0320123456")
    )
    assert r.status == 303
    ref = reference_from(r.headers["location"])
    path, _ = answer_path(stack, ref)
    page = stack.call("GET", path)
    done = stack.post_form(path, {"decision": "accept", "csrf": csrf_of(page.text)})
    assert done.status == 200
    assert '<a href="tel:+33612345678">06 12 34 56 78</a>' in done.text
    assert '<a href="tel:+33320123456">03 20 12 34 56</a>' in done.text
    assert "+33612345678</a>" not in done.text and "0320123456<" not in done.text


def test_the_answer_page_states_the_deadline_before_the_request_moves_on(stack):
    before = datetime.now(ZoneInfo("Europe/Paris"))
    ref = submit(stack)
    path, _ = answer_path(stack, ref)
    page = stack.call("GET", path)
    assert page.status == 200
    deadline = before + timedelta(days=10)  # REROUTE_DAYS, the stack's default
    day = "1er" if deadline.day == 1 else str(deadline.day)
    expected = f"{day} {MONTHS[deadline.month - 1]} {deadline.year}"
    match = re.search(r"Merci de répondre avant le <strong>([^<]+)</strong>", page.text)
    assert match, "the open answer page states a deadline"
    assert match.group(1).endswith(expected)
    assert "proposée à une autre association" in page.text
    # Once answered, there is no deadline left to state.
    done = stack.post_form(path, {"decision": "accept", "csrf": csrf_of(page.text)})
    assert "Merci de répondre avant le" not in done.text
