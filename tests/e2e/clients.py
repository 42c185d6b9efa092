"""What a client does against the running stack (tests/e2e/stack.py), shared by the e2e
modules: the forms a youth or a referent posts, the console's sign-in by mail, the
answer links, and mails handed to the SMTP ingress."""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
from email import policy
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from tests.builders import youth
from tests.e2e.stack import Stack

# The forms.


def form_fields(**overrides):
    """The youth form as a browser posts it."""
    data = youth(**overrides)
    fields = {k: v for k, v in data.items() if k not in {"consent", "parental_consent", "publics"} and v is not None}
    fields["publics"] = data["publics"]
    if data["consent"]:
        fields["consent"] = "on"
    if data["parental_consent"]:
        fields["parental_consent"] = "on"
    fields.update({"website": "", "submission_id": overrides.get("submission_id", "")})
    return fields


def referent_fields(**overrides):
    fields = form_fields(email="", phone="", last_name="", age=11, situation="primaire")
    fields.update(
        referent_name="Mme Dupont",
        referent_email="cpe.college@ac-lille.example.fr",
        referent_phone="03 20 00 00 00",
        structure_name="Collège Jean Macé",
        structure_type="etablissement_scolaire",
    )
    fields.update(overrides)
    return fields


def reference_from(location: str) -> str:
    return parse_qs(urlsplit(location).query)["ref"][0]


# The console's sign-in.


OPERATOR = "operatrice@reseau.example.org"


SIGN_IN_LINK = re.compile(r"https?://[^/\s]+(/console/lien/[A-Za-z0-9_.\-]+)")


class Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.csrf = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrf":
            self.csrf = a.get("value")


def csrf_of(html: str) -> str:
    parser = Fields()
    parser.feed(html)
    assert parser.csrf
    return parser.csrf


def sign_in_mails(stack: Stack, to: str) -> list:
    found = []
    for path in stack.settle_mails():
        m = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if m["To"] == to and "connexion" in m["Subject"]:
            found.append(m)
    return found


def ask_link(stack: Stack, address: str):
    return stack.post_form("/console/connexion", {"email": address})


def link_path(stack: Stack, to: str, seen: frozenset = frozenset()) -> str:
    """The link of the one sign-in mail to `to` not in `seen` (Message-IDs): two links
    asked in the same second share their Date, so the newest cannot be told by it."""
    fresh = [m for m in sign_in_mails(stack, to) if m["Message-ID"] not in seen]
    assert len(fresh) == 1, [m["Message-ID"] for m in fresh]
    return SIGN_IN_LINK.search(fresh[0].get_body(("plain",)).get_content()).group(1)


def ask_and_read_link(stack: Stack, address: str = OPERATOR) -> str:
    seen = frozenset(m["Message-ID"] for m in sign_in_mails(stack, address))
    assert ask_link(stack, address).status == 200
    return link_path(stack, address, seen)


def sign_in(stack: Stack, address: str = OPERATOR) -> str:
    """The session cookie, as a browser would keep it."""
    path = ask_and_read_link(stack, address)
    page = stack.call("GET", path)
    done = stack.post_form(path, {"csrf": csrf_of(page.text)})
    assert done.status == 303 and done.headers["location"] == "/console"
    return done.headers["set-cookie"].split(";")[0]


ADMIN_EMAIL = "admin@reseau.example.org"


def state(stack: Stack, reference: str) -> dict:
    return stack.admin("GET", f"/api/v1/requests/{reference}").json()


# The SMTP ingress.


INTAKE = "urgence@lementorat.fr"


def send(stack, raw: bytes, sender="cpe@college.example.fr", to=INTAKE):
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        return smtp.sendmail(sender, [to], raw)


def email_requests(stack):
    return [i for i in stack.admin("GET", "/api/v1/requests?limit=200").json()["items"] if i["channel"] == "email"]


# The answer links.


ANSWER_LINK = re.compile(r"http://127\.0\.0\.1:\d+(/reponse/[A-Za-z0-9_.\-]+)")


def mails(stack):
    """Every mail sent so far, once the stream has sent what the answers stored."""
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in stack.settle_mails()]


def answer_path(stack, reference):
    """The link of the newest association mail about this request."""
    found = [
        m for m in mails(stack) if reference in m["Subject"] and "/reponse/" in m.get_body(("plain",)).get_content()
    ]
    newest = sorted(found, key=lambda m: (m["Date"], m["Message-ID"]))[-1]
    return ANSWER_LINK.search(newest.get_body(("plain",)).get_content()).group(1), newest["To"]


def submit_form(stack, **overrides):
    """A youth's request through the web form: its reference."""
    r = stack.post_form("/demande", form_fields(**overrides))
    assert r.status == 303
    return reference_from(r.headers["location"])
