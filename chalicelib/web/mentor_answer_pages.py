"""The association's answer page for a volunteer's sign-up: what `/reponse/<token>` shows
when its link names a sign-up (the assignment's kind "mentor"). web/answer_pages.py keeps
the door (body limits, cross-site and anti-forgery checks, the decision); this renders."""

from __future__ import annotations

from typing import Any

from chalice import Response

from ..config import Settings
from ..domain.mentor import MentorSignup
from ..domain.paris_time import french_date, french_long_date
from ..domain.submission import FieldError
from ..services.answers import DECLINE_REASONS
from ..services.mentor_mails import mentor_profile
from ..services.mentors import MentorAnswerView
from ..services.ports import AnswerLinks
from .responses import page


def volunteer_contact(signup: dict[str, Any]) -> dict[str, Any]:
    """Shown to the association once it has accepted, and only then."""
    f = signup["fields"]
    return {
        "name": " ".join(p for p in (f.get("first_name"), f.get("last_name")) if p),
        "email": f.get("email"),
        "phone": f.get("phone"),
    }


def mentor_answer_page(
    settings: Settings,
    links: AnswerLinks,
    view: MentorAnswerView,
    token: str,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:

    signup = view.signup
    deadline = MentorSignup.from_record(signup).answer_deadline(settings.reroute_days)
    return page(
        settings,
        "mentor_answer",
        status,
        page_title=("Erreur : " if errors else "") + f"Candidature de mentor {signup['reference']}",
        association_name=view.association.name if view.association else "votre association",
        reference=signup["reference"],
        state=view.state,
        just_done=view.just_done,
        profile={**mentor_profile(signup), "received_at": french_date(signup["created_at"])},
        contact=volunteer_contact(signup) if view.state == "accepted" else None,
        action=f"/reponse/{token}",
        csrf=links.csrf_for(token),
        answer_by=french_long_date(deadline) if view.state == "open" and deadline is not None else None,
        decline_reasons=list(DECLINE_REASONS),
        errors=errors or [],
    )
