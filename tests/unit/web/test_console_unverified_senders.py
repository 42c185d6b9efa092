"""What the console's request page says of a mail's sender (services/mail_intake.py):
the results that failed it, or that there were none; a reply whose sender had none."""

from __future__ import annotations

from tests.builders import CPE, FAILS_DMARC, INTAKE, association, corpus_mail, signed_in
from tests.builders import shown as text

OPERATOR = "operatrice@reseau.example.org"
DIRECTORY = [association("asso-a", capacity=3)]
OPERATORS = OPERATOR


def test_the_request_page_shows_a_failed_senders_results(http, wired):
    outcome = wired.mail_intake.ingest(corpus_mail(FAILS_DMARC), CPE, INTAKE)
    page = text(http.get(f"/console/demandes/{outcome.reference}", headers=signed_in(wired, OPERATOR)[0]))
    assert "Motif : unverified sender" in page
    assert "Expéditeur non vérifié : authentification SPF, DKIM, DMARC en échec" in page
    assert "SPF : fail, DKIM : none, DMARC : fail" in page


def test_the_request_page_says_when_there_was_no_verdict_for_the_mail_or_its_reply(http, wired, clock):
    outcome = wired.mail_intake.ingest(corpus_mail(), CPE, INTAKE)
    clock.advance(minutes=5)
    reply = corpus_mail(message_id="<fr-01-2@ac-lille.fr>", subject=f"RE: {outcome.reference}")
    assert wired.mail_intake.ingest(reply, CPE, INTAKE).kind == "reply"
    page = text(http.get(f"/console/demandes/{outcome.reference}", headers=signed_in(wired, OPERATOR)[0]))
    assert "Expéditeur non vérifié : aucun résultat SPF, DKIM ou DMARC concluant" in page
    assert "SPF : aucun, DKIM : aucun, DMARC : aucun" in page
    assert f"De : {CPE} (expéditeur non vérifié)" in page
