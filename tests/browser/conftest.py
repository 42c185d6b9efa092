"""Real-browser journeys: Playwright driving Debian's Chromium against the local stack.

A browser sends what an HTTP client does not (Origin, Sec-Fetch-*, the referrer policy's
effects, autofocus, layout): these tests are the proof that a person can use the pages.
Chromium missing is a failure, not a skip: `.ci/run` installs it (`apt-get install
chromium`), and so does a developer once (README).
"""

from __future__ import annotations

import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from local.dynamodb_local import free_port
from tests.e2e.stack import start_stack, stop_stack

VIEWPORTS = {
    "phone": {
        "viewport": {"width": 375, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is needed for the browser journeys: apt-get install -y chromium", pytrace=False)
    return path


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


@pytest.fixture(scope="module", autouse=True)
def directory(request, web):
    """The module's DIRECTORY (tests/browser/browsing.py's), put on file before its journeys."""
    entries = getattr(request.module, "DIRECTORY", None)
    if entries is not None:
        assert web.admin("PUT", "/api/v1/admin/associations", {"associations": entries}).status == 200
