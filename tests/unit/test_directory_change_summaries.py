"""The directory's change summary and lines in French (plurals, unknown fields, empty
values), and what "Simuler" and the coverage gaps count."""

from __future__ import annotations

import pytest

from chalicelib.domain import directory_changes as dc
from chalicelib.domain.models import Association
from chalicelib.domain.request import Request
from chalicelib.domain.routing import DirectoryIndex, RoutingWeights
from tests.conftest import association

AT = "2026-11-20T10:00:00.000000Z"


def index(*entries):
    return DirectoryIndex([Association.model_validate(e) for e in entries])


def request(ref, association_id):
    return Request.from_record({
        "id": ref.lower(), "reference": ref, "channel": "form", "status": "routed", "created_at": AT, "updated_at": AT,
        "fields": {"age": 15, "need": "scolaire", "situation": "college", "publics": []},
        "place": {"postal_code": None, "commune_code": "59350", "commune_name": None, "departement": "59",
                  "region": "32"},
        "association_id": association_id, "association": {"id": association_id, "name": association_id},
        "routing": {"excluded": {"territory": ["x"]}}, "declined": [], "manual": False,
    })


def changes(added=0, removed=0, modified=(), fields_each=1):
    out = [{"kind": "added", "id": f"n{i}", "name": None} for i in range(added)]
    out += [{"kind": "removed", "id": f"r{i}", "name": None} for i in range(removed)]
    for aid in modified:
        out += [{"kind": "changed", "id": aid, "name": None, "field": "capacity", "old": i, "new": i + 1}
                for i in range(fields_each)]
    return out


@pytest.mark.parametrize("kwargs, text", [
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
])
def test_a_version_is_summed_up_in_one_french_line_with_its_plurals(kwargs, text):
    assert dc.summary(changes(**kwargs)) == text


def test_a_field_without_french_name_is_shown_by_its_own_name_and_an_empty_value_as_a_dash():
    before = [association("a-asso")]
    after = [{**association("a-asso"), "website": "https://a.example.org"}]
    assert [dc.describe(c) for c in dc.diff(before, after)] == [
        "« Association a-asso » (a-asso), website : — → https://a.example.org"
    ]


@pytest.mark.parametrize("name, value, text", [
    ("capacity", None, "sans limite"), ("mentor_capacity", None, "sans limite"), ("publics", None, "—"),
    ("active", False, "non"), ("recruits_mentors", True, "oui"), ("ages", {"min": 6, "max": 25}, "6 à 25 ans"),
    ("situations", [], "toutes"), ("publics", [], "aucun"), ("needs", ["scolaire", "orientation"], "scolaire, orientation"),
    ("capacity", 0, "0"),
])
def test_values_read_as_people_say_them(name, value, text):
    assert dc.format_value(name, value) == text


def test_a_change_without_a_name_is_named_by_its_id():
    assert dc.describe({"kind": "added", "id": "x-asso", "name": None}) == "Association ajoutée : « x-asso » (x-asso)"
    assert dc.describe({"kind": "removed", "id": "y", "name": "Y"}) == "Association retirée : « Y » (y)"


def test_simulation_routes_before_and_after_with_the_configured_weights():
    # Nationals weigh 10 here: b-asso (national, first need scolaire) beats a-asso (département, 6).
    directory = index(association("a-asso", needs=["orientation", "scolaire"]),
                      association("b-asso", departements=[], national=True))
    sim = dc.simulate([request("MNT-1", "b-asso")], directory, directory, {"b-asso": 1},
                      weights=RoutingWeights(national=10))
    assert (sim.rerouted, sim.unchanged, sim.moved, sim.moves) == (1, 1, 0, [])


def test_a_departement_without_any_local_association_is_a_gap_for_every_need():
    elsewhere = index(association("a-asso", departements=["62"]))
    sim = dc.simulate([], elsewhere, elsewhere, {}, all_departements={"59": "Nord", "62": "Pas-de-Calais"})
    assert [(g.departement, g.departement_name, g.need) for g in sim.remaining_gaps] == [
        ("59", "Nord", "scolaire"), ("59", "Nord", "orientation"), ("59", "Nord", "insertion_pro"),
    ]
    assert dc.coverage_gaps(elsewhere.__class__([]), {"62": ""})[0].departement_name == "62"


def test_a_commune_listed_makes_its_departement_served_but_not_the_others():
    local = index(association("a-asso", departements=[], communes=["62041"], needs=["scolaire"]))
    gaps = dc.coverage_gaps(local, {"59": "Nord", "62": "Pas-de-Calais"})
    assert [(g.departement, g.need) for g in gaps] == [
        ("59", "scolaire"), ("59", "orientation"), ("59", "insertion_pro"),
        ("62", "orientation"), ("62", "insertion_pro"),
    ]
    inactive = index(association("a-asso", departements=[], communes=["62041"], needs=["scolaire"], active=False))
    assert len(dc.coverage_gaps(inactive, {"62": "Pas-de-Calais"})) == 3
