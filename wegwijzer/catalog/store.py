"""Writing ``ReferralData`` to the database (changing only what changed) and reading it back."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from wegwijzer.storage.tables import (
    AdviserRow,
    MetaRow,
    MunicipalityRow,
    NeedRow,
    OrganisationRow,
    OutsidePlaceRow,
    PlaceRow,
    PostcodeRow,
    ProgramRow,
    RankingWeightRow,
    RegionRow,
    RoutingRuleRow,
    SectorRow,
)
from wegwijzer.catalog.referral_data import (
    Adviser,
    Need,
    Organisation,
    OutsidePlace,
    PlaceEntry,
    PostcodeEntry,
    Program,
    RankingWeights,
    ReferralData,
    Region,
    RoutingRule,
    Sector,
)

FINGERPRINT = "referral_data_fingerprint"


@dataclass
class SyncReport:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed

    def __str__(self) -> str:
        return f"{self.added} added, {self.changed} changed, {self.removed} removed"


def _rows(data: ReferralData) -> dict[type, list[dict[str, Any]]]:
    """The desired content of every referral table, as column dictionaries, in dependency order."""
    return {
        RegionRow: [{"key": r.key, "name": r.name, "position": i} for i, r in enumerate(data.regions)],
        MunicipalityRow: [{"name": m, "region_key": r.key} for r in data.regions for m in r.municipalities],
        NeedRow: [
            {"key": n.key, "label": n.label, "label_en": n.label_en, "description": n.description,
             "description_en": n.description_en, "reason": n.reason, "reason_en": n.reason_en,
             "keywords": list(n.keywords), "keywords_en": list(n.keywords_en), "position": i}
            for i, n in enumerate(data.needs)
        ],
        SectorRow: [
            {"key": s.key, "label": s.label, "label_en": s.label_en, "sbi": list(s.sbi),
             "keywords": list(s.keywords), "keywords_en": list(s.keywords_en), "position": i}
            for i, s in enumerate(data.sectors)
        ],
        OrganisationRow: [
            {"key": o.key, "name": o.name, "description": o.description, "description_en": o.description_en,
             "website": o.website, "regions": list(o.regions), "needs": list(o.needs), "handoff": o.handoff,
             "response_days": o.response_days, "phone": o.phone, "email": o.email, "verify": o.verify, "note": o.note,
             "position": i, "escalation_email": o.escalation_email, "webhook_url": o.webhook_url,
             "webhook_secret_env": o.webhook_secret_env}
            for i, o in enumerate(data.organisations)
        ],
        AdviserRow: [
            {"key": a.key, "organisation_key": a.organisation, "name": a.name, "email": a.email,
             "phone": a.phone, "placeholder": a.placeholder, "position": i, "deliver": list(a.deliver),
             "telegram_chat_id": a.telegram_chat_id}
            for i, a in enumerate(data.advisers)
        ],
        ProgramRow: [
            {"key": p.key, "name": p.name, "description": p.description, "description_en": p.description_en,
             "regions": list(p.regions), "needs": list(p.needs), "sectors": list(p.sectors),
             "organisation_key": p.organisation, "website": p.website, "min_employees": p.min_employees,
             "max_employees": p.max_employees, "active": p.active, "verify": p.verify, "note": p.note, "position": i,
             "keywords": list(p.keywords), "keywords_en": list(p.keywords_en)}
            for i, p in enumerate(data.programs)
        ],
        RankingWeightRow: [{"name": name, "value": value}
                           for name, value in (data.ranking.as_dict() if data.ranking else {}).items()],
        RoutingRuleRow: [{"region_key": r.region, "need_key": r.need, "organisation_key": r.organisation, "position": i}
                         for i, r in enumerate(data.routing)],
        PlaceRow: [
            {"name": p.name, "municipality": p.municipality, "kind": p.kind, "also_outside": p.also_outside, "position": i}
            for i, p in enumerate(data.places)
        ],
        PostcodeRow: [{"pc4": p.pc4, "municipality": p.municipality, "also": p.also, "kind": p.kind} for p in data.postcodes],
        OutsidePlaceRow: [{"name": o.name, "province": o.province, "country": o.country, "position": i}
                          for i, o in enumerate(data.outside_places)],
    }


def fingerprint(data: ReferralData) -> str:
    """A hash of the referral content, so that readers can tell cheaply whether it changed."""
    canonical = {model.__tablename__: rows for model, rows in _rows(data).items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


def _primary_key(model: type) -> Callable[[dict[str, Any]], tuple]:
    columns = [c.name for c in model.__table__.primary_key.columns]
    return lambda row: tuple(row[c] for c in columns)


def _sync_table(session: Session, model: type, desired: list[dict[str, Any]], report: SyncReport) -> list[Any]:
    """Insert and update rows of ``model`` to match ``desired``; return the rows to delete afterwards."""
    key_of = _primary_key(model)
    existing = {key_of({c.name: getattr(obj, c.name) for c in model.__table__.columns}): obj
                for obj in session.execute(select(model)).scalars()}
    wanted_keys = set()
    for row in desired:
        key = key_of(row)
        wanted_keys.add(key)
        current = existing.get(key)
        if current is None:
            session.add(model(**row))
            report.added += 1
        else:
            differing = {column for column, value in row.items() if getattr(current, column) != value}
            for column in differing:
                setattr(current, column, row[column])
            if differing - {"position"}:  # a shifted position alone is no change a person made
                report.changed += 1
    return [obj for key, obj in existing.items() if key not in wanted_keys]


def save(session: Session, data: ReferralData) -> SyncReport:
    """Make the referral tables equal to ``data`` inside the caller's transaction."""
    report = SyncReport()
    stale_by_table = []
    for model, desired in _rows(data).items():  # parents before children
        stale_by_table.append(_sync_table(session, model, desired, report))
        session.flush()
    for stale in reversed(stale_by_table):  # children before parents
        for obj in stale:
            session.delete(obj)
            report.removed += 1
        session.flush()
    new_fingerprint = fingerprint(data)
    meta = session.get(MetaRow, FINGERPRINT)
    if meta is None:
        session.add(MetaRow(key=FINGERPRINT, value=new_fingerprint))
    elif meta.value != new_fingerprint:
        meta.value = new_fingerprint
    return report


def stored_fingerprint(session: Session) -> str | None:
    meta = session.get(MetaRow, FINGERPRINT)
    return meta.value if meta else None


def read(session: Session) -> ReferralData:
    """The referral data as stored, in the order of the files."""
    def all_of(model: type, *order) -> list[Any]:
        return list(session.execute(select(model).order_by(*order)).scalars())

    municipalities: dict[str, list[str]] = {}
    for row in all_of(MunicipalityRow, MunicipalityRow.name):
        municipalities.setdefault(row.region_key, []).append(row.name)
    return ReferralData(
        regions=[Region(r.key, r.name, tuple(municipalities.get(r.key, ()))) for r in all_of(RegionRow, RegionRow.position)],
        needs=[Need(n.key, n.label, n.label_en, n.description, n.description_en, n.reason, n.reason_en,
                    tuple(n.keywords), tuple(n.keywords_en)) for n in all_of(NeedRow, NeedRow.position)],
        sectors=[Sector(s.key, s.label, s.label_en, tuple(s.sbi), tuple(s.keywords), tuple(s.keywords_en))
                 for s in all_of(SectorRow, SectorRow.position)],
        organisations=[Organisation(o.key, o.name, o.description, o.description_en, o.website, tuple(o.regions),
                                    tuple(o.needs), o.handoff, o.response_days, o.phone, o.email, o.verify, o.note,
                                    o.escalation_email, o.webhook_url, o.webhook_secret_env)
                       for o in all_of(OrganisationRow, OrganisationRow.position)],
        advisers=[Adviser(a.key, a.organisation_key, a.name, a.email, a.phone, a.placeholder,
                          tuple(a.deliver or ("email",)), a.telegram_chat_id)
                  for a in all_of(AdviserRow, AdviserRow.position)],
        programs=[Program(p.key, p.name, p.description, p.description_en, tuple(p.regions), tuple(p.needs),
                          tuple(p.sectors), p.organisation_key, p.website, p.min_employees, p.max_employees,
                          p.active, p.verify, p.note, tuple(p.keywords or ()), tuple(p.keywords_en or ()))
                  for p in all_of(ProgramRow, ProgramRow.position)],
        routing=[RoutingRule(r.region_key, r.need_key, r.organisation_key)
                 for r in all_of(RoutingRuleRow, RoutingRuleRow.position)],
        places=[PlaceEntry(p.name, p.municipality, p.kind, p.also_outside) for p in all_of(PlaceRow, PlaceRow.position)],
        postcodes=[PostcodeEntry(p.pc4, p.municipality, p.also, p.kind) for p in all_of(PostcodeRow, PostcodeRow.pc4)],
        outside_places=[OutsidePlace(o.name, o.province, o.country) for o in all_of(OutsidePlaceRow, OutsidePlaceRow.position)],
        ranking=_ranking({row.name: row.value for row in all_of(RankingWeightRow, RankingWeightRow.name)}),
    )


def _ranking(weights: dict[str, int]) -> RankingWeights | None:
    """The stored weights; None when a database loaded by an older version has none (then no program is
    suggested until ``wegwijzer data load`` runs)."""
    try:
        return RankingWeights(**weights)
    except TypeError:
        return None

