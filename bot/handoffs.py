"""Storing a handoff (with the entrepreneur's consent), listing handoffs, erasing a person's data,
and the summary text an adviser reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.models import AdviserAssignmentRow, HandoffRow, IntakeRecordRow
from bot.places import Location
from bot.referral_data import Adviser, Organisation


def utcnow() -> datetime:
    """Naive UTC, the form both SQLite and PostgreSQL ``DateTime`` columns store."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class HandoffRequest:
    conversation_id: str
    organisation: Organisation
    adviser: Adviser
    location: Location
    region_name: str
    need: str
    consent_text: str
    channel: str
    language: str
    sector: str | None = None
    employees: str | None = None
    request_text: str | None = None
    programs: list[dict[str, str]] = field(default_factory=list)
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    consent_at: datetime = field(default_factory=utcnow)


def record_handoff(session: Session, request: HandoffRequest) -> HandoffRow:
    """Store the handoff and note the adviser's assignment, in the caller's transaction."""
    row = HandoffRow(
        conversation_id=request.conversation_id,
        organisation_key=request.organisation.key,
        organisation_name=request.organisation.name,
        adviser_key=request.adviser.key,
        adviser_name=request.adviser.name,
        adviser_email=request.adviser.email,
        region=request.region_name,
        municipality=request.location.municipality,
        place=request.location.place,
        sector=request.sector,
        employees=request.employees,
        need=request.need,
        request_text=request.request_text,
        programs=request.programs,
        contact_name=request.contact_name,
        contact_email=request.contact_email,
        contact_phone=request.contact_phone,
        consent_text=request.consent_text,
        consent_at=request.consent_at,
        channel=request.channel,
        language=request.language,
        status="new",
        created_at=utcnow(),
    )
    session.add(row)
    assignment = session.get(AdviserAssignmentRow, request.adviser.key)
    if assignment is None:
        session.add(AdviserAssignmentRow(adviser_key=request.adviser.key, last_assigned_at=row.created_at, assigned_count=1))
    else:
        assignment.last_assigned_at = row.created_at
        assignment.assigned_count += 1
    session.flush()
    return row


def record_intake(session: Session, *, outcome: str, region: str | None = None, municipality: str | None = None,
                  sector: str | None = None, size_band: str | None = None, need: str | None = None,
                  organisation_key: str | None = None, channel: str | None = None, language: str | None = None) -> None:
    """One anonymous line for the province's statistics: no name, no contact, no conversation id."""
    session.add(IntakeRecordRow(outcome=outcome, region=region, municipality=municipality, sector=sector,
                                size_band=size_band, need=need, organisation_key=organisation_key,
                                channel=channel, language=language, created_at=utcnow()))


def handoff_as_dict(row: HandoffRow) -> dict:
    """Every column, times in ISO 8601, plus ``organization`` and ``adviser`` as readers expect them."""
    data = {column.name: getattr(row, column.name) for column in HandoffRow.__table__.columns}
    for key in ("created_at", "consent_at"):
        data[key] = data[key].isoformat() if data[key] else None
    data["organization"] = row.organisation_name
    data["adviser"] = row.adviser_name
    return data


def list_handoffs(session: Session) -> list[HandoffRow]:
    return list(session.execute(select(HandoffRow).order_by(HandoffRow.created_at, HandoffRow.id)).scalars())


def erase_conversation(session: Session, conversation_id: str) -> int:
    """Remove every handoff (and so all personal data) stored for one conversation; return how many."""
    result = session.execute(delete(HandoffRow).where(HandoffRow.conversation_id == conversation_id))
    return result.rowcount or 0
