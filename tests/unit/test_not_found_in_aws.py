"""In AWS, API Gateway hands any path no other resource takes to `/{proxy+}` with the rest
of the path in pathParameters["proxy"]: the Lambda answers the French 404 page, or JSON
under /api/. Driven with the event API Gateway sends; nothing is stored, nothing is read."""

from __future__ import annotations

import json

import pytest


def gateway_event(path: str, method: str = "GET") -> dict:
    proxy = path.lstrip("/")
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"accept": "text/html"},
        "multiValueHeaders": {"accept": ["text/html"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": proxy},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


@pytest.fixture
def app():
    from app import app
    from chalicelib.bootstrap import Services, set_services
    from chalicelib.config import Settings

    # A storage endpoint nobody listens on: the 404 must not need it.
    set_services(Services(Settings(dynamodb_endpoint="http://127.0.0.1:9")))
    yield app
    set_services(None)


@pytest.mark.parametrize("path", ["/nope", "/a/b/c", "/reponse/x/y"])
def test_unknown_pages_get_the_french_404(app, path):
    for method in ("GET", "POST"):
        answer = app(gateway_event(path, method), None)
        assert answer["statusCode"] == 404
        assert answer["headers"]["Content-Type"].startswith("text/html")
        assert "<h1>Page introuvable</h1>" in answer["body"]


def test_unknown_api_paths_get_json(app):
    answer = app(gateway_event("/api/v1/nope"), None)
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"]) == {"errors": [{"field": "path", "message": "no such resource"}]}
