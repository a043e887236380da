"""Escalation policy: a handoff still new two working days after its assignment goes to the organisation's general address."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from wegwijzer.handoffs import outbox
from wegwijzer.handoffs.lifecycle import NEW
from wegwijzer.handoffs.workdays import add_working_days
from wegwijzer.storage.engine import session_scope
from wegwijzer.storage.tables import HandoffRow

logger = logging.getLogger("wegwijzer.outbox")
ESCALATE_AFTER_WORKING_DAYS = 2


def escalate_waiting(engine: Engine, now: datetime) -> int:
    """Queue an escalation for each handoff still new two working days after it was assigned to its adviser
    (stored, or reassigned), counted in Dutch time; return how many, in one transaction."""
    count = 0
    with session_scope(engine) as session:
        waiting = session.execute(select(HandoffRow).where(HandoffRow.status == NEW, HandoffRow.escalated_at.is_(None),
                                                           HandoffRow.purged_at.is_(None))).scalars()
        for handoff in waiting:
            since = handoff.assigned_at or handoff.created_at
            if add_working_days(since, ESCALATE_AFTER_WORKING_DAYS) > now:
                continue
            outbox.queue(session, key=outbox.handoff_key(handoff.id, outbox.ESCALATION, "email", handoff.assignment),
                         kind=outbox.ESCALATION, channel="email", handoff_id=handoff.id,
                         recipient=handoff.organisation_key, now=now)
            handoff.escalated_at = now
            count += 1
            logger.info("handoff %d not accepted in %d working days: escalated", handoff.id,
                        ESCALATE_AFTER_WORKING_DAYS)
    return count
