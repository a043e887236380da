"""The report's figures, from anonymous data only (what survives ``privacy purge``), with small cells hidden.

Sources: ``conversation_records`` (the funnel), ``intake_records`` (referrals, contact wanted, consent,
satisfaction), ``unmet_requests`` (questions outside the five needs) and the anonymous columns of ``handoffs``
(status, times, outcome, organisation). Dates are Dutch dates; the period includes both ends.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from statistics import median
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from wegwijzer.handoffs.lifecycle import OUTCOMES, utcnow
from wegwijzer.handoffs.workdays import DUTCH_TIME, add_working_days
from wegwijzer.referral.themes import NO_THEME, read_themes
from wegwijzer.reporting.labels import CHANNELS, MONTHS, OUTCOME_LABELS, SATISFACTION_LABELS, STEP_LABELS, NO_VALUE
from wegwijzer.reporting.privacy import HIDDEN, THRESHOLD, cell, shown
from wegwijzer.reporting.records import CONTACT_STEPS, INTAKE_STEPS, SATISFACTION_ANSWERS
from wegwijzer.storage.tables import (
    ConversationRecordRow, HandoffRow, IntakeRecordRow, NeedRow, OrganisationRow, RegionRow, SectorRow,
    UnmetRequestRow,
)


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Naive UTC bounds: from the start of ``start`` to the end of ``end``, in Dutch time."""
        def utc(day: date) -> datetime:
            return datetime.combine(day, time(), DUTCH_TIME).astimezone(timezone.utc).replace(tzinfo=None)
        return (utc(self.start) if self.start else None, utc(self.end + timedelta(days=1)) if self.end else None)

    def as_dict(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat() if self.start else None, "to": self.end.isoformat() if self.end else None}


def _within(column, period: Period):
    start, end = period.bounds()
    clauses = []
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column < end)
    return clauses


def _month(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).astimezone(DUTCH_TIME).strftime("%Y-%m")


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def breakdown(values: Iterable[str | None], label: Callable[[str], str], *, order: list[str] | None = None) -> list[dict]:
    """One cell per value that occurs (or per value of ``order``, in that order); small counts hidden.

    Cells shown as "<5" are listed after the others, by label, so that their order tells nothing either.
    """
    counts = Counter(value or NO_VALUE for value in values)
    keys = list(order) if order is not None else list(counts)
    rows = [{"key": key, "label": label(key), "count": cell(counts.get(key, 0))} for key in keys]
    if order is None:
        rows.sort(key=lambda r: (r["count"] == HIDDEN, -(r["count"] if r["count"] != HIDDEN else 0), r["label"]))
    return rows


def named(names: dict[str, str]) -> Callable[[str], str]:
    """Label a stored key with its name (a key no longer in the data keeps itself); a missing fact is "Onbekend"."""
    return lambda key: "Onbekend" if key == NO_VALUE else names.get(key, key)


def _hours(start: datetime, end: datetime | None) -> float | None:
    return (end - start).total_seconds() / 3600 if end else None


def _median(values: list[float]) -> float | None:
    """The median, only when it rests on at least ``THRESHOLD`` handoffs."""
    return round(median(values), 1) if len(values) >= THRESHOLD else None


def _share(part: int, whole: int) -> int | None:
    """A percentage, only when it rests on at least ``THRESHOLD`` cases."""
    return round(100 * part / whole) if shown(whole) else None


def _closed_loop(handoffs: list[HandoffRow], promised_days: dict[str, int], now: datetime) -> dict[str, Any]:
    by_organisation = []
    for key in sorted({h.organisation_key for h in handoffs}):
        rows = [h for h in handoffs if h.organisation_key == key]
        days = promised_days.get(key)
        to_accepted = [v for v in (_hours(h.assigned_at or h.created_at, h.accepted_at) for h in rows) if v is not None]
        to_contacted = [v for v in (_hours(h.assigned_at or h.created_at, h.contacted_at) for h in rows) if v is not None]
        due = [h for h in rows if days is not None
               and (h.contacted_at is not None or add_working_days(h.assigned_at or h.created_at, days) <= now)]
        in_time = [h for h in due if h.contacted_at is not None
                   and h.contacted_at <= add_working_days(h.assigned_at or h.created_at, days)]
        by_organisation.append({
            "key": key, "label": rows[-1].organisation_name, "handoffs": cell(len(rows)),
            "accepted": cell(sum(h.accepted_at is not None for h in rows)),
            "contacted": cell(sum(h.contacted_at is not None for h in rows)),
            "closed": cell(sum(h.closed_at is not None for h in rows)),
            "escalated": cell(sum(h.escalated_at is not None for h in rows)),
            "median_hours_to_accepted": _median(to_accepted),
            "median_hours_to_contacted": _median(to_contacted),
            "promised_working_days": days,
            "due": cell(len(due)),
            "contacted_in_time_percent": _share(len(in_time), len(due)),
        })
    closed = [h for h in handoffs if h.closed_at is not None]
    return {
        "handoffs": len(handoffs),
        "accepted": sum(h.accepted_at is not None for h in handoffs),
        "contacted": sum(h.contacted_at is not None for h in handoffs),
        "closed": len(closed),
        "escalated": sum(h.escalated_at is not None for h in handoffs),
        "outcomes": breakdown((h.outcome for h in closed), lambda k: OUTCOME_LABELS.get(k, k), order=list(OUTCOMES)),
        "by_organisation": by_organisation,
    }


def collect(engine: Engine, period: Period, now: datetime | None = None) -> dict[str, Any]:
    """Every figure of the report, as plain data (the JSON file and the page show the same)."""
    now = now or utcnow()
    with Session(engine) as session:
        conversations = session.execute(select(ConversationRecordRow).where(
            *_within(ConversationRecordRow.started_at, period))).scalars().all()
        intakes = session.execute(select(IntakeRecordRow).where(
            *_within(IntakeRecordRow.created_at, period))).scalars().all()
        unmet = session.execute(select(UnmetRequestRow).where(
            *_within(UnmetRequestRow.created_at, period))).scalars().all()
        handoffs = session.execute(select(HandoffRow).where(
            *_within(HandoffRow.created_at, period)).order_by(HandoffRow.id)).scalars().all()
        regions = {r.key: r.name for r in session.execute(select(RegionRow)).scalars()}
        needs = {n.key: n.label for n in session.execute(select(NeedRow).order_by(NeedRow.position)).scalars()}
        sectors = {s.key: s.label for s in session.execute(select(SectorRow)).scalars()}
        promised = {o.key: o.response_days for o in session.execute(select(OrganisationRow)).scalars()}
    themes = {t.key: t.label for t in read_themes()}
    referred = [i for i in intakes if i.outcome == "referred"]
    figures: dict[str, Any] = {
        "period": period.as_dict(),
        "generated_at": now.replace(microsecond=0).isoformat() + "Z",
        "privacy": {"threshold": THRESHOLD, "hidden_as": HIDDEN},
        "empty": not (conversations or intakes or unmet or handoffs),
        "funnel": {
            "conversations": len(conversations),
            "intakes_finished": sum(bool(c.finished) for c in conversations),
            "referred": len(referred),
            "contact_wanted": sum(bool(i.contact_wanted) for i in referred),
            "consent": sum(bool(i.consent) for i in referred),
            "handoffs": len(handoffs),
            "stopped_at": breakdown((c.last_step for c in conversations if c.last_step),
                                    lambda k: STEP_LABELS.get(k, k), order=[*INTAKE_STEPS, *CONTACT_STEPS]),
        },
        "referrals": {
            "total": len(referred),
            "by_region": breakdown((i.region for i in referred), named(regions)),
            "by_municipality": breakdown((i.municipality for i in referred), named({})),
            "by_need": breakdown((i.need for i in referred), named(needs)),
            "by_sector": breakdown((i.sector for i in referred), named(sectors)),
            "by_size_band": breakdown((i.size_band for i in referred), named({})),
            "by_channel": breakdown((i.channel for i in referred), named(CHANNELS)),
            "by_month": breakdown((_month(i.created_at) for i in referred), _month_label,
                                  order=sorted({_month(i.created_at) for i in referred})),
        },
        "closed_loop": _closed_loop(handoffs, promised, now),
        "unmet": {
            "other_themes": len(unmet),
            "by_theme": breakdown((u.theme for u in unmet), named({**themes, NO_THEME: "Past bij geen thema"})),
            "by_region": breakdown((u.region for u in unmet), named(regions)),
            "outside_overijssel": sum(bool(c.outside) for c in conversations),
            "unanswered": sum(bool(c.unanswered) for c in conversations),
            "no_program": sum(i.program_count == 0 for i in referred),
            "no_program_by_need": breakdown((i.need for i in referred if i.program_count == 0), named(needs)),
        },
        "satisfaction": {
            "answered": sum(i.satisfaction is not None for i in intakes),
            "helped_percent": _share(sum(i.satisfaction == "ja" for i in intakes),
                                     sum(i.satisfaction is not None for i in intakes)),
            "answers": breakdown((i.satisfaction for i in intakes if i.satisfaction),
                                 lambda k: SATISFACTION_LABELS.get(k, k), order=list(SATISFACTION_ANSWERS)),
        },
    }
    return figures
