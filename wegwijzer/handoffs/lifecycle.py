"""A stored handoff's life (recording it is ``wegwijzer.handoffs.record``): the adviser's
status changes (accepted, contacted, closed with an outcome), reassigning, listing and erasing."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from wegwijzer.handoffs import outbox
from wegwijzer.storage.tables import AdviserAssignmentRow, HandoffRow, OutboxRow
from wegwijzer.catalog.referral_data import Adviser, Organisation


def utcnow() -> datetime:
    """Naive UTC, the form both SQLite and PostgreSQL ``DateTime`` columns store."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def note_assignment(session: Session, adviser_key: str, when: datetime) -> None:
    """Count one more handoff for the adviser: routing gives the next one to whoever waited longest."""
    assignment = session.get(AdviserAssignmentRow, adviser_key)
    if assignment is None:
        session.add(AdviserAssignmentRow(adviser_key=adviser_key, last_assigned_at=when, assigned_count=1))
    else:
        assignment.last_assigned_at = when
        assignment.assigned_count += 1


TIME_COLUMNS = ("created_at", "consent_at", "accepted_at", "contacted_at", "closed_at", "escalated_at", "purged_at")


def handoff_as_dict(row: HandoffRow) -> dict:
    """Every column, times in ISO 8601, plus ``organization`` and ``adviser`` as readers expect them."""
    data = {column.name: getattr(row, column.name) for column in HandoffRow.__table__.columns}
    for key in TIME_COLUMNS:
        data[key] = data[key].isoformat() if data[key] else None
    data["organization"] = row.organisation_name
    data["adviser"] = row.adviser_name
    return data


def list_handoffs(session: Session) -> list[HandoffRow]:
    return list(session.execute(select(HandoffRow).order_by(HandoffRow.created_at, HandoffRow.id)).scalars())


def erase_conversation(session: Session, conversation_id: str) -> int:
    """Remove every handoff of one conversation and everything queued for them; return how many handoffs.

    Whoever received a summary or escalation (or is receiving one right now) gets a withdrawal notice
    (handoff number only): the adviser, or the organisation's general address.
    Rasa's tracker store is separate: ``wegwijzer.handoffs.privacy`` erases it too.
    """
    ids = select(HandoffRow.id).where(HandoffRow.conversation_id == conversation_id)
    outbox.queue_withdrawals(session, list(session.execute(ids).scalars()), utcnow())
    session.execute(delete(OutboxRow).where(or_(OutboxRow.handoff_id.in_(ids), OutboxRow.conversation_id == conversation_id))
                    .execution_options(synchronize_session=False))
    result = session.execute(delete(HandoffRow).where(HandoffRow.conversation_id == conversation_id)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0


# -- the adviser's side ----------------------------------------------------------------------------

NEW, ACCEPTED, CONTACTED, CLOSED = "new", "accepted", "contacted", "closed"
OUTCOMES = ("helped", "referred_on", "not_reachable", "no_match")
STEPS = {"accept": ACCEPTED, "contacted": CONTACTED, "closed": CLOSED}
ORDER = (NEW, ACCEPTED, CONTACTED, CLOSED)


class HandoffGone(LookupError):
    """The handoff does not exist any more (erased or purged)."""


class Reassigned(Exception):
    """The handoff has been given to another adviser since this assignment: its links stop working."""


def assigned_handoff(session: Session, handoff_id: int, assignment: int | None = None, *,
                     for_update: bool = False) -> HandoffRow:
    """The handoff, still held by ``assignment`` when one is given; raises HandoffGone or Reassigned."""
    row = session.get(HandoffRow, handoff_id, with_for_update=for_update)
    if row is None or row.purged_at is not None:
        raise HandoffGone(handoff_id)
    if assignment is not None and row.assignment != assignment:
        raise Reassigned(handoff_id)
    return row


def advance(session: Session, handoff_id: int, step: str, *, assignment: int | None = None,
            outcome: str | None = None, now: datetime | None = None) -> tuple[HandoffRow, bool]:
    """Move a handoff forward (accept, contacted, closed); return the row and whether anything changed.

    A status never moves back: accepting a handoff that is already contacted changes nothing.
    Closing needs one of ``OUTCOMES``. With ``assignment`` (an adviser's link), only that assignment may.
    """
    now = now or utcnow()
    row = assigned_handoff(session, handoff_id, assignment, for_update=True)
    target = STEPS[step]
    if step == "closed" and outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if ORDER.index(row.status) >= ORDER.index(target):
        return row, False
    row.accepted_at = row.accepted_at or now
    if step == "contacted":
        row.contacted_at = now
    if target == CLOSED:
        row.closed_at = now
        row.outcome = outcome
        outbox.cancel_open_summaries(session, row.id, "handoff closed")
    row.status = target
    return row, True


def reassign(session: Session, handoff_id: int, adviser: Adviser, organisation: Organisation) -> HandoffRow:
    """Give a handoff to another adviser: the old links stop working, the new adviser gets the summary."""
    row = session.get(HandoffRow, handoff_id, with_for_update=True)
    if row is None or row.purged_at is not None:
        raise HandoffGone(handoff_id)
    if row.status == CLOSED:
        raise ValueError("a closed handoff cannot be reassigned")
    now = utcnow()
    outbox.cancel_open_summaries(session, row.id, "reassigned")
    row.adviser_key, row.adviser_name, row.adviser_email = adviser.key, adviser.name, adviser.email
    row.organisation_key, row.organisation_name = organisation.key, organisation.name
    row.assignment += 1
    row.status, row.accepted_at, row.contacted_at, row.escalated_at = NEW, None, None, None
    row.assigned_at = now  # the two working days before escalation count from here
    note_assignment(session, adviser.key, now)
    session.flush()
    outbox.queue_summary(session, row, adviser, now)
    return row
