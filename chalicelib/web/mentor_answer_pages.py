"""The association's answer page for a volunteer's sign-up: what `/reponse/<token>` shows
when its link names a sign-up (the assignment's kind "mentor"). web/answer_pages.py keeps
the door (body limits, cross-site and anti-forgery checks, the decision) and renders
every kind's page alike; this says what a volunteer's shows."""

from __future__ import annotations

from typing import Any

from ..domain.mentor import MentorSignup
from ..services.mentor_mails import mentor_profile
from .answer_pages import AnswerPageKind


def volunteer_contact(signup: dict[str, Any]) -> dict[str, Any]:
    """Shown to the association once it has accepted, and only then."""
    f = signup["fields"]
    return {
        "name": " ".join(p for p in (f.get("first_name"), f.get("last_name")) if p),
        "email": f.get("email"),
        "phone": f.get("phone"),
    }


MENTOR_ANSWER_PAGE = AnswerPageKind(
    template="mentor_answer",
    title="Candidature de mentor",
    facts_name="profile",
    facts=mentor_profile,
    contact=volunteer_contact,
    record_type=MentorSignup,
)
