"""The network's operators: who may open the console, and with which role (docs/contract.md §10)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from .email_address import NotAnAddress, read_email


class Role(str, Enum):
    OPERATOR = "operator"  # works the queue and the directory
    ADMIN = "admin"  # also overrides capacity, erases personal data, changes where mail goes

    @property
    def label(self) -> str:
        """The role in French, as the console names it."""
        return "administrateur" if self is Role.ADMIN else "opérateur"


@dataclass(frozen=True)
class Operator:
    email: str  # `operator_key` of their address: the identity the timeline names as actor
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def operator_key(address: str) -> str | None:
    """How an operator is known: their address under the one rule (domain/email_address.py),
    in its ASCII form and lower case, so that `Op@EXÄMPLE.fr` and `op@xn--exmple-cua.fr` are
    one operator; None when it is not an address a sign-in link can be mailed to."""
    try:
        found = read_email(address.strip())
    except NotAnAddress:
        return None
    return found.key if found.ascii else None


def parse_operators(setting: str | Iterable[str]) -> list[Operator]:
    """`OPERATORS`: comma separated `email` or `email:admin` (docs/contract.md §10)."""
    entries = setting.split(",") if isinstance(setting, str) else list(setting)
    found: dict[str, Operator] = {}
    for entry in entries:
        address, _, role = entry.strip().partition(":")
        email = operator_key(address)
        if email is None:
            continue
        found[email] = Operator(email, Role.ADMIN if role.strip().lower() == "admin" else Role.OPERATOR)
    return list(found.values())
