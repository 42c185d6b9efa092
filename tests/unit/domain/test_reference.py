"""The reference: made, recognised and found by one module (domain/reference.py). Pure."""

from __future__ import annotations

import uuid

from chalicelib.domain.bounces import bounce_from_report
from chalicelib.domain.reference import REFERENCE_IN_TEXT, is_reference, new_reference


def test_every_issued_reference_is_recognised_as_one_and_read_back_from_a_reply_subject():
    for _ in range(200):
        reference = new_reference()
        assert is_reference(reference)
        assert REFERENCE_IN_TEXT.findall(f"RE: Votre demande {reference} est bien reçue") == [reference]


def test_a_request_id_is_never_taken_for_a_reference():
    # The admin API's /requests/{id_or_reference} reads either: the shape decides which.
    assert not any(is_reference(uuid.uuid4().hex) for _ in range(200))
    assert not is_reference("mnt-abcd-efgh") and not is_reference("MNT-ABCD-EFGH\n") and not is_reference("")


def test_the_contract_shape_is_taken_as_a_reference_even_if_we_did_not_issue_it():
    # A partner's thank-you page may show any reference of docs/contract.md §2's shape.
    assert is_reference("MNT-TEST-0001") and is_reference("ABC123")
    assert not is_reference("AB12") and not is_reference("A" * 25)


def test_a_delivery_report_quoting_our_message_id_names_the_mail():
    reference, mail_id = new_reference(), uuid.uuid4().hex
    report = f"Final-Recipient: rfc822; asso@example.org\nMessage-ID: <{mail_id}.{reference}@lementorat.fr>\n"
    bounce = bounce_from_report(report)
    assert bounce is not None and bounce.mail_id == mail_id and bounce.address == "asso@example.org"
    assert bounce_from_report(f"Message-ID: <{mail_id}.MNT-0000-1111@lementorat.fr>") is None  # not one of ours
