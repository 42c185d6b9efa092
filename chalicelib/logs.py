"""Logging: JSON lines through Powertools in AWS, plain lines locally. Never personal data.

Modules log with `logging.getLogger(__name__)` and put only ids, references, outcomes and
reasons in `extra`: no name, address, phone or message text, so logs need no retention
policy of their own.
"""

from __future__ import annotations

import logging

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class PlainFormatter(logging.Formatter):
    """One line per record, with its `extra` fields as key=value (the local stack)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_"))
        return f"{line} {extra}" if extra else line


def configure_logging(local: bool) -> None:
    root = logging.getLogger("chalicelib")
    if getattr(root, "_configured", False):
        return
    handler = logging.StreamHandler()
    if local:
        handler.setFormatter(PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

        handler.setFormatter(LambdaPowertoolsFormatter(service="mentorat"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
    root._configured = True  # type: ignore[attr-defined]  # marks the logger itself: once per process, whoever asks
