"""What a refused body tells its sender, word for word (the API's `errors`, the French page),
at both edges of each limit; and the small helpers of web/security.py as a request meets
them (tokens, origins, the API's headers)."""

from __future__ import annotations

import json

import pytest

from chalicelib.config import Settings
from chalicelib.web import parsing
from chalicelib.web.parsing import BodyRefused, json_depth, parse_form, parse_json
from chalicelib.web.security import (
    api_headers,
    bearer_token,
    cross_site_post_allowed,
    is_admin,
    is_trusted_submitter,
    origin_of,
)

UNREADABLE = "Envoi illisible."


def refusal(call, *args, **kwargs) -> BodyRefused:
    with pytest.raises(BodyRefused) as refused:
        call(*args, **kwargs)
    return refused.value


# -- JSON ---------------------------------------------------------------------------------


def test_a_json_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413():
    at_limit = json.dumps({"m": "x" * (1024 - 9)}).encode()
    assert len(at_limit) == 1024
    assert parse_json(at_limit, 1024) == {"m": "x" * 1015}
    r = refusal(parse_json, at_limit + b" ", 1024)
    assert (r.status, r.field, r.message, r.french) == (
        413,
        "body",
        "body larger than 1 KiB",
        "Envoi trop long : 1 KiB au plus.",
    )
    assert r.api_errors() == {"errors": [{"field": "body", "message": "body larger than 1 KiB"}]}
    assert str(r) == "body larger than 1 KiB"


def test_the_size_is_named_in_kib_under_a_mib_and_in_mib_from_there():
    assert refusal(parse_json, b"[" * 2049, 2048).message == "body larger than 2 KiB"
    big = parsing.MAX_DIRECTORY_BYTES
    r = refusal(parse_json, b" " * (big + 1), big)
    assert r.message == "body larger than 1 MiB" and r.french == "Envoi trop long : 1 MiB au plus."
    assert refusal(parse_json, b" " * (3 * big + 1), 3 * big).message == "body larger than 3 MiB"


def test_bytes_that_are_not_utf8_are_400_not_json():
    r = refusal(parse_json, b'{"a": "\xff"}', 1024)
    assert (r.status, r.field, r.message, r.french) == (400, "body", "body is not JSON (UTF-8 expected)", UNREADABLE)


def test_nesting_is_taken_at_the_limit_and_refused_one_level_deeper():
    assert parse_json(b"[" * 20 + b"]" * 20, 1024) is not None
    r = refusal(parse_json, b"[" * 21 + b"]" * 21, 1024)
    assert (r.status, r.field, r.message, r.french) == (400, "body", "JSON nested deeper than 20 levels", UNREADABLE)
    assert refusal(parse_json, b"[[[]]]", 1024, max_depth=2).message == "JSON nested deeper than 2 levels"


@pytest.mark.parametrize(
    "text, depth",
    [("{}", 1), ("[[], []]", 2), ('{"a": [1, {"b": []}]}', 4), ('"[[[[" ', 0), ('["]]]]", [[]]]', 3), ("[]]][[]", 1)],
)
def test_json_depth_counts_brackets_outside_strings(text, depth):
    assert json_depth(text) == depth


@pytest.mark.parametrize("body", [b"{not json", b"NaN", b'{"a": Infinity}', b'{"a": -Infinity}'])
def test_what_is_not_json_is_400(body):
    r = refusal(parse_json, body, 1024)
    assert (r.status, r.field, r.message, r.french) == (400, "body", "body is not JSON", UNREADABLE)


@pytest.mark.parametrize(
    "body", [b'"\\ud800"', b'{"\\ud800": 1}', b'{"a": ["ok", "\\udfff"]}', b'[{"k": {"x": "\\ud83d"}}]']
)
def test_a_lone_surrogate_anywhere_is_400(body):
    r = refusal(parse_json, body, 1024)
    assert (r.status, r.field, r.french) == (400, "body", UNREADABLE)
    assert r.message == "body holds text that is not Unicode (lone surrogate)"


def test_real_unicode_and_plain_values_are_read():
    body = '{"prénom": "Léa 😀", "n": [1, 2.5, true, null], "k": {"é": ["ü"]}}'.encode()
    assert parse_json(body, 1024) == {"prénom": "Léa 😀", "n": [1, 2.5, True, None], "k": {"é": ["ü"]}}


# -- forms --------------------------------------------------------------------------------


def test_a_form_of_exactly_the_limit_is_read_and_one_byte_more_is_413():
    body = b"message=" + b"x" * (1024 - 8)
    assert parse_form(body, max_bytes=1024)["message"] == "x" * 1016
    r = refusal(parse_form, body + b"x", max_bytes=1024)
    assert (r.status, r.field, r.message) == (413, "body", "form larger than 64 KiB")
    assert r.french == "Le formulaire envoyé est trop long. Raccourcissez le message et réessayez."


def test_a_form_of_exactly_the_field_limit_is_read_and_one_field_more_is_400():
    fields = "&".join(f"f{i}=v" for i in range(100)).encode()
    assert len(parse_form(fields)) == 101  # 100 fields and the publics list
    r = refusal(parse_form, fields + b"&one=more")
    assert (r.status, r.field, r.message) == (400, "body", "more than 100 form fields")
    assert r.french == (
        "Le formulaire envoyé contient trop de champs : il ne vient pas de notre site. "
        "Ouvrez le formulaire sur notre site, remplissez-le et envoyez-le."
    )
    assert refusal(parse_form, b"a=1&b=2&c=3", max_fields=2).message == "more than 2 form fields"


def test_form_values_blank_kept_last_one_wins_publics_listed_bad_bytes_replaced():
    form = parse_form(b"first_name=L%C3%A9a&city=&age=15&age=16&publics=qpv&publics=&publics=rural&name=%FF")
    assert form == {"first_name": "Léa", "city": "", "age": "16", "publics": ["qpv", "rural"], "name": "\ufffd"}
    assert parse_form(b"") == {"publics": []}


# -- security helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, token",
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("BEARER abc", "abc"),
        ("Basic abc", None),
        ("Bearer ", None),
        ("Bearer", None),
        ("", None),
        ("abc", None),
        ("Token Bearer abc", None),
    ],
)
def test_bearer_tokens(header, token):
    assert bearer_token({"authorization": header} if header else {}) == token


def test_admin_needs_the_admin_token_and_a_configured_one():
    settings = Settings(admin_token="admin-secret", partner_tokens=("partner-secret",))
    assert is_admin({"authorization": "Bearer admin-secret"}, settings)
    assert not is_admin({"authorization": "Bearer partner-secret"}, settings)
    assert not is_admin({}, settings)
    assert not is_admin({"authorization": "Bearer "}, Settings(admin_token=""))
    assert not is_admin({"authorization": "Bearer x"}, Settings(admin_token=""))
    assert is_trusted_submitter({"authorization": "Bearer partner-secret"}, settings)
    assert is_trusted_submitter({"authorization": "Bearer admin-secret"}, settings)
    assert not is_trusted_submitter({"authorization": "Bearer other"}, settings)
    assert not is_trusted_submitter({}, settings)


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://Exemple.FR/page?x=1", "https://exemple.fr"),
        ("http://127.0.0.1:8000/demande", "http://127.0.0.1:8000"),
        ("about:blank", ""),
        ("/relative/path", ""),
        ("", ""),
        ("https://", ""),
    ],
)
def test_origin_of(url, origin):
    assert origin_of(url) == origin


def test_the_host_header_names_our_origin_in_either_scheme_besides_the_public_url():
    settings = Settings(public_base_url="https://mentorat.example.org")
    for origin in ("https://mentorat.example.org", "http://LOCALHOST:8000", "https://localhost:8000"):
        assert cross_site_post_allowed({"origin": origin, "host": "localhost:8000"}, settings), origin
    assert not cross_site_post_allowed({"origin": "http://other:8000", "host": "localhost:8000"}, settings)


@pytest.mark.parametrize("site", ["same-origin", "none", " None ", "SAME-ORIGIN"])
def test_fetch_metadata_from_our_page_or_the_browser_itself_passes_whatever_the_origin(site):
    assert cross_site_post_allowed({"sec-fetch-site": site, "origin": "https://evil.example.com"}, Settings())


@pytest.mark.parametrize("site", ["same-site", "cross-site", "Cross-Site"])
def test_fetch_metadata_from_elsewhere_needs_a_partner_origin(site):
    settings = Settings(partner_origins=("https://partenaire.example.org",))
    assert cross_site_post_allowed({"sec-fetch-site": site, "origin": "https://partenaire.example.org"}, settings)
    assert not cross_site_post_allowed(
        {"sec-fetch-site": site, "origin": "http://127.0.0.1:8000", "host": "127.0.0.1:8000"}, settings
    )


def test_an_unknown_fetch_metadata_value_falls_back_to_the_origin():
    ours = {"sec-fetch-site": "weird", "origin": "http://127.0.0.1:8000", "host": "127.0.0.1:8000"}
    assert cross_site_post_allowed(ours, Settings())
    assert not cross_site_post_allowed({**ours, "origin": "https://evil.example.com"}, Settings())


def test_no_header_at_all_is_not_a_browser_and_passes():
    assert cross_site_post_allowed({}, Settings())
    assert cross_site_post_allowed({"sec-fetch-site": ""}, Settings())


def test_the_api_headers():
    assert api_headers() == {
        "Content-Type": "application/json; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
