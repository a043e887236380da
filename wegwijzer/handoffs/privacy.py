"""Removing personal data: one person's on request (erase), and everyone's after the retention time (purge).

Personal data lives in three places: the handoff rows, the outbox rows that point at them, and
Rasa's tracker store (every message of the conversation). Anonymous counts (``intake_records``,
and purged handoffs without any personal field) stay for the province's statistics.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Engine

from wegwijzer.handoffs import outbox
from wegwijzer.settings import OutboxSettings
from wegwijzer.storage.engine import session_scope
from wegwijzer.handoffs.lifecycle import erase_conversation, utcnow
from wegwijzer.storage.tables import HandoffRow, OutboxRow
from wegwijzer.rasa.tracker_store import erase_sender, erase_turn_saved, stale_senders

logger = logging.getLogger(__name__)

ERASE_DELAY = timedelta(seconds=2)  # the action server's first look, after Rasa saved the turn
ERASE_FALLBACK = timedelta(seconds=30)  # when the outbox worker takes over an erasure the action server did not finish
ERASE_GIVE_UP = timedelta(minutes=2)  # erase even when the erase turn never shows up in the tracker store
PURGED = "purged"


@dataclass
class Erasure:
    handoffs: int = 0
    tracker_events: int = 0


def erase_everywhere(engine: Engine, tracker: Engine, conversation_id: str) -> Erasure:
    """``privacy erase``: handoffs, outbox rows and tracker events of one conversation, at once."""
    with session_scope(engine) as session:
        handoffs = erase_conversation(session, conversation_id)
    return Erasure(handoffs, erase_sender(tracker, conversation_id))


def erase_from_chat(engine: Engine, conversation_id: str) -> tuple[int, int]:
    """The chat's "verwijder mijn gegevens", inside Rasa's turn: the rows go at once, the tracker later.

    Rasa saves the tracker after the action returns and re-adds every event it misses, so deleting
    tracker events now would be undone. Instead an erase job is queued in the same transaction;
    ``run_erase_job`` does it once Rasa has saved the turn. Returns (handoffs erased, job id).
    """
    now = utcnow()
    with session_scope(engine) as session:
        handoffs = erase_conversation(session, conversation_id)
        job = outbox.queue_tracker_erase(session, conversation_id, now, due=now + ERASE_FALLBACK)
        return handoffs, job.id


def run_erase_job(engine: Engine, tracker: Engine, job_id: int, settings: OutboxSettings,
                  now: datetime | None = None, claimed: bool = False) -> bool:
    """Do one tracker erase job when the erase turn is saved; return True when it is done.

    Not saved yet: the job goes back to the queue for a moment (the worker or the action server
    tries again). After ``ERASE_GIVE_UP`` it erases anyway.
    """
    now = now or utcnow()
    if not claimed and not outbox.claim(engine, job_id, now, settings):
        return False
    with session_scope(engine) as session:
        job = session.get(OutboxRow, job_id)
        sender, queued_at = job.conversation_id, job.created_at
    if sender and not erase_turn_saved(tracker, sender) and now - queued_at < ERASE_GIVE_UP:
        outbox.release(engine, job_id, now, "waiting for Rasa to save the erase turn", now + timedelta(seconds=1))
        return False
    if sender:
        erase_sender(tracker, sender)
    outbox.mark_sent(engine, job_id, now, now)
    return True


async def erase_tracker_soon(engine: Engine, tracker: Engine, job_id: int, settings: OutboxSettings) -> None:
    """In the action server, after the turn: try the erase job a few times; the worker is the fallback."""
    deadline = asyncio.get_running_loop().time() + ERASE_GIVE_UP.total_seconds() + 5
    await asyncio.sleep(ERASE_DELAY.total_seconds())
    while asyncio.get_running_loop().time() < deadline:
        try:
            done = await asyncio.to_thread(_try_job, engine, tracker, job_id, settings)
        except Exception as exc:  # noqa: BLE001 - the worker retries the job; log without personal data
            logger.warning("tracker erase job %s failed: %s", job_id, type(exc).__name__)
            return
        if done:
            return
        await asyncio.sleep(1)


_background: set[asyncio.Task] = set()


def schedule_tracker_erase(engine: Engine, tracker: Engine, job_id: int) -> None:
    """Run ``erase_tracker_soon`` on the running event loop (the action server's), keeping the task alive."""
    task = asyncio.get_running_loop().create_task(erase_tracker_soon(engine, tracker, job_id,
                                                                     OutboxSettings.from_env()))
    _background.add(task)
    task.add_done_callback(_background.discard)


def _try_job(engine: Engine, tracker: Engine, job_id: int, settings: OutboxSettings) -> bool:
    with session_scope(engine) as session:
        job = session.get(OutboxRow, job_id)
        if job is None or job.status in (outbox.SENT, outbox.CANCELLED):
            return True
    now = utcnow()
    # The job is due for the worker only later; the action server may take it now.
    with session_scope(engine) as session:
        job = session.get(OutboxRow, job_id)
        if job.status == outbox.PENDING and job.next_attempt_at > now:
            job.next_attempt_at = now
    return run_erase_job(engine, tracker, job_id, settings, now)


@dataclass
class PurgeReport:
    handoffs: int = 0
    outbox_rows: int = 0
    conversations: int = 0


def last_activity(row: HandoffRow) -> datetime:
    """When the retention time of a handoff starts: its closing, or for one never closed its last
    change (stored, reassigned, accepted, contacted)."""
    if row.closed_at is not None:
        return row.closed_at
    return max(moment for moment in (row.created_at, row.assigned_at, row.accepted_at, row.contacted_at)
               if moment is not None)


def purge(engine: Engine, tracker: Engine, days: int, now: datetime | None = None) -> PurgeReport:
    """Remove personal data of handoffs without activity for ``days`` (closed that long ago, or never
    closed and untouched that long) and of conversations idle that long.

    A purged handoff keeps organisation, region, place, sector, size, need, status, outcome and
    dates (anonymous counts); name, contact details, request text, company and conversation id go.
    Conversations that still have a handoff that is not purged keep their transcript.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    report = PurgeReport()
    with session_scope(engine) as session:
        candidates = session.execute(select(HandoffRow).where(
            or_(HandoffRow.closed_at < cutoff, HandoffRow.created_at < cutoff),
            HandoffRow.purged_at.is_(None))).scalars()
        rows = [row for row in candidates if last_activity(row) < cutoff]
        senders = {row.conversation_id for row in rows}
        for row in rows:
            row.contact_name = row.contact_email = row.contact_phone = row.request_text = row.company_name = None
            row.conversation_id = PURGED
            row.purged_at = now
        ids = [row.id for row in rows]
        if ids:
            result = session.execute(delete(OutboxRow).where(OutboxRow.handoff_id.in_(ids))
                                     .execution_options(synchronize_session=False))
            report.outbox_rows = result.rowcount or 0
        report.handoffs = len(rows)
        still_open = set(session.execute(select(HandoffRow.conversation_id).where(HandoffRow.purged_at.is_(None))).scalars())
    for sender in (senders | set(stale_senders(tracker, cutoff))) - still_open:
        if erase_sender(tracker, sender):
            report.conversations += 1
    return report
