#!/usr/bin/env python3
"""Build chalicelib/data/territory.json: postal code -> commune -> département -> région.

Where the data comes from
    The npm package ``@etalab/decoupage-administratif`` version 6.0.0 (millésime 2026),
    published by Etalab / data.gouv.fr (https://github.com/datagouv/decoupage-administratif).
    It compiles the Code Officiel Géographique of INSEE (communes, départements, régions)
    and the "Base officielle des codes postaux" of La Poste (data.gouv.fr).

Licence
    Data: Licence Ouverte / Open Licence (Etalab), as stated in the package README
    ("Données : Licence Ouverte"; the La Poste postal codes were under ODbL before and
    are now under Licence Ouverte too). The package code itself is MIT (its LICENSE file),
    but we only take its data. Licence Ouverte asks for attribution: keep the "source"
    entry of the generated file.

How to regenerate
    python3 scripts/build_territory.py                # runs `npm pack` into .cache/
    python3 scripts/build_territory.py path/to/etalab-decoupage-administratif-6.0.0.tgz

    The tarball can be fetched by hand with
    ``npm pack @etalab/decoupage-administratif@6.0.0 --pack-destination DIR``.
    The script reads the .tgz directly (no unpacking) and uses the standard library only.
    The output is deterministic (sorted keys, no spaces): same tarball, same bytes.

Output shape
    {"source": {...},
     "regions": {code: name},
     "departements": {code: [name, region_code]},
     "communes": {insee: [name, departement_code]},
     "postal_codes": {"59100": ["59512"], ...}}

    A commune's région is not repeated per commune: it is the région of its département
    (the build checks that this holds for every commune), which keeps the file small.

Choices
    * Only "commune-actuelle" entries: communes déléguées / associées share the postal
      codes of their parent commune (checked below), and the 45 arrondissements
      municipaux of Paris, Lyon and Marseille carry postal codes that the parent
      commune (75056, 69123, 13055) already lists, so 75011 resolves to Paris.
    * Communes without any postal code (the TAAF districts, 984) are left out: no postal
      code can reach them. Overseas collectivités that do have postal codes (975, 977,
      978, 986, 987, 988, 989) are kept, with the pseudo-région code the data gives them
      (equal to their own code: they belong to no région).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
from collections import defaultdict
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "chalicelib" / "data" / "territory.json"
CACHE = REPO / ".cache"


def check(condition: bool, message: str) -> None:
    """Stop the build when the data breaks an assumption the resolver relies on."""
    if not condition:
        sys.exit(f"build_territory: {message}")


def npm_pack(destination: Path) -> Path:
    """Fetch the package tarball with npm into `destination` and return its path."""
    destination.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(destination), "--json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return destination / json.loads(out)[0]["filename"]


def read_package(tgz: Path) -> dict[str, Any]:
    """Read package.json and the three data files we need straight from the tarball."""
    wanted = {
        "package/package.json": "package",
        "package/data/communes.json": "communes",
        "package/data/departements.json": "departements",
        "package/data/regions.json": "regions",
    }
    found: dict[str, Any] = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            key = wanted.get(member.name)
            if key and member.isfile() and (stream := tar.extractfile(member)) is not None:
                found[key] = json.load(stream)
    missing = set(wanted.values()) - set(found)
    if missing:
        sys.exit(f"{tgz}: missing {sorted(missing)} in the tarball")
    return found


def build(raw: dict[str, Any]) -> dict[str, Any]:
    package = raw["package"]
    if package["name"] != PACKAGE or package["version"] != VERSION:
        sys.exit(f"expected {PACKAGE}@{VERSION}, got {package['name']}@{package['version']}")

    regions = {r["code"]: r["nom"] for r in raw["regions"]}
    departements = {d["code"]: [d["nom"], d["region"]] for d in raw["departements"]}

    communes: dict[str, list[str]] = {}
    postal_codes: dict[str, set[str]] = defaultdict(set)
    other_postal_codes: dict[str, str] = {}  # postal code -> parent commune, for the checks
    for c in raw["communes"]:
        codes = c.get("codesPostaux") or []
        if c["type"] != "commune-actuelle":
            for pc in codes:
                other_postal_codes[pc] = c.get("commune") or c.get("chefLieu") or c["code"]
            continue
        if not codes:
            continue  # TAAF: nothing to resolve from a postal code
        dep = c["departement"]
        check(departements[dep][1] == c["region"], f"{c['code']}: région differs from its département's")
        check(c["region"] in regions, f"{c['code']}: unknown région {c['region']}")
        communes[c["code"]] = [c["nom"], dep]
        for pc in codes:
            check(len(pc) == 5 and pc.isdigit(), f"{c['code']}: odd postal code {pc!r}")
            postal_codes[pc].add(c["code"])

    # Leaving out the non-current entries must not lose a postal code.
    lost = sorted(pc for pc in other_postal_codes if pc not in postal_codes)
    check(not lost, f"postal codes only held by délégués/associées/arrondissements: {lost}")
    # 75001..75020, 69001..69009 and 13001..13016 must each give the parent commune alone.
    arrondissements = {"75056": range(75001, 75021), "69123": range(69001, 69010), "13055": range(13001, 13017)}
    for parent, numbers in arrondissements.items():
        for n in numbers:
            check(postal_codes.get(str(n)) == {parent}, f"{n} should resolve to {parent} alone")

    return {
        "source": {
            "package": f"{PACKAGE}@{VERSION}",
            "origin": "INSEE Code officiel géographique + La Poste base officielle des codes postaux",
            "licence": "Licence Ouverte / Open Licence (Etalab)",
            "url": "https://github.com/datagouv/decoupage-administratif",
            "regenerate": "python3 scripts/build_territory.py",
        },
        "regions": regions,
        "departements": departements,
        "communes": communes,
        "postal_codes": {pc: sorted(insee) for pc, insee in postal_codes.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "tarball", nargs="?", type=Path, help=f"{PACKAGE}-{VERSION} .tgz (default: npm pack into .cache/)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    tgz = args.tarball or npm_pack(CACHE)
    data = build(read_package(tgz))
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(
        f"{args.output}: {len(data['communes'])} communes, {len(data['postal_codes'])} postal codes, "
        f"{args.output.stat().st_size} bytes, from {tgz}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
