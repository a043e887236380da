"""Writing the anonymous records the report is made from: no name, no contact, no text, no conversation id.

The conversation keeps the id of its ``conversation_records`` row and of its latest ``intake_records`` row in
slots, so that later turns can add to them (the step reached, contact wanted, consent, satisfaction).
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Engine

from wegwijzer.handoffs.lifecycle import utcnow
from wegwijzer.referral.size import parse_size
from wegwijzer.storage.engine import session_scope
from wegwijzer.storage.tables import ConversationRecordRow, IntakeRecordRow, UnmetRequestRow

INTAKE_STEPS = ("need", "place", "sector", "employees", "request_text")
CONTACT_STEPS = ("contact_name", "company_name", "contact_info", "consent")
SATISFACTION_ANSWERS = ("ja", "nee")


def start_conversation(engine: Engine, *, channel: str | None, language: str | None) -> int:
    with session_scope(engine) as session:
        row = ConversationRecordRow(started_at=utcnow(), channel=channel, language=language, finished=False,
                                    unanswered=False)
        session.add(row)
        session.flush()
        return row.id


def note_step(engine: Engine, conversation: int, step: str, intake: int | None = None,
              language: str | None = None) -> None:
    """The question asked last (where a conversation that goes quiet stopped) and the conversation's language;
    a contact-form question also means that the entrepreneur of ``intake`` wanted to be contacted."""
    with session_scope(engine) as session:
        session.execute(update(ConversationRecordRow).where(ConversationRecordRow.id == conversation)
                        .values(last_step=step, unanswered=False, language=language))
        if step in CONTACT_STEPS and intake is not None:
            session.execute(update(IntakeRecordRow).where(IntakeRecordRow.id == intake).values(contact_wanted=True))


def note_finished(engine: Engine, conversation: int, *, outside: bool) -> None:
    """An intake was finished; ``outside``: it ended outside Overijssel (counted once per conversation, however
    often the entrepreneur names a place outside)."""
    values = {"finished": True, "last_step": None, "unanswered": False}
    if outside:
        values["outside"] = True
    with session_scope(engine) as session:
        session.execute(update(ConversationRecordRow).where(ConversationRecordRow.id == conversation).values(**values))


def note_unanswered(engine: Engine, conversation: int) -> None:
    """The assistant could not answer the last message ("dat begreep ik niet", "daar kan ik niet mee helpen")."""
    with session_scope(engine) as session:
        session.execute(update(ConversationRecordRow).where(ConversationRecordRow.id == conversation)
                        .values(unanswered=True))


def note_consent(engine: Engine, intake: int, conversation: int | None) -> None:
    """Consent given: the contact form is done, so the conversation stopped at no question."""
    with session_scope(engine) as session:
        session.execute(update(IntakeRecordRow).where(IntakeRecordRow.id == intake)
                        .values(contact_wanted=True, consent=True))
        if conversation is not None:
            session.execute(update(ConversationRecordRow).where(ConversationRecordRow.id == conversation)
                            .values(last_step=None))


def note_satisfaction(engine: Engine, intake: int, answer: str) -> None:
    if answer not in SATISFACTION_ANSWERS:
        raise ValueError(f"unknown satisfaction answer {answer!r}")
    with session_scope(engine) as session:
        session.execute(update(IntakeRecordRow).where(IntakeRecordRow.id == intake).values(satisfaction=answer))


def record_unmet(engine: Engine, theme: str, *, region: str | None, municipality: str | None, sector: str | None,
                 employees: str | None, channel: str | None, language: str | None) -> None:
    """A question outside the five needs, with what the conversation knew about the business so far."""
    size = parse_size(employees or "")
    with session_scope(engine) as session:
        session.add(UnmetRequestRow(created_at=utcnow(), theme=theme, region=region, municipality=municipality,
                                    sector=sector, size_band=size.band if size else None, channel=channel,
                                    language=language))
