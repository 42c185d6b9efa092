"""Signed links put in mails: the association answers without an account.

itsdangerous tokens: one salt per purpose (a token made for one use opens nothing else),
an expiry, and key rotation (SECRET_KEY signs; PREVIOUS_SECRET_KEYS still verify, so
links already sent keep working while a key is being replaced). Time comes from our clock,
so expiry is testable.

The forms' anti-forgery fields are HMACs under a key of their own per purpose (the
answer form, the console's sign-in button, the console's session forms): a value one
page shows is worth nothing to another. The sign-in button's page is shown to anyone
holding any text as a link, so what it shows must open nothing after sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ..config import Settings
from ..services.console_auth import SESSION_SECONDS, SIGN_IN_MINUTES
from ..services.ports import Assignment, InvalidLink

ANSWER_SALT = "mentorat.answer.v1"
ANSWER_KINDS = ("request", "mentor")  # the records an answer link may name
CSRF_SALT = b"mentorat.answer-form.v1"
SIGN_IN_SALT = "mentorat.console-sign-in.v1"
SESSION_SALT = "mentorat.console-session.v2"  # v2: the session's id only, its record on the server
SIGN_IN_FORM_SALT = b"mentorat.console-sign-in-form.v1"
CONSOLE_CSRF_SALT = b"mentorat.console-form.v2"  # v1 shared its HMAC with the sign-in button's page


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
        return _csrf(self.settings.secret_key, CSRF_SALT, token)

    def csrf_ok(self, token: str, value: str) -> bool:
        return self._csrf_ok(CSRF_SALT, token, value)

    def _csrf_ok(self, salt: bytes, bound_to: str, value: str) -> bool:
        """Whether `value` is the `salt` form's field for `bound_to`, under any key still
        verifying."""
        keys = [self.settings.secret_key, *self.settings.previous_secret_keys]
        return bool(value) and any(hmac.compare_digest(_csrf(k, salt, bound_to), value) for k in keys)

    # -- the console: sign-in links and sessions ------------------------------------

    def sign_in_url(self, email: str, nonce: str) -> str:
        token = self._serializer(SIGN_IN_SALT).dumps({"e": email, "n": nonce})
        return f"{self.settings.public_base_url}/console/lien/{token}"

    def read_sign_in_token(self, token: str) -> tuple[str, str]:
        """(email, nonce); InvalidLink when tampered with or older than 15 minutes."""
        payload = self._read(token, SIGN_IN_SALT, SIGN_IN_MINUTES * 60)
        try:
            return str(payload["e"]), str(payload["n"])
        except (KeyError, TypeError):
            raise InvalidLink("invalid") from None

    def session_cookie(self, session_id: str) -> str:
        return self._serializer(SESSION_SALT).dumps({"s": session_id})

    def read_session_cookie(self, value: str) -> str:
        """The session's id; InvalidLink when tampered with or older than a session lives."""
        payload = self._read(value, SESSION_SALT, SESSION_SECONDS)
        try:
            return str(payload["s"])
        except (KeyError, TypeError):
            raise InvalidLink("invalid") from None

    def sign_in_csrf(self, token: str) -> str:
        """The anti-forgery field of a sign-in link's button, bound to the link."""
        return _csrf(self.settings.secret_key, SIGN_IN_FORM_SALT, token)

    def sign_in_csrf_ok(self, token: str, value: str) -> bool:
        return self._csrf_ok(SIGN_IN_FORM_SALT, token, value)

    def console_csrf(self, session_id: str) -> str:
        """The anti-forgery field of every console form, bound to the session."""
        return _csrf(self.settings.secret_key, CONSOLE_CSRF_SALT, session_id)

    def console_csrf_ok(self, session_id: str, value: str) -> bool:
        return self._csrf_ok(CONSOLE_CSRF_SALT, session_id, value)


def _csrf(key: str, salt: bytes, bound_to: str) -> str:
    """An HMAC of `bound_to` under the key `key` + `salt`: one key per form's purpose."""
    return hmac.new(key.encode() + salt, bound_to.encode(), hashlib.sha256).hexdigest()[:32]
