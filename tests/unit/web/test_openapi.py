"""The OpenAPI document served at /api/v1/openapi.json, as an API client reads it: every
path, parameter, status, description and schema reference, and the response schemas."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def document(http, wired):
    # The document is built once per process and kept: built again here, so that what is
    # checked is what the code builds now (mutmut forks its runs from a process whose
    # earlier tests already built it).
    from chalicelib.web.openapi import openapi_document

    openapi_document.cache_clear()
    r = http.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(r.body)


def ref(name):
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def answer(description, schema=None):
    return {"description": description, **(ref(schema) if schema else {})}


UNAUTHORIZED = answer("missing or wrong admin token", "Errors")
BAD_JSON = answer("body is not JSON, not UTF-8, nested deeper than 20 levels, or not an object", "Errors")


def submission_post(summary, schema, created):
    return {
        "summary": summary,
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}],
        "requestBody": {"required": True, **ref(schema)},
        "responses": {
            "201": answer(created, "IntakeResponse"),
            "400": BAD_JSON,
            "403": answer("posted by a browser page of another site that is not a partner", "Errors"),
            "409": answer("Idempotency-Key reused with another body", "Errors"),
            "413": answer("body over 64 KiB", "Errors"),
            "422": answer("invalid fields, one message each", "Errors"),
            "429": answer("too many anonymous submissions from this address", "Errors"),
        },
    }


def admin_read(summary, found, missing):
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": [{"name": "id_or_reference", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": answer(found), "401": UNAUTHORIZED, "404": answer(missing, "Errors")},
    }


def test_the_document_names_its_version_and_the_bearer_scheme(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Mentorat intake API", "version": "1.0.0"}
    assert document["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    assert sorted(document["paths"]) == [
        "/api/v1/admin/associations",
        "/api/v1/mentors",
        "/api/v1/mentors/{id_or_reference}",
        "/api/v1/requests",
        "/api/v1/requests/{id_or_reference}",
    ]


def test_the_two_submission_doors_describe_every_answer(document):
    assert document["paths"]["/api/v1/requests"]["post"] == submission_post(
        "Submit a request for a mentor", "Submission", "stored and routed (or waiting in triage)"
    )
    assert document["paths"]["/api/v1/mentors"] == {
        "post": submission_post(
            "Sign up as a volunteer mentor (contract section 11)",
            "MentorSubmission",
            "stored and routed under mentor v1 (or waiting in triage)",
        )
    }


def test_the_admin_reads_of_one_item(document):
    assert document["paths"]["/api/v1/requests/{id_or_reference}"] == {
        "get": admin_read("One request with its routing explanation and timeline", "the request", "no such request")
    }
    assert document["paths"]["/api/v1/mentors/{id_or_reference}"] == {
        "get": admin_read(
            "One sign-up with its routing explanation (mentor v1) and timeline", "the sign-up", "no such sign-up"
        )
    }


def test_the_list_of_requests_and_its_bounds(document):
    assert document["paths"]["/api/v1/requests"]["get"] == {
        "summary": "List requests, newest first",
        "security": [{"bearer": []}],
        "parameters": [
            {
                "name": "status",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": ["needs_triage", "routed", "accepted", "closed"]},
            },
            {
                "name": "association",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "pattern": "^(?:[a-z0-9][a-z0-9-]{0,63})?$"},
            },
            {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
            },
        ],
        "responses": {
            "200": answer("a page of requests and the `next` cursor"),
            "401": UNAUTHORIZED,
            "404": answer("the cursor names no page (not a `next` value we gave)", "Errors"),
            "422": answer("unknown status, association not an id, or limit not a whole number from 1 to 200", "Errors"),
        },
    }


def test_the_directory_read_and_replace(document):
    assert document["paths"]["/api/v1/admin/associations"] == {
        "get": {
            "summary": "The directory",
            "security": [{"bearer": []}],
            "responses": {"200": answer("the directory", "Directory"), "401": UNAUTHORIZED},
        },
        "put": {
            "summary": "Replace the directory (all or nothing)",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, **ref("Directory")},
            "responses": {
                "200": answer("replaced", "DirectoryCount"),
                "400": BAD_JSON,
                "401": UNAUTHORIZED,
                "413": answer("body over 1 MiB", "Errors"),
                "422": answer("an invalid entry, named; nothing changed", "Errors"),
            },
        },
    }


def test_the_answer_schemas(document):
    schemas = document["components"]["schemas"]
    assert schemas["Errors"] == {
        "properties": {
            "errors": {"items": {"$ref": "#/components/schemas/FieldError"}, "title": "Errors", "type": "array"}
        },
        "required": ["errors"],
        "title": "Errors",
        "type": "object",
    }
    assert schemas["FieldError"] == {
        "properties": {
            "field": {"title": "Field", "type": "string"},
            "message": {"title": "Message", "type": "string"},
        },
        "required": ["field", "message"],
        "title": "FieldError",
        "type": "object",
    }
    assert schemas["IntakeResponse"] == {
        "properties": {
            "id": {"title": "Id", "type": "string"},
            "reference": {"title": "Reference", "type": "string"},
            "status": {"title": "Status", "type": "string"},
            "association": {"anyOf": [{"$ref": "#/components/schemas/AssociationRef"}, {"type": "null"}]},
        },
        "required": ["id", "reference", "status", "association"],
        "title": "IntakeResponse",
        "type": "object",
    }
    assert schemas["AssociationRef"]["required"] == ["id", "name"]
    assert schemas["DirectoryCount"] == {
        "properties": {"count": {"title": "Count", "type": "integer"}},
        "required": ["count"],
        "title": "DirectoryCount",
        "type": "object",
    }
    assert schemas["Directory"]["properties"]["associations"]["items"] == {"$ref": "#/components/schemas/Association"}
    assert schemas["Submission"]["required"] == ["first_name", "age", "postal_code", "situation", "need", "consent"]
    assert schemas["MentorSubmission"]["required"] == [
        "first_name",
        "last_name",
        "email",
        "age",
        "postal_code",
        "occupation",
        "modes",
        "hours_per_month",
        "youth_ages",
        "needs",
        "commitment",
        "consent",
    ]
    assert schemas["MentorSubmission"]["properties"]["hours_per_month"] == {
        "maximum": 40,
        "minimum": 1,
        "type": "integer",
    }


def test_every_reference_names_a_schema_of_the_document(document):
    names = set(document["components"]["schemas"])
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                found.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert found and all(r.startswith("#/components/schemas/") and r.rsplit("/", 1)[1] in names for r in found)
