"""What the console's request page says of a mail's sender (services/mail_intake.py):
the results that failed it, or that there were none; a reply whose sender had none."""

from __future__ import annotations

import pytest

from tests.conftest import association, make_memory_services
from tests.unit.services.test_mail_intake_senders import CPE, FAILS_DMARC, INTAKE, corpus_mail
from tests.unit.web.conftest import in_process_settings, served, signed_in
from tests.unit.web.conftest import shown as text

OPERATOR = "operatrice@reseau.example.org"


@pytest.fixture
def settings(tmp_path):
    return in_process_settings(tmp_path)


@pytest.fixture
def wired(settings, clock):
    from chalicelib.domain.operators import parse_operators

    s = make_memory_services(settings, clock, directory=[association("asso-a", capacity=3)])
    s.stores.console.replace_operators(parse_operators(OPERATOR))
    with served(s):
        yield s


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
