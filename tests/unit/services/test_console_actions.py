"""The console's actions on a request as an operator lives them: "Attribuer" (the reason
kept, capacity held unless an admin overrides it, the refusals in French and their HTTP
status), "Router à nouveau", "Clore", "Renvoyer l'e-mail", "Effacer" (admins only, the
stored mails scrubbed), and the routing cache's load that follows each move. In-memory
stores."""

from __future__ import annotations

import pytest

from chalicelib.domain.operators import Operator, Role
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.console import ConsoleRefusal, ConsoleService, UnknownRequest
from chalicelib.services.directory import DirectoryService
from chalicelib.services.ports import Refusal, Rejected
from tests.builders import association, make_memory_services, request_of, youth

OPERATOR = Operator("op@reseau.example.org", Role.OPERATOR)
ADMIN = Operator("admin@reseau.example.org", Role.ADMIN)
DIRECTORY = [
    association("first-asso", departements=[], communes=["59512"], needs=["scolaire"], capacity=1),
    association("second-asso", needs=["scolaire"], capacity=5),
    association("sleeping-asso", active=False),
]
LILLE = {"postal_code": "59000", "city": "Lille"}  # second-asso only
PARIS = {"postal_code": "75001", "city": "Paris"}  # nobody


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def console_of(s, requests=None, directory=None, outbox="default"):
    return ConsoleService(
        requests=requests or s.stores.requests,
        queue=s.stores.requests,
        directory=directory or s.directory,
        mails=s.mails,
        clock=s.clock,
        settings=s.settings,
        outbox=s.stores.outbox if outbox == "default" else outbox,
    )


@pytest.fixture
def console(s):
    return console_of(s)


def submit(s, **overrides):
    return s.submit(request_of(youth(**overrides), Channel.FORM))


def stored(s, reference):
    return s.requests.get(reference)


def last_event(s, reference):
    return stored(s, reference)["events"][-1]


def refusal(call, *args, **kwargs):
    with pytest.raises(ConsoleRefusal) as refused:
        call(*args, **kwargs)
    assert str(refused.value) == refused.value.message
    return refused.value.message, refused.value.status


# -- Attribuer ----------------------------------------------------------------------------------


def test_an_assignment_keeps_its_reason_trimmed_and_moves_the_request(s, console):
    routed = submit(s)
    after = console.assign(routed.reference, OPERATOR, "second-asso", "  " + "r" * 600 + "  ")
    assert after.association_id == "second-asso"
    event = last_event(s, routed.reference)
    assert (event["type"], event["actor"]) == ("assigned", OPERATOR.email)
    assert event["detail"] == {
        "association": "second-asso",
        "previous": "first-asso",
        "reason": "r" * 500,
        "mode": "manual",
    }
    assert stored(s, routed.reference)["association"]["id"] == "second-asso"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_assignment_without_reason_keeps_an_empty_one(s, console, reason):
    nowhere = submit(s, **PARIS)
    console.assign(nowhere.reference, OPERATOR, "second-asso", reason)
    assert last_event(s, nowhere.reference)["detail"] == {
        "association": "second-asso",
        "previous": None,
        "reason": "",
        "mode": "manual",
    }


def test_only_an_admin_may_override_capacity(s, console):
    routed = submit(s, **LILLE)
    assert refusal(console.assign, routed.reference, OPERATOR, "first-asso", "", override_capacity=True) == (
        "Seuls les administrateurs peuvent dépasser la capacité d'une association.",
        403,
    )


@pytest.mark.parametrize("target", ["sleeping-asso", "nobody", "", None])
def test_an_assignment_to_an_inactive_or_unknown_association_is_refused(s, console, target):
    nowhere = submit(s, **PARIS)
    assert refusal(console.assign, nowhere.reference, OPERATOR, target, "") == (
        "Choisissez une association active de l'annuaire.",
        422,
    )


def test_a_full_association_is_refused_with_its_load_and_capacity(s, console):
    submit(s)  # first-asso: 1 of 1
    nowhere = submit(s, **PARIS)
    assert refusal(console.assign, nowhere.reference, OPERATOR, "first-asso", "") == (
        "Association first-asso est complète (1 demandes en attente pour une capacité de 1). "
        "Choisissez une autre association.",
        409,
    )
    assert refusal(console.assign, nowhere.reference, ADMIN, "first-asso", "") == (
        "Association first-asso est complète (1 demandes en attente pour une capacité de 1). "
        "Choisissez une autre association, ou cochez « Dépasser la capacité ».",
        409,
    )
    after = console.assign(nowhere.reference, ADMIN, "first-asso", "urgent", override_capacity=True)
    assert after.association_id == "first-asso"
    assert s.directory.directory()[1]["first-asso"] == 2


def test_an_unknown_reference_cannot_be_assigned(console):
    with pytest.raises(UnknownRequest):
        console.assign("MNT-NONE-NONE", OPERATOR, "second-asso", "")


class Refusing:
    """The request store, refusing every commit with `what`."""

    def __init__(self, store, what):
        self.store, self.what, self.commits = store, what, 0

    def commit_change(self, transition):
        self.commits += 1
        raise Rejected(self.what)

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_an_assignment_refused_by_contention_each_time_gives_up_after_five_tries(s):
    nowhere = submit(s, **PARIS)
    store = Refusing(s.stores.requests, Refusal.CAPACITY)
    assert refusal(console_of(s, requests=store).assign, nowhere.reference, OPERATOR, "second-asso", "") == (
        "L'association est très sollicitée en ce moment : réessayez.",
        503,
    )
    assert store.commits == 5
    assert stored(s, nowhere.reference)["status"] == "needs_triage"


def test_an_assignment_on_a_request_that_moved_meanwhile_says_so(s):
    nowhere = submit(s, **PARIS)
    store = Refusing(s.stores.requests, Refusal.STALE)
    assert refusal(console_of(s, requests=store).assign, nowhere.reference, OPERATOR, "second-asso", "") == (
        "La demande a changé entre-temps : rechargez la page.",
        409,
    )
    assert store.commits == 1


def test_an_erased_request_cannot_be_assigned_rerouted_or_mailed_again(s, console):
    routed = submit(s)
    console.erase(routed.reference, ADMIN)
    erased = ("Les données de cette demande ont été effacées : elle ne peut plus être routée.", 409)
    assert refusal(console.assign, routed.reference, OPERATOR, "second-asso", "") == erased
    assert refusal(console.reroute, routed.reference, OPERATOR, True) == erased
    assert refusal(console.resend, routed.reference, OPERATOR) == erased


# -- Router à nouveau ---------------------------------------------------------------------------


def test_a_manual_assignment_is_routed_again_only_once_confirmed(s, console):
    routed = submit(s, **PARIS)
    console.assign(routed.reference, OPERATOR, "second-asso", "")
    assert refusal(console.reroute, routed.reference, OPERATOR) == (
        "Cette demande a été attribuée à la main : cochez « Confirmer » pour la router à nouveau.",
        409,
    )
    after = console.reroute(routed.reference, OPERATOR, confirmed=True)
    assert after.status.value == "needs_triage"
    assert [(e["type"], e["actor"], e["detail"]) for e in stored(s, routed.reference)["events"][-2:]] == [
        ("rerouted", OPERATOR.email, {"association": "second-asso", "mode": "operator"}),
        ("needs_triage", "routing", {"reason": "no association covers département 75"}),
    ]


def test_routing_again_to_the_same_association_is_refused(s, console):
    routed = submit(s, **LILLE)
    assert refusal(console.reroute, routed.reference, OPERATOR) == (
        "Le routage désigne la même association : rien n'a changé.",
        409,
    )


def test_a_request_nobody_covers_can_be_routed_again_and_stays_to_triage(s, console):
    nowhere = submit(s, **PARIS)
    after = console.reroute(nowhere.reference, OPERATOR)
    assert after.status.value == "needs_triage"
    assert [(e["type"], e["actor"], e["detail"]) for e in stored(s, nowhere.reference)["events"][-2:]] == [
        ("rerouted", OPERATOR.email, {"association": None, "mode": "operator"}),
        ("needs_triage", "routing", {"reason": "no association covers département 75"}),
    ]


def test_a_closed_request_cannot_be_routed_again(s, console):
    nowhere = submit(s, **PARIS)
    console.close(nowhere.reference, OPERATOR, "duplicate")
    assert refusal(console.reroute, nowhere.reference, OPERATOR) == (
        "Seule une demande à trier ou en attente peut être routée à nouveau.",
        409,
    )


# -- Clore, Renvoyer ------------------------------------------------------------------------------


def test_closing_needs_a_listed_reason_and_happens_once(s, console):
    nowhere = submit(s, **PARIS)
    assert refusal(console.close, nowhere.reference, OPERATOR, "bored") == ("Choisissez le motif de clôture.", 422)
    after = console.close(nowhere.reference, OPERATOR, "unreachable")
    assert after.status.value == "closed"
    assert refusal(console.close, nowhere.reference, OPERATOR, "duplicate") == (
        "Cette action n'est pas possible dans l'état actuel de la demande.",
        409,
    )


def test_the_association_mail_is_sent_again_only_while_an_association_waits(s, console):
    routed = submit(s)
    console.resend(routed.reference, OPERATOR)
    assert (last_event(s, routed.reference)["type"], last_event(s, routed.reference)["actor"]) == (
        "mail_resent",
        OPERATOR.email,
    )
    nowhere = submit(s, **PARIS)
    assert refusal(console.resend, nowhere.reference, OPERATOR) == (
        "Aucune association n'attend de réponse sur cette demande.",
        409,
    )


# -- Effacer --------------------------------------------------------------------------------------


def test_only_an_admin_may_erase(s, console):
    routed = submit(s)
    assert refusal(console.erase, routed.reference, OPERATOR) == (
        "Cette action est réservée aux administrateurs du réseau.",
        403,
    )
    assert stored(s, routed.reference)["status"] == "routed"
    assert "erased" not in [e["type"] for e in stored(s, routed.reference)["events"]]


def mail_states(s, reference):
    record = s.stores.requests.get(reference, s.clock.now().epoch).to_record()
    ids = s.stores.requests.record_mail_ids(record["id"], s.clock.now().epoch)
    return [s.stores.outbox.mail_state(i) for i in ids]


def test_an_erasure_scrubs_and_cancels_the_stored_mails(s, console):
    routed = submit(s)
    assert all(m["to"] for m in mail_states(s, routed.reference))
    console.erase(routed.reference, ADMIN)
    states = mail_states(s, routed.reference)
    assert len(states) == 2
    assert [(m["state"], m["to"], m["subject"], m["text"]) for m in states] == [("cancelled", [], "", "")] * 2


def test_an_erasure_without_an_outbox_leaves_the_mails(s):
    routed = submit(s)
    console_of(s, outbox=None).erase(routed.reference, ADMIN)
    assert [m["state"] for m in mail_states(s, routed.reference)] == ["pending", "pending"]


class FailingOutbox:
    def __init__(self, outbox, failing):
        self.outbox, self.failing = outbox, failing

    def erase_mail(self, mail_id, now):
        if mail_id in self.failing:
            raise RuntimeError("down")
        return self.outbox.erase_mail(mail_id, now)


def test_one_mail_not_scrubbed_leaves_the_others_scrubbed(s):
    routed = submit(s)
    record = s.stores.requests.get(routed.reference, s.clock.now().epoch).to_record()
    first, second = s.stores.requests.record_mail_ids(record["id"], s.clock.now().epoch)
    console_of(s, outbox=FailingOutbox(s.stores.outbox, {first})).erase(routed.reference, ADMIN)
    assert s.stores.outbox.mail_state(first)["state"] == "pending"
    assert s.stores.outbox.mail_state(second)["state"] == "cancelled"
    assert stored(s, routed.reference)["events"][-1]["type"] == "erased"


# -- the routing cache's load ----------------------------------------------------------------------


@pytest.fixture
def cached(s, clock):
    """A directory cache that never expires: its load counts move only with the actions."""
    return DirectoryService(
        store=s.stores.directory, mail_log=s.stores.mail_log, monotonic=lambda: 0.0, ttl_seconds=3600, clock=clock
    )


def loads(directory):
    return {k: v for k, v in directory.snapshot().load.items() if v}


def test_the_cached_load_follows_an_assignment_to_another_association(s, cached):
    routed = submit(s)
    console = console_of(s, directory=cached)
    assert loads(cached) == {"first-asso": 1}
    console.assign(routed.reference, OPERATOR, "second-asso", "")
    assert loads(cached) == {"second-asso": 1}


def test_the_cached_load_stays_on_an_assignment_to_the_same_association(s, cached):
    routed = submit(s, **LILLE)
    console = console_of(s, directory=cached)
    assert loads(cached) == {"second-asso": 1}
    console.assign(routed.reference, OPERATOR, "second-asso", "")
    assert loads(cached) == {"second-asso": 1}


def test_the_cached_load_follows_a_triage_assignment_and_a_close(s, cached):
    nowhere = submit(s, **PARIS)
    console = console_of(s, directory=cached)
    assert loads(cached) == {}
    console.assign(nowhere.reference, OPERATOR, "second-asso", "")
    assert loads(cached) == {"second-asso": 1}
    console.close(nowhere.reference, OPERATOR, "duplicate")
    assert loads(cached) == {}


def test_the_cached_load_follows_a_confirmed_reroute(s, cached):
    routed = submit(s, **PARIS)
    console = console_of(s, directory=cached)
    console.assign(routed.reference, OPERATOR, "second-asso", "")
    console.reroute(routed.reference, OPERATOR, confirmed=True)
    assert loads(cached) == {}


class BlankKeyRefusing:
    """As DynamoDB: an empty string is no valid key value."""

    def __init__(self, store):
        self.store = store

    def get(self, reference, now):
        if not reference:
            raise ValueError("empty key")
        return self.store.get(reference, now)

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_blank_reference_is_unknown_without_reading_the_store(s):
    console = console_of(s, requests=BlankKeyRefusing(s.stores.requests))
    with pytest.raises(UnknownRequest):
        console.close("", OPERATOR, "duplicate")


# -- refusals of the store, raw mails on erasure ----------------------------------------------------


def test_a_reroute_on_a_request_that_moved_meanwhile_says_so(s):
    nowhere = submit(s, **PARIS)
    console = console_of(s, requests=Refusing(s.stores.requests, Refusal.STALE))
    assert refusal(console.reroute, nowhere.reference, OPERATOR) == (
        "La demande a changé entre-temps : rechargez la page.",
        409,
    )


@pytest.mark.parametrize("what", [Refusal.STALE, Refusal.CONFLICT])
def test_a_close_or_resend_that_lost_a_race_says_so(s, what):
    routed = submit(s)
    console = console_of(s, requests=Refusing(s.stores.requests, what))
    assert refusal(console.close, routed.reference, OPERATOR, "duplicate") == (
        "La demande a changé entre-temps : rechargez la page.",
        409,
    )
    assert refusal(console.resend, routed.reference, OPERATOR) == (
        "La demande a changé entre-temps : rechargez la page.",
        409,
    )
    assert stored(s, routed.reference)["status"] == "routed"


def test_a_store_refusal_of_another_kind_is_no_console_refusal(s):
    routed = submit(s)
    console = console_of(s, requests=Refusing(s.stores.requests, Refusal.REFERENCE))
    with pytest.raises(Rejected):
        console.close(routed.reference, OPERATOR, "duplicate")
    with pytest.raises(Rejected):
        console.assign(routed.reference, OPERATOR, "second-asso", "")


class ErasingRefused:
    def __init__(self, store):
        self.store = store

    def erase(self, transition, timeline):
        raise Rejected(Refusal.STALE)

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_an_erasure_that_lost_a_race_says_so_and_scrubs_nothing(s):
    routed = submit(s)
    console = ConsoleService(
        requests=s.stores.requests,
        queue=ErasingRefused(s.stores.requests),
        directory=s.directory,
        mails=s.mails,
        clock=s.clock,
        settings=s.settings,
        outbox=s.stores.outbox,
    )
    assert refusal(console.erase, routed.reference, ADMIN) == (
        "La demande a changé entre-temps : rechargez la page.",
        409,
    )
    assert [m["state"] for m in mail_states(s, routed.reference)] == ["pending", "pending"]


class RawMails:
    def __init__(self, failing=()):
        self.deleted, self.failing = [], set(failing)

    def delete(self, key):
        self.deleted.append(key)
        if key in self.failing:
            raise OSError("gone")


def add_reply(s, reference, raw_key):
    from chalicelib.domain.change import Event

    record = s.stores.requests.get(reference, s.clock.now().epoch).to_record()
    assert s.stores.requests.append_event(
        record["id"],
        Event(s.clock.now().iso, "reply_received", "mail", {"raw_key": raw_key, "excerpt": "ok"}),
        len(record["events"]),
        int(record["expires_at"]),
    )


def test_an_erasure_deletes_each_raw_reply_once_and_goes_on_after_a_failure(s):
    routed = submit(s)
    for key in ("in/a.eml", "in/b.eml", "in/a.eml", ""):
        add_reply(s, routed.reference, key)
    raw = RawMails(failing={"in/a.eml"})
    console = ConsoleService(
        requests=s.stores.requests,
        queue=s.stores.requests,
        directory=s.directory,
        mails=s.mails,
        clock=s.clock,
        settings=s.settings,
        raw_mail=raw,
        outbox=s.stores.outbox,
    )
    console.erase(routed.reference, ADMIN)
    assert raw.deleted == ["in/a.eml", "in/b.eml"]
    assert [m["state"] for m in mail_states(s, routed.reference)] == ["cancelled", "cancelled"]


def test_an_association_with_room_up_to_its_capacity_is_assigned(s, console):
    nowhere = submit(s, **PARIS)
    after = console.assign(nowhere.reference, OPERATOR, "first-asso", "")
    assert after.association_id == "first-asso"


def test_no_mail_is_sent_again_to_an_association_gone_from_the_directory(s, console):
    routed = submit(s)
    s.directory.replace(DIRECTORY[1:])
    assert refusal(console.resend, routed.reference, OPERATOR) == (
        "Aucune association n'attend de réponse sur cette demande.",
        409,
    )
