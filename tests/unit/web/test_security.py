"""Which POSTs may act (OWASP CSRF cheat sheet: Fetch Metadata, then Origin, then Referer).

Each row is what a real client sends; the browser rows are what Chromium sends under
our `Referrer-Policy: same-origin` (see tests/e2e/test_browser_*.py for the real thing).
"""

import pytest

from chalicelib.config import Settings
from chalicelib.web.security import cross_site_post_allowed, page_headers

OURS = "http://127.0.0.1:8000"
PARTNER = "https://partenaire.example.org"
EVIL = "https://evil.example.com"
SETTINGS = Settings(public_base_url=OURS, partner_origins=(PARTNER,))


@pytest.mark.parametrize(
    "headers, allowed, who",
    [
        ({"sec-fetch-site": "same-origin", "origin": OURS}, True, "our own page in Chromium"),
        ({"sec-fetch-site": "same-origin", "origin": "null"}, True, "our page under a no-referrer policy"),
        ({"sec-fetch-site": "none"}, True, "the person acting in the browser itself"),
        ({"sec-fetch-site": "cross-site", "origin": PARTNER}, True, "a partner's own form"),
        ({"sec-fetch-site": "cross-site", "origin": EVIL}, False, "a hostile site"),
        ({"sec-fetch-site": "cross-site", "origin": "null"}, False, "a sandboxed hostile frame"),
        ({"sec-fetch-site": "same-site", "origin": "https://autre.lementorat.fr"}, False, "a sibling subdomain"),
        ({"sec-fetch-site": "cross-site"}, False, "cross-site with its Origin stripped"),
        ({"origin": OURS, "host": "127.0.0.1:8000"}, True, "an older browser on our page"),
        ({"origin": "http://localhost:8000", "host": "localhost:8000"}, True, "our page reached by another host name"),
        ({"origin": PARTNER}, True, "an older browser on a partner's page"),
        ({"origin": EVIL}, False, "an older browser on a hostile page"),
        ({"origin": "null"}, False, "null with nothing to tell who sent it"),
        ({"referer": f"{OURS}/demande"}, True, "an old browser sending only Referer, ours"),
        ({"referer": f"{EVIL}/page"}, False, "an old browser sending only Referer, hostile"),
        ({"referer": "about:blank"}, False, "a Referer that names no origin"),
        ({}, True, "not a browser: curl, a partner's server"),
    ],
)
def test_who_may_post(headers, allowed, who):
    assert cross_site_post_allowed(headers, SETTINGS) is allowed, who


def test_pages_keep_the_answer_token_out_of_other_sites_referer():
    # same-origin: our own posts carry our Origin; no other site ever sees a URL of ours.
    headers = page_headers(SETTINGS)
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors " + PARTNER in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    alone = page_headers(Settings(public_base_url=OURS))
    assert "frame-ancestors 'none'" in alone["Content-Security-Policy"]
    assert alone["X-Frame-Options"] == "DENY"
