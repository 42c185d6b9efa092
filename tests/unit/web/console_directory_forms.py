"""The console's directory pages as a browser uses them: what the edit form sends, and
posting it with a signed-in operator's session (tests/builders.py's signed_in). Shared by
the directory's page tests in this folder."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from tests.builders import body_text as text


def get(http, session, path):
    return http.get(path, headers=session[0])


def post(http, session, path, fields, csrf=True):
    data = dict(fields)
    if csrf:
        data["csrf"] = session[1]
    body = urlencode(data, doseq=True).encode()
    return http.post(path, body=body, headers={**session[0], "Content-Type": "application/x-www-form-urlencoded"})


def edit_fields(http, session, association_id):
    """The fields the edit form shows for `association_id`, as a browser would send them."""
    page = text(get(http, session, f"/console/annuaire/{association_id}"))
    fields: list[tuple[str, str]] = []
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) in {"csrf", "action"}:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) == "checkbox":
            if " checked" in tag:
                fields.append((name.group(1), value.group(1)))
        elif tag.startswith("<textarea"):
            fields.append((name.group(1), re.search(r'id="emails"[^>]*>([^<]*)</textarea>', page).group(1)))
        elif tag.startswith("<select"):
            chosen = re.search(r'<select[^>]*name="first_need".*?<option value="([^"]+)" selected', page, re.S)
            fields.append((name.group(1), chosen.group(1)))
        else:
            fields.append((name.group(1), value.group(1) if value else ""))
    return fields


def with_value(fields, name, value):
    return [(k, v) for k, v in fields if k != name] + [(name, value)]


def submit(http, session, path, fields, action):
    data = [*fields, ("action", action), ("csrf", session[1])]
    body = urlencode(data).encode()
    return http.post(path, body=body, headers={**session[0], "Content-Type": "application/x-www-form-urlencoded"})
