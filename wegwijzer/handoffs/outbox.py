"""The outbox: messages queued in the same transaction as the handoff that causes them.

A worker (``wegwijzer.delivery.worker``) sends them. Each row is claimed before it is sent (status
``sending`` with ``claimed_at``); a worker that dies leaves the row claimed until its lease runs
out, then another run takes it again. Only the worker that holds the claim (same ``claimed_at``)
may record the result, so a worker whose lease ran out cannot overwrite another's. Failures are
retried with exponential backoff; after ``max_attempts`` or a permanent error the row is ``failed``
and stays visible in ``wegwijzer outbox``.

Delivery is at least once at the edge: a worker that dies (or loses its lease) after the receiver
accepted a message (SMTP 250, HTTP 2xx, Telegram ok) but before it marked the row sent leaves the
row to be sent again. Every attempt of a row carries the same ``Message-ID`` (e-mail) or
``X-Wegwijzer-Delivery`` header (webhook), so receivers can drop the repeat.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from wegwijzer.settings import OutboxSettings
from wegwijzer.storage.engine import session_scope
from wegwijzer.storage.tables import HandoffRow, OutboxRow
from wegwijzer.catalog.referral_data import Adviser

logger = logging.getLogger("wegwijzer.outbox")

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
SUMMARY, CONFIRMATION, ESCALATION, WITHDRAWAL, ERASE = "summary", "confirmation", "escalation", "withdrawal", "erase"
ENTREPRENEUR = "entrepreneur"
ORGANISATION_PREFIX = "organisation:"  # a withdrawal recipient that is an organisation's general address
CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3  # so the confirmation cannot be used to flood someone's inbox


def handoff_key(handoff_id: int, kind: str, channel: str, assignment: int | None = None) -> str:
    """The idempotency key: one row per handoff, kind (per assignment) and channel, ever."""
    numbered = f"{kind}-{assignment}" if assignment is not None else kind
    return f"handoff-{handoff_id}/{numbered}/{channel}"


def queue(session: Session, *, key: str, kind: str, channel: str, now: datetime, handoff_id: int | None = None,
          recipient: str | None = None, conversation_id: str | None = None, due: datetime | None = None,
          handoff_ref: int | None = None) -> OutboxRow | None:
    """Queue one row in the caller's transaction; None when a row with this key exists already."""
    if session.execute(select(OutboxRow.id).where(OutboxRow.idempotency_key == key)).first():
        return None
    row = OutboxRow(idempotency_key=key, kind=kind, channel=channel, handoff_id=handoff_id, handoff_ref=handoff_ref,
                    recipient=recipient,
                    conversation_id=conversation_id, status=PENDING, attempts=0, next_attempt_at=due or now,
                    created_at=now)
    session.add(row)
    return row


def queue_summary(session: Session, handoff: HandoffRow, adviser: Adviser, now: datetime) -> list[OutboxRow]:
    """The adviser's summary on each of their channels, for the handoff's current assignment."""
    rows = [queue(session, key=handoff_key(handoff.id, SUMMARY, channel, handoff.assignment), kind=SUMMARY,
                  channel=channel, handoff_id=handoff.id, recipient=adviser.key, now=now)
            for channel in adviser.deliver]
    return [row for row in rows if row is not None]


def queue_handoff_deliveries(session: Session, handoff: HandoffRow, adviser: Adviser, now: datetime) -> list[OutboxRow]:
    """Everything a new handoff sends: the summary to the adviser, and the confirmation when there is an
    address that did not get ``CONFIRMATIONS_PER_ADDRESS_PER_DAY`` confirmations in the last 24 hours."""
    rows = queue_summary(session, handoff, adviser, now)
    address = handoff.contact_email
    if address and confirmations_today(session, address, now) >= CONFIRMATIONS_PER_ADDRESS_PER_DAY:
        logger.warning("handoff %d: no confirmation, its address had %d today already", handoff.id,
                       CONFIRMATIONS_PER_ADDRESS_PER_DAY)
    elif address:
        row = queue(session, key=handoff_key(handoff.id, CONFIRMATION, "email"), kind=CONFIRMATION, channel="email",
                    handoff_id=handoff.id, recipient=ENTREPRENEUR, now=now)
        rows += [row] if row else []
    session.flush()
    return rows


def confirmations_today(session: Session, address: str, now: datetime) -> int:
    """Confirmations queued in the last 24 hours to this address (any case)."""
    return session.execute(
        select(func.count(OutboxRow.id)).join(HandoffRow, OutboxRow.handoff_id == HandoffRow.id)
        .where(OutboxRow.kind == CONFIRMATION, OutboxRow.created_at > now - timedelta(days=1),
               func.lower(HandoffRow.contact_email) == address.strip().lower())).scalar_one()


def organisation_recipient(organisation_key: str) -> str:
    return ORGANISATION_PREFIX + organisation_key


def queue_withdrawals(session: Session, handoff_ids: list[int], now: datetime,
                      settings: OutboxSettings | None = None) -> int:
    """For erased handoffs whose summary or escalation went out (or is going out right now): tell the
    receivers, on the same channels. An escalation went to the organisation's general address.

    A notice for a row still being sent is due only when that worker's lease ends, so it does not
    arrive before the summary. The notice names only the handoff number; the rows point at no
    handoff (it is gone).
    """
    lease = (settings or OutboxSettings.from_env()).lease
    reached = session.execute(select(OutboxRow.handoff_id, OutboxRow.kind, OutboxRow.channel, OutboxRow.recipient,
                                     OutboxRow.status, OutboxRow.claimed_at).where(
        OutboxRow.handoff_id.in_(handoff_ids), OutboxRow.kind.in_((SUMMARY, ESCALATION)),
        OutboxRow.status.in_((SENT, SENDING)))).all()
    count = 0
    for handoff_id, kind, channel, recipient, status, claimed_at in reached:
        if kind == ESCALATION:
            recipient = organisation_recipient(recipient)
        due = max(now, claimed_at + lease) if status == SENDING and claimed_at else now
        row = queue(session, key=f"handoff-{handoff_id}/{WITHDRAWAL}/{channel}/{recipient}", kind=WITHDRAWAL,
                    channel=channel, recipient=recipient, handoff_ref=handoff_id, now=now, due=due)
        count += row is not None
    return count


def queue_tracker_erase(session: Session, conversation_id: str, now: datetime, due: datetime | None = None) -> OutboxRow:
    """A job to delete a conversation from Rasa's tracker store once Rasa has saved its last turn."""
    row = queue(session, key=f"erase/{uuid.uuid4().hex}", kind=ERASE, channel="tracker",
                conversation_id=conversation_id, now=now, due=due)
    session.flush()
    return row


def due_ids(session: Session, now: datetime, settings: OutboxSettings, kinds: tuple[str, ...] | None = None) -> list[int]:
    """Rows to work on: pending and due, or claimed by a worker whose lease ran out."""
    query = select(OutboxRow.id).where(_claimable(now, settings)).order_by(OutboxRow.next_attempt_at, OutboxRow.id)
    if kinds:
        query = query.where(OutboxRow.kind.in_(kinds))
    return list(session.execute(query).scalars())


def _claimable(now: datetime, settings: OutboxSettings):
    return or_(and_(OutboxRow.status == PENDING, OutboxRow.next_attempt_at <= now),
               and_(OutboxRow.status == SENDING, OutboxRow.claimed_at < now - settings.lease))


def claim(engine: Engine, row_id: int, now: datetime, settings: OutboxSettings) -> bool:
    """Take a row for sending, atomically: only one worker's update can match it.

    ``now`` becomes the row's ``claimed_at``: the claim's token for ``mark_sent``, ``mark_failure``,
    ``release`` and ``cancel``. A later claim (after the lease ran out) always has a later time.
    """
    with session_scope(engine) as session:
        result = session.execute(
            update(OutboxRow).where(OutboxRow.id == row_id, _claimable(now, settings))
            .values(status=SENDING, claimed_at=now, attempts=OutboxRow.attempts + 1)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1


def _held(row_id: int, claimed_at: datetime):
    """The row, only while it is still claimed by the claim made at ``claimed_at``."""
    return and_(OutboxRow.id == row_id, OutboxRow.status == SENDING, OutboxRow.claimed_at == claimed_at)


def mark_sent(engine: Engine, row_id: int, claimed_at: datetime, now: datetime) -> bool:
    """Record the send; False when the claim was lost (lease ran out, row erased) and nothing changed."""
    with session_scope(engine) as session:
        result = session.execute(update(OutboxRow).where(_held(row_id, claimed_at))
                                 .values(status=SENT, sent_at=now, last_error=None, conversation_id=None)
                                 .execution_options(synchronize_session=False))
        return result.rowcount == 1


def mark_failure(engine: Engine, row_id: int, claimed_at: datetime, error: str, now: datetime,
                 settings: OutboxSettings, permanent: bool = False) -> str | None:
    """Record a failed attempt: retry later with backoff, or ``failed`` for good; return the new status.

    None when the claim was lost (another worker holds the row now, or it is gone): nothing changed.
    """
    with session_scope(engine) as session:
        attempts = session.execute(select(OutboxRow.attempts).where(_held(row_id, claimed_at))).scalar_one_or_none()
        if attempts is None:
            return None
        if permanent or attempts >= settings.max_attempts:
            values = {"status": FAILED}
        else:
            values = {"status": PENDING, "next_attempt_at": now + settings.retry_delay(attempts)}
        # The same condition again: only a claim changes attempts, and a newer claim makes this match nothing.
        result = session.execute(update(OutboxRow).where(_held(row_id, claimed_at))
                                 .values(claimed_at=None, last_error=error[:300], **values)
                                 .execution_options(synchronize_session=False))
        return values["status"] if result.rowcount == 1 else None


def release(engine: Engine, row_id: int, claimed_at: datetime, note: str, due: datetime) -> bool:
    """Give a claimed row back without counting the attempt (the channel is not configured, or not yet).

    False when the claim was lost: nothing changed.
    """
    with session_scope(engine) as session:
        result = session.execute(update(OutboxRow).where(_held(row_id, claimed_at))
                                 .values(status=PENDING, claimed_at=None, next_attempt_at=due, last_error=note[:300],
                                         attempts=OutboxRow.attempts - 1)
                                 .execution_options(synchronize_session=False))
        return result.rowcount == 1


def cancel(engine: Engine, row_id: int, claimed_at: datetime, reason: str) -> bool:
    """Stop a claimed row for good (its handoff is gone or reassigned); False when the claim was lost."""
    with session_scope(engine) as session:
        result = session.execute(update(OutboxRow).where(_held(row_id, claimed_at))
                                 .values(status=CANCELLED, claimed_at=None, last_error=reason[:300],
                                         conversation_id=None)
                                 .execution_options(synchronize_session=False))
        return result.rowcount == 1


def cancel_open_summaries(session: Session, handoff_id: int, reason: str) -> int:
    """Stop summaries and escalations not sent yet (the handoff was reassigned or closed)."""
    result = session.execute(
        update(OutboxRow).where(OutboxRow.handoff_id == handoff_id, OutboxRow.kind.in_((SUMMARY, ESCALATION)),
                                OutboxRow.status.in_((PENDING, FAILED)))
        .values(status=CANCELLED, last_error=reason).execution_options(synchronize_session=False))
    return result.rowcount or 0


def open_rows(session: Session) -> list[OutboxRow]:
    """What staff need to see: everything pending, being sent, or failed."""
    return list(session.execute(select(OutboxRow).where(OutboxRow.status.in_((PENDING, SENDING, FAILED)))
                                .order_by(OutboxRow.status, OutboxRow.next_attempt_at, OutboxRow.id)).scalars())


def retry_failed(session: Session, now: datetime, row_id: int | None = None) -> int:
    """Put failed rows back in the queue (after staff fixed the cause); attempts start again."""
    query = update(OutboxRow).where(OutboxRow.status == FAILED)
    if row_id is not None:
        query = query.where(OutboxRow.id == row_id)
    result = session.execute(query.values(status=PENDING, attempts=0, next_attempt_at=now)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0
