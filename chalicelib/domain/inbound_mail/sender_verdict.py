"""Whether an inbound mail's sender is who its `From` says: the SPF, DKIM and DMARC
results someone we trust checked, and the one rule that reads them.

Two sources give the same `SenderVerdict`, and the same rule decides:
- in AWS, SES's receipt notification (chalicelib/adapters/ses_inbound.py maps its
  `spfVerdict`, `dkimVerdict`, `dmarcVerdict` statuses onto the RFC 8601 words below);
- locally, or behind a filtering relay, the `Authentication-Results` header (RFC 8601)
  that relay added, recognised by its authserv-id (`TRUSTED_AUTHSERV_ID`, config.py).
  Anyone can write such a header: those of another authserv-id are ignored, and of
  several with ours the topmost counts, the one our relay added last (a relay should
  remove older ones of its own id, RFC 8601 section 5, but not all do).

The rule (`SenderVerdict.verification`):
- DMARC pass: verified; DMARC fail: failed, whatever the domain's policy says to do with
  it (p=none included: the `From` domain is still not shown to be the sender's);
- no DMARC result (the domain publishes no policy, or it could not be read): verified
  when SPF or DKIM passes; failed when SPF fails (fail or softfail: the sending host is
  not the domain's) and DKIM does too (a bad or unusable signature, or none at all);
- anything else, and no result at all: unknown, handled as before there were verdicts.

Pure: the header is parsed by `authres`, never by hand; a header it cannot read is no
verdict, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

import authres

# A relay's header holds a few results with their properties and comments: well under
# this. authres re-slices the text at each token (quadratic time), so longer ones are not
# read (they give no verdict); below headers.py's own cut (MAX_HEADER_CHARS), so that a
# header cut there is never read as a shorter one.
AUTHENTICATION_RESULTS_MAX_CHARS = 4_000
# Headers looked at, topmost first: ours is the first, and more only cost time.
AUTHENTICATION_RESULTS_MAX_HEADERS = 20

SPF_FAILS = frozenset({"fail", "softfail"})
# A signature that does not verify (fail), cannot be used (permerror), or is not there
# (none): DKIM vouches for nothing.
DKIM_FAILS = frozenset({"fail", "permerror", "none"})
# Every method authres knows (DMARC among them), loaded once at import: before the mail
# readers' child processes are forked (chalicelib/adapters/mail_reading.py), not in each.
_FEATURES = authres.all_features()


class Verification(str, Enum):
    VERIFIED = "verified"
    FAILED = "failed"  # the `From` is not shown to be the sender's: an unverified sender
    UNKNOWN = "unknown"  # nothing was checked, or nothing conclusive


@dataclass(frozen=True)
class SenderVerdict:
    """RFC 8601 result words (lower case), None where no result was given."""

    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None
    dmarc_policy: str | None = None  # none, quarantine, reject: for the operator only

    @property
    def verification(self) -> Verification:
        if self.dmarc == "pass":
            return Verification.VERIFIED
        if self.dmarc == "fail":
            return Verification.FAILED
        if "pass" in (self.spf, self.dkim):
            return Verification.VERIFIED
        if self.spf in SPF_FAILS and (self.dkim or "none") in DKIM_FAILS:
            return Verification.FAILED
        return Verification.UNKNOWN

    @property
    def failed(self) -> bool:
        return self.verification is Verification.FAILED

    @property
    def given(self) -> bool:
        """Whether any result was given at all."""
        return any((self.spf, self.dkim, self.dmarc))

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @staticmethod
    def from_dict(stored: Any) -> SenderVerdict | None:
        """From `as_dict`'s keys (a quarantined mail's record, a door's results), each
        value a result word in any case or absent; None for anything but a mapping."""
        if not isinstance(stored, Mapping):
            return None
        return SenderVerdict(**{k: _word(stored.get(k)) for k in ("spf", "dkim", "dmarc", "dmarc_policy")})


NO_VERDICT = SenderVerdict()


def verdict_from_headers(values: Iterable[str], trusted_authserv_id: str) -> SenderVerdict:
    """The verdict of the topmost `Authentication-Results` header (unfolded values, in
    the mail's order) whose authserv-id is `trusted_authserv_id`; NO_VERDICT if there is
    none, if that one cannot be read, or if no id is trusted (an empty setting)."""
    trusted = trusted_authserv_id.strip().lower()
    if not trusted:
        return NO_VERDICT
    for value in list(values)[:AUTHENTICATION_RESULTS_MAX_HEADERS]:
        header = _parsed(value) if len(value) <= AUTHENTICATION_RESULTS_MAX_CHARS else None
        if header is not None:
            if header.authserv_id == trusted:
                return _verdict(header.results)
            continue
        # Unreadable: passed over only when its authserv-id reads as another's. Else it
        # may be ours, the one that counts, and it says nothing: a readable one with our
        # id further down is older, or forged.
        authserv_id = _authserv_id(value)
        if authserv_id is None or authserv_id == trusted:
            return NO_VERDICT
    return NO_VERDICT


def _parsed(value: str) -> Any:
    try:
        return _FEATURES.parse_value(value)
    except (authres.AuthResError, RecursionError, ValueError, TypeError, AttributeError):
        # SyntaxError and the others authres raises, nested comments past the stack, and
        # what it does not expect of odd text: no verdict.
        return None


def _authserv_id(value: str) -> str | None:
    """The authserv-id of a header that does not read whole, read alone by authres;
    None if even that does not read."""
    header = _parsed(value[:AUTHENTICATION_RESULTS_MAX_CHARS].split(";", 1)[0] + "; none")
    return header.authserv_id if header is not None else None


def _verdict(results: Iterable[Any]) -> SenderVerdict:
    found: dict[str, list[str]] = {}
    policy = None
    for result in results:
        method = _word(getattr(result, "method", None))
        word = _word(getattr(result, "result", None))
        if method in ("spf", "dkim", "dmarc") and word:
            found.setdefault(method, []).append(word)
            if method == "dmarc" and policy is None:
                policy = _word(getattr(result, "policy", None))

    def one(method: str) -> str | None:
        words = found.get(method) or []
        # Several DKIM signatures: one that verifies is enough (RFC 6376 section 6.1).
        return "pass" if "pass" in words else next(iter(words), None)

    return SenderVerdict(spf=one("spf"), dkim=one("dkim"), dmarc=one("dmarc"), dmarc_policy=policy)


def _word(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    return word[:40] or None
