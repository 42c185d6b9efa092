"""The OpenAPI document of the JSON API, generated from the pydantic models."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..domain.mentor_submission import MentorSubmission
from ..domain.models import ASSOCIATION_ID_PATTERN, Association
from ..domain.submission import FieldError, Submission
from ..domain.vocabulary import Status
from ..services.queries import DEFAULT_PAGE, MAX_PAGE


class AssociationRef(BaseModel):
    id: str
    name: str


class IntakeResponse(BaseModel):
    id: str
    reference: str
    status: str
    association: AssociationRef | None


class Errors(BaseModel):
    errors: list[FieldError]


class Directory(BaseModel):
    associations: list[Association]


class DirectoryCount(BaseModel):
    count: int


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(name)}}}


def _answer(description: str, schema: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema:
        out.update(_json_body(schema))
    return out


_STATUSES = [s.value for s in Status]
# An association's id, or empty (no filter).
_ASSOCIATION_FILTER = {"type": "string", "pattern": f"^(?:{ASSOCIATION_ID_PATTERN[1:-1]})?$"}
_UNAUTHORIZED = "missing or wrong admin token"
_BAD_JSON = "body is not JSON, not UTF-8, nested deeper than 20 levels, or not an object"


def _submission_post(summary: str, schema: str, created: str) -> dict[str, Any]:
    """An anonymous submission (a request, a volunteer's sign-up): one door, one set of answers."""
    return {
        "summary": summary,
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}],
        "requestBody": {"required": True, **_json_body(schema)},
        "responses": {
            "201": _answer(created, "IntakeResponse"),
            "400": _answer(_BAD_JSON, "Errors"),
            "403": _answer("posted by a browser page of another site that is not a partner", "Errors"),
            "409": _answer("Idempotency-Key reused with another body", "Errors"),
            "413": _answer("body over 64 KiB", "Errors"),
            "422": _answer("invalid fields, one message each", "Errors"),
            "429": _answer("too many anonymous submissions from this address", "Errors"),
        },
    }


def _admin_read(summary: str, found: str, missing: str) -> dict[str, Any]:
    """One item by its id or reference, for the admin token."""
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": [{"name": "id_or_reference", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {
            "200": _answer(found),
            "401": _answer(_UNAUTHORIZED, "Errors"),
            "404": _answer(missing, "Errors"),
        },
    }


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """Every status each route answers, and the same constraints the server checks: the
    schemas come from the pydantic models (field rules and the `anyOf` of who submits in
    domain/submission_schema.py), so a client learns the rules here rather than by trial."""
    _, schemas = models_json_schema(
        [
            (m, "validation")
            for m in (Submission, IntakeResponse, Errors, Directory, DirectoryCount, Association, MentorSubmission)
        ],
        ref_template="#/components/schemas/{model}",
    )
    admin: list[dict[str, list[str]]] = [{"bearer": []}]
    unauthorized = _answer(_UNAUTHORIZED, "Errors")
    bad_json = _answer(_BAD_JSON, "Errors")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mentorat intake API", "version": "1.0.0"},
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/v1/requests": {
                "post": _submission_post(
                    "Submit a request for a mentor", "Submission", "stored and routed (or waiting in triage)"
                ),
                "get": {
                    "summary": "List requests, newest first",
                    "security": admin,
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": _STATUSES},
                        },
                        {"name": "association", "in": "query", "required": False, "schema": _ASSOCIATION_FILTER},
                        {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE},
                        },
                    ],
                    "responses": {
                        "200": _answer("a page of requests and the `next` cursor"),
                        "401": unauthorized,
                        "404": _answer("the cursor names no page (not a `next` value we gave)", "Errors"),
                        "422": _answer(
                            "unknown status, association not an id, or limit not a whole number from 1 to 200", "Errors"
                        ),
                    },
                },
            },
            "/api/v1/requests/{id_or_reference}": {
                "get": _admin_read(
                    "One request with its routing explanation and timeline", "the request", "no such request"
                ),
            },
            "/api/v1/mentors": {
                "post": _submission_post(
                    "Sign up as a volunteer mentor (contract section 11)",
                    "MentorSubmission",
                    "stored and routed under mentor v1 (or waiting in triage)",
                ),
            },
            "/api/v1/mentors/{id_or_reference}": {
                "get": _admin_read(
                    "One sign-up with its routing explanation (mentor v1) and timeline",
                    "the sign-up",
                    "no such sign-up",
                ),
            },
            "/api/v1/admin/associations": {
                "get": {
                    "summary": "The directory",
                    "security": admin,
                    "responses": {"200": _answer("the directory", "Directory"), "401": unauthorized},
                },
                "put": {
                    "summary": "Replace the directory (all or nothing)",
                    "security": admin,
                    "requestBody": {"required": True, **_json_body("Directory")},
                    "responses": {
                        "200": _answer("replaced", "DirectoryCount"),
                        "400": bad_json,
                        "401": unauthorized,
                        "413": _answer("body over 1 MiB", "Errors"),
                        "422": _answer("an invalid entry, named; nothing changed", "Errors"),
                    },
                },
            },
        },
    }
