"""Routing policy v1 (docs/contract.md §6), table driven; pure, no I/O.

Directories are built with `Association.model_validate(association(...))`; places are given
directly as INSEE codes (Roubaix: commune 59512, département 59, région 32).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.erasure import scrubbed_mail_body
from chalicelib.domain.mail_headers import UnsendableMail, ascii_address, sender_address
from chalicelib.domain.models import Association, NewRequest
from chalicelib.domain.request import LoadChange, Moment
from chalicelib.domain.routing import DirectoryIndex, RoutingQuery, RoutingWeights, route_request
from chalicelib.domain.submission import parse_submission
from chalicelib.domain.vocabulary import Channel, Need, Public, Situation
from tests.builders import association, new_request, youth

RULES = ("active", "territory", "age", "situation", "need", "publics_required", "declined", "capacity")

ROUBAIX = {"commune": "59512", "departement": "59", "region": "32"}
MAMOUDZOU = {"commune": "97611", "departement": "976", "region": "06"}


def index_of(*entries: dict) -> DirectoryIndex:
    return DirectoryIndex([Association.model_validate(e) for e in entries])


def query(**overrides) -> RoutingQuery:
    values = {
        "age": 15,
        "situation": Situation.COLLEGE,
        "need": Need.SCOLAIRE,
        "publics": (),
        **ROUBAIX,
    }
    values.update(overrides)
    values["publics"] = tuple(Public(p) for p in values["publics"])
    if isinstance(values["situation"], str):
        values["situation"] = Situation(values["situation"])
    if isinstance(values["need"], str):
        values["need"] = Need(values["need"])
    return RoutingQuery(**values)


def candidate_ids(decision) -> list[str]:
    return [c.id for c in decision.candidates]


# --- 1. Candidates: each rule on its own ---------------------------------------------------

NO_TERRITORY = {"national": False, "regions": [], "departements": [], "communes": []}

# (id, association overrides, query overrides, declined, load, rule that leaves it out or None)
CANDIDATE_CASES = [
    ("active", {}, {}, (), {}, None),
    ("inactive", {"active": False}, {}, (), {}, "active"),
    ("territory-national", {**NO_TERRITORY, "national": True}, {}, (), {}, None),
    ("territory-region", {**NO_TERRITORY, "regions": ["32"]}, {}, (), {}, None),
    ("territory-departement", {**NO_TERRITORY, "departements": ["59"]}, {}, (), {}, None),
    ("territory-commune", {**NO_TERRITORY, "communes": ["59512"]}, {}, (), {}, None),
    ("territory-other-commune", {**NO_TERRITORY, "communes": ["59350"]}, {}, (), {}, "territory"),
    ("territory-other-departement", {**NO_TERRITORY, "departements": ["62"]}, {}, (), {}, "territory"),
    ("territory-other-region", {**NO_TERRITORY, "regions": ["11"]}, {}, (), {}, "territory"),
    ("territory-none", NO_TERRITORY, {}, (), {}, "territory"),
    ("age-at-min", {"ages": {"min": 15, "max": 20}}, {"age": 15}, (), {}, None),
    ("age-at-max", {"ages": {"min": 10, "max": 15}}, {"age": 15}, (), {}, None),
    ("age-single-year", {"ages": {"min": 15, "max": 15}}, {"age": 15}, (), {}, None),
    ("age-below-min", {"ages": {"min": 16, "max": 20}}, {"age": 15}, (), {}, "age"),
    ("age-above-max", {"ages": {"min": 10, "max": 14}}, {"age": 15}, (), {}, "age"),
    ("situations-empty-means-any", {"situations": []}, {"situation": "emploi"}, (), {}, None),
    ("situations-listed", {"situations": ["lycee", "college"]}, {"situation": "college"}, (), {}, None),
    ("situations-not-listed", {"situations": ["lycee"]}, {"situation": "college"}, (), {}, "situation"),
    ("need-listed", {"needs": ["orientation", "scolaire"]}, {"need": "scolaire"}, (), {}, None),
    ("need-not-listed", {"needs": ["orientation"]}, {"need": "scolaire"}, (), {}, "need"),
    ("publics-required-none", {"publics_required": []}, {"publics": ()}, (), {}, None),
    ("publics-required-met", {"publics_required": ["qpv"]}, {"publics": ("qpv",)}, (), {}, None),
    (
        "publics-required-met-by-one",
        {"publics_required": ["qpv", "rural"]},
        {"publics": ("femme", "rural")},
        (),
        {},
        None,
    ),
    ("publics-required-no-publics", {"publics_required": ["qpv"]}, {"publics": ()}, (), {}, "publics_required"),
    (
        "publics-required-other-publics",
        {"publics_required": ["qpv", "ase"]},
        {"publics": ("rural", "femme")},
        (),
        {},
        "publics_required",
    ),
    ("declined-by-it", {}, {}, ("x",), {}, "declined"),
    ("declined-by-another", {}, {}, ("other",), {}, None),
    ("capacity-null-no-limit", {"capacity": None}, {}, (), {"x": 1000}, None),
    ("capacity-below", {"capacity": 3}, {}, (), {"x": 2}, None),
    ("capacity-no-load", {"capacity": 3}, {}, (), {}, None),
    ("capacity-reached", {"capacity": 3}, {}, (), {"x": 3}, "capacity"),
    ("capacity-over", {"capacity": 3}, {}, (), {"x": 5}, "capacity"),
    ("capacity-zero", {"capacity": 0}, {}, (), {}, "capacity"),
]


@pytest.mark.parametrize(
    "entry, q, declined, load, rule",
    [c[1:] for c in CANDIDATE_CASES],
    ids=[c[0] for c in CANDIDATE_CASES],
)
def test_candidate_rule(entry, q, declined, load, rule):
    decision = route_request(query(**q), index_of(association("x", **entry)), load, declined=declined)
    if rule is None:
        assert decision.association_id == "x"
        assert candidate_ids(decision) == ["x"]
        assert decision.excluded_ids() == {}
        assert decision.reason is None
    else:
        assert decision.association_id is None
        assert decision.candidates == ()
        assert decision.excluded_ids() == {rule: ["x"]}
        assert decision.reason


# --- 1b. An association breaking several rules is reported under the first one -------------

# (id, association overrides, declined, load, expected rule)
FIRST_RULE_CASES = [
    (
        "active-first",
        {
            "active": False,
            "departements": ["62"],
            "ages": {"min": 20, "max": 25},
            "needs": ["orientation"],
            "capacity": 0,
        },
        ("x",),
        {},
        "active",
    ),
    (
        "territory-before-age",
        {"departements": ["62"], "ages": {"min": 20, "max": 25}, "situations": ["lycee"]},
        (),
        {},
        "territory",
    ),
    (
        "age-before-situation",
        {"ages": {"min": 20, "max": 25}, "situations": ["lycee"], "needs": ["orientation"]},
        (),
        {},
        "age",
    ),
    (
        "situation-before-need",
        {"situations": ["lycee"], "needs": ["orientation"], "publics_required": ["ase"]},
        (),
        {},
        "situation",
    ),
    ("need-before-publics", {"needs": ["orientation"], "publics_required": ["ase"]}, ("x",), {}, "need"),
    ("publics-before-declined", {"publics_required": ["ase"], "capacity": 0}, ("x",), {}, "publics_required"),
    ("declined-before-capacity", {"capacity": 1}, ("x",), {"x": 1}, "declined"),
]


@pytest.mark.parametrize(
    "entry, declined, load, rule",
    [c[1:] for c in FIRST_RULE_CASES],
    ids=[c[0] for c in FIRST_RULE_CASES],
)
def test_left_out_under_first_rule(entry, declined, load, rule):
    decision = route_request(query(), index_of(association("x", **entry)), load, declined=declined)
    assert decision.excluded_ids() == {rule: ["x"]}
    assert decision.association_id is None


def test_each_association_left_out_once_under_its_first_rule():
    directory = index_of(
        association("winner"),
        association("a-inactive", active=False, departements=["62"]),
        association("b-elsewhere", departements=["62"], ages={"min": 20, "max": 25}),
        association("c-too-old", ages={"min": 18, "max": 30}, situations=["etudiant"]),
        association("d-lycee", situations=["lycee"], needs=["orientation"]),
        association("e-orientation", needs=["orientation"], publics_required=["ase"]),
        association("f-ase-only", publics_required=["ase"], capacity=0),
        association("g-declined", capacity=1),
        association("h-full", capacity=2),
    )
    decision = route_request(query(), directory, {"g-declined": 1, "h-full": 2}, declined=["g-declined"])
    assert decision.association_id == "winner"
    assert candidate_ids(decision) == ["winner"]
    assert decision.excluded_ids() == {
        "active": ["a-inactive"],
        "territory": ["b-elsewhere"],
        "age": ["c-too-old"],
        "situation": ["d-lycee"],
        "need": ["e-orientation"],
        "publics_required": ["f-ase-only"],
        "declined": ["g-declined"],
        "capacity": ["h-full"],
    }


# --- 2. Score parts --------------------------------------------------------------------------

ALL_LEVELS = {"national": True, "regions": ["32"], "departements": ["59"], "communes": ["59512"]}

# (id, association overrides, query overrides, expected parts, expected score)
SCORE_CASES = [
    (
        "no-public",
        {"publics": ["qpv"], "needs": ["orientation", "scolaire"]},
        {"publics": ()},
        {"publics": 0, "territory": 6, "territory_level": "departement", "first_need": 0},
        6,
    ),
    (
        "one-public",
        {"publics": ["qpv"], "needs": ["orientation", "scolaire"]},
        {"publics": ("qpv", "rural")},
        {"publics": 10, "territory": 6, "territory_level": "departement", "first_need": 0},
        16,
    ),
    (
        "two-publics",
        {"publics": ["qpv", "rural", "femme"], "needs": ["orientation", "scolaire"]},
        {"publics": ("qpv", "rural")},
        {"publics": 20, "territory": 6, "territory_level": "departement", "first_need": 0},
        26,
    ),
    (
        "public-not-in-association",
        {"publics": ["handicap"], "needs": ["orientation", "scolaire"]},
        {"publics": ("qpv",)},
        {"publics": 0, "territory": 6, "territory_level": "departement", "first_need": 0},
        6,
    ),
    (
        "commune-most-specific",
        {**ALL_LEVELS, "needs": ["orientation", "scolaire"]},
        {},
        {"publics": 0, "territory": 8, "territory_level": "commune", "first_need": 0},
        8,
    ),
    (
        "departement-most-specific",
        {**ALL_LEVELS, "communes": ["59350"], "needs": ["orientation", "scolaire"]},
        {},
        {"publics": 0, "territory": 6, "territory_level": "departement", "first_need": 0},
        6,
    ),
    (
        "region-most-specific",
        {**ALL_LEVELS, "communes": [], "departements": ["62"], "needs": ["orientation", "scolaire"]},
        {},
        {"publics": 0, "territory": 3, "territory_level": "region", "first_need": 0},
        3,
    ),
    (
        "national-only",
        {**NO_TERRITORY, "national": True, "needs": ["orientation", "scolaire"]},
        {},
        {"publics": 0, "territory": 0, "territory_level": "national", "first_need": 0},
        0,
    ),
    (
        "first-need",
        {"needs": ["scolaire", "orientation"]},
        {"need": "scolaire"},
        {"publics": 0, "territory": 6, "territory_level": "departement", "first_need": 2},
        8,
    ),
    (
        "second-need",
        {"needs": ["scolaire", "orientation"]},
        {"need": "orientation"},
        {"publics": 0, "territory": 6, "territory_level": "departement", "first_need": 0},
        6,
    ),
    (
        "all-parts",
        {**ALL_LEVELS, "publics": ["qpv", "ase"], "needs": ["insertion_pro"]},
        {"need": "insertion_pro", "publics": ("qpv", "ase", "femme")},
        {"publics": 20, "territory": 8, "territory_level": "commune", "first_need": 2},
        30,
    ),
]


@pytest.mark.parametrize(
    "entry, q, parts, score",
    [c[1:] for c in SCORE_CASES],
    ids=[c[0] for c in SCORE_CASES],
)
def test_score_parts(entry, q, parts, score):
    decision = route_request(query(**q), index_of(association("x", **entry)), {})
    assert candidate_ids(decision) == ["x"]
    shown = decision.candidates[0].as_dict()
    assert shown["parts"] == parts
    assert shown["score"] == score
    assert decision.candidates[0].score == score


# --- 2b. Weights are configuration -------------------------------------------------------------

# "near": commune match (8), no public. "apt": département match (6) + qpv (10).
WEIGHT_DIRECTORY = (
    association("near", departements=[], communes=["59512"], needs=["orientation", "scolaire"]),
    association("apt", publics=["qpv"], needs=["orientation", "scolaire"]),
    association("first", departements=[], national=True, needs=["scolaire"]),
)

# (id, weights, expected winner, expected scores)
WEIGHT_CASES = [
    ("default", RoutingWeights(), "apt", {"near": 8, "apt": 16, "first": 2}),
    ("public-weighs-little", RoutingWeights(public=1), "near", {"near": 8, "apt": 7, "first": 2}),
    ("commune-weighs-a-lot", RoutingWeights(commune=30), "near", {"near": 30, "apt": 16, "first": 2}),
    ("first-need-weighs-a-lot", RoutingWeights(first_need=50), "first", {"near": 8, "apt": 16, "first": 50}),
    ("national-weighs-a-lot", RoutingWeights(national=20), "first", {"near": 8, "apt": 16, "first": 22}),
]


@pytest.mark.parametrize(
    "weights, winner, scores",
    [c[1:] for c in WEIGHT_CASES],
    ids=[c[0] for c in WEIGHT_CASES],
)
def test_weights_change_the_outcome(weights, winner, scores):
    decision = route_request(query(publics=("qpv",)), index_of(*WEIGHT_DIRECTORY), {}, weights=weights)
    assert decision.association_id == winner
    assert {c.id: c.score for c in decision.candidates} == scores


def test_custom_weights_show_in_parts():
    weights = RoutingWeights(public=4, commune=1, departement=2, region=3, national=5, first_need=7)
    decision = route_request(
        query(publics=("qpv", "rural")),
        index_of(association("x", publics=["qpv", "rural"], departements=[], communes=["59512"], needs=["scolaire"])),
        {},
        weights=weights,
    )
    assert decision.candidates[0].as_dict()["parts"] == {
        "publics": 8,
        "territory": 1,
        "territory_level": "commune",
        "first_need": 7,
    }
    assert decision.candidates[0].score == 16


# --- 3. Ties -----------------------------------------------------------------------------------

# (id, [(association id, capacity)], load, expected order of candidates)
TIE_CASES = [
    ("lower-load-wins", [("a", 10), ("b", 10)], {"a": 5, "b": 2}, ["b", "a"]),
    ("share-not-count", [("a", 100), ("b", 10)], {"a": 10, "b": 5}, ["a", "b"]),
    ("share-not-count-reversed", [("a", 10), ("b", 100)], {"a": 5, "b": 10}, ["b", "a"]),
    ("equal-share-smaller-id", [("b", 10), ("a", 20)], {"a": 4, "b": 2}, ["a", "b"]),
    ("no-load-smaller-id", [("zeta", 5), ("alpha", 5), ("mu", 5)], {}, ["alpha", "mu", "zeta"]),
    ("no-limit-is-no-share-in-use", [("a", 10), ("z", None)], {"a": 1, "z": 50}, ["z", "a"]),
]


@pytest.mark.parametrize(
    "entries, load, order",
    [c[1:] for c in TIE_CASES],
    ids=[c[0] for c in TIE_CASES],
)
def test_ties(entries, load, order):
    directory = index_of(*(association(i, capacity=cap) for i, cap in entries))
    decision = route_request(query(), directory, load)
    scores = {c.score for c in decision.candidates}
    assert len(scores) == 1, "the case must be a tie on score"
    assert candidate_ids(decision) == order
    assert decision.association_id == order[0]


def test_score_beats_load():
    directory = index_of(
        association("busy", capacity=10, publics=["qpv"]),
        association("idle", capacity=10),
    )
    decision = route_request(query(publics=("qpv",)), directory, {"busy": 9, "idle": 0})
    assert decision.association_id == "busy"
    assert candidate_ids(decision) == ["busy", "idle"]


# --- 4. Triage ---------------------------------------------------------------------------------


def test_no_usable_postal_code():
    decision = route_request(
        query(commune=None, departement=None, region=None), index_of(association("x", national=True)), {}
    )
    assert decision.association_id is None
    assert decision.reason == "no usable postal code"
    assert decision.candidates == ()


def test_no_need():
    decision = route_request(query(need=None), index_of(association("x")), {})
    assert decision.association_id is None
    assert decision.reason
    assert decision.reason != "no usable postal code"
    assert decision.candidates == ()


def test_no_association_in_the_departement():
    directory = index_of(association("a"), association("b", regions=["32"], departements=[]))
    decision = route_request(query(**MAMOUDZOU), directory, {})
    assert decision.association_id is None
    assert "976" in decision.reason
    assert decision.excluded_ids() == {"territory": ["a", "b"]}


def test_all_candidates_at_capacity():
    directory = index_of(association("a", capacity=1), association("b", capacity=2), association("c", capacity=0))
    decision = route_request(query(), directory, {"a": 1, "b": 2})
    assert decision.association_id is None
    assert decision.reason == "all candidates at capacity"
    assert decision.excluded_ids() == {"capacity": ["a", "b", "c"]}


def test_one_below_capacity_is_routed():
    directory = index_of(association("a", capacity=1), association("b", capacity=2))
    decision = route_request(query(), directory, {"a": 1, "b": 1})
    assert decision.association_id == "b"
    assert decision.reason is None


# --- 5. The stored explanation -----------------------------------------------------------------


def test_as_dict_of_a_routed_request():
    directory = index_of(association("a", publics=["qpv"]), association("b"), association("c", active=False))
    shown = route_request(query(publics=("qpv",)), directory, {}).as_dict()
    assert set(shown) == {"policy", "association", "reason", "candidates", "excluded"}
    assert shown["policy"] == "v1"
    assert shown["association"] == "a"
    assert shown["reason"] is None
    assert [c["id"] for c in shown["candidates"]] == ["a", "b"]
    assert shown["candidates"][0]["score"] == 10 + 6 + 2
    assert shown["candidates"][0]["parts"]["publics"] == 10
    assert shown["excluded"] == {"active": ["c"]}


def test_as_dict_of_a_triaged_request():
    shown = route_request(query(**MAMOUDZOU), index_of(association("a")), {}).as_dict()
    assert set(shown) == {"policy", "association", "reason", "candidates", "excluded"}
    assert shown["policy"] == "v1"
    assert shown["association"] is None
    assert "976" in shown["reason"]
    assert shown["candidates"] == []
    assert shown["excluded"] == {"territory": ["a"]}


# --- 6. Property: the choice is the best candidate and obeys every rule ----------------------

IDS = ["a1", "b2", "c3", "d4", "e5", "f6"]
PLACES = [
    {"commune": "59512", "departement": "59", "region": "32"},
    {"commune": "59350", "departement": "59", "region": "32"},
    {"commune": "62041", "departement": "62", "region": "32"},
    {"commune": "75056", "departement": "75", "region": "11"},
    {"commune": "97611", "departement": "976", "region": "06"},
]
SITUATIONS = [s.value for s in Situation]
NEEDS = [n.value for n in Need]
PUBLICS = [p.value for p in Public]


def _subset(values, max_size=None):
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size or len(values))


@st.composite
def directory_entries(draw):
    ids = draw(st.lists(st.sampled_from(IDS), unique=True, min_size=0, max_size=len(IDS)))
    entries = []
    for i in ids:
        low = draw(st.integers(6, 30))
        high = draw(st.integers(low, 30))
        entries.append(
            association(
                i,
                active=draw(st.booleans()),
                national=draw(st.booleans()),
                regions=draw(_subset(["32", "11", "06"], 2)),
                departements=draw(_subset(["59", "62", "75", "976"], 2)),
                communes=draw(_subset(["59512", "59350", "62041", "75056", "97611"], 2)),
                ages={"min": low, "max": high},
                situations=draw(_subset(SITUATIONS, 3)),
                needs=draw(st.lists(st.sampled_from(NEEDS), unique=True, min_size=1)),
                publics=draw(_subset(PUBLICS, 3)),
                publics_required=draw(_subset(PUBLICS, 2)),
                capacity=draw(st.one_of(st.none(), st.integers(0, 3))),
            )
        )
    return entries


def _first_failed_rule(a: Association, q: RoutingQuery, declined, load) -> str | None:
    """An independent reading of section 6, step 1."""
    t = a.territory
    covered = t.national or q.region in t.regions or q.departement in t.departements or q.commune in t.communes
    checks = [
        ("active", a.active),
        ("territory", covered),
        ("age", a.ages.min <= q.age <= a.ages.max),
        ("situation", not a.situations or q.situation in a.situations),
        ("need", q.need in a.needs),
        ("publics_required", not a.publics_required or any(p in a.publics_required for p in q.publics)),
        ("declined", a.id not in declined),
        ("capacity", a.capacity is None or load.get(a.id, 0) < a.capacity),
    ]
    for rule, ok in checks:
        if not ok:
            return rule
    return None


def _expected_score(a: Association, q: RoutingQuery) -> int:
    t = a.territory
    if q.commune in t.communes:
        territory = 8
    elif q.departement in t.departements:
        territory = 6
    elif q.region in t.regions:
        territory = 3
    else:
        territory = 0
    return 10 * sum(1 for p in q.publics if p in a.publics) + territory + (2 if a.needs[0] == q.need else 0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=directory_entries(),
    place=st.sampled_from(PLACES),
    age=st.integers(6, 30),
    situation=st.sampled_from(SITUATIONS),
    need=st.sampled_from(NEEDS),
    publics=_subset(PUBLICS, 3),
    load_values=st.lists(st.integers(0, 4), min_size=len(IDS), max_size=len(IDS)),
    declined=_subset(IDS, 3),
)
def test_property_choice_is_best_and_obeys_every_rule(
    entries, place, age, situation, need, publics, load_values, declined
):
    associations = {e["id"]: Association.model_validate(e) for e in entries}
    load = dict(zip(IDS, load_values, strict=True))
    q = query(age=age, situation=situation, need=need, publics=tuple(publics), **place)
    decision = route_request(q, DirectoryIndex(associations.values()), load, declined=declined)

    candidates = candidate_ids(decision)
    excluded = decision.excluded_ids()
    excluded_flat = [i for ids in excluded.values() for i in ids]

    # No association is both a candidate and left out; each one is in exactly one place.
    assert not set(candidates) & set(excluded_flat)
    assert sorted(candidates + excluded_flat) == sorted(associations)
    assert set(excluded) <= set(RULES)

    # Every candidate obeys every rule, with docs/contract.md §6's score; each left-out one is
    # reported under the first rule that leaves it out.
    for c in decision.candidates:
        assert _first_failed_rule(associations[c.id], q, declined, load) is None
        assert c.score == _expected_score(associations[c.id], q)
    for rule, ids in excluded.items():
        for i in ids:
            assert _first_failed_rule(associations[i], q, declined, load) == rule

    if decision.association_id is None:
        assert candidates == []
        assert decision.reason
    else:
        chosen = associations[decision.association_id]
        assert _first_failed_rule(chosen, q, declined, load) is None
        assert decision.association_id in candidates
        best = max(c.score for c in decision.candidates)
        assert decision.candidates[0].id == decision.association_id
        assert decision.candidates[0].score == best

        # Among the best, the lower share of capacity in use, then the smaller id.
        def share(i):
            cap = associations[i].capacity
            return 0.0 if cap is None else load.get(i, 0) / cap

        tied = [c.id for c in decision.candidates if c.score == best]
        assert decision.association_id == min(tied, key=lambda i: (share(i), i))


# -- What an operator reads of a routing (each triage reason), what a routed request takes of its
# association's capacity, a new request's fields from a submission, an erased mail, and the sender
# and recipients our mails can carry.


AT = Moment(1_790_000_000, "2026-09-21T10:13:20.000000Z")


def reasons_query(**overrides):
    q = dict(
        age=15,
        situation=Situation("college"),
        need=Need("scolaire"),
        publics=(),
        commune="59512",
        departement="59",
        region="32",
    )
    q.update(overrides)
    return RoutingQuery(**q)


def route(*entries, load=None, declined=(), **q):
    index = DirectoryIndex([Association.model_validate(e) for e in entries])
    return route_request(reasons_query(**q), index, load or {}, declined, RoutingWeights())


# -- the triage reasons ----------------------------------------------------------------------


def test_each_rule_that_empties_the_candidates_says_why_in_the_triage_reason():
    assert route(association("a", active=False)).reason == "no active association in the directory"
    assert route(association("a", departements=["62"])).reason == "no association covers département 59"
    assert (
        route(association("a", departements=["62"]), departement=None).reason == "no association covers commune 59512"
    )
    assert (
        route(association("a", ages={"min": 18, "max": 25})).reason == "no association in the territory takes this age"
    )
    assert (
        route(association("a", situations=["lycee"])).reason
        == "no association in the territory takes situation college"
    )
    assert (
        route(association("a", needs=["orientation"])).reason == "no association in the territory offers need scolaire"
    )
    assert route(association("a", publics_required=["qpv"])).reason == "no association takes these publics"
    assert route(association("a"), declined=["a"]).reason == "every candidate declined this request"
    assert route(association("a", capacity=2), load={"a": 2}).reason == "all candidates at capacity"


def test_an_unknown_situation_is_named_as_such():
    decision = route(association("a", situations=["lycee"]), situation=None)
    assert decision.association_id is None
    assert decision.reason == "no association in the territory takes situation an unknown situation"


def test_a_required_public_the_request_has_lets_it_through():
    decision = route(association("a", publics_required=["qpv"]), publics=(Public("qpv"),))
    assert decision.association_id == "a" and decision.reason is None


# -- a routing takes a place of the association's capacity -------------------------------


def test_routing_a_request_takes_a_place_counted_against_the_association_s_capacity():
    a = Association.model_validate(association("asso-a", capacity=7))
    request = new_request()
    decision = route_request(request.routing_query(), DirectoryIndex([a]), {}, (), RoutingWeights())
    change = request.first_routing(decision, a, AT)
    assert change.load == (LoadChange("asso-a", 1, 7),)
    assert (change.after.association_id, change.after.assigned_at) == ("asso-a", AT.epoch)


# -- a new request from a submission ---------------------------------------------------------


def test_every_field_of_a_submission_reaches_the_new_request():
    s = parse_submission(youth(city="Roubaix", publics=["qpv"]), json=True)
    new = NewRequest.from_submission(s, Channel.FORM)
    assert new.fields() == {
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "lea.martin@example.net",
        "phone": s.phone,
        "age": 15,
        "postal_code": "59100",
        "city": "Roubaix",
        "situation": "college",
        "need": "scolaire",
        "publics": ["qpv"],
        "message": "J'ai besoin d'aide en maths.",
        "consent": True,
        "parental_consent": False,
    }
    assert s.phone and s.phone.replace(" ", "").endswith("612345678")
    assert (new.channel, new.referent) == (Channel.FORM, None)


# -- an erased request's stored mail ----------------------------------------------------------


def test_an_erased_mail_keeps_what_it_was_and_nothing_it_said():
    body = {
        "id": "m1",
        "message_id": "<m1@x>",
        "request_id": "r1",
        "kind": "new_request",
        "auto_submitted": None,
        "to": ["lea@example.net"],
        "subject": "Léa",
        "text": "Bonjour Léa",
        "html": "<p>Léa</p>",
        "reply_to": "lea@example.net",
        "in_reply_to": "<prev@x>",
        "extra": "secret",
    }
    assert scrubbed_mail_body(body) == {
        "id": "m1",
        "message_id": "<m1@x>",
        "request_id": "r1",
        "kind": "new_request",
        "auto_submitted": None,
        "to": [],
        "subject": "",
        "text": "",
        "html": "",
        "reply_to": None,
        "in_reply_to": None,
    }


# -- addresses we can send to -------------------------------------------------------------------


def test_an_address_may_be_254_characters_long_and_its_local_part_64():
    local64 = "a" * 64
    assert ascii_address(f"{local64}@example.org") == f"{local64}@example.org"
    with pytest.raises(UnsendableMail, match="^to: not an address$"):
        ascii_address(f"{'a' * 65}@example.org", "to")
    domain = ".".join(["b" * 60] * 3) + ".example.org"  # 194 characters
    longest = f"{'c' * 59}@{domain}"
    assert len(longest) == 254 and ascii_address(longest) == longest
    with pytest.raises(UnsendableMail, match="^address: too long$"):
        ascii_address("c" + longest)


def test_our_sender_is_read_from_the_configuration_and_named_as_from_when_broken():
    sender = sender_address("Le Mentorat <contact@lementorat.fr>")
    assert (sender.display_name, sender.username, sender.domain) == ("Le Mentorat", "contact", "lementorat.fr")
    with pytest.raises(UnsendableMail, match="^From: non-ASCII local part"):
        sender_address("Le Mentorat <jöe@lementorat.fr>")
    with pytest.raises(UnsendableMail, match="^From: not an address$"):
        sender_address("")
