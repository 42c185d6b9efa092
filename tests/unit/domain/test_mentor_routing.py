"""Policy mentor v1 (docs/contract.md §11): each rule, each part of the score, each tie."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor_routing import MentorQuery, MentorWeights, route_mentor
from chalicelib.domain.mentor_vocabulary import MentorMode, YouthAgeBand
from chalicelib.domain.models import Association
from chalicelib.domain.vocabulary import Need
from tests.builders import association

# Roubaix: commune 59512, département 59, région 32 (Hauts-de-France).
ROUBAIX = dict(commune="59512", departement="59", region="32")


def asso(id: str, **overrides) -> Association:
    overrides.setdefault("recruits_mentors", True)
    return Association.model_validate(association(id, **overrides))


def query(needs=("orientation",), ages=("15-18",), modes=("presentiel",), place=ROUBAIX) -> MentorQuery:
    return MentorQuery(
        needs=tuple(Need(n) for n in needs),
        youth_ages=tuple(YouthAgeBand(b) for b in ages),
        modes=tuple(MentorMode(m) for m in modes),
        **place,
    )


def route(associations, q=None, load=None, declined=()):
    return route_mentor(q or query(), associations, load or {}, declined)


# -- rule 1: candidates ---------------------------------------------------------------


def test_an_inactive_association_is_left_out_under_active():
    d = route([asso("a", active=False), asso("b")])
    assert d.association_id == "b" and d.excluded["active"] == ("a",)


def test_an_association_that_recruits_no_mentor_is_left_out_even_when_it_fits_best():
    d = route([asso("a", recruits_mentors=False, communes=["59512"]), asso("b")])
    assert d.association_id == "b" and d.excluded["recruits_mentors"] == ("a",)


def test_recruits_mentors_defaults_to_false():
    assert Association.model_validate({k: v for k, v in association("a").items()}).recruits_mentors is False
    d = route([Association.model_validate(association("a"))])
    assert d.association_id is None and d.reason == "no association recruits mentors"


@pytest.mark.parametrize("territory", [{"communes": ["59512"]}, {"departements": ["59"]}, {"regions": ["32"]}])
def test_the_commune_the_departement_or_the_region_listed_makes_a_candidate(territory):
    a = asso("a", **{"departements": [], **territory})
    assert route([a]).association_id == "a"


def test_an_association_elsewhere_is_left_out_under_territory():
    d = route([asso("a", departements=["75"])])
    assert d.association_id is None and d.excluded["territory"] == ("a",)
    assert d.reason.startswith("no association recruiting mentors covers département 59")


def test_a_national_association_takes_a_volunteer_who_offers_distance():
    national = asso("nat", national=True, departements=[])
    assert route([national], query(modes=("distance",))).association_id == "nat"
    assert route([national], query(modes=("presentiel", "distance"))).association_id == "nat"


def test_a_national_association_is_no_candidate_for_a_volunteer_offering_only_presentiel():
    national = asso("nat", national=True, departements=[])
    d = route([national], query(modes=("presentiel",)))
    assert d.association_id is None and d.excluded["territory"] == ("nat",)
    assert "in person only" in d.reason


def test_a_national_association_that_also_lists_the_departement_takes_presentiel():
    d = route([asso("nat", national=True, departements=["59"])], query(modes=("presentiel",)))
    assert d.association_id == "nat" and d.candidates[0].territory_level == "departement"


def test_no_shared_need_leaves_it_out_under_need():
    d = route([asso("a", needs=["scolaire"])], query(needs=("orientation", "insertion_pro")))
    assert d.association_id is None and d.excluded["need"] == ("a",)
    assert d.reason == "no association recruiting mentors near the volunteer offers these needs"


def test_one_shared_need_is_enough():
    assert (
        route(
            [asso("a", needs=["scolaire", "insertion_pro"])], query(needs=("orientation", "insertion_pro"))
        ).association_id
        == "a"
    )


@pytest.mark.parametrize(
    "ages, bands, fits",
    [
        ({"min": 6, "max": 10}, ("11-14",), False),
        ({"min": 6, "max": 11}, ("11-14",), True),  # overlap of one year
        ({"min": 14, "max": 25}, ("11-14",), True),
        ({"min": 15, "max": 25}, ("11-14",), False),
        ({"min": 15, "max": 25}, ("6-10", "26-30"), False),
        ({"min": 15, "max": 26}, ("6-10", "26-30"), True),  # one band of several
    ],
)
def test_the_age_range_must_overlap_one_of_the_bands(ages, bands, fits):
    d = route([asso("a", ages=ages)], query(ages=bands))
    assert (d.association_id == "a") is fits
    if not fits:
        assert d.excluded["age"] == ("a",)


def test_an_association_that_declined_is_left_out():
    d = route([asso("a"), asso("b")], declined=("a",))
    assert d.association_id == "b" and d.excluded["declined"] == ("a",)
    d = route([asso("a")], declined=("a",))
    assert d.association_id is None and d.reason == "every candidate declined this sign-up"


def test_mentor_capacity_is_its_own_counter_and_a_full_association_is_left_out():
    a = asso("a", mentor_capacity=2, capacity=100)
    assert route([a], load={"a": 1}).association_id == "a"
    d = route([a], load={"a": 2})
    assert (
        d.association_id is None
        and d.excluded["capacity"] == ("a",)
        and d.reason == "all candidates at mentor capacity"
    )


def test_no_mentor_capacity_means_no_limit_and_zero_means_none():
    assert route([asso("a", mentor_capacity=None)], load={"a": 10_000}).association_id == "a"
    assert route([asso("a", mentor_capacity=0)]).association_id is None


def test_the_first_rule_that_leaves_an_association_out_is_the_one_named():
    # Inactive, recruiting nobody and elsewhere: only "active" names it.
    d = route([asso("a", active=False, recruits_mentors=False, departements=["75"])])
    assert d.excluded["active"] == ("a",) and not d.excluded["recruits_mentors"] and not d.excluded["territory"]


def test_the_explanation_is_stored_with_its_policy_candidates_and_exclusions():
    d = route([asso("a", communes=["59512"]), asso("b"), asso("c", departements=["75"])])
    stored = d.as_dict()
    assert stored["policy"] == "mentor-v1" and stored["association"] == "a" and stored["reason"] is None
    assert [c["id"] for c in stored["candidates"]] == ["a", "b"]
    assert stored["candidates"][0]["parts"] == {"needs": 4, "territory": 8, "territory_level": "commune"}
    assert stored["excluded"] == {"territory": ["c"]}


def test_no_place_goes_to_triage():
    d = route([asso("a")], query(place=dict(commune=None, departement=None, region=None)))
    assert d.association_id is None and d.reason == "no usable postal code"


# -- rule 2: score --------------------------------------------------------------------


def test_each_shared_need_scores_4():
    d = route(
        [asso("a", needs=["orientation"]), asso("b", needs=["orientation", "insertion_pro", "scolaire"])],
        query(needs=("orientation", "insertion_pro", "scolaire")),
    )
    scores = {c.id: c.needs for c in d.candidates}
    assert scores == {"a": 4, "b": 12} and d.association_id == "b"


@pytest.mark.parametrize(
    "territory, level, points",
    [
        ({"communes": ["59512"], "departements": ["59"], "regions": ["32"]}, "commune", 8),
        ({"departements": ["59"], "regions": ["32"]}, "departement", 6),
        ({"departements": [], "regions": ["32"]}, "region", 3),
        ({"departements": [], "national": True}, "national", 0),
    ],
)
def test_the_most_specific_territory_scores(territory, level, points):
    d = route([asso("a", **territory)], query(modes=("distance",)))
    c = d.candidates[0]
    assert (c.territory_level, c.territory, c.score) == (level, points, points + 4)


def test_the_weights_are_configuration():
    d = route_mentor(query(), [asso("a")], {}, (), MentorWeights(need=1, departement=100))
    assert d.candidates[0].score == 101


def test_a_commune_beats_a_departement_and_two_needs_beat_a_commune():
    q = query(needs=("orientation", "scolaire"))
    d = route([asso("commune", communes=["59512"], needs=["orientation"]), asso("dep", needs=["orientation"])], q)
    assert d.association_id == "commune"  # 8+4 > 6+4
    d = route(
        [asso("commune", communes=["59512"], needs=["orientation"]), asso("dep", needs=["orientation", "scolaire"])], q
    )
    assert d.association_id == "dep"  # 6+8 > 8+4


# -- rule 3: ties -----------------------------------------------------------------------


def test_a_tie_goes_to_the_lower_share_of_mentor_capacity_in_use():
    a, b = asso("a", mentor_capacity=10), asso("b", mentor_capacity=4)
    assert route([a, b], load={"a": 5, "b": 1}).association_id == "b"  # 0.25 < 0.5
    assert route([a, b], load={"a": 2, "b": 1}).association_id == "a"  # 0.2 < 0.25


def test_the_requests_load_plays_no_part():
    a, b = asso("a", capacity=1, mentor_capacity=10), asso("b", mentor_capacity=10)
    d = route([a, b], load={"a": 0, "b": 1})
    assert d.association_id == "a"


def test_an_exact_tie_goes_to_the_smaller_id():
    assert route([asso("zeta"), asso("alpha"), asso("mid")]).association_id == "alpha"
    d = route([asso("b", mentor_capacity=4), asso("a", mentor_capacity=4)], load={"a": 2, "b": 2})
    assert d.association_id == "a"
