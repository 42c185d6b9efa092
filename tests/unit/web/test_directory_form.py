"""The console's association form both ways, exactly: a stored entry as the fields the
form shows, the posted fields as an entry with the values shown again and the French
error of each field, and the model's refusals placed on the form's fields."""

from __future__ import annotations

import pytest

from chalicelib.services.directory import InvalidDirectory
from chalicelib.web.directory_form import entry_from_form, form_values, model_errors

FULL = {
    "id": "nord-asso",
    "name": "Nord Asso",
    "emails": ["a@nord.example.org", "b@nord.example.org"],
    "active": False,
    "territory": {
        "national": True,
        "regions": ["32", "11"],
        "departements": ["59", "62"],
        "communes": ["59350", "59512"],
    },
    "ages": {"min": 11, "max": 18},
    "situations": ["college", "lycee"],
    "needs": ["orientation", "scolaire"],
    "publics": ["qpv", "rural"],
    "publics_required": ["qpv"],
    "capacity": 0,
    "recruits_mentors": True,
    "mentor_capacity": 7,
}

GOOD = {
    "id": "nouvelle-asso",
    "name": " Nouvelle ",
    "emails": "x@n.example.org, y@n.example.org;\nz@n.example.org",
    "active": "on",
    "national": "on",
    "regions": "32",
    "departements": "59, 5",
    "communes": "59350",
    "age_min": " 11 ",
    "age_max": "18",
    "first_need": "scolaire",
    "capacity": " 4 ",
    "recruits_mentors": "on",
    "mentor_capacity": "2",
    "situations[]": ["college", "inconnue"],
    "needs[]": ["orientation", "scolaire"],
    "publics[]": ["qpv", "rural"],
    "publics_required[]": ["qpv", "pas-un-public"],
}


def test_a_stored_entry_becomes_the_forms_fields():
    assert form_values(FULL) == {
        "id": "nord-asso",
        "name": "Nord Asso",
        "emails": "a@nord.example.org\nb@nord.example.org",
        "active": False,
        "national": True,
        "regions": "32, 11",
        "departements": "59, 62",
        "communes": "59350, 59512",
        "age_min": "11",
        "age_max": "18",
        "situations": ["college", "lycee"],
        "needs": ["orientation", "scolaire"],
        "first_need": "orientation",
        "publics": ["qpv", "rural"],
        "publics_required": ["qpv"],
        "capacity": "0",
        "recruits_mentors": True,
        "mentor_capacity": "7",
    }


def test_an_empty_entry_becomes_empty_fields_active_by_default():
    assert form_values({}) == {
        "id": "",
        "name": "",
        "emails": "",
        "active": True,
        "national": False,
        "regions": "",
        "departements": "",
        "communes": "",
        "age_min": "",
        "age_max": "",
        "situations": [],
        "needs": [],
        "first_need": "",
        "publics": [],
        "publics_required": [],
        "capacity": "",
        "recruits_mentors": False,
        "mentor_capacity": "",
    }


def test_posted_fields_become_an_entry_with_the_first_need_leading():
    base = {"id": "ignored", "notes": "kept"}
    entry, shown, errors = entry_from_form(GOOD, base, new=True)
    assert errors == []
    assert entry == {
        "id": "nouvelle-asso",
        "notes": "kept",
        "name": "Nouvelle",
        "emails": ["x@n.example.org", "y@n.example.org", "z@n.example.org"],
        "active": True,
        "territory": {"national": True, "regions": ["32"], "departements": ["59", "05"], "communes": ["59350"]},
        "ages": {"min": 11, "max": 18},
        "situations": ["college"],
        "needs": ["scolaire", "orientation"],
        "publics": ["qpv", "rural"],
        "publics_required": ["qpv"],
        "capacity": 4,
        "recruits_mentors": True,
        "mentor_capacity": 2,
    }
    assert shown == {
        "id": "nouvelle-asso",
        "name": "Nouvelle",
        "emails": "x@n.example.org, y@n.example.org;\nz@n.example.org",
        "active": True,
        "national": True,
        "regions": "32",
        "departements": "59, 5",
        "communes": "59350",
        "age_min": "11",
        "age_max": "18",
        "first_need": "scolaire",
        "capacity": "4",
        "recruits_mentors": True,
        "mentor_capacity": "2",
        "situations": ["college"],
        "needs": ["orientation", "scolaire"],
        "publics": ["qpv", "rural"],
        "publics_required": ["qpv"],
    }


def test_an_empty_post_names_every_missing_field():
    entry, shown, errors = entry_from_form({}, {}, new=True)
    assert errors == [
        {"field": "id", "message": "indiquez un identifiant"},
        {"field": "name", "message": "indiquez le nom de l'association"},
        {"field": "emails", "message": "indiquez au moins une adresse"},
        {"field": "age_min", "message": "un nombre entier de 0 à 120"},
        {"field": "age_max", "message": "un nombre entier de 0 à 120"},
        {"field": "needs", "message": "cochez au moins un besoin"},
    ]
    assert shown == {
        "id": "",
        "name": "",
        "emails": "",
        "active": False,
        "national": False,
        "regions": "",
        "departements": "",
        "communes": "",
        "age_min": "",
        "age_max": "",
        "first_need": "",
        "capacity": "",
        "recruits_mentors": False,
        "mentor_capacity": "",
        "situations": [],
        "needs": [],
        "publics": [],
        "publics_required": [],
    }
    assert entry["ages"] == {"min": 0, "max": 0}
    assert entry["territory"] == {"national": False, "regions": [], "departements": [], "communes": []}
    assert (entry["capacity"], entry["mentor_capacity"], entry["emails"]) == (None, None, [])


def test_a_new_association_takes_the_stored_id_when_the_form_has_none():
    _, shown, errors = entry_from_form({}, {"id": "from-base"}, new=True)
    assert shown["id"] == "from-base"
    assert {"field": "id", "message": "indiquez un identifiant"} not in errors


def test_an_existing_association_keeps_its_id_whatever_is_posted():
    entry, shown, errors = entry_from_form({**GOOD, "id": "autre-id"}, {"id": "nord-asso"}, new=False)
    assert (entry["id"], shown["id"]) == ("nord-asso", "nord-asso")
    assert errors == []
    _, _, no_check = entry_from_form({**GOOD, "id": "Pas Valide"}, {"id": "nord-asso"}, new=False)
    assert no_check == []


@pytest.mark.parametrize(
    "posted, message",
    [
        ("Nord Asso", "lettres minuscules sans accent, chiffres et tirets (par exemple afev-59)"),
        ("-nord", "lettres minuscules sans accent, chiffres et tirets (par exemple afev-59)"),
        ("nouvelle", "cet identifiant est réservé, choisissez-en un autre"),
        ("versions", "cet identifiant est réservé, choisissez-en un autre"),
        ("signalements", "cet identifiant est réservé, choisissez-en un autre"),
    ],
)
def test_a_new_id_must_be_a_free_slug(posted, message):
    _, _, errors = entry_from_form({**GOOD, "id": posted}, {}, new=True)
    assert errors == [{"field": "id", "message": message}]


def test_unknown_territory_codes_are_named_on_their_field():
    fields = {**GOOD, "regions": "32, 99", "departements": "59 ; 2c; 0", "communes": "00000"}
    entry, _, errors = entry_from_form(fields, {}, new=True)
    assert errors == [
        {"field": "regions", "message": "codes INSEE inconnus : 99"},
        {"field": "departements", "message": "codes INSEE inconnus : 2C, 00"},
        {"field": "communes", "message": "codes INSEE inconnus : 00000"},
    ]
    assert entry["territory"]["departements"] == ["59", "2C", "00"]


def test_a_one_digit_departement_gets_its_leading_zero():
    entry, _, errors = entry_from_form({**GOOD, "departements": "1, 9, 2a, 971"}, {}, new=True)
    assert errors == []
    assert entry["territory"]["departements"] == ["01", "09", "2A", "971"]


@pytest.mark.parametrize(
    "age_min, age_max, errors",
    [
        ("0", "120", []),
        ("120", "120", []),
        (
            "121",
            "121",
            [
                {"field": "age_min", "message": "un nombre entier de 0 à 120"},
                {"field": "age_max", "message": "un nombre entier de 0 à 120"},
            ],
        ),
        ("douze", "18", [{"field": "age_min", "message": "un nombre entier de 0 à 120"}]),
        ("12", "-3", [{"field": "age_max", "message": "un nombre entier de 0 à 120"}]),
        ("18", "17", [{"field": "age_max", "message": "l'âge maximum doit être au moins l'âge minimum"}]),
        ("18", "18", []),
    ],
)
def test_ages_are_whole_numbers_up_to_120_in_order(age_min, age_max, errors):
    entry, _, found = entry_from_form({**GOOD, "age_min": age_min, "age_max": age_max}, {}, new=True)
    assert found == errors


def test_an_unreadable_age_is_stored_as_zero():
    entry, _, _ = entry_from_form({**GOOD, "age_min": "x", "age_max": "19"}, {}, new=True)
    assert entry["ages"] == {"min": 0, "max": 19}
    entry, _, _ = entry_from_form({**GOOD, "age_min": "7", "age_max": ""}, {}, new=True)
    assert entry["ages"] == {"min": 7, "max": 0}


def test_the_first_need_must_be_among_the_needs_checked():
    _, _, errors = entry_from_form({**GOOD, "first_need": "insertion_pro"}, {}, new=True)
    assert errors == [{"field": "first_need", "message": "le besoin principal doit faire partie des besoins cochés"}]


@pytest.mark.parametrize("field", ["capacity", "mentor_capacity"])
def test_capacities_are_whole_numbers_or_empty_for_no_limit(field):
    _, _, errors = entry_from_form({**GOOD, field: "dix"}, {}, new=True)
    assert errors == [{"field": field, "message": "un nombre entier, ou vide pour sans limite"}]
    entry, _, errors = entry_from_form({**GOOD, field: ""}, {}, new=True)
    assert errors == [] and entry[field] is None
    entry, _, errors = entry_from_form({k: v for k, v in GOOD.items() if k != field}, {}, new=True)
    assert errors == [] and entry[field] is None


def test_unchecked_boxes_are_off_and_only_on_means_checked():
    fields = {**GOOD, "active": "ON", "national": "yes", "recruits_mentors": "1"}
    entry, shown, _ = entry_from_form(fields, {}, new=True)
    assert (shown["active"], shown["national"], shown["recruits_mentors"]) == (False, False, False)
    assert (entry["active"], entry["territory"]["national"], entry["recruits_mentors"]) == (False, False, False)


# -- the model's refusals -----------------------------------------------------------------------


def test_the_models_refusals_land_on_the_forms_fields():
    exc = InvalidDirectory(
        [
            {"field": "associations[0].id", "message": "id already in use"},
            {"field": "associations[0]", "message": "no such association"},
            {"field": "x.emails.0", "message": "value is not a valid email address"},
            {"field": "x.territory.departements", "message": "unknown code"},
            {"field": "x.territory", "message": "territory is empty"},
            {"field": "x.ages", "message": "min above max"},
            {"field": "x.capacity", "message": "negative"},
            {"field": "x.colour", "message": "not a field of the form"},
            {"field": "toplevel", "message": "broken"},
        ]
    )
    assert model_errors(exc) == [
        {"field": "id", "message": "une association a déjà cet identifiant"},
        {"field": "id", "message": "cette association n'est plus dans l'annuaire"},
        {"field": "emails", "message": "une adresse n'est pas valide"},
        {"field": "departements", "message": "valeur refusée (unknown code)"},
        {"field": "id", "message": "valeur refusée (territory is empty)"},
        {"field": "age_max", "message": "valeur refusée (min above max)"},
        {"field": "capacity", "message": "valeur refusée (negative)"},
        {"field": "id", "message": "valeur refusée (not a field of the form)"},
        {"field": "id", "message": "valeur refusée (broken)"},
    ]


def test_a_territory_refusal_two_levels_deep_lands_on_its_list():
    exc = InvalidDirectory(
        [{"field": "x.territory.communes", "message": "bad"}, {"field": "x.territory.communes.3", "message": "worse"}]
    )
    assert model_errors(exc) == [
        {"field": "communes", "message": "valeur refusée (bad)"},
        {"field": "communes", "message": "valeur refusée (worse)"},
    ]


@pytest.mark.parametrize(
    "posted, stored", [("0", 0), ("999999", 999999), ("1234567", None), ("4.5", None), ("-1", None)]
)
def test_a_capacity_is_at_most_six_digits(posted, stored):
    entry, _, errors = entry_from_form({**GOOD, "capacity": posted}, {}, new=True)
    assert entry["capacity"] == stored
    assert errors == (
        [] if stored is not None else [{"field": "capacity", "message": "un nombre entier, ou vide pour sans limite"}]
    )
