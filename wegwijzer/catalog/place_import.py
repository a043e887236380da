"""Import the province's place and postcode tables (``shared/data``) into ``data/referrals``.

The source tables stay as published; this turns them into the two CSV files the referral data
reads, marking names that are also a well-known place outside Overijssel.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from wegwijzer.catalog.export import write_places_csv, write_postcodes_csv
from wegwijzer.catalog.referral_data import PlaceEntry, PostcodeEntry

_OUTSIDE_NOTE = re.compile(r"also official woonplaats in ([^;()]+) \(([^)]+)\)")


def outside_namesake(place: str, note: str) -> str | None:
    """From a note such as "AMBIGUOUS: also official woonplaats in Emmen (Drenthe)", the namesake
    outside Overijssel ("Emmen (Drenthe)"), or None when every namesake is in Overijssel."""
    for _municipality, province in _OUTSIDE_NOTE.findall(note or ""):
        if province.strip() != "Overijssel":
            return f"{place} ({province.strip()})"
    return None


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def import_places(source: Path, target: Path) -> tuple[int, int]:
    """Write ``places.csv`` and ``postcodes.csv`` into ``target``; return their row counts."""
    places = [PlaceEntry(row["place"], row["municipality"], "woonplaats") for row in _read(source / "overijssel_places.csv")]
    places += [PlaceEntry(row["place"], row["municipality"], row["type"], outside_namesake(row["place"], row["note"]))
               for row in _read(source / "overijssel_places_extra.csv")]
    postcodes = {row["pc4"]: PostcodeEntry(row["pc4"], row["municipality"], row["also"] or None, "geo")
                 for row in _read(source / "overijssel_pc4.csv")}
    for row in _read(source / "overijssel_pc4_postbus.csv"):
        postcodes.setdefault(row["pc4"], PostcodeEntry(row["pc4"], row["municipality"], None, "postbus"))
    target.mkdir(parents=True, exist_ok=True)
    write_places_csv(target, places)
    write_postcodes_csv(target, sorted(postcodes.values(), key=lambda p: p.pc4))
    return len(places), len(postcodes)
