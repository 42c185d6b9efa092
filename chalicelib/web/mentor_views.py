"""The volunteers' rooms of the HTTP door, each given only its use cases (as web/views.py
builds the others). app.py's "volunteers" routes call them through the error boundary."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..bootstrap import Services
    from .mentor_api import MentorApi
    from .mentor_pages import MentorPages


def mentor_pages(services: Services) -> MentorPages:
    from .mentor_pages import MentorPages

    return MentorPages(settings=services.settings, mentors=services.mentors)


def mentor_api(services: Services) -> MentorApi:
    from .mentor_api import MentorApi

    return MentorApi(settings=services.settings, mentors=services.mentors, queries=services.mentor_queries)
