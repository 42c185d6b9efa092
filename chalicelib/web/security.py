"""Abuse and safety at the HTTP edge: headers, origins, tokens, client identity."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..config import Settings

if TYPE_CHECKING:
    from chalice.app import Request


def page_headers(settings: Settings, frame_ancestors: str | None = None) -> dict[str, str]:
    """Security headers of every HTML page: no script at all, our own stylesheet only.

    `frame_ancestors`: who may embed the page in a frame; by default the partners' origins
    (docs/contract.md §2), and nobody when there are none."""
    partners = " ".join(settings.partner_origins)
    frame_ancestors = frame_ancestors or partners or "'none'"
    csp = (
        f"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' {partners}".rstrip() + "; "
        f"frame-ancestors {frame_ancestors}; base-uri 'none'"
    )
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if frame_ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"  # older browsers ignore frame-ancestors
    if settings.public_base_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def api_headers() -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def _own_origins(headers: Mapping[str, str], settings: Settings) -> set[str]:
    own = {origin_of(settings.public_base_url)}
    host = headers.get("host")
    if host:
        own |= {f"http://{host}".lower(), f"https://{host}".lower()}
    return own


def cross_site_post_allowed(headers: Mapping[str, str], settings: Settings) -> bool:
    """Whether a POST may act: ours, a configured partner's, or no browser at all.

    OWASP CSRF cheat sheet, in its order of strength (no cookie is involved, so the risk
    is a page elsewhere making a visitor's browser submit in their name):
    1. `Sec-Fetch-Site`, set by the browser and not by page script: `same-origin` (our own
       page, also when it is embedded in a partner's iframe) and `none` (the person acted
       in the browser itself) pass; `same-site`/`cross-site` pass only from a partner
       origin. `Origin: null` (sandboxed frame, data: URL) is no partner.
    2. Without it (older browsers), `Origin`, then `Referer`, must be ours or a partner's.
       `null` cannot be told apart from a hostile sandboxed page, so it is refused. Our
       pages send `Referrer-Policy: same-origin`, under which a browser sends our real
       origin on our own posts (under `no-referrer` it would send `null`).
    3. No `Sec-Fetch-Site`, `Origin` nor `Referer`: not a browser (curl, a server), which
       carries no cross-site risk of its own.
    The answer page adds a synchronizer token bound to its link (answer_pages.AnswerPages.post).
    """
    origin = (headers.get("origin") or "").strip().lower()
    partners = {o.lower() for o in settings.partner_origins}
    site = (headers.get("sec-fetch-site") or "").strip().lower()
    if site in {"same-origin", "none"}:
        return True
    if site in {"same-site", "cross-site"}:
        return origin in partners
    if not origin:
        referer = headers.get("referer") or ""
        origin = origin_of(referer) if referer else ""
        if not origin:
            return not referer  # a Referer that names no origin is not trusted either
    return origin in _own_origins(headers, settings) or origin in partners


# A partner's thank-you page becomes our answer's Location header: a URI (RFC 3986) is
# visible ASCII, and a browser or gateway caps a header's length.
RETURN_URL_MAX = 2000
_URI_CHARACTERS = re.compile(r"[\x21-\x7e]+")


def safe_return_url(url: str | None, settings: Settings) -> str | None:
    """A partner's thank-you page, only when its origin is configured (no open redirect)
    and it is a plain URI. urlsplit drops tabs and line breaks before reading the origin,
    so a URL holding them would pass as the partner's and then split our Location header:
    anything but visible ASCII is ignored, and the person sees our own thank-you page."""
    if not url or len(url) > RETURN_URL_MAX or not _URI_CHARACTERS.fullmatch(url):
        return None
    if origin_of(url) in {o.lower() for o in settings.partner_origins}:
        return url
    return None


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def is_admin(headers: Mapping[str, str], settings: Settings) -> bool:
    token = bearer_token(headers)
    return bool(token and settings.admin_token and hmac.compare_digest(token, settings.admin_token))


def is_trusted_submitter(headers: Mapping[str, str], settings: Settings) -> bool:
    """Admin or partner tokens are not subject to the per-IP limit."""
    token = bearer_token(headers)
    if not token:
        return False
    return is_admin(headers, settings) or any(hmac.compare_digest(token, p) for p in settings.partner_tokens)


def client_key(source_ip: str, settings: Settings) -> str:
    """The per-IP counter's key: a keyed hash, so no IP address is stored."""
    return hmac.new(settings.secret_key.encode(), source_ip.encode(), hashlib.sha256).hexdigest()[:32]


def source_ip(request: Request) -> str:
    """The sender's address: API Gateway (and local/server.py) put the peer's address in
    the request's context."""
    return ((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"


def rate_key(request: Request, settings: Settings) -> str | None:
    """Whose per-IP counter an anonymous submission counts on; None for a trusted submitter."""
    if is_trusted_submitter(request.headers, settings):
        return None
    return client_key(source_ip(request), settings)
