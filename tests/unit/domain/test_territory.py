"""Postal code -> commune / département / région, against the real generated data file."""

from __future__ import annotations

import subprocess
import sys

import pytest

from chalicelib.domain.territory import (
    Place,
    communes_named,
    departement_name,
    is_known_postal_code,
    normalise_name,
    region_name,
    resolve_place,
)
from tests.builders import ROOT

REPO = ROOT


@pytest.mark.parametrize(
    ("postal_code", "city", "expected"),
    [
        # One commune under the code: the city is not needed (nor looked at).
        ("59100", None, Place("59100", "59512", "Roubaix", "59", "32")),
        ("93000", "n'importe quoi", Place("93000", "93008", "Bobigny", "93", "11")),
        # Arrondissements municipaux resolve to the parent commune.
        ("75011", None, Place("75011", "75056", "Paris", "75", "11")),
        ("75116", "Paris 16e", Place("75116", "75056", "Paris", "75", "11")),
        ("13008", None, Place("13008", "13055", "Marseille", "13", "93")),
        ("69003", None, Place("69003", "69123", "Lyon", "69", "84")),
        # Corsica: département codes are letters, postal codes are 20xxx.
        ("20000", None, Place("20000", "2A004", "Ajaccio", "2A", "94")),
        ("20200", "Bastia", Place("20200", "2B033", "Bastia", "2B", "94")),
        ("20200", "BASTIA ", Place("20200", "2B033", "Bastia", "2B", "94")),
        # Overseas départements and collectivités.
        ("97400", None, Place("97400", "97411", "Saint-Denis", "974", "04")),
        ("97600", "Mamoudzou", Place("97600", "97611", "Mamoudzou", "976", "06")),
        ("97615", "pamandzi", Place("97615", "97615", "Pamandzi", "976", "06")),
        ("97133", None, Place("97133", "97701", "Saint-Barthélemy", "977", "977")),
        ("98800", None, Place("98800", "98818", "Nouméa", "988", "988")),
        # Several communes: the city picks one, whatever its case, accents or abbreviations.
        ("42230", "saint-etienne", Place("42230", "42218", "Saint-Étienne", "42", "84")),
        ("42230", "SAINT ETIENNE", Place("42230", "42218", "Saint-Étienne", "42", "84")),
        ("42230", "St-Étienne", Place("42230", "42218", "Saint-Étienne", "42", "84")),
        ("42230", "roche la moliere", Place("42230", "42189", "Roche-la-Molière", "42", "84")),
        ("02160", "oeuilly", Place("02160", "02565", "Œuilly", "02", "32")),
        # ... and a leading article is optional.
        ("78130", "Mureaux", Place("78130", "78440", "Les Mureaux", "78", "11")),
        ("78130", "les  mureaux", Place("78130", "78440", "Les Mureaux", "78", "11")),
        # Several communes, no city or an unknown one: no commune, but what they share.
        ("42230", None, Place("42230", None, None, "42", "84")),
        ("42230", "Lyon", Place("42230", None, None, "42", "84")),
        ("20200", "", Place("20200", None, None, "2B", "94")),
        ("97600", None, Place("97600", None, None, "976", "06")),
        # Codes straddling two départements (same région), or two régions.
        ("01200", None, Place("01200", None, None, None, "84")),
        ("37160", None, Place("37160", None, None, None, None)),
        ("37160", "Buxeuil", Place("37160", "86042", "Buxeuil", "86", "75")),
        # Written with a space, as people often do.
        ("59 100", None, Place("59100", "59512", "Roubaix", "59", "32")),
    ],
)
def test_resolve_place(postal_code: str, city: str | None, expected: Place) -> None:
    assert resolve_place(postal_code, city) == expected


@pytest.mark.parametrize("postal_code", ["00000", "99999", "7501", "750011", "ABCDE", "", "2A004", "７５０１１"])
def test_unknown_or_malformed_postal_code(postal_code: str) -> None:
    assert resolve_place(postal_code) is None
    assert resolve_place(postal_code, "Paris") is None
    assert is_known_postal_code(postal_code) is False


@pytest.mark.parametrize("postal_code", ["59100", "75011", "20200", "97600", "97133", "01200"])
def test_known_postal_code(postal_code: str) -> None:
    assert is_known_postal_code(postal_code) is True


@pytest.mark.parametrize(
    ("name", "expected_codes"),
    [
        ("Bobigny", ["93008"]),
        ("BOBIGNY", ["93008"]),
        ("saint etienne", ["42218"]),
        ("Paris", ["75056"]),
        ("Mureaux", ["78440"]),
        ("Nulle-Part-sur-Rien", []),
        ("", []),
    ],
)
def test_communes_named(name: str, expected_codes: list[str]) -> None:
    assert [p.commune_code for p in communes_named(name)] == expected_codes


def test_communes_named_gives_first_postal_code_and_all_homonyms() -> None:
    assert communes_named("Bobigny") == [Place("93000", "93008", "Bobigny", "93", "11")]
    assert communes_named("Paris")[0].postal_code == "75001"
    assert communes_named("Ajaccio")[0].postal_code == "20000"
    saint_denis = {p.commune_code: p for p in communes_named("Saint-Denis")}
    assert saint_denis["93066"].departement == "93"
    assert saint_denis["97411"].postal_code == "97400"
    assert len(communes_named("Sainte-Colombe")) == 12


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("  st   ÉTIENNE ", "saint etienne"),
        ("Ste-Foy-lès-Lyon", "sainte foy les lyon"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("Château-Chinon (Ville)", "chateau chinon ville"),
        ("Saint–Denis", "saint denis"),  # en dash
        ("Saint\u00a0Denis", "saint denis"),  # non-breaking space
    ],
)
def test_normalise_name(raw: str, normalised: str) -> None:
    assert normalise_name(raw) == normalised


@pytest.mark.parametrize(
    ("function", "code", "name"),
    [
        (departement_name, "59", "Nord"),
        (departement_name, "2A", "Corse-du-Sud"),
        (departement_name, "976", "Mayotte"),
        (departement_name, "00", None),
        (region_name, "32", "Hauts-de-France"),
        (region_name, "94", "Corse"),
        (region_name, "06", "Mayotte"),
        (region_name, "99", None),
    ],
)
def test_names(function, code: str, name: str | None) -> None:
    assert function(code) == name


def test_import_does_not_load_the_data() -> None:
    # Cold start: the 1.4 MB file must be read on the first lookup, not at import.
    code = (
        "import chalicelib.domain.territory as t\n"
        "assert t._data.cache_info().currsize == 0, 'loaded at import'\n"
        "t.resolve_place('59100')\n"
        "assert t._data.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
