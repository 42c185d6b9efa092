"""What an e-mail address is, for every door: the forms, the API, the directory, the
operators' list, mail intake and the mail we send.

The rule is email-validator's syntax check, without DNS (validation must not depend on
the network, and a domain without a mail server today may have one tomorrow): any number
of dot-separated atoms of RFC 5322 characters, domain labels of any length up to 63 and
any number of them, every top-level domain, internationalised domain names written in
Unicode or in punycode; special-use domains (`.test`, `.local`, `.arpa`...), quoted local
parts, IP literals and display names are refused. It runs in `strict` mode, which adds
RFC 5321's limit of 64 octets before the `@` (mail servers refuse longer ones, and so does
JSON Schema's `format: email`). The address holds at most 254 characters.

What is stored, shown and sent is `ascii`: email-validator's normal form with the domain in
lower case and in punycode (IDNA 2008), the local part as typed. `x@EXÄMPLE.fr` and
`x@xn--exmple-cua.fr` are one address, stored `x@xn--exmple-cua.fr`: what SES takes, what
any mail client takes when an association copies it from a page, and what the API gives
back as a plain RFC 5321 address. SES has no SMTPUTF8 (RFC 6531): a local part with
non-ASCII letters (`zoé@exemple.fr`) is a valid address with no ASCII form, `ascii` is
then None, and each door decides what that means for it.

Pure: no I/O. `NotAnAddress` never holds the value: errors are logged, addresses are
personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit less the angle brackets; checked before any parsing


class NotAnAddress(ValueError):
    """Not an address under the rule; the message is a short English reason, never the value."""


@dataclass(frozen=True)
class EmailAddress:
    ascii: str | None  # stored, shown, sent; None when the local part is not ASCII (SES has no SMTPUTF8)
    normalized: str  # email-validator's normal form: the domain in Unicode

    @property
    def key(self) -> str:
        """One spelling for comparing addresses: `Op@EXÄMPLE.fr` and `op@xn--exmple-cua.fr`
        are one address. Local parts are compared without case, as mail systems do."""
        return (self.ascii or self.normalized).lower()

    @property
    def non_ascii_letters(self) -> str:
        """The local part's characters that have no ASCII form, each once, in order."""
        local = self.normalized.rpartition("@")[0]
        return "".join(dict.fromkeys(c for c in local if not c.isascii()))


def read_email(value: object) -> EmailAddress:
    """The address `value` holds, exactly as written (no trimming), or NotAnAddress."""
    if not isinstance(value, str):
        raise NotAnAddress("not a string")
    if len(value) > EMAIL_MAX_LENGTH:
        raise NotAnAddress("too long")
    from email_validator import EmailNotValidError, validate_email

    try:
        # allow_smtputf8 (the default) so that a non-ASCII local part is told apart from
        # an invalid address: accepted here with ascii_email None. Every address that
        # validate_email(allow_smtputf8=False) accepts has an ASCII form here, and only
        # those (tests/unit/domain/test_email_address.py checks both directions).
        found = validate_email(value, check_deliverability=False, strict=True)
    except EmailNotValidError:
        raise NotAnAddress("not an address") from None
    return EmailAddress(found.ascii_email, found.normalized)


def address_key(value: object) -> str | None:
    """`EmailAddress.key` of `value`, or None when it is not an address."""
    try:
        return read_email(value).key
    except NotAnAddress:
        return None
