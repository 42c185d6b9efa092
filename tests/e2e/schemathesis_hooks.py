"""What the OpenAPI document cannot say, told to schemathesis (loaded through
SCHEMATHESIS_HOOKS by tests/e2e/test_api_schema.py).

JSON Schema cannot require the directory's entries to have distinct `id`s (`uniqueItems`
compares whole entries): the API refuses duplicates with 422, as documented, and the
generated directories are kept to distinct ids so that "schema-valid" means valid.

`format: email` is email-validator's rule on the server (domain/email_address.py), which
schemathesis' own generator does not know: it draws special-use domains (`.test`), labels
such as `ab--c`, and few of the shapes people have. Its addresses come from tests/addresses
instead: any number of dot-atoms, long hyphenated labels, IDNA labels and every IANA
top-level domain, each accepted by email-validator. They are sent in their ASCII form (the
domain in punycode), the form JSON Schema's `format: email` (RFC 5321) and schemathesis'
own checks read; the same addresses with Unicode domains go through every door in
tests/unit/web/test_email_doors.py.
"""

import schemathesis

from tests.addresses import ascii_addresses

schemathesis.openapi.format("email", ascii_addresses())


@schemathesis.hook
def filter_body(context, body):
    entries = body.get("associations") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return True
    ids = [e.get("id") for e in entries if isinstance(e, dict)]
    return len(ids) == len(set(map(str, ids)))
