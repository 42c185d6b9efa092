"""SES bounce notifications (the SNS message) read into bounces of our mails: which mail,
which recipient, which reason."""

from __future__ import annotations

import json

from chalicelib.domain.bounces import Bounce, bounce_from_report, bounces_from_ses

MAIL_ID = "0123456789abcdef0123456789abcdef"
OTHER_ID = "fedcba9876543210fedcba9876543210"
OUR_MID = f"<{MAIL_ID}.MNT-ABCD-EF23@lementorat.fr>"


def notification(bounce=None, mail=None, **top):
    n = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "asso@example.org"}],
        }
        if bounce is None
        else bounce,
        "mail": {"commonHeaders": {"messageId": OUR_MID}} if mail is None else mail,
    }
    n.update(top)
    return json.dumps(n)


def test_a_permanent_bounce_names_our_mail_its_recipient_and_the_reason():
    assert bounces_from_ses(notification()) == [Bounce(MAIL_ID, "asso@example.org", "Permanent/General")]


def test_each_bounced_recipient_is_one_bounce_with_its_own_address():
    bounce = {
        "bounceType": "Permanent",
        "bounceSubType": "NoEmail",
        "bouncedRecipients": [{"emailAddress": "a@example.org"}, {"emailAddress": "b@example.org"}],
    }
    assert bounces_from_ses(notification(bounce)) == [
        Bounce(MAIL_ID, "a@example.org", "Permanent/NoEmail"),
        Bounce(MAIL_ID, "b@example.org", "Permanent/NoEmail"),
    ]


def test_without_recipients_the_bounce_still_names_the_mail():
    bounce = {"bounceType": "Permanent", "bounceSubType": "Suppressed"}
    assert bounces_from_ses(notification(bounce)) == [Bounce(MAIL_ID, None, "Permanent/Suppressed")]


def test_a_missing_subtype_leaves_the_reason_with_an_empty_subtype():
    bounce = {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "a@example.org"}]}
    assert bounces_from_ses(notification(bounce)) == [Bounce(MAIL_ID, "a@example.org", "Permanent/")]


def test_a_recipient_without_address_is_a_bounce_without_address():
    bounce = {"bounceType": "Permanent", "bounceSubType": "General", "bouncedRecipients": [{"status": "5.1.1"}]}
    assert bounces_from_ses(notification(bounce)) == [Bounce(MAIL_ID, None, "Permanent/General")]


def test_configuration_set_events_say_event_type_instead_of_notification_type():
    n = json.loads(notification())
    del n["notificationType"]
    n["eventType"] = "Bounce"
    assert bounces_from_ses(json.dumps(n)) == [Bounce(MAIL_ID, "asso@example.org", "Permanent/General")]


def test_other_notifications_and_transient_bounces_are_not_bounces():
    n = json.loads(notification())
    del n["notificationType"]
    assert bounces_from_ses(json.dumps(n)) == []
    assert bounces_from_ses(notification(notificationType="Complaint")) == []
    n["eventType"] = "Delivery"
    assert bounces_from_ses(json.dumps(n)) == []
    transient = {
        "bounceType": "Transient",
        "bounceSubType": "MailboxFull",
        "bouncedRecipients": [{"emailAddress": "a@example.org"}],
    }
    assert bounces_from_ses(notification(transient)) == []


def test_the_mail_id_tag_names_the_mail_when_ses_rewrote_the_message_id():
    mail = {
        "commonHeaders": {"messageId": "<0100018c.abc@email.amazonses.com>"},
        "headers": [{"name": "Message-ID", "value": "<0100018c.abc@email.amazonses.com>"}],
        "tags": {"mail_id": [OTHER_ID]},
    }
    assert bounces_from_ses(notification(mail=mail)) == [Bounce(OTHER_ID, "asso@example.org", "Permanent/General")]


def test_a_tag_that_is_not_a_mail_id_is_ignored():
    mail = {"commonHeaders": {"messageId": "<x@y>"}, "tags": {"mail_id": ["not-an-id", OTHER_ID]}}
    assert bounces_from_ses(notification(mail=mail)) == [Bounce(OTHER_ID, "asso@example.org", "Permanent/General")]
    mail = {"commonHeaders": {"messageId": "<x@y>"}, "tags": {"mail_id": [OTHER_ID + "0"]}}
    assert bounces_from_ses(notification(mail=mail)) == []


def test_our_message_id_wins_over_the_tag():
    mail = {"commonHeaders": {"messageId": OUR_MID}, "tags": {"mail_id": [OTHER_ID]}}
    assert [b.mail_id for b in bounces_from_ses(notification(mail=mail))] == [MAIL_ID]


def test_the_message_id_is_also_found_among_the_raw_headers_whatever_their_case():
    mail = {
        "commonHeaders": {},
        "headers": [
            {"name": "From", "value": "x@lementorat.fr"},
            {"value": "no name at all"},
            {"name": "message-id", "value": f"<{OTHER_ID}.BEN-ABCD-EF23@lementorat.fr>"},
        ],
    }
    assert bounces_from_ses(notification(mail=mail)) == [Bounce(OTHER_ID, "asso@example.org", "Permanent/General")]
    mail = {"headers": [{"name": "MESSAGE-ID", "value": OUR_MID}]}
    assert [b.mail_id for b in bounces_from_ses(notification(mail=mail))] == [MAIL_ID]


def test_a_mail_that_is_not_ours_is_no_bounce():
    for mail in (
        {},
        {"commonHeaders": {"messageId": "<abc@elsewhere.org>"}},
        {"commonHeaders": {"messageId": f"<{MAIL_ID}.XYZ-ABCD-EF23@lementorat.fr>"}},
        {"headers": [{"name": "Subject", "value": OUR_MID}]},
    ):
        assert bounces_from_ses(notification(mail=mail)) == []


def test_a_delivery_report_names_our_mail_and_its_final_recipient():
    text = (
        "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; <gone@example.org>\n"
        f"Action: failed\n\nMessage-ID: {OUR_MID}\n"
    )
    assert bounce_from_report(text) == Bounce(MAIL_ID, "gone@example.org", "delivery-status report")
    assert bounce_from_report(f"Message-ID: {OUR_MID}\n") == Bounce(MAIL_ID, None, "delivery-status report")
    assert bounce_from_report("Final-Recipient: rfc822; gone@example.org\n") is None


def test_a_bounce_notification_without_its_bounce_or_mail_is_no_bounce():
    assert bounces_from_ses(json.dumps({"notificationType": "Bounce"})) == []
    assert bounces_from_ses(json.dumps({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent"}})) == []
