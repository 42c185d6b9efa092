"""The directory's readable diff and "Simuler" (domain/directory_changes.py): pure."""

from __future__ import annotations

import pytest

from chalicelib.domain import directory_changes as dc
from chalicelib.domain.models import Association
from chalicelib.domain.request import Request
from chalicelib.domain.routing import DirectoryIndex, RoutingWeights
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


# -- The directory's change summary and lines in French (plurals, unknown fields, empty values), and
# what "Simuler" and the coverage gaps count.


def routed_request(ref, association_id):
    return Request.from_record(
        {
            "id": ref.lower(),
            "reference": ref,
            "channel": "form",
            "status": "routed",
            "created_at": AT,
            "updated_at": AT,
            "fields": {"age": 15, "need": "scolaire", "situation": "college", "publics": []},
            "place": {
                "postal_code": None,
                "commune_code": "59350",
                "commune_name": None,
                "departement": "59",
                "region": "32",
            },
            "association_id": association_id,
            "association": {"id": association_id, "name": association_id},
            "routing": {"excluded": {"territory": ["x"]}},
            "declined": [],
            "manual": False,
        }
    )


def changes(added=0, removed=0, modified=(), fields_each=1):
    out = [{"kind": "added", "id": f"n{i}", "name": None} for i in range(added)]
    out += [{"kind": "removed", "id": f"r{i}", "name": None} for i in range(removed)]
    for aid in modified:
        out += [
            {"kind": "changed", "id": aid, "name": None, "field": "capacity", "old": i, "new": i + 1}
            for i in range(fields_each)
        ]
    return out


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({}, "aucun changement"),
        ({"added": 1}, "1 ajoutée"),
        ({"added": 2}, "2 ajoutées"),
        ({"removed": 1}, "1 retirée"),
        ({"removed": 3}, "3 retirées"),
        ({"modified": ["a"]}, "1 association modifiée"),
        ({"modified": ["a"], "fields_each": 4}, "1 association modifiée"),  # associations, not fields
        ({"modified": ["a", "b"]}, "2 associations modifiées"),
        ({"added": 2, "removed": 1, "modified": ["a", "b", "c"]}, "3 associations modifiées, 2 ajoutées, 1 retirée"),
        ({"added": 1, "removed": 2}, "1 ajoutée, 2 retirées"),
    ],
)
def test_a_version_is_summed_up_in_one_french_line_with_its_plurals(kwargs, text):
    assert dc.summary(changes(**kwargs)) == text


def test_a_field_without_french_name_is_shown_by_its_own_name_and_an_empty_value_as_a_dash():
    before = [association("a-asso")]
    after = [{**association("a-asso"), "website": "https://a.example.org"}]
    assert [dc.describe(c) for c in dc.diff(before, after)] == [
        "« Association a-asso » (a-asso), website : — → https://a.example.org"
    ]


@pytest.mark.parametrize(
    "name, value, text",
    [
        ("capacity", None, "sans limite"),
        ("mentor_capacity", None, "sans limite"),
        ("publics", None, "—"),
        ("active", False, "non"),
        ("recruits_mentors", True, "oui"),
        ("ages", {"min": 6, "max": 25}, "6 à 25 ans"),
        ("situations", [], "toutes"),
        ("publics", [], "aucun"),
        ("needs", ["scolaire", "orientation"], "scolaire, orientation"),
        ("capacity", 0, "0"),
    ],
)
def test_values_read_as_people_say_them(name, value, text):
    assert dc.format_value(name, value) == text


def test_a_change_without_a_name_is_named_by_its_id():
    assert dc.describe({"kind": "added", "id": "x-asso", "name": None}) == "Association ajoutée : « x-asso » (x-asso)"
    assert dc.describe({"kind": "removed", "id": "y", "name": "Y"}) == "Association retirée : « Y » (y)"


def test_simulation_routes_before_and_after_with_the_configured_weights():
    # Nationals weigh 10 here: b-asso (national, first need scolaire) beats a-asso (département, 6).
    directory = index(
        association("a-asso", needs=["orientation", "scolaire"]), association("b-asso", departements=[], national=True)
    )
    sim = dc.simulate(
        [routed_request("MNT-1", "b-asso")], directory, directory, {"b-asso": 1}, weights=RoutingWeights(national=10)
    )
    assert (sim.rerouted, sim.unchanged, sim.moved, sim.moves) == (1, 1, 0, [])


def test_a_departement_without_any_local_association_is_a_gap_for_every_need():
    elsewhere = index(association("a-asso", departements=["62"]))
    sim = dc.simulate([], elsewhere, elsewhere, {}, all_departements={"59": "Nord", "62": "Pas-de-Calais"})
    assert [(g.departement, g.departement_name, g.need) for g in sim.remaining_gaps] == [
        ("59", "Nord", "scolaire"),
        ("59", "Nord", "orientation"),
        ("59", "Nord", "insertion_pro"),
    ]
    assert dc.coverage_gaps(elsewhere.__class__([]), {"62": ""})[0].departement_name == "62"


def test_a_commune_listed_makes_its_departement_served_but_not_the_others():
    local = index(association("a-asso", departements=[], communes=["62041"], needs=["scolaire"]))
    gaps = dc.coverage_gaps(local, {"59": "Nord", "62": "Pas-de-Calais"})
    assert [(g.departement, g.need) for g in gaps] == [
        ("59", "scolaire"),
        ("59", "orientation"),
        ("59", "insertion_pro"),
        ("62", "orientation"),
        ("62", "insertion_pro"),
    ]
    inactive = index(association("a-asso", departements=[], communes=["62041"], needs=["scolaire"], active=False))
    assert len(dc.coverage_gaps(inactive, {"62": "Pas-de-Calais"})) == 3


def triage_request(ref):
    r = routed_request(ref, None).to_record()
    r["status"] = "needs_triage"
    r["routing"] = {"excluded": {"need": ["a-asso"]}}
    return Request.from_record(r)


def manual_request(ref):
    r = routed_request(ref, "a-asso").to_record()
    r["manual"] = True
    return Request.from_record(r)


def held_request(ref):
    r = routed_request(ref, None).to_record()
    r["status"] = "needs_triage"
    r["routing"] = {"excluded": {}}
    return Request.from_record(r)


def test_values_the_page_does_not_know_are_shown_as_written():
    assert dc.format_value("ages", "6-25") == "6-25"
    assert dc.format_value("contact", {"tel": "03"}) == "{'tel': '03'}"


def test_a_simulation_counts_each_kind_of_request_and_keeps_its_window():
    directory = index(association("a-asso"))
    sim = dc.simulate(
        [manual_request("MNT-M1"), manual_request("MNT-M2"), held_request("MNT-H1"), held_request("MNT-H2")],
        directory,
        directory,
        {"a-asso": 2},
    )
    assert (sim.days, sim.requests, sim.manual, sim.held, sim.rerouted) == (30, 4, 2, 2, 0)
    assert dc.simulate([], directory, directory, {}, days=7).days == 7


def test_a_request_s_own_place_is_freed_once_not_more():
    second = association("b-asso", needs=["orientation", "scolaire"])
    current = index(association("a-asso", capacity=1), second)
    # Holding its one place, the request stays where it is when the capacity grows.
    grown = index(association("a-asso", capacity=3), second)
    sim = dc.simulate([routed_request("MNT-1", "a-asso")], current, grown, {"a-asso": 1})
    assert (sim.unchanged, sim.moves) == (1, [])
    # Another request holds a second place: today a-asso is full without this one's, tomorrow it is not.
    sim = dc.simulate(
        [routed_request("MNT-1", "a-asso")], current, index(association("a-asso", capacity=2), second), {"a-asso": 2}
    )
    assert sim.moves == [dc.Move("MNT-1", "b-asso", "a-asso", None)]


def test_requests_leaving_triage_are_counted_each():
    current = index(association("a-asso", needs=["orientation"]))
    proposed = index(association("a-asso", needs=["orientation", "scolaire"]))
    sim = dc.simulate([triage_request("MNT-T1"), triage_request("MNT-T2")], current, proposed, {})
    assert (sim.from_triage, sim.moved) == (2, 2)
    assert sim.moves == [dc.Move("MNT-T1", None, "a-asso", None), dc.Move("MNT-T2", None, "a-asso", None)]


def test_moves_name_associations_and_reasons_and_show_the_first_twenty():
    current = index(association("a-asso", name="Tremplin"))
    proposed = index(association("a-asso", name="Tremplin", departements=["62"]), association("c-asso", name="Envol"))
    sim = dc.simulate([routed_request(f"MNT-{i:02d}", "a-asso") for i in range(21)], current, proposed, {})
    assert sim.moved == 21 and len(sim.moves) == 20
    assert sim.moves[0] == dc.Move("MNT-00", "a-asso", "c-asso", None)
    assert sim.effects == [
        dc.AssociationEffect("a-asso", "Tremplin", 0, 21),
        dc.AssociationEffect("c-asso", "Envol", 21, 0),
    ]
    assert sim.names == {"a-asso": "Tremplin", "c-asso": "Envol"}
    assert (sim.name("c-asso"), sim.name("x-asso"), sim.name(None)) == ("Envol", "x-asso", "")


def test_requests_sent_to_triage_are_grouped_by_reason_most_first():
    current = index(association("a-asso", ages={"min": 6, "max": 30}, departements=["59", "62"]))
    proposed = index(association("a-asso", ages={"min": 16, "max": 30}, departements=["62"]))
    young = routed_request("MNT-Y", "a-asso").to_record()
    young["fields"]["age"] = 15
    young["place"] = {**young["place"], "departement": "62", "commune_code": "62041", "region": "32"}
    requests = [routed_request("MNT-1", "a-asso"), routed_request("MNT-2", "a-asso"), Request.from_record(young)]
    sim = dc.simulate(requests, current, proposed, {})
    assert sim.to_triage == [
        ("no association covers département 59", 2),
        ("no association in the territory takes this age", 1),
    ]
    assert sim.moves[2] == dc.Move("MNT-Y", "a-asso", None, "no association in the territory takes this age")
    one_each = dc.simulate([requests[2], requests[1]], current, proposed, {})  # ties: by reason
    assert one_each.to_triage == [
        ("no association covers département 59", 1),
        ("no association in the territory takes this age", 1),
    ]
    young["reference"] = "MNT-Z"
    mostly_young = dc.simulate(requests[1:] + [Request.from_record(young)], current, proposed, {})
    assert mostly_young.to_triage == [
        ("no association in the territory takes this age", 2),
        ("no association covers département 59", 1),
    ]


def test_communes_of_several_associations_together_serve_a_departement():
    two = index(
        association("a-asso", departements=[], communes=["62041"], needs=["scolaire"]),
        association("b-asso", departements=[], communes=["62193"], needs=["orientation", "insertion_pro"]),
    )
    assert dc.coverage_gaps(two, {"62": "Pas-de-Calais"}) == []


def test_a_region_listed_serves_its_departements():
    regional = index(association("a-asso", departements=[], regions=["32"], needs=["scolaire"]))
    assert dc.coverage_gaps(regional, {"59": "Nord", "75": "Paris"}) == [
        dc.Gap("59", "Nord", "orientation", "Orientation (choisir une voie, un métier)"),
        dc.Gap("59", "Nord", "insertion_pro", "Insertion professionnelle (stage, alternance, emploi)"),
        dc.Gap("75", "Paris", "scolaire", "Soutien scolaire"),
        dc.Gap("75", "Paris", "orientation", "Orientation (choisir une voie, un métier)"),
        dc.Gap("75", "Paris", "insertion_pro", "Insertion professionnelle (stage, alternance, emploi)"),
    ]


def test_an_unknown_commune_in_the_directory_serves_no_departement():
    odd = index(association("a-asso", departements=[], communes=["99999"]))
    assert [g.need for g in dc.coverage_gaps(odd, {"59": "Nord"})] == ["scolaire", "orientation", "insertion_pro"]


def test_a_departement_code_the_territory_data_does_not_know_is_served_only_by_national_associations():
    national = index(association("n-asso", departements=[], national=True, needs=["scolaire"]))
    assert [(g.departement, g.need) for g in dc.coverage_gaps(national, {"99": ""})] == [
        ("99", "orientation"),
        ("99", "insertion_pro"),
    ]
