"""Use case: an operator signs in to the console by a link sent by mail (contract 10).

No password. The sign-in page answers the same whatever the address, so it tells nobody
who the operators are. An operator's link is single use (a nonce consumed by a
conditional write) and valid 15 minutes; the session it opens is a signed cookie valid
12 hours, and every console form carries an anti-forgery field bound to that session.
The operator's role is read again at each request, so removing an operator from the list
closes their sessions at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Optional, Protocol

from ..config import Settings
from ..domain.operators import Operator, operator_key
from .clock import Clock
from .mails import MailComposer
from .ports import InvalidLink, OutgoingMail, Refusal, Rejected

log = logging.getLogger(__name__)

SIGN_IN_MINUTES = 15
# "An address may ask for at least 10 sign-in links an hour" (contract 10); more than
# that from one address in an hour is someone else pressing the button for it.
SIGN_IN_LINKS_PER_HOUR = 12


class ConsoleStore(Protocol):
    """Operators, their one-time sign-in nonces, and each address's hourly link budget."""

    def operator(self, email: str) -> Optional[Operator]: ...
    def replace_operators(self, operators: list[Operator]) -> None: ...
    def open_sign_in(
        self, nonce: str, email: str, created_at: str, expires_at: int, mail: OutgoingMail, budget_key: str, limit: int,
        budget_expires_at: int,
    ) -> None:
        """The nonce, its mail (outbox) and the address's budget, in one transaction;
        Rejected(Refusal.RATE) when the budget is spent."""
        ...

    def consume_sign_in(self, nonce: str, now: int) -> Optional[str]:
        """The nonce's address, once: None when unknown, used or expired."""
        ...


class SignInLinks(Protocol):
    def sign_in_url(self, email: str, nonce: str) -> str: ...
    def read_sign_in_token(self, token: str) -> tuple[str, str]: ...
    def session_cookie(self, email: str, session_id: str) -> str: ...
    def read_session_cookie(self, value: str) -> tuple[str, str]: ...
    def console_csrf(self, session_id: str) -> str: ...
    def console_csrf_ok(self, session_id: str, value: str) -> bool: ...


@dataclass(frozen=True)
class ConsoleSession:
    operator: Operator
    session_id: str
    cookie: str  # the signed value to set (on sign-in) or that was read
    csrf: str  # the anti-forgery field of this session's forms


@dataclass(eq=False, kw_only=True)
class ConsoleAuth:
    store: ConsoleStore
    links: SignInLinks
    mails: MailComposer
    clock: Clock
    settings: Settings

    def request_link(self, email: str) -> None:
        """Mails a link to `email` if it is an operator's; says nothing either way."""
        key = operator_key(email or "")
        operator = self.store.operator(key) if key else None
        if operator is None:
            log.info("console sign-in asked for an unknown address")  # the address is not logged
            return
        moment = self.clock.now()
        now = moment.epoch
        nonce = secrets.token_urlsafe(18)
        mail = self.mails.console_sign_in(operator.email, self.links.sign_in_url(operator.email, nonce), SIGN_IN_MINUTES)
        hour = now // 3600
        budget = hmac.new(self.settings.secret_key.encode(), operator.email.encode(), hashlib.sha256).hexdigest()[:32]
        try:
            self.store.open_sign_in(
                nonce, operator.email, moment.iso, now + SIGN_IN_MINUTES * 60, mail, f"{budget}#{hour}", SIGN_IN_LINKS_PER_HOUR,
                (hour + 1) * 3600,
            )
        except Rejected as refused:
            if refused.what is not Refusal.RATE:
                raise
            log.warning("console sign-in links over the hourly budget")

    def sign_in(self, token: str) -> ConsoleSession:
        """Opens a session from a link; InvalidLink when tampered with, expired or used."""
        email, nonce = self.links.read_sign_in_token(token)
        if self.store.consume_sign_in(nonce, self.clock.now().epoch) != email:
            raise InvalidLink("used")
        operator = self.store.operator(email)
        if operator is None:
            raise InvalidLink("invalid")
        session_id = secrets.token_urlsafe(18)
        log.info("console sign-in", extra={"role": operator.role.value})
        return ConsoleSession(operator, session_id, self.links.session_cookie(email, session_id), self.links.console_csrf(session_id))

    def session(self, cookie: Optional[str]) -> Optional[ConsoleSession]:
        """The session a request's cookie opens, if it is genuine, young enough, and its
        operator is still on the list."""
        if not cookie:
            return None
        try:
            email, session_id = self.links.read_session_cookie(cookie)
        except InvalidLink:
            return None
        operator = self.store.operator(email)
        if operator is None:
            return None
        return ConsoleSession(operator, session_id, cookie, self.links.console_csrf(session_id))

    def form_ok(self, session: ConsoleSession, csrf: Optional[str]) -> bool:
        return self.links.console_csrf_ok(session.session_id, csrf or "")
