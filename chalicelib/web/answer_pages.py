"""The association's answer: the page its mail links to (`/reponse/<token>`), and the
accept or decline posted from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice import Response

from ..config import Settings
from ..domain.paris_time import french_date, french_long_date
from ..domain.record_kind import VOLUNTEER
from ..domain.request import Request as StoredRequest
from ..domain.routed_record import RoutedRecord
from ..domain.submission import FieldError
from ..services.answering import AnswerPageState
from ..services.answers import DECLINE_REASONS, InvalidAnswer, UnknownRequest
from ..services.mails import request_facts, structure_label
from ..services.ports import AnswerLinks, InvalidLink
from . import forms, security
from .parsing import MAX_FORM_BYTES, BodyRefused, body_bytes
from .responses import error_page, page

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.answers import AnswerService
    from ..services.mentors import MentorService

LINK_ERRORS = {
    "invalid": (400, "Lien invalide", "Ce lien n'est pas valide. Utilisez le lien reçu par e-mail, sans le modifier."),
    "expired": (
        410,
        "Lien expiré",
        "Ce lien a expiré. Écrivez à l'équipe du réseau en indiquant la référence de la demande.",
    ),
    "unknown": (
        404,
        "Demande introuvable",
        "Cette demande n'existe plus : elle a été close ou ses données ont été effacées.",
    ),
}


def person_contact(fields: dict[str, Any]) -> dict[str, Any]:
    """A person's name, email and phone as a record's fields hold them."""
    name = " ".join(p for p in (fields.get("first_name"), fields.get("last_name")) if p)
    return {"name": name, "email": fields.get("email"), "phone": fields.get("phone")}


def contact_details(request: dict[str, Any]) -> dict[str, Any]:
    """Shown to the association once it has accepted, and only then."""
    youth = person_contact(request["fields"])
    referent = request.get("referent")
    return {
        "youth_name": youth["name"] or None,
        "youth_email": youth["email"],
        "youth_phone": youth["phone"],
        "referent": None
        if not referent
        else {
            "name": referent.get("name"),
            "email": referent.get("email"),
            "phone": referent.get("phone"),
            "structure_name": referent.get("structure_name"),
            "structure_label": structure_label(referent),
        },
    }


def volunteer_contact(signup: dict[str, Any]) -> dict[str, Any]:
    """Shown to the association once it has accepted: the volunteer's own contact."""
    return person_contact(signup["fields"])


@dataclass(frozen=True)
class AnswerPageKind:
    """What one kind of record's answer page shows of its own: its template and title
    (before the reference: "Demande de mentorat SQ-..."), what the association may read
    before it accepts (under the template's name `facts_name`), the contact shown once it
    has accepted, and the record's class (its answer deadline)."""

    template: str
    title: str
    facts_name: str
    facts: Callable[[dict[str, Any]], dict[str, Any]]
    contact: Callable[[dict[str, Any]], dict[str, Any]]
    record_type: type[RoutedRecord]


def answer_page_kind(kind: str) -> AnswerPageKind:
    """The page of a link's record kind (ports.Assignment). A volunteer's sign-up's reads
    the volunteers' modules, imported when first needed."""
    if kind == VOLUNTEER.name:
        from ..domain.mentor import MentorSignup
        from ..services.mentor_mails import mentor_profile

        # The association reads a volunteer's own name, email and phone once it accepts.
        volunteer = lambda signup: person_contact(signup["fields"])  # noqa: E731 - one use, here
        return AnswerPageKind(
            "mentor_answer", "Candidature de mentor", "profile", mentor_profile, volunteer, MentorSignup
        )
    return AnswerPageKind("answer", "Demande de mentorat", "request", request_facts, contact_details, StoredRequest)


@dataclass(frozen=True, kw_only=True)
class AnswerPages:
    settings: Settings
    answers: AnswerService
    links: AnswerLinks  # the CSRF token bound to each link
    # A link naming a volunteer's sign-up (its assignment's kind, VOLUNTEER.name) is
    # answered by this use case, on its own page (answer_page_kind).
    mentors: MentorService

    def _for(self, token: str) -> Any:
        """The use case a link's record belongs to. A link that does not read at all goes
        to the requests' one, which answers it with the usual link error."""
        try:
            kind = self.links.read_answer_token(token).kind
        except InvalidLink:
            return self.answers
        return self.mentors if kind == VOLUNTEER.name else self.answers

    def _render(
        self, view: AnswerPageState, token: str, errors: list[FieldError] | None = None, status: int = 200
    ) -> Response:
        kind = answer_page_kind(view.assignment.kind)
        record = view.record
        deadline = kind.record_type.from_record(record).answer_deadline(self.settings.reroute_days)
        return page(
            self.settings,
            kind.template,
            status,
            page_title=("Erreur : " if errors else "") + f"{kind.title} {record['reference']}",
            association_name=view.association.name if view.association else "votre association",
            reference=record["reference"],
            state=view.state,
            just_done=view.just_done,
            contact=kind.contact(record) if view.state == "accepted" else None,
            action=f"/reponse/{token}",
            csrf=self.links.csrf_for(token),
            answer_by=french_long_date(deadline) if view.state == "open" and deadline is not None else None,
            decline_reasons=list(DECLINE_REASONS),
            errors=errors or [],
            **{kind.facts_name: {**kind.facts(record), "received_at": french_date(record["created_at"])}},
        )

    def _link_error(self, bad: InvalidLink | UnknownRequest) -> Response:
        """A link that is not valid, has expired, or names a record no longer there."""
        status, heading, message = LINK_ERRORS[bad.why if isinstance(bad, InvalidLink) else "unknown"]
        return error_page(self.settings, status, heading, message)

    def show(self, token: str, request: Request) -> Response:
        try:
            view = self._for(token).view(token)
        except (InvalidLink, UnknownRequest) as bad:
            return self._link_error(bad)
        return self._render(view, token)

    def post(self, token: str, request: Request) -> Response:
        raw = body_bytes(request)
        if len(raw) > MAX_FORM_BYTES:
            return error_page(self.settings, 413, "Envoi trop long", "Le texte envoyé est trop long.")
        try:
            values = forms.parse_form_body(raw)
        except BodyRefused as refused:
            return error_page(
                self.settings,
                refused.status,
                "Réponse refusée",
                refused.french,
                f"/reponse/{token}",
                "Rouvrir la demande",
            )
        if not security.cross_site_post_allowed(request.headers, self.settings) or not self.links.csrf_ok(
            token, values.get("csrf", "")
        ):
            return error_page(
                self.settings,
                403,
                "Envoi refusé",
                "Pour votre sécurité, cette réponse n'a pas été prise en compte : elle doit être envoyée depuis la "
                "page ouverte par le lien reçu par e-mail. Rouvrez ce lien, puis cliquez à nouveau sur "
                "« Accepter » ou « Refuser ».",
                f"/reponse/{token}",
                "Rouvrir la demande",
            )
        decision = values.get("decision")
        answers = self._for(token)
        try:
            if decision == "accept":
                view = answers.accept(token)
            elif decision == "decline":
                view = answers.decline(token, values.get("reason"), values.get("comment"))
            else:
                return error_page(self.settings, 400, "Réponse incomprise", "Choisissez « Accepter » ou « Refuser ».")
        except (InvalidLink, UnknownRequest) as bad:
            return self._link_error(bad)
        except InvalidAnswer as wrong:
            view = answers.view(token)
            return self._render(view, token, [FieldError(field=wrong.field, message=wrong.message)], 422)
        return self._render(view, token)
