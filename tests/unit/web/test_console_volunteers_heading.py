"""The console's volunteers' queue is named as the operators know it: "Bénévoles"."""

from __future__ import annotations

import re

from tests.unit.web.test_console_queue import OPERATOR, console_directory, cookie_of, settings, text, wired  # noqa: F401


def test_the_volunteers_queue_is_headed_and_titled_benevoles(http, wired):
    page = text(http.get("/console/benevoles", headers=cookie_of(wired, OPERATOR)))
    assert re.search(r"<h1>(.*?)</h1>", page).group(1) == "Bénévoles"
    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1).startswith("Bénévoles : À trier")
