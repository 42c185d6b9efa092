"""The sender's verdict: the one rule on SPF, DKIM and DMARC results, and the trusted
relay's `Authentication-Results` header read by authres (RFC 8601), against real mail."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chalicelib.domain.inbound_mail import UnparseableMail, parse_inbound
from chalicelib.domain.inbound_mail.sender_verdict import (
    AUTHENTICATION_RESULTS_MAX_CHARS,
    NO_VERDICT,
    SenderVerdict,
    Verification,
    verdict_from_headers,
)
from tests.builders import SHARED
from tests.unicode_inputs import with_foreign

TRUSTED = "lementorat.fr"
VERIFIED, FAILED, UNKNOWN = Verification.VERIFIED, Verification.FAILED, Verification.UNKNOWN


def read(*values: str, trusted: str = TRUSTED) -> SenderVerdict:
    return verdict_from_headers(values, trusted)


@pytest.mark.parametrize(
    "spf, dkim, dmarc, outcome",
    [
        # DMARC decides when it gave a result, whatever SPF and DKIM said.
        (None, None, "pass", VERIFIED),
        ("fail", "fail", "pass", VERIFIED),
        (None, None, "fail", FAILED),
        ("pass", "pass", "fail", FAILED),  # aligned with nothing: the From's domain says no
        # No DMARC policy (none), or none could be read: SPF and DKIM.
        ("fail", "fail", None, FAILED),
        ("fail", "fail", "none", FAILED),
        ("softfail", "fail", "temperror", FAILED),
        ("fail", "none", None, FAILED),  # unsigned, from a host the domain does not send from
        ("fail", None, None, FAILED),
        ("fail", "permerror", "permerror", FAILED),
        ("pass", "fail", None, VERIFIED),
        ("fail", "pass", "none", VERIFIED),
        ("none", "fail", None, UNKNOWN),  # no SPF record: SPF did not fail
        ("neutral", "none", None, UNKNOWN),
        ("fail", "temperror", None, UNKNOWN),  # DKIM could not be checked this time
        ("temperror", "temperror", "temperror", UNKNOWN),
        (None, None, None, UNKNOWN),
    ],
)
def test_the_rule(spf, dkim, dmarc, outcome):
    assert SenderVerdict(spf=spf, dkim=dkim, dmarc=dmarc).verification is outcome


def test_the_trusted_header_gives_its_results():
    verdict = read(
        "lementorat.fr; spf=pass smtp.mailfrom=college.example.fr; dkim=none;"
        " dmarc=fail (p=reject dis=none) policy.dmarc=reject header.from=college.example.fr"
    )
    assert verdict == SenderVerdict(spf="pass", dkim="none", dmarc="fail", dmarc_policy="reject")
    assert verdict.failed


def test_the_authserv_id_and_the_results_are_read_in_any_case_with_a_version_and_comments():
    assert read("LEMENTORAT.FR 1 (relais); DMARC=Pass (p=none)").verification is VERIFIED
    assert read("lementorat.fr;\tspf=fail\tsmtp.mailfrom=a.example; dkim=fail header.d=a.example").failed
    assert read("lementorat.fr; dmarc=pass", trusted="  LeMentorat.fr ").verification is VERIFIED


def test_one_dkim_signature_that_verifies_is_enough():
    assert (
        read("lementorat.fr; spf=fail; dkim=fail header.d=list.example; dkim=pass header.d=college.example.fr").dkim
        == "pass"
    )
    assert read("lementorat.fr; spf=fail; dkim=fail header.d=a.example; dkim=none").dkim == "fail"


def test_headers_of_another_authserv_id_are_ignored():
    # Anyone writes one: the sender's own server, or the forger.
    assert read("mx.google.com; dmarc=pass header.from=college.example.fr") == NO_VERDICT
    assert read("lementorat.fr.evil.example; dmarc=pass") == NO_VERDICT
    assert read("evil.example; dmarc=pass", "lementorat.fr; dmarc=fail").failed


def test_of_several_trusted_headers_the_topmost_counts():
    # Our relay adds its own on top; one below it with our id was there before: forged.
    assert read("lementorat.fr; dmarc=fail", "lementorat.fr; dmarc=pass").failed
    assert (
        read("other.example; spf=pass", "lementorat.fr; dmarc=pass", "lementorat.fr; dmarc=fail").verification
        is VERIFIED
    )


@pytest.mark.parametrize(
    "ours",
    [
        "lementorat.fr; dmarc=",  # no result
        "lementorat.fr; dmarc=pass (unclosed comment",
        "lementorat.fr 2; dmarc=pass",  # a version RFC 8601 does not have
        "lementorat.fr; spf=pass client-ip=192.0.2.1;",  # SES's own style: not RFC 8601
        "lementorat.fr; spf=pass (" + "(" * 5000 + ")" * 5000 + ")",  # past the stack
        "lementorat.fr; dmarc=pass " + "x" * AUTHENTICATION_RESULTS_MAX_CHARS,  # too long to read
    ],
)
def test_a_trusted_header_that_cannot_be_read_is_no_verdict_and_hides_no_forged_one(ours):
    assert read(ours) == NO_VERDICT
    # A readable one with our id further down was there before ours: it never counts.
    assert read(ours, "lementorat.fr; dmarc=pass") == NO_VERDICT


def test_an_unreadable_header_of_another_authserv_id_is_passed_over():
    # A filter after our relay may write its own in its own style (here SES's).
    assert read("filter.example; spf=pass client-ip=192.0.2.1;", "lementorat.fr; dmarc=fail").failed


@pytest.mark.parametrize("unreadable", ["", "(unclosed; dmarc=pass", "lementorat.fr 2; dmarc=pass"])
def test_an_unreadable_header_whose_authserv_id_does_not_read_either_may_be_ours(unreadable):
    assert read(unreadable, "lementorat.fr; dmarc=pass") == NO_VERDICT


def test_no_header_or_no_trusted_id_is_no_verdict():
    assert read() == NO_VERDICT
    assert read("lementorat.fr; dmarc=fail", trusted="") == NO_VERDICT
    assert not NO_VERDICT.given and NO_VERDICT.verification is UNKNOWN


def test_a_verdict_is_kept_and_read_back_as_words():
    verdict = SenderVerdict(spf="fail", dkim="none", dmarc="fail", dmarc_policy="quarantine")
    assert SenderVerdict.from_dict(verdict.as_dict()) == verdict
    assert SenderVerdict.from_dict({"spf": " FAIL ", "dmarc": 3}) == SenderVerdict(spf="fail")
    assert SenderVerdict.from_dict(None) is None and SenderVerdict.from_dict("dmarc=pass") is None


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.one_of(with_foreign("lementorat.fr; dmarc=fail"), with_foreign("lementorat.fr; spf=fail; dkim=fail")))
def test_no_character_from_anywhere_in_unicode_turns_a_failure_into_a_pass(value):
    # Inside authres's grammar or not, the verdict is read or there is none: never a
    # crash, and what failed does not come out verified.
    assert read(value).verification is not VERIFIED


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_without_raising(value):
    read(value, f"lementorat.fr;{value}", f"{value}; dmarc=pass")


# -- through the mail parser, and against real mail ------------------------------------------------


def mail_with(*values: str) -> bytes:
    fields = "".join(f"Authentication-Results: {v}\r\n" for v in values)
    return (
        f"{fields}From: CPE <cpe@college.example.fr>\r\nTo: urgence@lementorat.fr\r\nSubject: Demande\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n"
    ).encode()


def test_the_parser_keeps_the_fields_unfolded_topmost_first():
    raw = mail_with("lementorat.fr;\r\n\tspf=fail smtp.mailfrom=a.example;\r\n dmarc=fail", "mx.example; dmarc=pass")
    mail = parse_inbound(raw)
    assert mail.authentication_results == (
        "lementorat.fr; spf=fail smtp.mailfrom=a.example; dmarc=fail",
        "mx.example; dmarc=pass",
    )
    assert verdict_from_headers(mail.authentication_results, TRUSTED).failed


def test_a_header_in_an_attached_message_is_not_the_mails():
    inner = mail_with("lementorat.fr; dmarc=pass").decode()
    raw = (
        "From: x@example.fr\r\nTo: urgence@lementorat.fr\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nVoir.\r\n'
        f"--b\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--b--\r\n"
    ).encode()
    assert parse_inbound(raw).authentication_results == ()


REAL = SHARED / "corpus" / "mail-real"


def real_mails_with_authentication_results():
    for path in sorted(p for p in REAL.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        if b"\nauthentication-results:" in raw[:100_000].lower():
            try:
                yield path, raw, parse_inbound(raw)
            except UnparseableMail:  # the parser's own tests hold what it refuses
                continue


def test_real_mail_agrees_with_its_received_spf_field():
    """The outside oracle: the SPF result a receiving server wrote in Received-SPF (RFC
    7208) is the one its Authentication-Results field gives, read as that server trusted."""
    compared = 0
    for path, raw, mail in real_mails_with_authentication_results():
        received_spf = email.message_from_bytes(raw, policy=email.policy.compat32).get_all("Received-SPF") or []
        if not mail.authentication_results or not received_spf or not str(received_spf[0]).split():
            continue
        authserv_id = mail.authentication_results[0].split(";")[0].split()[0] if mail.authentication_results[0] else ""
        verdict = verdict_from_headers(mail.authentication_results, authserv_id)
        if verdict.spf is None:
            continue
        assert verdict.spf == str(received_spf[0]).split()[0].lower(), path.name
        compared += 1
    assert compared >= 50  # the corpus holds 64 such mails


def test_real_mail_is_no_verdict_for_our_authserv_id():
    # None of these passed through our relay: whatever their servers wrote, no verdict.
    seen = 0
    for _, _, mail in real_mails_with_authentication_results():
        assert verdict_from_headers(mail.authentication_results, TRUSTED) == NO_VERDICT
        seen += 1
    assert seen >= 150
