"""The mails the service writes, composed from a stored request (docs/contract.md §7, §9).

Rendered before the transaction that stores them in the outbox: what is committed is
exactly what will be sent, however late the sweeper sends it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from ..config import Settings
from ..domain.mail_headers import clean_msg_id, header_text
from ..domain.models import Association
from ..domain.record_kind import REQUEST, RecordKind
from ..domain.request import MailIntent, Request
from ..domain.routed_record import RoutedRecord
from ..domain.text import redact_contacts
from ..domain.vocabulary import Channel, Need, Public, Situation, StructureType
from .ports import Assignment, OutgoingMail

RenderMail = Callable[[str, dict[str, Any]], tuple[str, str, str]]


def message_id_for(mail_id: str, reference: str | None, domain: str) -> str:
    """Our Message-IDs carry the reference: a reply's In-Reply-To finds its request."""
    return f"<{mail_id}.{reference}@{domain}>" if reference else f"<{mail_id}@{domain}>"


def structure_label(referent: dict[str, Any] | None) -> str | None:
    if not referent or not referent.get("structure_type"):
        return None
    return StructureType(referent["structure_type"]).label


def shown_facts(record: dict[str, Any], **own: Any) -> dict[str, Any]:
    """What an association may know of a record before it accepts, no contact detail: its
    age and place, the kind's `own` facts, its message with any contact redacted."""
    f = record["fields"]
    return {
        "age": f.get("age"),
        "commune": (record.get("place") or {}).get("commune_name"),
        "postal_code": f.get("postal_code"),
        **own,
        "message": redact_contacts(f.get("message")),
    }


def request_facts(request: dict[str, Any]) -> dict[str, Any]:
    """A request's shown facts: its situation, need and publics, and who asked."""
    f = request["fields"]
    facts = shown_facts(
        request,
        situation=Situation.label_of(f.get("situation")),
        need=Need.label_of(f.get("need")),
        publics=Public.labels_of(f.get("publics")),
    )
    # A request from mail intake may know only its département: shown then (a sign-up has
    # always shown none, erased or not).
    facts["commune"] = facts["commune"] or _departement_only(request.get("place") or {})
    return {
        **facts,
        "via_referent": request.get("referent") is not None,
        "structure_type": structure_label(request.get("referent")),
    }


def _departement_only(place: dict[str, Any]) -> str | None:
    """A place known only to its département (mail intake): "Seine-Saint-Denis (93)"."""
    from ..domain.territory import departement_name

    code = place.get("departement")
    return f"{departement_name(code)} ({code})" if code and not place.get("postal_code") else None


def requester_address(request: dict[str, Any]) -> str | None:
    """Who hears from us about a request: the referent who asked, else the youth."""
    referent = request.get("referent")
    address: str | None = referent.get("email") if referent else request["fields"].get("email")
    return address


def compose_mail(
    render_mail: RenderMail,
    settings: Settings,
    template: str,
    context: dict[str, Any],
    to: str,
    record: dict[str, Any] | None,
    *,
    auto: str = "auto-generated",
    reply_to: str | None = None,
    in_reply_to: str | None = None,
) -> OutgoingMail:
    """One mail of the outbox, rendered now from `template` (subject, text and HTML), about
    `record` (a request or a sign-up: its reference in the Message-ID), or about none."""
    subject, text, html = render_mail(template, context)
    mail_id = uuid.uuid4().hex
    domain = settings.mail_from.rpartition("@")[2].rstrip(">") or "localhost"
    return OutgoingMail(
        id=mail_id,
        message_id=message_id_for(mail_id, record["reference"] if record else None, domain),
        # Echoed into In-Reply-To/References: only a clean msg-id, else nothing (the
        # sending side checks again, for items stored before this check).
        in_reply_to=clean_msg_id(in_reply_to),
        to=(to,),
        subject=subject,
        text=text,
        html=html,
        auto_submitted=auto,
        request_id=record["id"] if record else None,
        kind=template,
        reply_to=reply_to,
    )


class RecordMails:
    """The mails of one kind of routed record (a request, a volunteer's sign-up): to the
    association it is routed to (with the answer link) and its reminder, the acceptance
    and the acknowledgement to whoever submitted it. Rendered from the record's new state
    when a transition asks (its kinds: the record's `MAILS`). A subclass holds what is the
    kind's own: what an association may read before it accepts, the acknowledgement, and
    what the acceptance adds."""

    kind: ClassVar[RecordKind]  # its name is the answer link's (ports.Assignment)

    def __init__(self, render_mail: RenderMail, settings: Settings, answer_url: Callable[[Assignment], str]):
        self.render_mail = render_mail
        self.settings = settings
        self.answer_url = answer_url

    # -- what each kind says ---------------------------------------------------------------

    def facts(self, record: dict[str, Any]) -> dict[str, Any]:
        """What an association may know of the record before it accepts: no contact detail."""
        raise NotImplementedError

    def acknowledgement(self, record: dict[str, Any], to: str) -> OutgoingMail:
        raise NotImplementedError

    def _accepted_context(self, record: dict[str, Any]) -> dict[str, Any]:
        """What the acceptance says beyond the reference, the name and the association."""
        return {}

    def _reply_to(self) -> str | None:
        """Where a reply to the acceptance goes (None: to no one in particular)."""
        return None

    # -- what every kind does alike --------------------------------------------------------

    def _mail(
        self, template: str, context: dict[str, Any], to: str, record: dict[str, Any] | None, **headers: Any
    ) -> OutgoingMail:
        """`headers`: compose_mail's `auto`, `reply_to` and `in_reply_to`."""
        return compose_mail(self.render_mail, self.settings, template, context, to, record, **headers)

    def render(self, intent: MailIntent, entity: RoutedRecord) -> OutgoingMail:
        """The mail a transition asked for, rendered from the record's new state."""
        record = entity.to_record()
        to = entity.contact_address()
        kinds, association = entity.MAILS, intent.association
        if intent.kind == kinds.new and association:
            return self._routed(kinds.new, record, association, intent.attempt)
        if intent.kind == kinds.reminder and association:
            return self._reminder(kinds.reminder, record, association, intent.attempt, intent.days_waiting)
        if intent.kind == kinds.accepted and association and to:
            return self._accepted(kinds.accepted, record, association, to)
        if intent.kind == kinds.acknowledgement and to:
            return self.acknowledgement(record, to)
        raise ValueError(f"no mail for {intent.kind}")

    def _to_association(
        self, template: str, record: dict[str, Any], association: Association, attempt: int, **context: Any
    ) -> OutgoingMail:
        """A mail to the association the record is routed to, with its answer link."""
        context.update(
            reference=record["reference"],
            association_name=association.name,
            answer_url=self.answer_url(Assignment(record["id"], association.id, attempt, kind=self.kind.name)),
        )
        return self._mail(template, context, association.emails[0], record)

    def _routed(self, template: str, record: dict[str, Any], association: Association, attempt: int) -> OutgoingMail:
        # No contact detail of whoever submitted: shown once the association accepts.
        return self._to_association(template, record, association, attempt, **self.facts(record))

    def _reminder(
        self, template: str, record: dict[str, Any], association: Association, attempt: int, days_waiting: int
    ) -> OutgoingMail:
        reroute_in_days = max(self.settings.reroute_days - days_waiting, 1)
        return self._to_association(
            template, record, association, attempt, days_waiting=days_waiting, reroute_in_days=reroute_in_days
        )

    def _accepted(self, template: str, record: dict[str, Any], association: Association, to: str) -> OutgoingMail:
        context = {
            **self._accepted_context(record),
            "reference": record["reference"],
            "first_name": record["fields"].get("first_name"),
            "association_name": association.name,
            "association_email": association.emails[0],
        }
        return self._mail(template, context, to, record, reply_to=self._reply_to())


class MailComposer(RecordMails):
    """A request's mails, and the mails about no request (the console's, the directory's)."""

    kind = REQUEST

    def facts(self, record: dict[str, Any]) -> dict[str, Any]:
        return request_facts(record)

    def _reply_to(self) -> str | None:
        # Replies go to the intake address, where the reference in the subject threads them.
        return self.settings.intake_addresses[0] if self.settings.intake_addresses else None

    def _accepted_context(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"for_referent": record.get("referent") is not None}

    def association_new_request(self, request: dict[str, Any], association: Association, attempt: int) -> OutgoingMail:
        return self._routed(Request.MAILS.new, request, association, attempt)

    def association_reminder(
        self, request: dict[str, Any], association: Association, attempt: int, days_waiting: int
    ) -> OutgoingMail:
        return self._reminder(Request.MAILS.reminder, request, association, attempt, days_waiting)

    def requester_accepted(self, request: dict[str, Any], association: Association, to: str) -> OutgoingMail:
        return self._accepted(Request.MAILS.accepted, request, association, to)

    def acknowledgement(self, request: dict[str, Any], to: str) -> OutgoingMail:
        referent = request.get("referent")
        context = {
            "reference": request["reference"],
            "first_name": request["fields"].get("first_name"),
            "for_referent": referent is not None,
            # A mail's display name is whatever its sender typed, unverified (From can be
            # spoofed): echoing it would let anyone write our greeting to a victim.
            "referent_name": header_text(referent.get("name"), 80) or None
            if referent and request["channel"] != Channel.EMAIL.value
            else None,
            "routed": request.get("association") is not None,
        }
        inbound_id = (request.get("inbound") or {}).get("message_id")
        # An answer to a mail is "auto-replied" (RFC 3834) and threads under it.
        auto = "auto-replied" if request["channel"] == Channel.EMAIL.value else "auto-generated"
        return self._mail(
            self.kind.mails.acknowledgement,
            context,
            to,
            request,
            auto=auto,
            reply_to=self._reply_to(),
            in_reply_to=inbound_id,
        )

    def console_sign_in(self, to: str, url: str, minutes: int) -> OutgoingMail:
        """An operator's one-time sign-in link: about no request."""
        return self._mail("console_sign_in", {"url": url, "minutes": minutes}, to, None)

    def console_digest(self, to: str, context: dict[str, Any]) -> OutgoingMail:
        """An operator's daily digest (services/digest.py): about no one request."""
        return self._mail("console_digest", context, to, None)

    def directory_address_notice(self, to: str, context: dict[str, Any]) -> OutgoingMail:
        """To an association's previous address: its addresses for requests changed
        (services/directory.py), when, and whom to write to if that was not expected.

        It names the author by role ("un administrateur du réseau", by the console or the
        API), not by address: it goes outside the network, possibly to a mailbox no longer
        the association's (a lost or taken-over mailbox is a reason for the change), and an
        operator's address is that person's data. Whoever did not expect the change writes
        to the network's contact address (Reply-To too), which answers whoever is on
        duty; the version in the console names the operator for the admins who check.
        """
        contact = self.settings.legal_publisher_contact
        return self._mail(
            "directory_address_notice",
            {**context, "contact": contact},
            to,
            None,
            reply_to=contact,
        )
