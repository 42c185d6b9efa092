"""The directory's change summary and lines in French (plurals, unknown fields, empty
values), and what "Simuler" and the coverage gaps count."""

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


def request(ref, association_id):
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
        [request("MNT-1", "b-asso")], directory, directory, {"b-asso": 1}, weights=RoutingWeights(national=10)
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
    r = request(ref, None).to_record()
    r["status"] = "needs_triage"
    r["routing"] = {"excluded": {"need": ["a-asso"]}}
    return Request.from_record(r)


def manual_request(ref):
    r = request(ref, "a-asso").to_record()
    r["manual"] = True
    return Request.from_record(r)


def held_request(ref):
    r = request(ref, None).to_record()
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
    sim = dc.simulate([request("MNT-1", "a-asso")], current, grown, {"a-asso": 1})
    assert (sim.unchanged, sim.moves) == (1, [])
    # Another request holds a second place: today a-asso is full without this one's, tomorrow it is not.
    sim = dc.simulate(
        [request("MNT-1", "a-asso")], current, index(association("a-asso", capacity=2), second), {"a-asso": 2}
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
    sim = dc.simulate([request(f"MNT-{i:02d}", "a-asso") for i in range(21)], current, proposed, {})
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
    young = request("MNT-Y", "a-asso").to_record()
    young["fields"]["age"] = 15
    young["place"] = {**young["place"], "departement": "62", "commune_code": "62041", "region": "32"}
    requests = [request("MNT-1", "a-asso"), request("MNT-2", "a-asso"), Request.from_record(young)]
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
