"""The console's door: sign-in pages, the session cookie, and the guard of every page.

Every console page or action calls `guard()` first: without a session it answers a
redirect to /console/connexion; for an admin-only action, a 403 page to an operator; for
a POST, it also checks the form's anti-forgery field (bound to the session) and the
origin rules of web/security.py. The session is kept on the server
(services/console_auth.py); its cookie names it, signed (adapters/links.py), HttpOnly,
SameSite=Strict, Secure outside the local stack, for /console only.

The sign-in form counts on a per-IP limit: over it, a French 429 page. It may say so
because the counter takes every post, whatever the address, before the address is
looked up: it tells nothing about who the operators are. An address's own budget of
links, which is counted only for operators, is never told: the page is the one a
mailed link gets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from chalice import Response

from ..config import Settings
from ..services.console_auth import SESSION_SECONDS, ConsoleAuth, ConsoleSession
from ..services.ports import InvalidLink
from ..services.rate_limit import RateLimited
from . import forms, security
from .parsing import MAX_FORM_BYTES, BodyRefused, body_bytes, query_of
from .responses import error_page, not_found_page, page, too_many

if TYPE_CHECKING:
    from chalice.app import Request

COOKIE = "mentorat_console"
# No browser sends a cookie over 4096 bytes (RFC 6265, section 6.1), and http.cookies
# unquotes a quoted value in time quadratic in its backslashes (CVE-2024-7592, before
# Python 3.11.10): 60,000 of them took 7 s. A longer pair is not read.
MAX_COOKIE_CHARS = 4096
SIGN_IN = "/console/connexion"
# Where ending every session leads: the sign-in page, saying that they ended.
ALL_ENDED = f"{SIGN_IN}?sessions=fermees"


def console_headers(settings: Settings) -> dict[str, str]:
    """The pages' headers, but never framed, even by partners: operators only."""
    return security.page_headers(settings, frame_ancestors="'none'")


def console_page(
    settings: Settings, name: str, session: ConsoleSession | None, status: int = 200, **context: Any
) -> Response:
    response = page(settings, f"console/{name}", status, session=session, **context)
    response.headers.update(console_headers(settings))
    return response


def invalid_page_link(settings: Settings, first_page: str) -> Response:
    """400: a list's page link (`?page=`, `?avant=`) that is not one the console gave
    (changed, cut, or written by hand), with the way back to the list's first page."""
    response = error_page(
        settings,
        400,
        "Lien de page invalide",
        "Ce lien ne mène à aucune page de cette liste : il a sans doute été modifié ou coupé. "
        "Reprenez la liste depuis sa première page.",
        first_page,
        "Revenir à la première page",
    )
    response.headers.update(console_headers(settings))
    return response


def read_cookie(headers: Mapping[str, str], name: str = COOKIE) -> str | None:
    """The value of the cookie `name` in the request's Cookie header, if any.

    Each pair is read on its own: http.cookies drops a whole header when one pair is not
    to its taste (a space in a value), and the browser sends every cookie of the host."""
    for pair in (headers.get("cookie") or "").split(";"):
        if len(pair) > MAX_COOKIE_CHARS:
            continue
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(pair.strip())
        except CookieError:
            continue
        if name in jar and jar[name].value:
            return jar[name].value
    return None


def redirect(location: str, cookie: str | None = None) -> Response:
    headers: dict[str, str | list[str]] = {"Location": location, "Cache-Control": "no-store"}
    if cookie is not None:
        headers["Set-Cookie"] = cookie
    return Response(body="", status_code=303, headers=headers)


@dataclass(frozen=True, kw_only=True)
class ConsoleDoor:
    settings: Settings
    auth: ConsoleAuth

    # -- the guard of every console page and action --------------------------------------

    def guard(
        self, request: Request, admin: bool = False, form: Mapping[str, Any] | None = None
    ) -> ConsoleSession | Response:
        """The request's session, or the answer to send instead. `form`: a POST's parsed
        fields, whose anti-forgery field must match the session."""
        session = self.auth.session(read_cookie(request.headers))
        if session is None:
            return redirect(SIGN_IN)
        if form is not None and (
            not security.cross_site_post_allowed(request.headers, self.settings)
            or not self.auth.form_ok(session, form.get("csrf"))
        ):
            return error_page(
                self.settings,
                403,
                "Action refusée",
                "Cette action doit être envoyée depuis une page de la console. Rechargez la page et recommencez.",
                "/console",
                "Revenir à la console",
            )
        if admin and not session.operator.is_admin:
            return error_page(
                self.settings,
                403,
                "Action réservée",
                "Cette action est réservée aux administrateurs du réseau.",
                "/console",
                "Revenir à la console",
            )
        return session

    def guard_post(self, request: Request, admin: bool = False) -> tuple[ConsoleSession, dict[str, Any]] | Response:
        """(session, fields) of a console POST, or the answer refusing it: its body
        (form()), then the guard with its anti-forgery field."""
        values = self.form(request)
        if isinstance(values, Response):
            return values
        session = self.guard(request, admin=admin, form=values)
        if isinstance(session, Response):
            return session
        return session, values

    def form(self, request: Request) -> dict[str, Any] | Response:
        """A console POST's fields, or the page refusing an oversized or malformed body."""
        raw = body_bytes(request)
        if len(raw) > MAX_FORM_BYTES:
            return error_page(self.settings, 413, "Envoi trop long", "Le formulaire envoyé est trop long.")
        try:
            return forms.parse_form_body(raw)
        except BodyRefused as refused:
            return error_page(self.settings, refused.status, "Formulaire refusé", refused.french)

    # -- sign-in --------------------------------------------------------------------------

    def sign_in_page(self, request: Request) -> Response:
        session = self.auth.session(read_cookie(request.headers))
        if session is not None:
            return redirect("/console")
        ended = query_of(request).get("sessions") == "fermees"
        return console_page(self.settings, "sign_in", None, page_title="Connexion à la console", all_ended=ended)

    def sign_in_post(self, request: Request) -> Response:
        values = self.form(request)
        if isinstance(values, Response):
            return values
        if not security.cross_site_post_allowed(request.headers, self.settings):
            return error_page(
                self.settings, 403, "Envoi refusé", "Ouvrez la page de connexion sur notre site.", SIGN_IN
            )
        try:
            self.auth.request_link(
                str(values.get("email") or ""), client=security.client_key(security.source_ip(request), self.settings)
            )
        except RateLimited:
            return too_many(self.settings, as_page=True)
        # The same page whatever the address: it tells nobody who the operators are.
        return console_page(self.settings, "sign_in", None, page_title="Connexion à la console", sent=True)

    def link_page(self, token: str) -> Response:
        """GET changes nothing (mail scanners open links): a button signs in."""
        return console_page(
            self.settings,
            "sign_in_link",
            None,
            page_title="Connexion à la console",
            action=f"/console/lien/{token}",
            csrf=self.auth.links.sign_in_csrf(token),
        )

    def link_post(self, token: str, request: Request) -> Response:
        values = self.form(request)
        if isinstance(values, Response):
            return values
        if not security.cross_site_post_allowed(request.headers, self.settings) or not self.auth.links.sign_in_csrf_ok(
            token, str(values.get("csrf") or "")
        ):
            return error_page(self.settings, 403, "Envoi refusé", "Rouvrez le lien reçu par e-mail.", SIGN_IN)
        try:
            session = self.auth.sign_in(token)
        except InvalidLink as bad:
            reason = {
                "expired": "Ce lien de connexion a expiré (il vaut 15 minutes).",
                "used": "Ce lien de connexion a déjà servi.",
            }.get(bad.why, "Ce lien de connexion n'est pas valide.")
            status = 410 if bad.why in {"expired", "used"} else 400
            return console_page(
                self.settings, "sign_in", None, status, page_title="Connexion à la console", reason=reason
            )
        return redirect("/console", self._cookie(session.cookie, SESSION_SECONDS))

    def sign_out(self, request: Request) -> Response:
        posted = self.guard_post(request)
        if isinstance(posted, Response):
            return posted
        self.auth.sign_out(posted[0])
        return redirect(SIGN_IN, self._cookie("", 0))

    # -- every session (admins) -------------------------------------------------------------

    def sessions_page(self, request: Request) -> Response:
        """What ending every session does, and its button."""
        session = self.guard(request, admin=True)
        if isinstance(session, Response):
            return session
        return console_page(self.settings, "sessions", session, page_title="Sessions de la console", section="sessions")

    def end_all_sessions(self, request: Request) -> Response:
        posted = self.guard_post(request, admin=True)
        if isinstance(posted, Response):
            return posted
        self.auth.end_all_sessions(posted[0].operator)
        # The admin's own session ended too: the sign-in page, saying so.
        return redirect(ALL_ENDED, self._cookie("", 0))

    def _cookie(self, value: str, max_age: int) -> str:
        secure = "" if self.settings.local else "; Secure"
        return f"{COOKIE}={value}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"

    def not_found(self, request: Request) -> Response:
        """A console address that does not exist: the sign-in page first, then a 404."""
        guarded = self.guard(request)
        if isinstance(guarded, Response):
            return guarded
        return not_found_page(self.settings)


@dataclass(frozen=True, kw_only=True)
class ConsoleRoom:
    """What every room of the console holds: the settings and the door that guards it."""

    settings: Settings
    door: ConsoleDoor


AnyRoom = TypeVar("AnyRoom", bound=ConsoleRoom)
Args = ParamSpec("Args")


def guarded_page(
    view: Callable[Concatenate[AnyRoom, Request, ConsoleSession, Args], Response],
) -> Callable[Concatenate[AnyRoom, Request, Args], Response]:
    """A console page (GET): the door's guard first, then the view, given the session."""

    @wraps(view)
    def guarded(room: AnyRoom, request: Request, *args: Args.args, **kwargs: Args.kwargs) -> Response:
        session = room.door.guard(request)
        if isinstance(session, Response):
            return session
        return view(room, request, session, *args, **kwargs)

    return guarded
