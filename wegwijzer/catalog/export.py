"""Writing the referral data back out in the folder layout that ``data_files`` reads.

Staff use it to see exactly what the running database holds; a round trip through export and
read gives the same data.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from wegwijzer.catalog.referral_data import PlaceEntry, PostcodeEntry, ReferralData


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """Drop empty optional fields and turn tuples into lists, for readable YAML."""
    out = {}
    for key, value in record.items():
        if value is None or (key in ("verify", "placeholder") and value is False):
            continue
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def _dump(path: Path, top: str, records: list[dict[str, Any]]) -> None:
    text = yaml.safe_dump({top: records}, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")


def export_folder(data: ReferralData, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _dump(folder / "regions.yml", "regions",
          [{"key": r.key, "name": r.name, "municipalities": list(r.municipalities)} for r in data.regions])
    _dump(folder / "needs.yml", "needs", [_clean({
        "key": n.key, "label": n.label, "label_en": n.label_en, "description": n.description,
        "description_en": n.description_en, "reason": n.reason, "reason_en": n.reason_en,
        "keywords": n.keywords, "keywords_en": n.keywords_en}) for n in data.needs])
    _dump(folder / "sectors.yml", "sectors", [_clean({
        "key": s.key, "label": s.label, "label_en": s.label_en, "sbi": s.sbi,
        "keywords": s.keywords, "keywords_en": s.keywords_en}) for s in data.sectors])
    advisers: dict[str, list[dict[str, Any]]] = {}
    for a in data.advisers:
        advisers.setdefault(a.organisation, []).append(
            _clean({"key": a.key, "name": a.name, "email": a.email, "phone": a.phone, "placeholder": a.placeholder,
                    "deliver": a.deliver, "telegram_chat_id": a.telegram_chat_id}))
    _dump(folder / "organisations.yml", "organisations", [_clean({
        "key": o.key, "name": o.name, "description": o.description, "description_en": o.description_en,
        "website": o.website, "phone": o.phone, "email": o.email, "regions": o.regions, "needs": o.needs,
        "handoff": o.handoff, "response_days": o.response_days, "verify": o.verify, "note": o.note,
        "escalation_email": o.escalation_email, "webhook_url": o.webhook_url, "webhook_secret_env": o.webhook_secret_env,
        "advisers": advisers.get(o.key, [])}) for o in data.organisations])
    _dump(folder / "programs.yml", "programs", [_clean({
        "key": p.key, "name": p.name, "description": p.description, "description_en": p.description_en,
        "organisation": p.organisation, "website": p.website, "regions": p.regions, "needs": p.needs,
        "sectors": p.sectors, "min_employees": p.min_employees, "max_employees": p.max_employees,
        "active": p.active, "verify": p.verify, "note": p.note,
        "keywords": p.keywords or None, "keywords_en": p.keywords_en or None}) for p in data.programs])
    if data.ranking:
        path = folder / "ranking.yml"
        path.write_text(yaml.safe_dump({"ranking": data.ranking.as_dict()}, sort_keys=False), encoding="utf-8")
    routing: dict[str, dict[str, str]] = {}
    for rule in data.routing:
        routing.setdefault(rule.region, {})[rule.need] = rule.organisation
    _dump(folder / "routing.yml", "routing", [{"region": r, "needs": n} for r, n in routing.items()])
    _dump(folder / "outside_places.yml", "outside_places",
          [{"name": o.name, "province": o.province, "country": o.country} for o in data.outside_places])
    write_places_csv(folder, data.places)
    write_postcodes_csv(folder, data.postcodes)


def write_places_csv(folder: Path, places: list[PlaceEntry]) -> None:
    with (folder / "places.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["place", "municipality", "kind", "also_outside"])
        writer.writerows((p.name, p.municipality, p.kind, p.also_outside or "") for p in places)


def write_postcodes_csv(folder: Path, postcodes: list[PostcodeEntry]) -> None:
    with (folder / "postcodes.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["pc4", "municipality", "also", "kind"])
        writer.writerows((p.pc4, p.municipality, p.also or "", p.kind) for p in postcodes)
