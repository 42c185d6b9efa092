"""Signed links put in mails: the association answers without an account.

itsdangerous tokens: one salt per purpose (a token made for one use opens nothing else),
an expiry, and key rotation (SECRET_KEY signs; PREVIOUS_SECRET_KEYS still verify, so
links already sent keep working while a key is being replaced). Time comes from our clock,
so expiry is testable.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ..config import Settings
from ..services.ports import Assignment, InvalidLink

ANSWER_SALT = "mentorat.answer.v1"
ANSWER_KINDS = ("request", "mentor")  # the records an answer link may name
CSRF_SALT = b"mentorat.answer-form.v1"
SIGN_IN_SALT = "mentorat.console-sign-in.v1"
SESSION_SALT = "mentorat.console-session.v1"
CONSOLE_CSRF_SALT = b"mentorat.console-form.v1"
SIGN_IN_MAX_AGE = 15 * 60  # contract section 10
SESSION_MAX_AGE = 12 * 3600


class SignedLinks:
    """Makes and reads the links of the association's mails."""

    def __init__(self, settings: Settings, clock: Any):
        self.settings = settings
        self.clock = clock

    def _serializer(self, salt: str = ANSWER_SALT):
        from itsdangerous import TimestampSigner, URLSafeTimedSerializer

        clock = self.clock

        class ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return clock.now().epoch

        keys = [*self.settings.previous_secret_keys, self.settings.secret_key]  # oldest first, newest signs
        return URLSafeTimedSerializer(keys, salt=salt, signer=ClockSigner)

    def _read(self, token: str, salt: str, max_age: int) -> Any:
        from itsdangerous import BadSignature, SignatureExpired

        try:
            return self._serializer(salt).loads(token, max_age=max_age)
        except SignatureExpired:
            raise InvalidLink("expired") from None
        except BadSignature:
            raise InvalidLink("invalid") from None

    def answer_token(self, assignment: Assignment) -> str:
        payload = {"r": assignment.request_id, "a": assignment.association_id, "n": assignment.attempt}
        if assignment.kind != "request":
            # Which record the link is about; absent for a request, so links already sent still read.
            payload["k"] = assignment.kind
        return self._serializer().dumps(payload)

    def answer_url(self, assignment: Assignment) -> str:
        return f"{self.settings.public_base_url}/reponse/{self.answer_token(assignment)}"

    def read_answer_token(self, token: str) -> Assignment:
        payload = self._read(token, ANSWER_SALT, self.settings.link_max_age_days * 86400)
        try:
            kind = str(payload.get("k", "request"))
            if kind not in ANSWER_KINDS:
                raise ValueError(kind)
            return Assignment(str(payload["r"]), str(payload["a"]), int(payload["n"]), kind)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InvalidLink("invalid") from None

    def csrf_for(self, token: str) -> str:
        """The answer forms' anti-forgery field: bound to the link, unknowable without it."""
        return _csrf(self.settings.secret_key, token)

    def csrf_ok(self, token: str, value: str) -> bool:
        keys = [self.settings.secret_key, *self.settings.previous_secret_keys]
        return any(hmac.compare_digest(_csrf(k, token), value or "") for k in keys)


    # -- the console: sign-in links and sessions ------------------------------------

    def sign_in_url(self, email: str, nonce: str) -> str:
        token = self._serializer(SIGN_IN_SALT).dumps({"e": email, "n": nonce})
        return f"{self.settings.public_base_url}/console/lien/{token}"

    def read_sign_in_token(self, token: str) -> tuple[str, str]:
        """(email, nonce); InvalidLink when tampered with or older than 15 minutes."""
        return self._read_console(token, SIGN_IN_SALT, SIGN_IN_MAX_AGE, "n")

    def session_cookie(self, email: str, session_id: str) -> str:
        return self._serializer(SESSION_SALT).dumps({"e": email, "s": session_id})

    def read_session_cookie(self, value: str) -> tuple[str, str]:
        """(email, session id); InvalidLink when tampered with or older than 12 hours."""
        return self._read_console(value, SESSION_SALT, SESSION_MAX_AGE, "s")

    def _read_console(self, token: str, salt: str, max_age: int, second: str) -> tuple[str, str]:
        """A console token's email ("e") and its other field (`second`)."""
        payload = self._read(token, salt, max_age)
        try:
            return str(payload["e"]), str(payload[second])
        except (KeyError, TypeError):
            raise InvalidLink("invalid") from None

    def console_csrf(self, session_id: str) -> str:
        """The anti-forgery field of every console form, bound to the session."""
        return hmac.new(self.settings.secret_key.encode(), CONSOLE_CSRF_SALT + session_id.encode(), hashlib.sha256).hexdigest()

    def console_csrf_ok(self, session_id: str, value: str) -> bool:
        return bool(value) and hmac.compare_digest(self.console_csrf(session_id), value)


def _csrf(key: str, token: str) -> str:
    return hmac.new(key.encode() + CSRF_SALT, token.encode(), hashlib.sha256).hexdigest()[:32]
