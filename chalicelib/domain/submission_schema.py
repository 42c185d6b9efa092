"""The submission's rules as JSON Schema: the OpenAPI document is generated from the models
of domain/submission.py, and these hooks write into it what pydantic cannot infer (the
text patterns, the known postal codes, the rules that depend on who submits)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .phone import phone_schema
from .text_rules import BLANK_PATTERN, CITY_MAX, MESSAGE_MAX, NAME_MAX, email_schema, text_schema
from .vocabulary import StructureType

_NULL = {"type": "null"}
_BLANK = {"type": "string", "pattern": BLANK_PATTERN}


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    """Absent, null, blank (read as absent) or a valid value."""
    return {"anyOf": [_NULL, _BLANK, schema]}


def postal_codes_pattern(codes: Iterable[str]) -> str:
    """A regular expression matching exactly these 5-digit codes: their digit trie, with
    siblings that end alike merged into character classes (7.7 KB for France's 6,310
    codes, where an enum would make clients enumerate every one)."""
    trie: dict[str, Any] = {}
    for code in sorted(codes):
        node = trie
        for digit in code:
            node = node.setdefault(digit, {})

    def digits(chars: list[str]) -> str:
        values, out, i = sorted(int(c) for c in chars), [], 0
        while i < len(values):
            j = i
            while j + 1 < len(values) and values[j + 1] == values[j] + 1:
                j += 1
            out.append(str(values[i]) if i == j else f"{values[i]}-{values[j]}")
            i = j + 1
        return "".join(out)

    def regex(node: dict[str, Any]) -> str:
        if not node:
            return ""
        groups: dict[str, list[str]] = {}
        for digit, child in sorted(node.items()):
            groups.setdefault(regex(child), []).append(digit)
        alternatives = [(c[0] if len(c) == 1 else f"[{digits(c)}]") + rest for rest, c in groups.items()]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return f"^{regex(trie)}$"


def referent_schema(schema: dict[str, Any]) -> None:
    structure_types = [t.value for t in StructureType]
    schema["properties"] = {
        "name": {"anyOf": [_NULL, text_schema(NAME_MAX)]},
        "email": email_schema(),
        "phone": _optional(phone_schema()),
        "structure_name": text_schema(NAME_MAX, required=True),
        "structure_type": {"anyOf": [_NULL, _BLANK, {"type": "string", "enum": structure_types}]},
    }
    schema["required"] = ["email", "structure_name"]
    schema["additionalProperties"] = False


def submission_schema(schema: dict[str, Any]) -> None:
    """Each field's own rule, and the rules that depend on who submits as `anyOf` branches:
    with a referent (age 6-30), or without one (age 13-30, a last name, an email or a
    phone, and a parent's consent under 15)."""
    from .territory import known_postal_codes

    props = schema["properties"]
    props.update(
        {
            "first_name": text_schema(NAME_MAX, required=True),
            "last_name": {"anyOf": [_NULL, text_schema(NAME_MAX)]},
            "email": _optional(email_schema()),
            "phone": _optional(phone_schema()),
            "age": {"type": "integer"},
            "postal_code": {"type": "string", "pattern": postal_codes_pattern(known_postal_codes())},
            "city": {"anyOf": [_NULL, text_schema(CITY_MAX)]},
            "message": {"anyOf": [_NULL, {"type": "string", "maxLength": MESSAGE_MAX}]},
            "consent": {"const": True},
            "parental_consent": {"type": "boolean"},
        }
    )
    for name in ("publics", "referent"):
        props[name].pop("default", None)
    for name in props.values():
        name.pop("title", None)
    schema["required"] = ["first_name", "age", "postal_code", "situation", "need", "consent"]
    referent_absent: dict[str, Any] = {"properties": {"referent": _NULL}}
    youth: dict[str, Any] = {
        "required": ["last_name"],
        "properties": {"last_name": text_schema(NAME_MAX, required=True)},
    }
    contact: list[dict[str, Any]] = [
        {"required": ["email"], "properties": {"email": email_schema()}},
        {"required": ["phone"], "properties": {"phone": phone_schema()}},
    ]
    ages: list[dict[str, Any]] = [
        {"properties": {"age": {"minimum": 15, "maximum": 30}}},
        {
            "required": ["parental_consent"],
            "properties": {"age": {"minimum": 13, "maximum": 14}, "parental_consent": {"const": True}},
        },
    ]
    branches: list[dict[str, Any]] = [
        {"required": ["referent"], "properties": {"referent": {"type": "object"}, "age": {"minimum": 6, "maximum": 30}}}
    ]
    for c in contact:
        for a in ages:
            branches.append(
                {
                    "required": sorted({*youth["required"], *c["required"], *a.get("required", [])}),
                    "properties": {
                        **referent_absent["properties"],
                        **youth["properties"],
                        **c["properties"],
                        **a["properties"],
                    },
                }
            )
    schema["anyOf"] = branches
