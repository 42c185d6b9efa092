"""The association's answer on the in-memory stores: links, accept, decline, silence, bounce."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from chalicelib.adapters.links import InvalidLink, SignedLinks
from tests.builders import ROUTING_DIRECTORY as DIRECTORY
from tests.builders import delivery_report, event_types, link_for
from tests.builders import make_memory_services as make_services
from tests.builders import submit_qpv_youth as submit
from tests.integration.mail_stream import read_outbox


@pytest.fixture
def s(settings, clock):
    return make_services(settings, clock, directory=DIRECTORY)


def test_opening_the_link_changes_nothing(s):
    result = submit(s)
    token = link_for(s, "commune-asso")
    before = s.requests.get(result.reference)
    for _ in range(3):  # a mail scanner, then the volunteer, then again
        assert s.answers.view(token).state == "open"
    assert s.requests.get(result.reference) == before


def test_accept_shows_the_contact_tells_the_requester_and_frees_capacity(s):
    result = submit(s)
    assert s.stores.directory.load_counts()["commune-asso"] == 1
    view = s.answers.accept(link_for(s, "commune-asso"))
    assert view.state == "accepted" and view.just_done == "accepted"
    stored = s.requests.get(result.reference)
    assert stored["status"] == "accepted"
    assert event_types(s, result.reference) == ["received", "routed", "accepted"]
    assert s.stores.directory.load_counts()["commune-asso"] == 0  # no longer waiting on it
    told = [m for m in read_outbox(s) if m["To"] == "lea.martin@example.net" and "contacter" in m["Subject"]]
    assert len(told) == 1 and "Association commune-asso" in told[0].get_body(("plain",)).get_content()

    again = s.answers.accept(link_for(s, "commune-asso"))  # a second click
    assert again.state == "accepted" and again.just_done is None
    assert event_types(s, result.reference).count("accepted") == 1


def test_decline_goes_to_the_next_candidate_of_policy_v1_then_to_triage(s):
    result = submit(s)
    assert result.association["id"] == "commune-asso"
    s.answers.decline(link_for(s, "commune-asso"), "complet", "Plus de bénévoles")
    stored = s.requests.get(result.reference)
    assert stored["association"]["id"] == "dep-asso" and stored["status"] == "routed"
    assert stored["declined"] == ["commune-asso"]
    assert [c["id"] for c in stored["routing"]["candidates"]] == ["dep-asso", "region-asso"]

    s.answers.decline(link_for(s, "dep-asso"), "profil", None)
    assert s.requests.get(result.reference)["association"]["id"] == "region-asso"
    s.answers.decline(link_for(s, "region-asso"), "territoire", None)

    stored = s.requests.get(result.reference)
    assert stored["status"] == "needs_triage" and stored["association"] is None
    assert "declined" in stored["triage_reason"]
    assert event_types(s, result.reference) == [
        "received",
        "routed",
        "declined",
        "routed",
        "declined",
        "routed",
        "declined",
        "needs_triage",
    ]
    assert s.stores.directory.load_counts() == {"commune-asso": 0, "dep-asso": 0, "region-asso": 0}
    # The first association's old link now says it declined; nothing is re-opened.
    assert s.answers.view(link_for(s, "commune-asso")).state == "declined"


def test_decline_needs_a_reason_from_the_list(s):
    submit(s)
    from chalicelib.services.answers import InvalidAnswer

    with pytest.raises(InvalidAnswer):
        s.answers.decline(link_for(s, "commune-asso"), "because", None)


def test_tampered_expired_foreign_and_rotated_links(s, settings, clock):
    submit(s)
    token = link_for(s, "commune-asso")
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    with pytest.raises(InvalidLink) as bad:
        s.answers.view(tampered)
    assert bad.value.why == "invalid"

    other_key = SignedLinks(replace(settings, secret_key="someone-else"), clock)
    from chalicelib.services.ports import Assignment

    forged = other_key.answer_token(Assignment("x", "commune-asso", 1))
    with pytest.raises(InvalidLink):
        s.answers.view(forged)

    # Rotation: the new key signs, the old one still verifies links already sent.
    rotated = replace(settings, secret_key="new-key", previous_secret_keys=(settings.secret_key,))
    assert SignedLinks(rotated, clock).read_answer_token(token).association_id == "commune-asso"
    retired = replace(settings, secret_key="new-key", previous_secret_keys=())
    with pytest.raises(InvalidLink):
        SignedLinks(retired, clock).read_answer_token(token)

    clock.advance(days=settings.link_max_age_days + 1)
    with pytest.raises(InvalidLink) as old:
        s.answers.view(token)
    assert old.value.why == "expired"


def test_silence_brings_a_reminder_then_the_next_association(s, settings, clock):
    result = submit(s)
    clock.advance(days=settings.reminder_days - 1)
    assert s.answers.sweep_silence() == (0, 0)
    clock.advance(days=1, minutes=1)
    assert s.answers.sweep_silence() == (1, 0)
    assert s.answers.sweep_silence() == (0, 0)  # one reminder, not one per sweep
    reminders = [m for m in read_outbox(s) if m["Subject"].startswith("Rappel")]
    assert len(reminders) == 1 and reminders[0]["To"] == "commune-asso@asso.example.org"
    assert "/reponse/" in reminders[0].get_body(("plain",)).get_content()

    clock.advance(days=settings.reroute_days - settings.reminder_days)
    assert s.answers.sweep_silence() == (0, 1)
    stored = s.requests.get(result.reference)
    assert stored["association"]["id"] == "dep-asso"
    assert event_types(s, result.reference) == ["received", "routed", "reminded", "rerouted", "routed"]


def test_a_bounce_of_the_associations_mail_routes_onward_and_flags_the_address(s):
    result = submit(s)
    mail = next(m for m in read_outbox(s) if m["To"] == "commune-asso@asso.example.org")
    mail_id = mail["Message-ID"].strip("<>").split(".")[0]
    assert s.answers.association_mail_bounced(mail_id, "commune-asso@asso.example.org", "Permanent")
    stored = s.requests.get(result.reference)
    assert stored["association"]["id"] == "dep-asso"
    assert "bounced" in event_types(s, result.reference)
    assert [f["address"] for f in s.stores.mail_log.address_flags()] == ["commune-asso@asso.example.org"]
    from chalicelib.web import views

    class AdminRequest:
        headers = {"authorization": f"Bearer {s.settings.admin_token}"}

    listed = json.loads(views.api(s).get_directory(AdminRequest()).body)
    assert listed["flags"][0]["association"] == "commune-asso"


def test_no_youth_contact_detail_in_any_association_mail_before_acceptance(s, settings, clock):
    result = submit(s, message="Mon numéro : 06 11 22 33 44, mail lea.perso@example.com")
    s.answers.decline(link_for(s, "commune-asso"), "complet", None)
    clock.advance(days=settings.reminder_days, minutes=1)
    s.answers.sweep_silence()
    to_associations = [m for m in read_outbox(s) if m["To"].endswith("@asso.example.org")]
    assert len(to_associations) == 3  # first routing, second routing, reminder
    for m in to_associations:
        raw = m.as_string()
        for secret in (
            "lea.martin@example.net",
            "06 12 34 56 78",
            "0612345678",
            "lea.perso@example.com",
            "06 11 22 33 44",
        ):
            assert secret not in raw, (m["Subject"], secret)
    assert s.requests.get(result.reference)["status"] == "routed"


def _association_mail(s, association_id):
    return next(m for m in read_outbox(s) if m["To"] == f"{association_id}@asso.example.org")


def test_a_delivery_report_reaching_the_intake_address_routes_onward(s):
    result = submit(s)
    sent = _association_mail(s, "commune-asso")
    report = delivery_report(sent["Message-ID"], "commune-asso@asso.example.org")
    outcome = s.mail_intake.ingest(report, "", ["urgence@lementorat.fr"])
    assert outcome.kind == "automatic"  # still no answer to a robot
    stored = s.requests.get(result.reference)
    assert stored["association"]["id"] == "dep-asso"
    assert "bounced" in event_types(s, result.reference)


def test_an_ses_bounce_notification_routes_onward(s):
    result = submit(s)
    sent = _association_mail(s, "commune-asso")
    notification = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "NoEmail",
            "bouncedRecipients": [{"emailAddress": "commune-asso@asso.example.org"}],
        },
        "mail": {"messageId": "ses-id", "commonHeaders": {"messageId": sent["Message-ID"]}},
    }
    assert s.ses_bounce(json.dumps(notification)) == 1
    assert s.requests.get(result.reference)["association"]["id"] == "dep-asso"
    transient = {**notification, "bounce": {**notification["bounce"], "bounceType": "Transient"}}
    assert s.ses_bounce(json.dumps(transient)) == 0  # SES retries those itself


def test_an_out_of_office_reply_from_the_association_does_not_move_the_request(s):
    result = submit(s)
    sent = _association_mail(s, "commune-asso")
    away = (
        "From: commune-asso@asso.example.org\r\nTo: urgence@lementorat.fr\r\nAuto-Submitted: auto-replied\r\n"
        f"Subject: Absence du bureau\r\nIn-Reply-To: {sent['Message-ID']}\r\n\r\nJe suis absente jusqu'au 2 "
        "décembre.\r\n"
    ).encode()
    assert s.mail_intake.ingest(away, "commune-asso@asso.example.org", ["urgence@lementorat.fr"]).kind == "automatic"
    assert s.requests.get(result.reference)["association"]["id"] == "commune-asso"
    assert "bounced" not in event_types(s, result.reference)
