"""Use case: an operator signs in to the console by a link sent by mail (docs/contract.md §10).

No password. The sign-in page answers the same whatever the address, so it tells nobody
who the operators are. An operator's link is single use (a nonce consumed by a
conditional write) and valid 15 minutes.

Asking for links is limited so that nobody can use up an operator's: each sender (the
keyed hash of its IP address, web/security.client_key) may post the sign-in form
`RATE_LIMIT` times a window, whatever the address (services/rate_limit.py: one counter of
its own), and an address gets SIGN_IN_LINKS_PER_HOUR links an hour from each sender. A
stranger asking for an operator's address spends only their own pair's budget: the
operator, asking from elsewhere, still receives theirs.

The session a link opens is kept on the server (ConsoleStore: a record under a hash of
its id, 12 hours); the cookie only names it, signed. Every console request finds the
record and reads the operator's role again, so signing out, removing an operator from
the list, or an admin ending every session refuses the old cookie at its next request.
Every console form carries an anti-forgery field bound to the session, under a key that
no other page's field uses (adapters/links.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Protocol

from ..config import Settings
from ..domain.operators import Operator, operator_key
from .clock import Clock
from .mails import MailComposer
from .ports import InvalidLink, OutgoingMail, Refusal, Rejected
from .rate_limit import RateLimited, rate_window

log = logging.getLogger(__name__)

SIGN_IN_MINUTES = 15
SESSION_SECONDS = 12 * 3600
# "An address may ask for at least 10 sign-in links an hour" (docs/contract.md §10); more than
# that for one address from one sender in an hour is someone else pressing the button.
SIGN_IN_LINKS_PER_HOUR = 12
# The sign-in form's per-IP counters, apart from the intake's (services/rate_limit.py).
SIGN_IN_COUNTER = "signin:"


class ConsoleStore(Protocol):
    """Operators, their one-time sign-in nonces, the limits on asking for links, and the
    open sessions."""

    def operator(self, email: str) -> Operator | None: ...
    def replace_operators(self, operators: list[Operator]) -> None:
        """The list as given; the sessions of the operators it leaves out are closed."""
        ...

    def count_sign_in_request(self, key: str, limit: int, expires_at: int) -> None:
        """One more sign-in request on the per-IP counter `key`; Rejected(Refusal.RATE),
        with nothing counted, when it holds `limit` already."""
        ...

    def open_sign_in(
        self,
        nonce: str,
        email: str,
        created_at: str,
        expires_at: int,
        mail: OutgoingMail,
        budget_key: str,
        limit: int,
        budget_expires_at: int,
    ) -> None:
        """The nonce, its mail (outbox) and the budget `budget_key`, in one transaction;
        Rejected(Refusal.RATE) when the budget is spent."""
        ...

    def consume_sign_in(self, nonce: str, now: int) -> str | None:
        """The nonce's address, once: None when unknown, used or expired."""
        ...

    def open_session(self, session_key: str, email: str, expires_at: int) -> None: ...
    def session_email(self, session_key: str, now: int) -> str | None:
        """The operator of an open session: None when closed, unknown or expired."""
        ...

    def close_session(self, session_key: str) -> None: ...
    def close_all_sessions(self) -> int:
        """Closes every session (without a Scan); how many records it deleted."""
        ...


class SignInLinks(Protocol):
    def sign_in_url(self, email: str, nonce: str) -> str: ...
    def read_sign_in_token(self, token: str) -> tuple[str, str]: ...
    def sign_in_csrf(self, token: str) -> str: ...
    def sign_in_csrf_ok(self, token: str, value: str) -> bool: ...
    def session_cookie(self, session_id: str) -> str: ...
    def read_session_cookie(self, value: str) -> str: ...
    def console_csrf(self, session_id: str) -> str: ...
    def console_csrf_ok(self, session_id: str, value: str) -> bool: ...


@dataclass(frozen=True)
class ConsoleSession:
    operator: Operator
    session_id: str
    cookie: str  # the signed value to set (on sign-in) or that was read
    csrf: str  # the anti-forgery field of this session's forms


def session_key(session_id: str) -> str:
    """What the store keeps of a session's id: its hash, so that no copy of the table
    holds what a cookie carries."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(eq=False, kw_only=True)
class ConsoleAuth:
    store: ConsoleStore
    links: SignInLinks
    mails: MailComposer
    clock: Clock
    settings: Settings

    def request_link(self, email: str, *, client: str) -> None:
        """Mails a link to `email` if it is an operator's; says nothing either way.
        `client`: the sender's keyed hash (web/security.client_key). RateLimited when that
        sender posted the form too often, whatever the address: so saying it tells nothing."""
        moment = self.clock.now()
        now = moment.epoch
        window = rate_window(SIGN_IN_COUNTER + client, now, self.settings)
        try:
            self.store.count_sign_in_request(window.key, window.limit, window.expires_at)
        except Rejected as refused:
            if refused.what is not Refusal.RATE:
                raise
            raise RateLimited() from None
        key = operator_key(email or "")
        operator = self.store.operator(key) if key else None
        if operator is None:
            log.info("console sign-in asked for an unknown address")  # the address is not logged
            return
        nonce = secrets.token_urlsafe(18)
        mail = self.mails.console_sign_in(
            operator.email, self.links.sign_in_url(operator.email, nonce), SIGN_IN_MINUTES
        )
        hour = now // 3600
        pair = hmac.new(self.settings.secret_key.encode(), f"{operator.email}\n{client}".encode(), hashlib.sha256)
        try:
            self.store.open_sign_in(
                nonce,
                operator.email,
                moment.iso,
                now + SIGN_IN_MINUTES * 60,
                mail,
                f"{pair.hexdigest()[:32]}#{hour}",
                SIGN_IN_LINKS_PER_HOUR,
                (hour + 1) * 3600,
            )
        except Rejected as refused:
            if refused.what is not Refusal.RATE:
                raise
            # The same page as a link sent: an address's budget must not tell it is an operator's.
            log.warning("console sign-in links over the hourly budget of one address and sender")

    def sign_in(self, token: str) -> ConsoleSession:
        """Opens a session from a link; InvalidLink when tampered with, expired or used."""
        email, nonce = self.links.read_sign_in_token(token)
        if self.store.consume_sign_in(nonce, self.clock.now().epoch) != email:
            raise InvalidLink("used")
        operator = self.store.operator(email)
        if operator is None:
            raise InvalidLink("invalid")
        return self.open_session(operator)

    def open_session(self, operator: Operator) -> ConsoleSession:
        """A new session of `operator`, recorded for 12 hours: sign_in's last step."""
        session_id = secrets.token_urlsafe(18)
        self.store.open_session(session_key(session_id), operator.email, self.clock.now().epoch + SESSION_SECONDS)
        log.info("console sign-in", extra={"role": operator.role.value})
        return ConsoleSession(
            operator, session_id, self.links.session_cookie(session_id), self.links.console_csrf(session_id)
        )

    def session(self, cookie: str | None) -> ConsoleSession | None:
        """The session a request's cookie opens: genuine, still recorded and young enough,
        and its operator still on the list (with the role the list gives now)."""
        if not cookie:
            return None
        try:
            session_id = self.links.read_session_cookie(cookie)
        except InvalidLink:
            return None
        email = self.store.session_email(session_key(session_id), self.clock.now().epoch)
        operator = self.store.operator(email) if email else None
        if operator is None:
            return None
        return ConsoleSession(operator, session_id, cookie, self.links.console_csrf(session_id))

    def form_ok(self, session: ConsoleSession, csrf: str | None) -> bool:
        return self.links.console_csrf_ok(session.session_id, csrf or "")

    def sign_out(self, session: ConsoleSession) -> None:
        """Closes this session: its cookie, even copied, opens nothing any more."""
        self.store.close_session(session_key(session.session_id))

    def end_all_sessions(self, by: Operator) -> None:
        """Closes every session of the console, the admin's own included."""
        if not by.is_admin:
            raise PermissionError  # the console's guard asked first (web/console.py end_all_sessions)
        closed = self.store.close_all_sessions()
        log.info("console: every session ended", extra={"sessions": closed})
