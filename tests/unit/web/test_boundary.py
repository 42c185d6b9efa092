"""The error boundary, in process: what a person sees when a view fails (a French page or
the API's JSON), its status (500, or 503 with Retry-After for storage), its correlation id
(header, page, API message, log line) and the page's own headers; and the plain page when
the templates themselves fail."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.builders import association
from tests.builders import shown as text

PARTNER = "https://partenaire.example.org"
THIS_FILE = Path(__file__).name  # where the frames of the logged error sit
GENERIC_500 = (
    "Nous n'avons pas pu afficher cette page à cause d'une erreur de notre côté. Réessayez dans quelques minutes."
)
GENERIC_503 = "Nous n'avons pas pu traiter votre demande à cause d'une panne passagère. Réessayez dans une minute."
SETTINGS = dict(partner_origins=(PARTNER,))
DIRECTORY = [association("nord-asso", needs=["scolaire"])]


def failing(exc: Exception):
    def fail(*args, **kwargs):
        raise exc

    return fail


def test_a_failing_page_is_a_french_500_with_its_correlation_id(http, wired, monkeypatch):
    monkeypatch.setattr(wired.console_auth, "session", failing(RuntimeError("boom with personal data")))
    r = http.get("/console/connexion")
    assert r.status_code == 500
    cid = r.headers["X-Correlation-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", cid)
    assert r.headers["Cache-Control"] == "no-store"
    assert "Retry-After" not in r.headers
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    # The page's headers are those of the settings in force (the partner may frame it).
    assert f"frame-ancestors {PARTNER};" in r.headers["Content-Security-Policy"]
    page = text(r)
    assert (
        re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip() == "Erreur : Une erreur est survenue – Mentorat"
    )
    assert "<h1>Une erreur est survenue</h1>" in page
    assert f'<p class="lead">{GENERIC_500}</p>' in page
    assert f'Code de suivi : <span class="nowrap">{cid}</span>.' in page
    assert '<a href="/">Revenir à l\'accueil</a>' in page
    assert "boom" not in page
    other = http.get("/console/connexion")
    assert other.headers["X-Correlation-Id"] != cid, "one id per failure"


def test_storage_down_is_a_503_to_retry_in_thirty_seconds(http, wired, monkeypatch, caplog):
    from chalicelib.services.ports import StorageUnavailable

    monkeypatch.setattr(wired.console_auth, "session", failing(StorageUnavailable("throttled")))
    with caplog.at_level(logging.ERROR, logger="chalicelib.web.boundary"):
        r = http.get("/console/connexion")
    assert [rec.getMessage() for rec in caplog.records if rec.name == "chalicelib.web.boundary"] == [
        "storage unavailable"
    ]
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "30"
    assert r.headers["Cache-Control"] == "no-store"
    cid = r.headers["X-Correlation-Id"]
    page = text(r)
    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip() == (
        "Erreur : Service momentanément indisponible – Mentorat"
    )
    assert "<h1>Service momentanément indisponible</h1>" in page
    assert f'<p class="lead">{GENERIC_503}</p>' in page
    assert f'Code de suivi : <span class="nowrap">{cid}</span>.' in page


def test_a_failing_api_call_answers_json_with_its_correlation_id(http, wired, monkeypatch):
    from chalicelib.web import views

    monkeypatch.setattr(views, "api", failing(RuntimeError("wiring failed")))
    r = http.get("/api/v1/requests", headers={"Authorization": "Bearer test-admin-token"})
    assert r.status_code == 500
    cid = r.headers["X-Correlation-Id"]
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    assert "Retry-After" not in r.headers and "Content-Security-Policy" not in r.headers
    assert json.loads(r.body) == {"errors": [{"field": "body", "message": f"internal error (correlation id {cid})"}]}


def test_storage_down_under_the_api_says_to_retry(http, wired, monkeypatch):
    from chalicelib.services.ports import StorageUnavailable
    from chalicelib.web import views

    monkeypatch.setattr(views, "api", failing(StorageUnavailable()))
    r = http.get("/api/v1/requests", headers={"Authorization": "Bearer test-admin-token"})
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "30"
    cid = r.headers["X-Correlation-Id"]
    assert json.loads(r.body) == {
        "errors": [{"field": "body", "message": f"service temporarily unavailable, retry later (correlation id {cid})"}]
    }


def test_a_failing_wiring_before_the_settings_gets_the_default_headers(http, wired, monkeypatch):
    from chalicelib.web import views

    monkeypatch.setattr(views, "console", failing(RuntimeError("no settings yet")))
    r = http.get("/console/connexion")
    assert r.status_code == 500
    assert "frame-ancestors 'none';" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"


def test_the_gateways_request_id_is_the_correlation_id(settings):
    from chalicelib.web.boundary import GuardedViews

    room = SimpleNamespace(settings=settings, show=failing(RuntimeError()))
    request = SimpleNamespace(context={"requestId": "c0ffee-42"}, path="/console/demandes")
    r = GuardedViews(lambda: room, request).show()
    assert r.status_code == 500
    assert r.headers["X-Correlation-Id"] == "c0ffee-42"
    assert 'Code de suivi : <span class="nowrap">c0ffee-42</span>.' in text(r)
    assert f"frame-ancestors {PARTNER};" in r.headers["Content-Security-Policy"]
    api = GuardedViews(
        lambda: room, SimpleNamespace(context={"requestId": "c0ffee-43"}, path="/api/v1/requests")
    ).show()
    assert json.loads(api.body)["errors"][0]["message"] == "internal error (correlation id c0ffee-43)"


def test_a_request_without_context_or_path_still_gets_a_page(settings):
    from chalicelib.web.boundary import GuardedViews

    room = SimpleNamespace(settings=settings, show=failing(RuntimeError()))
    r = GuardedViews(lambda: room, object()).show()
    assert r.status_code == 500
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Correlation-Id"])
    assert "<h1>Une erreur est survenue</h1>" in text(r)


def test_a_view_that_answers_is_passed_through(settings):
    from chalicelib.web.boundary import GuardedViews

    room = SimpleNamespace(settings=settings, show=lambda x, y=0: ("shown", x, y))
    assert GuardedViews(lambda: room, object()).show(1, y=2) == ("shown", 1, 2)


@pytest.mark.parametrize("value", ["/merci\r\nSet-Cookie: x=1", "/merci\n", "/merci\r", "/a\x00b", ["ok", "b\nad"]])
def test_a_header_value_with_a_control_character_is_answered_by_the_boundary(settings, value, caplog):
    """Chalice refuses it after the view with its own raw JSON 500 (outside the boundary):
    the boundary checks first and answers its French page, with its correlation id."""
    from chalice import Response

    from chalicelib.web.boundary import GuardedViews

    room = SimpleNamespace(
        settings=settings, show=lambda: Response(body="", status_code=303, headers={"Location": value})
    )
    with caplog.at_level(logging.ERROR):
        r = GuardedViews(lambda: room, SimpleNamespace(path="/demande", context={})).show()
    assert r.status_code == 500 and "Location" not in r.headers
    assert "<h1>Une erreur est survenue</h1>" in text(r)
    (line,) = [rec for rec in caplog.records if rec.name == "chalicelib.web.boundary"]
    assert line.error == "UnsafeHeader" and "merci" not in line.getMessage() + str(line.__dict__)


def test_a_header_value_of_visible_characters_and_tabs_is_passed_through(settings):
    from chalice import Response

    from chalicelib.web.boundary import GuardedViews

    sent = Response(body="", status_code=303, headers={"Location": "/merci?ref=MNT-AAAA-BBBB", "X-Note": "a\tb é"})
    room = SimpleNamespace(settings=settings, show=lambda: sent)
    assert GuardedViews(lambda: room, object()).show() is sent


@dataclass
class _Checked:
    value: int

    def __post_init__(self):
        raise ValueError("refused")


def test_the_log_line_names_the_type_and_where_by_file_name_never_the_message(settings, caplog):
    from chalicelib.web.boundary import GuardedViews

    def build():
        _Checked(1)  # its __init__ is generated code: a frame without a file path

    room = SimpleNamespace(settings=settings, show=build)
    request = SimpleNamespace(context={"requestId": "rid-7"}, path="/console/annuaire")
    with caplog.at_level(logging.ERROR, logger="chalicelib.web.boundary"):
        r = GuardedViews(lambda: room, request).show()
    assert r.status_code == 500
    [record] = [rec for rec in caplog.records if rec.name == "chalicelib.web.boundary"]
    assert record.getMessage() == "unexpected error"
    assert (record.correlation_id, record.error, record.path) == ("rid-7", "ValueError", "/console/annuaire")
    parts = record.where.split(" < ")
    assert len(parts) == 4, "the last four frames, innermost first"
    assert parts[0].startswith(f"{THIS_FILE}:")  # __post_init__
    assert parts[1].startswith("<string>:")  # the dataclass's generated __init__
    assert parts[2].startswith(f"{THIS_FILE}:")  # build
    assert parts[3].startswith("boundary.py:")
    assert all(re.fullmatch(r"[^/]+:\d+", p) for p in parts), parts
    assert "refused" not in caplog.text


def test_when_the_templates_fail_the_page_is_plain_french(settings, monkeypatch):
    from chalicelib.adapters import templates
    from chalicelib.web.boundary import GuardedViews

    monkeypatch.setattr(templates, "render_page", failing(OSError("templates missing")))
    room = SimpleNamespace(settings=settings, show=failing(RuntimeError()))
    r = GuardedViews(lambda: room, SimpleNamespace(context={"requestId": "r-1"}, path="/")).show()
    assert r.status_code == 500
    assert r.body == (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Une erreur est survenue</title></head>'
        f"<body><main><h1>Une erreur est survenue</h1><p>{GENERIC_500}</p><p>Code de suivi : "
        "r-1</p></main></body></html>"
    )
