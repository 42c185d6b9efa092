"""The journeys of docs/testing.md, clicked through in Chromium, phone-sized and desktop.

Each test fills the forms by their labels as a person would, and checks what that person
(and the association, through its mail) then sees.
"""

from __future__ import annotations

import re
import uuid

from tests.browser.browsing import (
    JOURNEY_DIRECTORY,
    answer_link,
    assert_accessible,
    assert_no_sideways_scroll,
    mails,
    reference_in,
    text_of,
    wait_for_mails,
)

DIRECTORY = JOURNEY_DIRECTORY  # put on file for this module by conftest.py's `directory`


def unique_email(who: str) -> str:
    return f"{who}.{uuid.uuid4().hex[:8]}@example.net"


def fill_youth_form(page, email: str, age: str = "16", phone: str = "0612345678"):
    page.get_by_label(re.compile(r"^Prénom")).fill("Inès")
    page.get_by_label(re.compile(r"^Nom")).fill("Benali")
    page.get_by_label(re.compile(r"^E-mail")).fill(email)
    page.get_by_label(re.compile(r"^Téléphone")).fill(phone)
    page.get_by_label(re.compile(r"^Votre âge")).fill(age)
    page.get_by_label(re.compile(r"^Code postal")).fill("59100")
    page.get_by_label(re.compile(r"^Commune")).fill("Roubaix")
    page.get_by_label("Au lycée général ou technologique").check()
    page.get_by_label(re.compile(r"^Orientation")).check()
    page.get_by_label(re.compile(r"^J'accepte que ma demande")).check()


def submit_youth_form(page, base: str, email: str) -> str:
    page.goto(f"{base}/demande")
    fill_youth_form(page, email)
    page.get_by_role("button", name="Envoyer la demande").click()
    page.wait_for_url(re.compile(r"/demande/merci\?ref="))
    return reference_in(page.url)


def test_a_young_person_asks_for_a_mentor(page, web):
    page.goto(f"{web.base}/demande")
    assert_accessible(page, "youth form")
    assert_no_sideways_scroll(page, "youth form")
    email = unique_email("ines")
    fill_youth_form(page, email)
    page.get_by_role("button", name="Envoyer la demande").click()

    page.wait_for_url(re.compile(r"/demande/merci\?ref="))
    reference = reference_in(page.url)
    assert page.locator(".reference").inner_text() == reference
    assert_accessible(page, "youth thanks page")
    assert_no_sideways_scroll(page, "youth thanks page")

    ack = wait_for_mails(web, lambda m: reference in m["Subject"] and m["To"] == email)
    to_association = wait_for_mails(web, lambda m: reference in m["Subject"] and "/reponse/" in text_of(m))
    assert len(ack) == 1 and len(to_association) == 1
    assert email not in text_of(to_association[0]) and "06 12 34 56 78" not in text_of(to_association[0])


def test_a_professional_orients_a_child(page, web):
    page.goto(f"{web.base}/orienter")
    assert_accessible(page, "referent form")
    assert_no_sideways_scroll(page, "referent form")
    referent = unique_email("cpe")
    page.get_by_label(re.compile(r"^Vos prénom et nom")).fill("Claire Dupont")
    page.get_by_label(re.compile(r"^Votre e-mail professionnel")).fill(referent)
    page.get_by_label(re.compile(r"^Nom de votre structure")).fill("Collège Jean Macé")
    page.get_by_label(re.compile(r"^Type de structure")).select_option("etablissement_scolaire")
    page.get_by_label(re.compile(r"^Prénom")).fill("Noah")
    page.get_by_label(re.compile(r"^Son âge")).fill("11")
    page.get_by_label(re.compile(r"^Code postal")).fill("59100")
    page.get_by_label("À l'école primaire").check()
    page.get_by_label("Soutien scolaire").check()
    page.get_by_label(re.compile(r"^Le ou la jeune et, pour un mineur")).check()
    page.get_by_role("button", name="Envoyer la demande").click()

    page.wait_for_url(re.compile(r"/orienter/merci\?ref="))
    reference = reference_in(page.url)
    assert page.locator(".reference").inner_text() == reference
    assert_accessible(page, "referent thanks page")
    wait_for_mails(web, lambda m: reference in m["Subject"] and m["To"] == referent)
    wait_for_mails(web, lambda m: reference in m["Subject"] and "/reponse/" in text_of(m))


def test_an_invalid_form_says_what_to_fix_and_keeps_what_was_typed(page, web):
    page.goto(f"{web.base}/demande")
    email = unique_email("trop-jeune")
    fill_youth_form(page, email, age="12")
    page.get_by_label(re.compile(r"^Code postal")).fill("591")
    page.get_by_role("button", name="Envoyer la demande").click()

    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')"), "the summary takes the focus"
    items = summary.locator("li").all_inner_texts()
    age_items = [i for i in items if i.startswith("Âge :")]
    assert len(age_items) == 1, items  # one clear message for 12, not two
    assert any(i.startswith("Code postal :") for i in items), items
    assert all(" : " in i for i in items), f"each item names its field: {items}"
    # What was typed is still there.
    assert page.get_by_label(re.compile(r"^E-mail")).input_value() == email
    assert page.get_by_label(re.compile(r"^Prénom")).input_value() == "Inès"
    assert page.get_by_label("Au lycée général ou technologique").is_checked()
    # The link of an item leads to its field.
    summary.get_by_role("link", name=re.compile(r"^Âge")).click()
    assert page.evaluate("location.hash") == "#age"
    assert_accessible(page, "form with errors")
    assert_no_sideways_scroll(page, "form with errors")
    assert not [m for m in mails(web) if m["To"] == email], "nothing was stored nor sent"


def test_the_association_accepts_and_sees_the_contacts(page, web):
    email = unique_email("accept")
    reference = submit_youth_form(page, web.base, email)
    path, _ = answer_link(web, reference)

    page.goto(f"{web.base}{path}")
    assert reference in page.locator("h1").inner_text()
    assert email not in page.content()
    assert_accessible(page, "answer page before answering")
    assert_no_sideways_scroll(page, "answer page before answering")
    page.get_by_role("button", name="Accepter cette demande").click()

    page.get_by_role("heading", name="Coordonnées").wait_for()
    assert page.get_by_role("link", name=email).is_visible()
    assert page.get_by_role("link", name="06 12 34 56 78").is_visible()
    assert_accessible(page, "answer page after accepting")
    assert_no_sideways_scroll(page, "answer page after accepting")
    told = wait_for_mails(web, lambda m: m["To"] == email and "contacter" in m["Subject"])
    assert reference in told[0]["Subject"]


def test_the_association_declines_and_the_next_one_is_asked(page, web):
    email = unique_email("decline")
    reference = submit_youth_form(page, web.base, email)
    path, first = answer_link(web, reference)

    page.goto(f"{web.base}{path}")
    page.get_by_label("Nous n'avons plus de place pour le moment").check()
    page.get_by_label(re.compile(r"^Commentaire")).fill("Nous sommes complets jusqu'en janvier.")
    page.get_by_role("button", name="Refuser la demande").click()

    page.get_by_text("Votre refus est bien enregistré").wait_for()
    assert_accessible(page, "answer page after declining")
    _, second = answer_link(web, reference, to=next(a["emails"][0] for a in DIRECTORY if a["emails"][0] != first))
    assert second != first


def test_the_form_embedded_in_a_partner_page_submits(page, web, partner):
    partner.pages["/mentorat"] = (
        "<!DOCTYPE html><html lang='fr'><title>Partenaire</title><h1>Notre partenaire</h1>"
        f"<iframe title='Demander un mentor' src='{web.base}/demande' width='360' height='2400'></iframe></html>"
    )
    page.goto(f"{partner.origin}/mentorat")
    frame = page.frame_locator("iframe")
    email = unique_email("iframe")
    fill_youth_form(frame, email)
    frame.get_by_role("button", name="Envoyer la demande").click()

    frame.locator(".reference").wait_for()
    reference = frame.locator(".reference").inner_text()
    assert re.fullmatch(r"[A-Z0-9-]{6,24}", reference)
    wait_for_mails(web, lambda m: reference in m["Subject"] and m["To"] == email)


def test_a_partner_form_posting_cross_site_lands_on_its_thank_you_page(page, web, partner):
    email = unique_email("partenaire")
    fields = {
        "first_name": "Lina",
        "last_name": "Morel",
        "email": email,
        "age": "17",
        "postal_code": "59100",
        "city": "Roubaix",
        "situation": "lycee",
        "need": "orientation",
        "consent": "on",
        "return_to": f"{partner.origin}/merci",
    }
    inputs = "".join(f"<input type='hidden' name='{k}' value='{v}'>" for k, v in fields.items())
    partner.pages["/formulaire"] = (
        "<!DOCTYPE html><html lang='fr'><title>Partenaire</title>"
        f"<form method='post' action='{web.base}/demande'>{inputs}<button>Envoyer</button></form></html>"
    )
    page.goto(f"{partner.origin}/formulaire")
    page.get_by_role("button", name="Envoyer").click()

    page.wait_for_url(re.compile(rf"^{re.escape(partner.origin)}/merci\?ref="))
    reference = reference_in(page.url)
    wait_for_mails(web, lambda m: reference in m["Subject"] and m["To"] == email)


def test_a_hostile_page_cannot_post_in_a_visitors_name(page, web, stranger):
    email = unique_email("hostile")
    stranger.pages["/piege"] = (
        "<!DOCTYPE html><html lang='fr'><title>Piège</title>"
        f"<form method='post' action='{web.base}/demande'>"
        f"<input type='hidden' name='first_name' value='X'><input type='hidden' name='email' value='{email}'>"
        "<button>Gagner</button></form></html>"
    )
    page.goto(f"{stranger.origin}/piege")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Gagner").click()
    response = nav.value
    assert response.status == 403
    assert page.get_by_role("heading", name="Envoi refusé").is_visible()
    assert page.get_by_role("link", name="Ouvrir le formulaire").is_visible()
