"""ConsoleStore in memory: operators, one-time sign-in nonces, hourly link budgets."""

from __future__ import annotations

from typing import Optional

from ...domain.operators import Operator
from ...services.ports import OutgoingMail, Refusal
from . import outbox
from .state import MemoryState, Transaction


class MemoryConsoleStore:
    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120):
        self.state = state
        self.mail_grace_seconds = mail_grace_seconds
        self.operators: dict[str, Operator] = {}
        self.nonces: dict[str, tuple[str, int]] = {}  # nonce -> (email, expires_at)

    def operator(self, email: str) -> Optional[Operator]:
        with self.state.lock:
            return self.operators.get(email.lower())

    def list_operators(self) -> list[Operator]:
        """Every operator (the daily digest's recipients)."""
        with self.state.lock:
            return [self.operators[k] for k in sorted(self.operators)]

    def replace_operators(self, operators: list[Operator]) -> None:
        with self.state.lock:
            self.operators = {o.email: o for o in operators}

    def open_sign_in(
        self, nonce: str, email: str, created_at: str, expires_at: int, mail: OutgoingMail, budget_key: str, limit: int,
        budget_expires_at: int,
    ) -> None:
        s = self.state
        with s.lock:
            tx = Transaction()
            tx.require(nonce not in self.nonces, Refusal.CONFLICT)
            tx.then(lambda: self.nonces.__setitem__(nonce, (email, expires_at)))
            outbox.insert_mail(s, tx, mail, created_at, expires_at, self.mail_grace_seconds)
            key = ("SIGNIN_BUDGET", budget_key)
            taken = s.budgets.get(key)
            tx.require(taken is None or taken < limit, Refusal.RATE)
            tx.then(lambda: s.budgets.__setitem__(key, (taken or 0) + 1))
            tx.commit()

    def consume_sign_in(self, nonce: str, now: int) -> Optional[str]:
        with self.state.lock:
            found = self.nonces.get(nonce)
            if found is None or found[1] <= now:
                return None
            del self.nonces[nonce]
            return found[0]
