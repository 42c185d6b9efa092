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
CSRF_SALT = b"mentorat.answer-form.v1"


class SignedLinks:
    """Makes and reads the links of the association's mails."""

    def __init__(self, settings: Settings, clock: Any):
        self.settings = settings
        self.clock = clock

    def _serializer(self):
        from itsdangerous import TimestampSigner, URLSafeTimedSerializer

        clock = self.clock

        class ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return clock.now().epoch

        keys = [*self.settings.previous_secret_keys, self.settings.secret_key]  # oldest first, newest signs
        return URLSafeTimedSerializer(keys, salt=ANSWER_SALT, signer=ClockSigner)

    def answer_token(self, assignment: Assignment) -> str:
        payload = {"r": assignment.request_id, "a": assignment.association_id, "n": assignment.attempt}
        return self._serializer().dumps(payload)

    def answer_url(self, assignment: Assignment) -> str:
        return f"{self.settings.public_base_url}/reponse/{self.answer_token(assignment)}"

    def read_answer_token(self, token: str) -> Assignment:
        from itsdangerous import BadSignature, SignatureExpired

        try:
            payload = self._serializer().loads(token, max_age=self.settings.link_max_age_days * 86400)
        except SignatureExpired:
            raise InvalidLink("expired") from None
        except BadSignature:
            raise InvalidLink("invalid") from None
        try:
            return Assignment(str(payload["r"]), str(payload["a"]), int(payload["n"]))
        except (KeyError, TypeError, ValueError):
            raise InvalidLink("invalid") from None

    def csrf_for(self, token: str) -> str:
        """The answer forms' anti-forgery field: bound to the link, unknowable without it."""
        return _csrf(self.settings.secret_key, token)

    def csrf_ok(self, token: str, value: str) -> bool:
        keys = [self.settings.secret_key, *self.settings.previous_secret_keys]
        return any(hmac.compare_digest(_csrf(k, token), value or "") for k in keys)


def _csrf(key: str, token: str) -> str:
    return hmac.new(key.encode() + CSRF_SALT, token.encode(), hashlib.sha256).hexdigest()[:32]
