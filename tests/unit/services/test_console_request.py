"""What an operator reads on a request's console page: the routing explanation (the
candidates with their score's parts, the associations each rule left out, by name), the
timeline's entries (time, label, actor, a reply received by mail), the associations
offered to "Attribuer" with their load, the actions offered in each state, and the
`viewed` events it leaves. In-memory stores."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from chalicelib.domain.change import Event
from chalicelib.domain.operators import Operator, Role
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.console import ConsoleService, UnknownRequest
from chalicelib.services.console_request import routing_explanation, timeline_entry
from tests.builders import association, make_memory_services, request_of, youth

OPERATOR = Operator("op@reseau.example.org", Role.OPERATOR)
OTHER = Operator("other@reseau.example.org", Role.OPERATOR)
ADMIN = Operator("admin@reseau.example.org", Role.ADMIN)
DIRECTORY = [
    association("first-asso", departements=[], communes=["59512"], needs=["scolaire"], capacity=1),
    association("second-asso", needs=["scolaire"], capacity=5),
    association("sleeping-asso", active=False),
]


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def console_of(s, raw_mail=None):
    return ConsoleService(
        requests=s.stores.requests,
        queue=s.stores.requests,
        directory=s.directory,
        mails=s.mails,
        clock=s.clock,
        settings=s.settings,
        raw_mail=raw_mail,
        outbox=s.stores.outbox,
    )


@pytest.fixture
def console(s):
    return console_of(s)


def submit(s, **overrides):
    return s.submit(request_of(youth(**overrides), Channel.FORM))


def snapshot_of(*named):
    return SimpleNamespace(index=SimpleNamespace(associations=[SimpleNamespace(id=i, name=n) for i, n in named]))


# -- routing_explanation ----------------------------------------------------------------------


def test_the_routing_explanation_names_candidates_and_exclusions():
    routing = {
        "association": "a",
        "candidates": [
            {
                "id": "a",
                "score": 0.9,
                "load_share": 0.25,
                "parts": {
                    "publics": 0.1,
                    "territory": 0.5,
                    "territory_level": "departement",
                    "first_need": 0.2,
                    "needs": 0.3,
                },
            },
            {"id": "gone", "score": 0.4},
        ],
        "excluded": {"territory": ["b", "gone"], "capacity": [], "mystery": ["a"]},
    }
    candidates, excluded = routing_explanation(routing, snapshot_of(("a", "Les Amis"), ("b", "Les Bons")))
    assert candidates == [
        {
            "id": "a",
            "name": "Les Amis",
            "score": 0.9,
            "publics": 0.1,
            "territory": 0.5,
            "territory_level": "département",
            "first_need": 0.2,
            "needs": 0.3,
            "load_share": 25,
            "chosen": True,
        },
        {
            "id": "gone",
            "name": "gone",
            "score": 0.4,
            "publics": None,
            "territory": None,
            "territory_level": "",
            "first_need": None,
            "needs": None,
            "load_share": 0,
            "chosen": False,
        },
    ]
    assert excluded == [
        {"rule": "Territoire non couvert", "associations": ["Les Bons", "gone"]},
        {"rule": "mystery", "associations": ["Les Amis"]},
    ]


@pytest.mark.parametrize(
    "level,label", [("commune", "commune"), ("region", "région"), ("national", "national"), ("planet", "")]
)
def test_each_territory_level_has_its_word(level, label):
    candidates, _ = routing_explanation(
        {"candidates": [{"id": "a", "parts": {"territory_level": level}}]}, snapshot_of()
    )
    assert candidates[0]["territory_level"] == label


def test_no_routing_explains_nothing():
    assert routing_explanation({}, snapshot_of(("a", "A"))) == ([], [])


# -- timeline_entry ------------------------------------------------------------------------------


def test_a_reply_received_entry_carries_the_reply():
    entry = timeline_entry(
        {
            "at": "2026-11-24T09:00:00.000000Z",
            "type": "reply_received",
            "actor": "mail",
            "detail": {"from": "a@b.fr", "subject": "Re: demande", "excerpt": "Bonjour"},
        }
    )
    assert entry.at == "24/11/2026 10:00"
    assert entry.at_iso == "2026-11-24T09:00:00.000000Z"
    assert entry.type == "reply_received"
    assert entry.label == "Réponse reçue par e-mail"
    assert entry.actor == "mail"
    assert entry.detail == {"from": "a@b.fr", "subject": "Re: demande", "excerpt": "Bonjour"}
    assert entry.reply == {"from": "a@b.fr", "subject": "Re: demande", "text": "Bonjour", "unverified": False}


def test_a_reply_whose_sender_had_no_verdict_says_so():
    entry = timeline_entry(
        {
            "at": "2026-11-24T09:00:00.000000Z",
            "type": "reply_received",
            "actor": "mail",
            "detail": {"from": "a@b.fr", "subject": "Re", "excerpt": "Bonjour", "sender": "unknown"},
        }
    )
    assert entry.reply["unverified"] is True
    verified = timeline_entry({"type": "reply_received", "detail": {"from": "a@b.fr", "sender": "verified"}})
    assert verified.reply["unverified"] is False


def test_an_entry_without_actor_or_detail_and_an_unknown_type():
    entry = timeline_entry({"at": "2026-07-01T22:30:00.000000Z", "type": "teleported"})
    assert (entry.at, entry.at_iso, entry.label, entry.actor, entry.detail, entry.reply) == (
        "02/07/2026 00:30",
        "2026-07-01T22:30:00.000000Z",
        "teleported",
        "",
        {},
        None,
    )


# -- the page -------------------------------------------------------------------------------------


def test_the_page_lists_the_active_associations_with_their_load(s, console):
    routed = submit(s)
    page = console.request_page(routed.reference, OPERATOR)
    assert page.associations == [
        {"id": "first-asso", "name": "Association first-asso", "capacity": 1, "load": 1, "full": True},
        {"id": "second-asso", "name": "Association second-asso", "capacity": 5, "load": 0, "full": False},
    ]
    assert page.association.id == "first-asso"
    assert page.record["reference"] == routed.reference
    assert [c["id"] for c in page.candidates if c["chosen"]] == ["first-asso"]


def test_the_actions_offered_follow_the_state_and_the_role(s, console):
    routed = submit(s)
    assert console.request_page(routed.reference, OPERATOR).actions == {
        "assign": True,
        "reroute": True,
        "close": True,
        "resend": True,
        "erase": False,
    }
    assert console.request_page(routed.reference, ADMIN).actions == {
        "assign": True,
        "reroute": True,
        "close": True,
        "resend": True,
        "erase": True,
    }
    nowhere = submit(s, postal_code="75001", city="Paris")
    assert console.request_page(nowhere.reference, OPERATOR).actions == {
        "assign": True,
        "reroute": True,
        "close": True,
        "resend": False,
        "erase": False,
    }
    console.close(nowhere.reference, OPERATOR, _a_close_reason())
    assert console.request_page(nowhere.reference, ADMIN).actions == {
        "assign": False,
        "reroute": False,
        "close": False,
        "resend": False,
        "erase": True,
    }
    console.erase(routed.reference, ADMIN)
    assert console.request_page(routed.reference, ADMIN).actions == {  # erased, still routed: only closing
        "assign": False,
        "reroute": False,
        "close": True,
        "resend": False,
        "erase": False,
    }


def _a_close_reason():
    from chalicelib.domain.request import CLOSE_REASONS

    return sorted(CLOSE_REASONS)[0]


def test_an_unknown_or_blank_reference_is_unknown(console):
    with pytest.raises(UnknownRequest):
        console.request_page("MNT-NONE-NONE", OPERATOR)
    with pytest.raises(UnknownRequest):
        console.request_page("", OPERATOR)


# -- viewed events ----------------------------------------------------------------------------------


def viewers(s, reference):
    return [e["actor"] for e in s.requests.get(reference)["events"] if e["type"] == "viewed"]


def test_opening_the_page_is_a_viewed_event_once_per_half_hour_and_operator(s, console, clock):
    routed = submit(s)
    page = console.request_page(routed.reference, OPERATOR)
    assert page.timeline[-1].type == "viewed" and page.timeline[-1].actor == OPERATOR.email
    assert page.timeline[-1].label == "Coordonnées consultées"
    console.request_page(routed.reference, OPERATOR)
    assert viewers(s, routed.reference) == [OPERATOR.email]
    console.request_page(routed.reference, OTHER)
    assert viewers(s, routed.reference) == [OPERATOR.email, OTHER.email]
    console.request_page(routed.reference, OTHER)
    clock.advance(seconds=1799)
    console.request_page(routed.reference, OTHER)
    assert viewers(s, routed.reference) == [OPERATOR.email, OTHER.email]
    clock.advance(seconds=1)
    console.request_page(routed.reference, OTHER)
    assert viewers(s, routed.reference) == [OPERATOR.email, OTHER.email, OTHER.email]


def test_an_erased_request_is_viewed_without_a_viewed_event(s, console):
    routed = submit(s)
    console.erase(routed.reference, ADMIN)
    console.request_page(routed.reference, OPERATOR)
    assert viewers(s, routed.reference) == []


# -- a reply received by mail --------------------------------------------------------------------


def add_event(s, reference, event):
    record = s.requests.get(reference)
    stored = s.stores.requests.get(reference, s.clock.now().epoch).to_record()
    assert s.stores.requests.append_event(stored["id"], event, len(record["events"]), int(stored["expires_at"]))


class RawMails:
    def __init__(self, mails):
        self.mails = mails

    def get(self, key):
        value = self.mails[key]
        if isinstance(value, Exception):
            raise value
        return value


REPLY = (
    b"From: asso@asso.example.org\r\nTo: contact@reseau.example.org\r\nSubject: Re: demande\r\n"
    b"Message-ID: <r1@asso.example.org>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nNous la prenons volontiers.\r\n"
)


def reply_event(s, **detail):
    return Event(
        s.clock.now().iso,
        "reply_received",
        "mail",
        {"from": "asso@asso.example.org", "subject": "Re: demande", "excerpt": "Nous la…", **detail},
    )


def reply_entry(page):
    (entry,) = [e for e in page.timeline if e.type == "reply_received"]
    return entry


def test_a_reply_is_shown_in_full_from_its_raw_mail(s):
    routed = submit(s)
    add_event(s, routed.reference, reply_event(s, raw_key="in/r1.eml"))
    page = console_of(s, RawMails({"in/r1.eml": REPLY})).request_page(routed.reference, ADMIN)
    assert reply_entry(page).reply == {
        "from": "asso@asso.example.org",
        "subject": "Re: demande",
        "text": "Nous la prenons volontiers.",
        "unverified": False,
    }


@pytest.mark.parametrize("stored", [KeyError("in/r1.eml"), OSError("gone"), RuntimeError("S3 down")])
def test_a_reply_whose_raw_mail_cannot_be_read_shows_its_excerpt(s, stored):
    routed = submit(s)
    add_event(s, routed.reference, reply_event(s, raw_key="in/r1.eml"))
    page = console_of(s, RawMails({"in/r1.eml": stored})).request_page(routed.reference, ADMIN)
    assert reply_entry(page).reply["text"] == "Nous la…"


def test_a_reply_without_raw_key_or_raw_store_shows_its_excerpt(s):
    routed = submit(s)
    add_event(s, routed.reference, reply_event(s))
    assert reply_entry(console_of(s).request_page(routed.reference, ADMIN)).reply["text"] == "Nous la…"
    assert reply_entry(console_of(s, RawMails({})).request_page(routed.reference, ADMIN)).reply["text"] == "Nous la…"


def test_an_event_with_a_raw_key_that_is_no_reply_has_no_reply(s):
    routed = submit(s)
    add_event(s, routed.reference, Event(s.clock.now().iso, "reminded", "system", {"raw_key": "in/r1.eml"}))
    page = console_of(s, RawMails({"in/r1.eml": REPLY})).request_page(routed.reference, ADMIN)
    (entry,) = [e for e in page.timeline if e.type == "reminded"]
    assert entry.reply is None


def test_an_association_with_room_is_not_full(s, console):
    nowhere = submit(s, postal_code="75001", city="Paris")
    page = console.request_page(nowhere.reference, OPERATOR)
    assert page.associations[0] == {
        "id": "first-asso",
        "name": "Association first-asso",
        "capacity": 1,
        "load": 0,
        "full": False,
    }
    assert page.association is None


def test_a_whole_load_share_is_a_hundred_percent():
    candidates, _ = routing_explanation({"candidates": [{"id": "a", "load_share": 1}]}, snapshot_of())
    assert candidates[0]["load_share"] == 100


QUOTED = (
    b"From: asso@asso.example.org\r\nTo: contact@reseau.example.org\r\nSubject: Re: demande\r\n"
    b"Message-ID: <r2@asso.example.org>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nOui, avec plaisir.\r\n\r\n"
    b"Le 24/11/2026, contact@reseau.example.org a \xc3\xa9crit :\r\n> Une demande vous attend.\r\n"
)


def test_a_reply_shows_its_own_text_without_the_quoted_history(s):
    routed = submit(s)
    add_event(s, routed.reference, reply_event(s, raw_key="in/r2.eml"))
    page = console_of(s, RawMails({"in/r2.eml": QUOTED})).request_page(routed.reference, ADMIN)
    assert reply_entry(page).reply["text"] == "Oui, avec plaisir."


def test_a_replys_attached_documents_are_not_read_when_its_page_opens(s, caplog):
    # Its own text is what the page shows; reading a document here would be unbounded in
    # time, and pypdf's warnings about it would reach the web process's log.
    from email.message import EmailMessage

    from tests.corpus.documents import pdf_with_stale_startxref

    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "asso@asso.example.org", "contact@reseau.example.org", "Re: demande"
    m.set_content("Oui, ci-joint notre fiche.")
    m.add_attachment(
        pdf_with_stale_startxref(["Léo Marchand"]), maintype="application", subtype="pdf", filename="fiche.pdf"
    )
    routed = submit(s)
    add_event(s, routed.reference, reply_event(s, raw_key="in/r3.eml"))
    with caplog.at_level("DEBUG"):
        page = console_of(s, RawMails({"in/r3.eml": m.as_bytes()})).request_page(routed.reference, ADMIN)
    assert reply_entry(page).reply["text"] == "Oui, ci-joint notre fiche."
    assert [r.name for r in caplog.records if r.name.startswith("pypdf")] == []
