"""Jinja2 rendering of pages and mails from the top-level `templates/` folder: the web
renders its pages here, and the mail composer (wired by bootstrap.py) its mails.

In a deployed package, `vendor/templates` (a link to `templates/`) lands at the root of the
zip, beside `chalicelib/`: the same relative path as in the repo, so one lookup fits both.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"

_lock = threading.Lock()


@lru_cache(maxsize=1)
def environment():
    # Imported here: jinja2 is not needed to import app.py (cold start).
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from ..domain.phone import display_phone, phone_uri

    with _lock:
        env = Environment(
            loader=FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=select_autoescape(["html"]),  # .txt mail parts are plain text
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # Phone numbers as people read them (06 12 34 56 78), in pages and mails alike.
        env.filters["phone"] = display_phone
        env.filters["tel_uri"] = phone_uri
        return env


def render_page(name: str, **context: Any) -> str:
    return environment().get_template(f"pages/{name}.html").render(**context)


def render_mail(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    env = environment()
    subject = env.get_template(f"mail/{name}.subject.txt").render(**context)
    text = env.get_template(f"mail/{name}.txt").render(**context)
    html = env.get_template(f"mail/{name}.html").render(**context)
    return " ".join(subject.split()), text, html


@lru_cache(maxsize=8)
def static_file(name: str) -> bytes:
    path = (TEMPLATES_DIR / "static" / name).resolve()
    if path.parent != (TEMPLATES_DIR / "static").resolve() or not path.is_file():
        raise FileNotFoundError(name)
    return path.read_bytes()
