"""The HTTP door, one room per door, each given only the use cases it calls.

app.py routes each URL to one method of these rooms, through the error boundary
(boundary.GuardedViews). No view reads storage or the clock, and no business rule lives
in web/: the views turn HTTP into calls of use cases, and their answers into HTTP.

- pages.py: home, legal pages, the two forms, thank-you pages, static files, 404;
- answer_pages.py: the association's answer link;
- api.py: the JSON API;
- console.py: the operators' console door (sign-in, session, the guard of its pages);
- console_queue.py, console_stats.py, console_directory.py: the console's rooms;
- mentor_pages.py, mentor_api.py: the volunteer's form and JSON door.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..bootstrap import Services
    from .answer_pages import AnswerPages
    from .api import Api
    from .console import ConsoleDoor
    from .console_directory import ConsoleDirectory
    from .console_queue import ConsoleQueue
    from .console_stats import ConsoleStats
    from .mentor_api import MentorApi
    from .mentor_pages import MentorPages
    from .pages import Pages

# Each room is imported when a request first needs it: a cold Lambda serving a form does
# not load the answer pages or the API.


def pages(services: Services) -> Pages:
    from .pages import Pages

    return Pages(settings=services.settings, intake=services.intake)


def answer_pages(services: Services) -> AnswerPages:
    from .answer_pages import AnswerPages

    return AnswerPages(
        settings=services.settings, answers=services.answers, links=services.links, mentors=services.mentors
    )


def api(services: Services) -> Api:
    from .api import Api

    return Api(
        settings=services.settings,
        intake=services.intake,
        requests=services.requests,
        directory=services.directory,
        outbox=services.outbox,
        healthy=services.healthy,
    )


def console(services: Services) -> ConsoleDoor:
    from .console import ConsoleDoor

    return ConsoleDoor(settings=services.settings, auth=services.console_auth)


def console_stats(services: Services) -> ConsoleStats:
    """Statistics, CSV exports and quarantine (web/console_stats.py)."""
    from ..services.exports import ExportService
    from ..services.mail_intake import Quarantine
    from ..services.statistics import StatisticsService
    from .console_stats import ConsoleStats

    statistics = StatisticsService(stats=services.stores.stats, directory=services.directory, clock=services.clock)
    from ..services.console_volunteers import MENTOR_CHANNEL_LABELS

    volunteers = StatisticsService(  # the sign-ups' own aggregates, from their store
        stats=services.stores.mentors,
        directory=services.directory,
        clock=services.clock,
        channel_labels=MENTOR_CHANNEL_LABELS,
        shown=MENTOR_CHANNEL_LABELS,
    )
    return ConsoleStats(
        settings=services.settings,
        door=console(services),
        statistics=statistics,
        exports=ExportService(
            requests=services.stores.requests,
            stats=services.stores.stats,
            statistics=statistics,
            clock=services.clock,
            settings=services.settings,
        ),
        quarantine=Quarantine(mail_intake=services.mail_intake, store=services.stores.mail_log, clock=services.clock),
        volunteer_statistics=volunteers,
    )


def _console_parts(services: Services) -> dict[str, Any]:
    """What both queues' use cases are built of (services/console_common.py), with every
    copy of a person's data their erasure reaches (services/erasure.py)."""
    from ..services.mail_intake import Quarantine

    intake = services.mail_intake
    return dict(
        directory=services.directory,
        mails=services.mails,
        clock=services.clock,
        settings=services.settings,
        raw_mail=intake.raw_store,
        outbox=services.stores.outbox,
        sent_mail=services.outbox.sender,
        quarantine=Quarantine(mail_intake=intake, store=services.stores.mail_log, clock=services.clock),
    )


def console_queue(services: Services) -> ConsoleQueue:
    """The queue and one request's page (web/console_queue.py)."""
    from ..services.console import ConsoleService
    from .console_queue import ConsoleQueue

    store = services.stores.requests
    service = ConsoleService(requests=store, queue=store, **_console_parts(services))
    return ConsoleQueue(settings=services.settings, door=console(services), service=service)


def console_volunteers(services: Services) -> ConsoleQueue:
    """The volunteers' queue and one sign-up's page (docs/volunteers.md): the requests' room on the
    sign-ups' store (services/console_volunteers.py)."""
    from ..services.console_volunteers import VolunteerConsole
    from .console_queue import ConsoleQueue

    service = VolunteerConsole(
        requests=services.stores.requests,
        queue=services.stores.mentors,
        **_console_parts(services),
    )
    return ConsoleQueue(
        settings=services.settings,
        door=console(services),
        service=service,
        path="/console/benevoles",
        title="Bénévoles",
        noun="candidature",
    )


def console_directory(services: Services) -> ConsoleDirectory:
    """The directory's list, form, "Simuler" and versions (web/console_directory.py)."""
    from ..services.directory import DirectoryPreview
    from .console_directory import ConsoleDirectory

    return ConsoleDirectory(
        settings=services.settings,
        door=console(services),
        directory=services.directory,
        preview=DirectoryPreview(
            directory=services.directory,
            requests=services.stores.requests,
            clock=services.clock,
            weights=services.settings.routing_weights,
            days=services.settings.simulation_days,
        ),
    )


def mentor_pages(services: Services) -> MentorPages:
    from .mentor_pages import MentorPages

    return MentorPages(settings=services.settings, mentors=services.mentors)


def mentor_api(services: Services) -> MentorApi:
    from .mentor_api import MentorApi

    return MentorApi(settings=services.settings, mentors=services.mentors, queries=services.mentor_queries)
