"""Real-browser journeys: Playwright driving Debian's Chromium against the local stack.

A browser sends what an HTTP client does not (Origin, Sec-Fetch-*, the referrer policy's
effects, autofocus, layout): these tests are the proof that a person can use the pages.
Chromium missing is a failure, not a skip: `.ci/run` installs it (`apt-get install
chromium`), and so does a developer once (README).
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from local.dynamodb_local import free_port
from tests.conftest import ROOT
from tests.e2e.conftest import start_stack, stop_stack

AXE_PACKAGE = "axe-core@4.11.0"
AXE_HOME = ROOT / ".cache" / "axe-core"
VIEWPORTS = {
    "phone": {
        "viewport": {"width": 375, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
LINK = re.compile(r"https?://[^/\s]+(/reponse/[A-Za-z0-9_.\-]+)")


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is needed for the browser journeys: apt-get install -y chromium", pytrace=False)
    return path


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


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield b
        b.close()


class Partner:
    """A partner's website on another site (localhost vs 127.0.0.1): pages set by the test."""

    def __init__(self, host: str = "localhost"):
        self.port = free_port()
        self.origin = f"http://{host}:{self.port}"
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path.split("?", 1)[0], "<!DOCTYPE html><title>Partenaire</title><h1>Merci</h1>")
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.2" if host == "127.0.0.2" else "127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def partner():
    p = Partner()
    yield p
    p.stop()


@pytest.fixture(scope="session")
def stranger():
    """A site nobody configured, on another loopback address: another site to the browser."""
    p = Partner("127.0.0.2")
    yield p
    p.stop()


@pytest.fixture(scope="session")
def web(dynamodb_endpoint, tmp_path_factory, partner):
    """One served stack for the browser journeys, with the partner's origin configured."""
    stack = start_stack(dynamodb_endpoint, tmp_path_factory.mktemp("browser"), PARTNER_ORIGINS=partner.origin)
    stack.base = f"http://127.0.0.1:{stack.port}"
    yield stack
    stop_stack(stack)


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser):
    """A fresh browser context per test, once phone-sized and once desktop."""
    context = browser.new_context(locale="fr-FR", **VIEWPORTS[request.param])
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.device = request.param
    yield pg
    context.close()


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(locale="fr-FR", **VIEWPORTS["desktop"])
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


# -- what the journeys check -----------------------------------------------------------


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
