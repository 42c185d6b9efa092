"""Abuse and safety at the HTTP edge: headers, origins, tokens, client identity."""

from __future__ import annotations

import hashlib
import hmac
from typing import Mapping, Optional
from urllib.parse import urlsplit

from ..config import Settings

MAX_FORM_BYTES = 64 * 1024
MAX_API_BYTES = 64 * 1024


def page_headers(settings: Settings) -> dict[str, str]:
    """Security headers of every HTML page: no script at all, our own stylesheet only."""
    partners = " ".join(settings.partner_origins)
    frame_ancestors = partners or "'none'"
    csp = (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        f"form-action 'self' {partners}".rstrip() + "; "
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
    if not settings.partner_origins:
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


def cross_site_post_allowed(headers: Mapping[str, str], settings: Settings) -> bool:
    """A form post from another site is accepted only from a configured partner origin.

    Browsers send `Origin` on every POST; a request without it (curl, an old browser)
    carries no cross-site risk of its own and is accepted.
    """
    origin = headers.get("origin") or ""
    if not origin:
        referer = headers.get("referer") or ""
        origin = origin_of(referer) if referer else ""
    if not origin:
        return True
    origin = origin.lower()
    own = {origin_of(settings.public_base_url)}
    host = headers.get("host")
    if host:
        own |= {f"http://{host}".lower(), f"https://{host}".lower()}
    return origin in own or origin in {o.lower() for o in settings.partner_origins}


def safe_return_url(url: Optional[str], settings: Settings) -> Optional[str]:
    """A partner's thank-you page, only when its origin is configured (no open redirect)."""
    if not url:
        return None
    if origin_of(url) in {o.lower() for o in settings.partner_origins}:
        return url
    return None


def bearer_token(headers: Mapping[str, str]) -> Optional[str]:
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
