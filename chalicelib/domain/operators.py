"""The network's operators: who may open the console, and with which role (contract 10)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable


class Role(str, Enum):
    OPERATOR = "operator"  # works the queue and the directory
    ADMIN = "admin"  # also overrides capacity, erases personal data, changes where mail goes

    @property
    def label(self) -> str:
        """The role in French, as the console names it."""
        return "administrateur" if self is Role.ADMIN else "opérateur"


@dataclass(frozen=True)
class Operator:
    email: str  # lower case: the identity the timeline names as actor
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def parse_operators(setting: str | Iterable[str]) -> list[Operator]:
    """`OPERATORS`: comma separated `email` or `email:admin` (contract section 10)."""
    entries = setting.split(",") if isinstance(setting, str) else list(setting)
    found: dict[str, Operator] = {}
    for entry in entries:
        email, _, role = entry.strip().partition(":")
        email = email.strip().lower()
        if not email or "@" not in email:
            continue
        found[email] = Operator(email, Role.ADMIN if role.strip().lower() == "admin" else Role.OPERATOR)
    return list(found.values())
