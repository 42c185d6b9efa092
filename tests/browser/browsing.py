"""What the browser journeys check on a page (axe-core, no sideways scroll), how a person
signs in to the console, and the mails the stack sends them; the directories the
journeys put on file. Shared by the modules of tests/browser (fixtures: conftest.py)."""

from __future__ import annotations

import email
import re
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from email import policy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.builders import ROOT, association

# axe-core, fetched once.


AXE_PACKAGE = "axe-core@4.11.0"


AXE_HOME = ROOT / ".cache" / "axe-core"


LINK = re.compile(r"https?://[^/\s]+(/reponse/[A-Za-z0-9_.\-]+)")


def axe_source() -> str:
    """axe-core's script, fetched once from npm like DynamoDB Local (no install)."""
    script = AXE_HOME / "axe.min.js"
    if not script.is_file():
        AXE_HOME.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                ["npm", "pack", AXE_PACKAGE, "--pack-destination", tmp, "--silent"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            (tarball,) = Path(tmp).glob("*.tgz")
            with tarfile.open(tarball) as tar:
                member = tar.getmember("package/axe.min.js")
                script.write_bytes(tar.extractfile(member).read())
    return script.read_text()


# What the journeys check.


def mails(stack) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in stack.outbox_files()]


def wait_for_mails(stack, match: Callable, count: int = 1, timeout: float = 15.0) -> list:
    """Mails leave after the commit (and may leave asynchronously): wait for them."""
    deadline = time.monotonic() + timeout
    found: list = []
    while time.monotonic() < deadline:
        found = [m for m in mails(stack) if match(m)]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} mail(s), found {len(found)}: {[m['Subject'] for m in mails(stack)]}")


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def answer_link(stack, reference: str, to: str | None = None) -> tuple[str, str]:
    """(URL path of the answer link, recipient) of the association mail about `reference`."""
    found = wait_for_mails(
        stack, lambda m: reference in m["Subject"] and "/reponse/" in text_of(m) and (to is None or m["To"] == to)
    )
    newest = sorted(found, key=lambda m: (m["Date"], m["Message-ID"]))[-1]
    return LINK.search(text_of(newest)).group(1), str(newest["To"])


def assert_accessible(page, what: str) -> None:
    """axe-core on the page as shown: no serious or critical violation."""
    page.evaluate(axe_source())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `${v.impact} ${v.id}: ${v.help} -> `
                        + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '));
        }"""
    )
    assert result == [], f"{what}: {result}"


def assert_no_sideways_scroll(page, what: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


SIGN_IN_LINK = re.compile(r"https?://[^/\s]+(/console/lien/[A-Za-z0-9_.\-]+)")


def sign_in(page, stack, address: str = "operatrice@reseau.example.org") -> None:
    """Signs in to the console as a person does: asks for the link, opens it from the
    outbox, clicks "Se connecter". The page ends on /console with its session."""
    before = {m["Message-ID"] for m in mails(stack)}
    page.goto(f"{stack.base}/console/connexion")
    page.get_by_label("Adresse e-mail").fill(address)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    page.get_by_role("status").wait_for()
    found = wait_for_mails(
        stack, lambda m: m["To"] == address and "connexion" in m["Subject"] and m["Message-ID"] not in before
    )
    page.goto(stack.base + SIGN_IN_LINK.search(text_of(found[-1])).group(1))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/console(/demandes.*)?$"))


# The directories the journeys put on file, and the reference a page shows.


# Two associations that take everything in the Nord, no capacity limit: every journey
# routes, and a decline always has somewhere to go.
JOURNEY_DIRECTORY = [
    association("nord-a", name="Association Nord A", emails=["nord-a@asso.example.org"]),
    association("nord-b", name="Association Nord B", emails=["nord-b@asso.example.org"]),
]


def reference_in(url: str) -> str:
    return parse_qs(urlsplit(url).query)["ref"][0]


MENTOR_DIRECTORY = JOURNEY_DIRECTORY + [
    association(
        "mentors-roubaix",
        name="Mentorat Roubaix",
        emails=["mentors-roubaix@asso.example.org"],
        recruits_mentors=True,
        communes=["59512"],
        departements=[],
    ),
]
