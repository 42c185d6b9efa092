"""ConsoleStore in memory: operators, one-time sign-in nonces, the limits on asking for
links (per-IP counters, hourly budgets) and the console's sessions."""

from __future__ import annotations

from ...domain.operators import Operator
from ...services.ports import OutgoingMail, Refusal
from . import outbox
from .state import MemoryState, Transaction, count_within, expired


class MemoryConsoleStore:
    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120):
        self.state = state
        self.mail_grace_seconds = mail_grace_seconds
        self.operators: dict[str, Operator] = {}
        self.nonces: dict[str, tuple[str, int]] = {}  # nonce -> (email, expires_at)
        self.sessions: dict[str, tuple[str, int]] = {}  # session key -> (email, expires_at)

    def operator(self, email: str) -> Operator | None:
        with self.state.lock:
            return self.operators.get(email.lower())

    def list_operators(self) -> list[Operator]:
        """Every operator (the daily digest's recipients)."""
        with self.state.lock:
            return [self.operators[k] for k in sorted(self.operators)]

    def replace_operators(self, operators: list[Operator]) -> None:
        with self.state.lock:
            self.operators = {o.email: o for o in operators}
            self.sessions = {k: s for k, s in self.sessions.items() if s[0] in self.operators}

    def count_sign_in_request(self, key: str, limit: int, expires_at: int) -> None:
        with self.state.lock:
            tx = Transaction()
            count_within(tx, self.state.rate, key, limit)
            tx.commit()

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
        s = self.state
        with s.lock:
            tx = Transaction()
            tx.require(nonce not in self.nonces, Refusal.CONFLICT)
            tx.then(lambda: self.nonces.__setitem__(nonce, (email, expires_at)))
            outbox.insert_mail(s, tx, mail, created_at, expires_at, self.mail_grace_seconds)
            count_within(tx, s.budgets, ("SIGNIN_BUDGET", budget_key), limit)
            tx.commit()

    def consume_sign_in(self, nonce: str, now: int) -> str | None:
        with self.state.lock:
            found = self.nonces.get(nonce)
            if found is None or found[1] <= now:
                return None
            del self.nonces[nonce]
            return found[0]

    def open_session(self, session_key: str, email: str, expires_at: int) -> None:
        with self.state.lock:
            self.sessions[session_key] = (email, expires_at)

    def session_email(self, session_key: str, now: int) -> str | None:
        with self.state.lock:
            found = self.sessions.get(session_key)
        return found[0] if found and not expired(found[1], now) else None

    def close_session(self, session_key: str) -> None:
        with self.state.lock:
            self.sessions.pop(session_key, None)

    def close_all_sessions(self) -> int:
        with self.state.lock:
            count, self.sessions = len(self.sessions), {}
        return count
