"""The directory's readable diff and "Simuler" (domain/directory_changes.py): pure."""

from __future__ import annotations

from chalicelib.domain import directory_changes as dc
from chalicelib.domain.models import Association
from chalicelib.domain.request import Request
from chalicelib.domain.routing import DirectoryIndex
from tests.builders import association

AT = "2026-11-20T10:00:00.000000Z"


def index(*entries):
    return DirectoryIndex([Association.model_validate(e) for e in entries])


def request(
    ref,
    status="routed",
    association_id=None,
    manual=False,
    need="scolaire",
    age=15,
    departement="59",
    commune="59350",
    region="32",
    excluded=None,
    declined=(),
):
    record = {
        "id": ref.lower(),
        "reference": ref,
        "channel": "form",
        "status": status,
        "created_at": AT,
        "updated_at": AT,
        "fields": {"age": age, "need": need, "situation": "college", "publics": []},
        "place": {
            "postal_code": None,
            "commune_code": commune,
            "commune_name": None,
            "departement": departement,
            "region": region,
        },
        "association_id": association_id,
        "association": {"id": association_id, "name": association_id},
        "routing": {"excluded": excluded if excluded is not None else {"territory": ["x"]}},
        "declined": list(declined),
        "manual": manual,
    }
    return Request.from_record(record)


# -- diff ---------------------------------------------------------------------------------


def test_the_diff_names_additions_removals_and_each_changed_field_in_french():
    before = [association("a-asso", capacity=40), association("b-asso")]
    after = [association("a-asso", capacity=30, departements=["59", "62"]), association("c-asso", name="Nouvelle")]
    changes = dc.diff(before, after)
    assert [dc.describe(c) for c in changes] == [
        "« Association a-asso » (a-asso), départements : 59 → 59, 62",
        "« Association a-asso » (a-asso), capacité : 40 → 30",
        "Association retirée : « Association b-asso » (b-asso)",
        "Association ajoutée : « Nouvelle » (c-asso)",
    ]
    assert dc.summary(changes) == "1 association modifiée, 1 ajoutée, 1 retirée"


def test_the_diff_reads_values_as_people_do():
    before = [association("a-asso", capacity=None, active=True, ages={"min": 6, "max": 25}, situations=[])]
    after = [association("a-asso", capacity=0, active=False, ages={"min": 11, "max": 25}, situations=["college"])]
    assert [dc.describe(c) for c in dc.diff(before, after)] == [
        "« Association a-asso » (a-asso), active : oui → non",
        "« Association a-asso » (a-asso), âges : 6 à 25 ans → 11 à 25 ans",
        "« Association a-asso » (a-asso), situations : toutes → college",
        "« Association a-asso » (a-asso), capacité : sans limite → 0",
    ]


def test_a_reordered_list_is_a_change_only_for_needs_whose_first_one_scores():
    before = [association("a-asso", departements=["59", "62"], needs=["scolaire", "orientation"])]
    same_set = [association("a-asso", departements=["62", "59"], needs=["scolaire", "orientation"])]
    first_need = [association("a-asso", departements=["59", "62"], needs=["orientation", "scolaire"])]
    assert dc.diff(before, same_set) == [] and dc.summary([]) == "aucun changement"
    assert [c["field"] for c in dc.diff(before, first_need)] == ["needs"]


def test_reordered_addresses_are_a_change_since_the_first_one_receives_the_requests():
    before = [association("a-asso", emails=["un@a.example.org", "deux@a.example.org"])]
    after = [association("a-asso", emails=["deux@a.example.org", "un@a.example.org"])]
    assert [dc.describe(c) for c in dc.diff(before, after)] == [
        "« Association a-asso » (a-asso), adresses e-mail : un@a.example.org, deux@a.example.org"
        " → deux@a.example.org, un@a.example.org"
    ]


def test_address_changes_name_each_association_mailed_elsewhere_and_which_were_there_before():
    before = [
        association("kept"),
        association("moved", emails=["un@m.example.org", "deux@m.example.org"]),
        association("gone"),
        association("other", capacity=3),
    ]
    after = [
        association("kept", capacity=1),
        association("moved", emails=["deux@m.example.org"]),
        association("new", name="Nouvelle"),
        association("other", capacity=4),
    ]
    assert dc.address_changes(before, after) == [
        dc.AddressChange("gone", "Association gone", ("gone@asso.example.org",), ()),
        dc.AddressChange(
            "moved", "Association moved", ("un@m.example.org", "deux@m.example.org"), ("deux@m.example.org",)
        ),
        dc.AddressChange("new", "Nouvelle", (), ("new@asso.example.org",)),
    ]
    assert [c.kept for c in dc.address_changes(before, after)] == [False, True, False]
    assert dc.address_changes(before, before) == []


def test_fields_the_form_does_not_know_are_compared_too():
    before = [{**association("a-asso"), "recruits_mentors": False}]
    after = [{**association("a-asso"), "recruits_mentors": True}]
    assert [dc.describe(c) for c in dc.diff(before, after)] == [
        "« Association a-asso » (a-asso), recrute des mentors : non → oui"
    ]


# -- simulate -----------------------------------------------------------------------------


def test_a_capacity_cut_moves_routed_requests_out_and_names_where_they_go():
    # b-asso's first need is not scolaire: a-asso wins while it has room.
    second = association("b-asso", needs=["orientation", "scolaire"])
    current = index(association("a-asso", capacity=10), second)
    proposed = index(association("a-asso", capacity=1), second)
    load = {"a-asso": 3}
    requests = [request(f"MNT-{i}", association_id="a-asso") for i in range(3)]
    sim = dc.simulate(requests, current, proposed, load)
    assert (sim.requests, sim.rerouted, sim.moved, sim.unchanged) == (3, 3, 3, 0)
    assert [(e.id, e.moving_in, e.moving_out) for e in sim.effects] == [("a-asso", 0, 3), ("b-asso", 3, 0)]
    assert sim.to_triage == []
    assert [(m.before, m.after) for m in sim.moves] == [("a-asso", "b-asso")] * 3


def test_requests_that_would_go_to_triage_are_counted_by_reason():
    current = index(association("a-asso"), association("b-asso", departements=["62"]))
    proposed = index(association("b-asso", departements=["62"]))
    requests = [
        request("MNT-1", association_id="a-asso"),
        request("MNT-2", association_id="a-asso"),
        request("MNT-3", association_id="b-asso", departement="62", commune="62041"),
    ]
    sim = dc.simulate(requests, current, proposed, {"a-asso": 2, "b-asso": 1})
    assert sim.to_triage == [("no association covers département 59", 2)]
    assert [(e.id, e.moving_in, e.moving_out) for e in sim.effects] == [("a-asso", 0, 2)]
    assert sim.unchanged == 1


def test_manual_accepted_closed_and_held_requests_never_move():
    current = index(association("a-asso"))
    proposed = index(association("a-asso", active=False))
    requests = [
        request("MNT-M", association_id="a-asso", manual=True),
        request("MNT-A", status="accepted", association_id="a-asso"),
        request("MNT-C", status="closed"),
        request("MNT-H", status="needs_triage", excluded={}),  # mail intake held it before routing
        request("MNT-R", association_id="a-asso"),
    ]
    sim = dc.simulate(requests, current, proposed, {"a-asso": 2})
    assert (sim.manual, sim.answered, sim.held, sim.rerouted) == (1, 2, 1, 1)
    assert [m.reference for m in sim.moves] == ["MNT-R"]
    assert sim.to_triage == [("no active association in the directory", 1)]


def test_a_request_in_triage_that_the_change_would_route_leaves_triage():
    current = index(association("a-asso", needs=["orientation"]))
    proposed = index(association("a-asso", needs=["orientation", "scolaire"]))
    triaged = request("MNT-T", status="needs_triage", excluded={"need": ["a-asso"]})
    sim = dc.simulate([triaged], current, proposed, {})
    assert sim.from_triage == 1 and [(e.id, e.moving_in) for e in sim.effects] == [("a-asso", 1)]


def test_an_unchanged_directory_moves_nothing_whatever_the_load():
    directory = index(association("a-asso", capacity=2), association("b-asso", capacity=9))
    requests = [request(f"MNT-{i}", association_id="a-asso" if i % 2 else "b-asso") for i in range(6)]
    sim = dc.simulate(requests, directory, directory, {"a-asso": 2, "b-asso": 4})
    assert sim.moved == 0 and sim.effects == [] and sim.new_gaps == [] and sim.unchanged == 6


def test_each_request_is_routed_as_if_its_own_place_were_free():
    # a-asso holds this request at its capacity of 1: routing it again, its own place counts as free.
    second = association("b-asso", needs=["orientation", "scolaire"])
    current = index(association("a-asso", capacity=1), second)
    proposed = index(association("a-asso", capacity=1, publics=["qpv"]), second)
    sim = dc.simulate([request("MNT-1", association_id="a-asso")], current, proposed, {"a-asso": 1})
    assert sim.moved == 0 and sim.unchanged == 1


def test_coverage_gaps_new_closed_and_remaining_over_the_requests_departements():
    current = index(
        association("a-asso", needs=["scolaire", "orientation"]),
        association("b-asso", departements=[], communes=["62041"], needs=["scolaire"]),
    )
    proposed = index(
        association("a-asso", needs=["orientation", "insertion_pro"]),
        association("b-asso", departements=[], communes=["62041"], needs=["scolaire"]),
    )
    requests = [
        request("MNT-1", association_id="a-asso"),
        request("MNT-2", status="closed", departement="62", commune="62041"),
    ]
    sim = dc.simulate(requests, current, proposed, {})
    assert [(g.departement, g.need) for g in sim.new_gaps] == [("59", "scolaire")]
    assert [(g.departement, g.need) for g in sim.closed_gaps] == [("59", "insertion_pro")]
    # Pas-de-Calais: one commune's association serves part of it (no gap for scolaire).
    assert [(g.departement, g.need) for g in sim.remaining_gaps] == [("62", "orientation"), ("62", "insertion_pro")]
    assert sim.new_gaps[0].departement_name == "Nord" and sim.gap_scope == "requests"


def test_coverage_gaps_over_every_departement_on_request():
    national = index(association("n-asso", departements=[], national=True, needs=["scolaire"]))
    sim = dc.simulate([], national, national, {}, all_departements={"59": "Nord", "976": "Mayotte"})
    assert [(g.departement, g.need) for g in sim.remaining_gaps] == [
        ("59", "orientation"),
        ("59", "insertion_pro"),
        ("976", "orientation"),
        ("976", "insertion_pro"),
    ]
    assert sim.gap_scope == "all" and sim.new_gaps == []


def test_codes_are_split_and_checked_against_the_official_data():
    assert dc.split_codes("59, 62 ;2a\n 59") == ["59", "62", "2A"]
    assert dc.unknown_codes("departements", ["59", "2A", "99", "976"]) == ["99"]
    assert dc.unknown_codes("regions", ["32", "99"]) == ["99"]
    assert dc.unknown_codes("communes", ["59350", "59999"]) == ["59999"]
