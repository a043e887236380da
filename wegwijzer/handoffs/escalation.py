"""Escalation policy: a handoff still new when the organisation's promised working days have passed goes to
the organisation's general address.

The number of days is the organisation's ``response_days``, the same number the entrepreneur heard
("binnen 3 werkdagen"), so the escalation never comes before the promise has run out.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from wegwijzer.handoffs import outbox
from wegwijzer.handoffs.lifecycle import NEW
from wegwijzer.handoffs.workdays import add_working_days
from wegwijzer.storage.engine import session_scope
from wegwijzer.storage.tables import HandoffRow, OrganisationRow

logger = logging.getLogger("wegwijzer.outbox")
DEFAULT_RESPONSE_DAYS = 2  # an organisation that was removed from the data since the handoff


def escalate_waiting(engine: Engine, now: datetime) -> int:
    """Queue an escalation for each handoff still new when its organisation's response days have passed
    since it was assigned to its adviser (stored, or reassigned), counted in Dutch working days; return
    how many, in one transaction."""
    count = 0
    with session_scope(engine) as session:
        promised = dict(session.execute(select(OrganisationRow.key, OrganisationRow.response_days)).all())
        waiting = session.execute(select(HandoffRow).where(HandoffRow.status == NEW, HandoffRow.escalated_at.is_(None),
                                                           HandoffRow.purged_at.is_(None))).scalars()
        for handoff in waiting:
            since = handoff.assigned_at or handoff.created_at
            days = promised.get(handoff.organisation_key, DEFAULT_RESPONSE_DAYS)
            if add_working_days(since, days) > now:
                continue
            outbox.queue(session, key=outbox.handoff_key(handoff.id, outbox.ESCALATION, "email", handoff.assignment),
                         kind=outbox.ESCALATION, channel="email", handoff_id=handoff.id,
                         recipient=handoff.organisation_key, now=now)
            handoff.escalated_at = now
            count += 1
            logger.info("handoff %d not accepted in %d working days: escalated", handoff.id, days)
    return count
