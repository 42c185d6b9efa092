"""Bounces of the mail we sent, read from SES notifications (AWS) or delivery reports (local).

Both lead to the same use case, `association_mail_bounced` (services/answering.py, for a
request's mail and for a volunteer's sign-up's), with the id of our outbox mail: the
`mail_id` tag SES events carry (AWS), or the Message-ID we write (`<mail-id.REF@domain>`),
which SES does not keep but a delivery report quotes (local).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .record_kind import ANY_REFERENCE_PATTERN

# <mail-id.REFERENCE@domain>: the reference of a record of any kind (domain/record_kind.py).
OUR_MESSAGE_ID = re.compile(rf"<([0-9a-f]{{32}})\.{ANY_REFERENCE_PATTERN}@[^>\s]+>")
MAIL_ID = re.compile(r"[0-9a-f]{32}")
FINAL_RECIPIENT = re.compile(
    r"^(?:Final|Original)-Recipient:\s*rfc822;\s*<?([^\s>]+@[^\s>]+)>?", re.IGNORECASE | re.MULTILINE
)


@dataclass(frozen=True)
class Bounce:
    mail_id: str
    address: str | None
    reason: str


def bounces_from_ses(message: str) -> list[Bounce]:
    """SES bounce notification (the SNS message): permanent bounces of our mails."""
    n = json.loads(message)
    if n.get("notificationType", n.get("eventType")) != "Bounce":
        return []
    bounce = n.get("bounce", {})
    if bounce.get("bounceType") != "Permanent":
        return []  # transient: SES retries by itself
    mail = n.get("mail", {})
    # In AWS, SES rewrites the Message-ID header; the `mail_id` tag we send with each
    # mail comes back untouched in the configuration set's events.
    tagged = [t for t in mail.get("tags", {}).get("mail_id", []) if MAIL_ID.fullmatch(t)]
    ids = [mail.get("commonHeaders", {}).get("messageId", "")]
    ids += [h.get("value", "") for h in mail.get("headers", []) if h.get("name", "").lower() == "message-id"]
    found = next((m.group(1) for i in ids if i and (m := OUR_MESSAGE_ID.search(i))), None) or next(iter(tagged), None)
    if not found:
        return []
    reason = f"{bounce.get('bounceType')}/{bounce.get('bounceSubType', '')}"
    return [Bounce(found, r.get("emailAddress"), reason) for r in bounce.get("bouncedRecipients", [])] or [
        Bounce(found, None, reason)
    ]


def bounce_from_report(text: str) -> Bounce | None:
    """A delivery-status report that came back to the intake address (local stack)."""
    ours = OUR_MESSAGE_ID.search(text)
    if not ours:
        return None
    recipient = FINAL_RECIPIENT.search(text)
    return Bounce(ours.group(1), recipient.group(1) if recipient else None, "delivery-status report")
