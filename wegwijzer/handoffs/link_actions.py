"""What an adviser's signed link does (show the handoff, move it forward, read the transcript), one transaction each."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from wegwijzer.handoffs.lifecycle import advance, assigned_handoff
from wegwijzer.handoffs.links import LinkClaim
from wegwijzer.rasa.tracker_store import Line, tracker_engine, transcript
from wegwijzer.storage.engine import get_engine, session_scope
from wegwijzer.storage.tables import HandoffRow


def linked_handoff(claim: LinkClaim, engine: Engine | None = None) -> HandoffRow:
    """The handoff a valid link names; raises HandoffGone, or Reassigned once it has another adviser."""
    with session_scope(engine or get_engine()) as session:
        return assigned_handoff(session, claim.handoff_id, claim.assignment)


def advance_by_link(claim: LinkClaim, outcome: str | None, engine: Engine | None = None) -> tuple[HandoffRow, bool]:
    """Do the link's step (accept, contacted, closed); the row and whether anything changed."""
    with session_scope(engine or get_engine()) as session:
        return advance(session, claim.handoff_id, claim.action, assignment=claim.assignment, outcome=outcome)


def linked_transcript(claim: LinkClaim, engine: Engine | None = None,
                      tracker: Engine | None = None) -> tuple[HandoffRow, list[Line]]:
    """The handoff and what was said in its conversation (empty once the conversation is erased)."""
    row = linked_handoff(claim, engine)
    return row, transcript(tracker or tracker_engine(), row.conversation_id)
