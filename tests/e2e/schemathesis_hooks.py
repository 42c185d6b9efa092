"""What the OpenAPI document cannot say, told to schemathesis (loaded through
SCHEMATHESIS_HOOKS by tests/e2e/test_api_schema.py).

JSON Schema cannot require the directory's entries to have distinct `id`s (`uniqueItems`
compares whole entries): the API refuses duplicates with 422, as documented, and the
generated directories are kept to distinct ids so that "schema-valid" means valid.
"""

import schemathesis


@schemathesis.hook
def filter_body(context, body):
    entries = body.get("associations") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return True
    ids = [e.get("id") for e in entries if isinstance(e, dict)]
    return len(ids) == len(set(map(str, ids)))
