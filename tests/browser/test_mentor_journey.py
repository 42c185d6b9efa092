"""A volunteer becomes a mentor, clicked through in Chromium, phone-sized and desktop:
sign up -> the association's mail -> accept -> the volunteer's mail; axe-core on every
mentor page (the form, its errors, the thank-you page, the answer page before and after)."""

from __future__ import annotations

import re
import uuid

from tests.browser.browsing import (
    MENTOR_DIRECTORY,
    answer_link,
    assert_accessible,
    assert_no_sideways_scroll,
    reference_in,
    text_of,
    wait_for_mails,
)

DIRECTORY = MENTOR_DIRECTORY  # put on file for this module by conftest.py's `directory`


def fill_mentor_form(page, email: str, age: str = "45"):
    page.get_by_label(re.compile(r"^Prénom")).fill("Claire")
    page.get_by_label(re.compile(r"^Nom")).fill("Lefebvre")
    page.get_by_label(re.compile(r"^E-mail")).fill(email)
    page.get_by_label(re.compile(r"^Téléphone")).fill("07 12 34 56 78")
    page.get_by_label(re.compile(r"^Votre âge")).fill(age)
    page.get_by_label(re.compile(r"^Code postal")).fill("59100")
    page.get_by_label(re.compile(r"^Commune")).fill("Roubaix")
    page.get_by_label("À la retraite").check()
    page.get_by_label(re.compile(r"^Votre secteur")).fill("Enseignement")
    page.get_by_label(re.compile(r"^En présentiel")).check()
    page.get_by_label(re.compile(r"^Combien d'heures")).fill("6")
    page.get_by_label(re.compile(r"^11 à 14 ans")).check()
    page.get_by_label(re.compile(r"^Soutien scolaire")).check()
    page.get_by_label(re.compile(r"^Je peux m'engager")).check()
    page.get_by_label(re.compile(r"^J'accepte que mon profil")).check()


def test_a_volunteer_signs_up_and_the_association_accepts(page, web):
    email = f"claire.{uuid.uuid4().hex[:8]}@example.net"
    page.goto(f"{web.base}/")
    page.get_by_role("link", name="Devenir mentor bénévole").click()
    page.wait_for_url(re.compile(r"/devenir-mentor$"))
    assert_accessible(page, "mentor form")
    assert_no_sideways_scroll(page, "mentor form")
    fill_mentor_form(page, email)
    page.get_by_role("button", name="Proposer mon aide").click()
    page.wait_for_url(re.compile(r"/devenir-mentor/merci\?ref="))
    reference = reference_in(page.url)
    assert reference in page.locator(".reference").inner_text()
    assert_accessible(page, "mentor thank-you page")
    assert_no_sideways_scroll(page, "mentor thank-you page")
    ack = wait_for_mails(web, lambda m: m["To"] == email and reference in m["Subject"])
    assert "Votre référence" in text_of(ack[0])

    # The association's mail: the profile, never the volunteer's contact details.
    path, to = answer_link(web, reference)
    assert to == "mentors-roubaix@asso.example.org"
    page.goto(f"{web.base}{path}")
    assert reference in page.locator("h1").inner_text()
    assert email not in page.content() and "07 12 34 56 78" not in page.content()
    assert "Enseignement" in page.content()
    assert_accessible(page, "mentor answer page before answering")
    assert_no_sideways_scroll(page, "mentor answer page before answering")
    page.get_by_role("button", name="Accepter ce profil").click()

    page.get_by_role("heading", name="Coordonnées").wait_for()
    assert page.get_by_role("link", name=email).is_visible()
    assert page.get_by_role("link", name="07 12 34 56 78").is_visible()
    assert_accessible(page, "mentor answer page after accepting")
    assert_no_sideways_scroll(page, "mentor answer page after accepting")

    told = wait_for_mails(web, lambda m: m["To"] == email and "Mentorat Roubaix" in m["Subject"])
    assert reference in told[0]["Subject"] and "va vous appeler" in text_of(told[0])


def test_an_invalid_sign_up_says_what_to_fix_and_keeps_what_was_typed(page, web):
    page.goto(f"{web.base}/devenir-mentor")
    fill_mentor_form(page, "claire@example.net", age="17")
    page.get_by_label(re.compile(r"^Je peux m'engager")).uncheck()
    page.get_by_role("button", name="Proposer mon aide").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "2 erreurs" in summary.inner_text()
    assert summary.evaluate("el => el === document.activeElement")  # read first
    assert page.get_by_label(re.compile(r"^Nom")).input_value() == "Lefebvre"
    assert page.get_by_label(re.compile(r"^11 à 14 ans")).is_checked()
    assert_accessible(page, "mentor form with errors")
    summary.get_by_role("link", name=re.compile(r"^Âge")).click()
    assert page.evaluate("document.activeElement.id") == "age"
