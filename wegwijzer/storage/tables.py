"""Database tables (SQLAlchemy 1.4 declarative, 2.0-style usage).

Referral tables use natural keys (``novel-t``, ``Hengelo``) so that loading the YAML again can
compare row by row and change only what changed. Handoffs keep copies of names rather than
foreign keys, so that a handoff's history survives a change of the referral data.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class RegionRow(Base):
    __tablename__ = "regions"
    key = Column(String(40), primary_key=True)
    name = Column(String(100), nullable=False)
    position = Column(Integer, nullable=False)


class MunicipalityRow(Base):
    __tablename__ = "municipalities"
    name = Column(String(100), primary_key=True)
    region_key = Column(String(40), ForeignKey("regions.key"), nullable=False)


class NeedRow(Base):
    __tablename__ = "needs"
    key = Column(String(40), primary_key=True)
    label = Column(String(100), nullable=False)
    label_en = Column(String(100), nullable=False)
    description = Column(Text, nullable=False)
    description_en = Column(Text, nullable=False)
    reason = Column(Text, nullable=False)
    reason_en = Column(Text, nullable=False)
    keywords = Column(JSON, nullable=False)
    keywords_en = Column(JSON, nullable=False)
    position = Column(Integer, nullable=False)


class SectorRow(Base):
    __tablename__ = "sectors"
    key = Column(String(40), primary_key=True)
    label = Column(String(100), nullable=False)
    label_en = Column(String(100), nullable=False)
    sbi = Column(JSON, nullable=False)
    keywords = Column(JSON, nullable=False)
    keywords_en = Column(JSON, nullable=False)
    position = Column(Integer, nullable=False)


class OrganisationRow(Base):
    __tablename__ = "organisations"
    key = Column(String(60), primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    description = Column(Text, nullable=False)
    description_en = Column(Text, nullable=False)
    website = Column(String(300), nullable=False)
    regions = Column(JSON, nullable=False)
    needs = Column(JSON, nullable=False)
    handoff = Column(Boolean, nullable=False)
    response_days = Column(Integer, nullable=False)
    phone = Column(String(40))
    email = Column(String(200))
    verify = Column(Boolean, nullable=False)
    note = Column(Text)
    position = Column(Integer, nullable=False)
    escalation_email = Column(String(200))
    webhook_url = Column(String(500))
    webhook_secret_env = Column(String(100))


class AdviserRow(Base):
    __tablename__ = "advisers"
    key = Column(String(60), primary_key=True)
    organisation_key = Column(String(60), ForeignKey("organisations.key"), nullable=False)
    name = Column(String(200), nullable=False)
    email = Column(String(200), nullable=False)
    phone = Column(String(40))
    placeholder = Column(Boolean, nullable=False)
    position = Column(Integer, nullable=False)
    deliver = Column(JSON)  # channels: email, telegram, webhook; empty means e-mail only
    telegram_chat_id = Column(String(40))


class AdviserAssignmentRow(Base):
    """When each adviser last got a handoff: kept apart from ``advisers`` so a data reload keeps it."""

    __tablename__ = "adviser_assignments"
    adviser_key = Column(String(60), primary_key=True)
    last_assigned_at = Column(DateTime, nullable=False)
    assigned_count = Column(Integer, nullable=False, default=0)


class ProgramRow(Base):
    __tablename__ = "programs"
    key = Column(String(60), primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    description = Column(Text, nullable=False)
    description_en = Column(Text, nullable=False)
    regions = Column(JSON, nullable=False)
    needs = Column(JSON, nullable=False)
    sectors = Column(JSON, nullable=False)
    organisation_key = Column(String(60))
    website = Column(String(300))
    min_employees = Column(Integer)
    max_employees = Column(Integer)
    active = Column(Boolean, nullable=False)
    verify = Column(Boolean, nullable=False)
    note = Column(Text)
    position = Column(Integer, nullable=False)
    keywords = Column(JSON)  # added later: nullable, so an older database gets the column
    keywords_en = Column(JSON)


class RankingWeightRow(Base):
    """One weight of ``ranking.yml`` (sector, word, minimum, ...): how programs are ranked."""

    __tablename__ = "ranking_weights"
    name = Column(String(40), primary_key=True)
    value = Column(Integer, nullable=False)


class RoutingRuleRow(Base):
    __tablename__ = "routing_rules"
    region_key = Column(String(40), primary_key=True)
    need_key = Column(String(40), primary_key=True)
    organisation_key = Column(String(60), nullable=False)
    position = Column(Integer, nullable=False)


class PlaceRow(Base):
    __tablename__ = "places"
    name = Column(String(100), primary_key=True)
    municipality = Column(String(100), primary_key=True)
    kind = Column(String(20), nullable=False)
    also_outside = Column(String(200))
    position = Column(Integer, nullable=False)


class PostcodeRow(Base):
    __tablename__ = "postcodes"
    pc4 = Column(String(4), primary_key=True)
    municipality = Column(String(100), nullable=False)
    also = Column(String(100))
    kind = Column(String(20), nullable=False)


class OutsidePlaceRow(Base):
    __tablename__ = "outside_places"
    name = Column(String(100), primary_key=True)
    province = Column(String(100), nullable=False)
    country = Column(String(100), nullable=False)
    position = Column(Integer, nullable=False)


class MetaRow(Base):
    """Small facts about the database, such as the fingerprint of the loaded referral data."""

    __tablename__ = "meta"
    key = Column(String(60), primary_key=True)
    value = Column(Text, nullable=False)


class HandoffRow(Base):
    __tablename__ = "handoffs"
    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    organisation_key = Column(String(60), nullable=False)
    organisation_name = Column(String(200), nullable=False)
    adviser_key = Column(String(60), nullable=False)
    adviser_name = Column(String(200), nullable=False)
    adviser_email = Column(String(200), nullable=False)
    region = Column(String(100), nullable=False)
    municipality = Column(String(100), nullable=False)
    place = Column(String(100))
    sector = Column(String(40))
    employees = Column(String(40))
    need = Column(String(40), nullable=False)
    request_text = Column(Text)
    programs = Column(JSON, nullable=False)
    contact_name = Column(String(200))
    contact_email = Column(String(200))
    contact_phone = Column(String(40))
    consent_text = Column(Text)
    consent_at = Column(DateTime)
    channel = Column(String(40), nullable=False)
    language = Column(String(5), nullable=False)
    status = Column(String(20), nullable=False, default="new")  # new, accepted, contacted, closed
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    company_name = Column(String(200))
    accepted_at = Column(DateTime)
    contacted_at = Column(DateTime)
    closed_at = Column(DateTime)
    outcome = Column(String(30))  # helped, referred_on, not_reachable, no_match
    escalated_at = Column(DateTime)
    assignment = Column(Integer, nullable=False, default=1, server_default="1")  # 1 + number of reassignments
    assigned_at = Column(DateTime)  # set by a reassignment; else the adviser got it at created_at
    purged_at = Column(DateTime)


class OutboxRow(Base):
    """One message to send (or one tracker erasure to do), queued in the same transaction as its cause.

    ``idempotency_key`` is unique, so queuing twice is impossible; the worker claims a row by moving
    it to ``sending`` with ``claimed_at`` before it sends, so two workers never send the same row at
    once, and a row whose worker died is taken again only after its lease ran out. ``last_error``
    holds an error class and code, never an address or a message text.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    idempotency_key = Column(String(200), nullable=False)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    handoff_ref = Column(Integer)  # a withdrawal names the erased handoff's number, without pointing at a row
    conversation_id = Column(String(200), index=True)  # only for 'erase' jobs, removed when done
    kind = Column(String(20), nullable=False)  # summary, confirmation, escalation, withdrawal, erase
    channel = Column(String(20), nullable=False)  # email, telegram, webhook, tracker
    recipient = Column(String(60))  # adviser or organisation key; 'entrepreneur' for the confirmation
    status = Column(String(20), nullable=False, default="pending")  # pending, sending, sent, failed, cancelled
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime)
    sent_at = Column(DateTime)
    last_error = Column(String(300))
    created_at = Column(DateTime, nullable=False)


class IntakeRecordRow(Base):
    """One anonymous line per finished intake: what was asked, from where, and what came of it."""

    __tablename__ = "intake_records"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    region = Column(String(40))
    municipality = Column(String(100))
    sector = Column(String(40))
    size_band = Column(String(20))
    need = Column(String(40))
    organisation_key = Column(String(60))
    outcome = Column(String(30), nullable=False)
    channel = Column(String(40))
    language = Column(String(5))
    program_count = Column(Integer)  # programs suggested with the referral
    contact_wanted = Column(Boolean)  # the entrepreneur started the contact form
    consent = Column(Boolean)  # and gave consent to pass the question on
    satisfaction = Column(String(10))  # answer to "Heeft dit gesprek u geholpen?": ja, nee


class ConversationRecordRow(Base):
    """One anonymous line per conversation (no conversation id, no text): how far it got, for the funnel.

    The conversation keeps this row's id in a slot while it lasts; once the conversation is purged nothing
    links the row to anyone.
    """

    __tablename__ = "conversation_records"
    id = Column(Integer, primary_key=True, autoincrement=True)
    started_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    channel = Column(String(40))
    language = Column(String(5))
    last_step = Column(String(40))  # the last question asked: need, place, ..., contact_info, consent
    finished = Column(Boolean, nullable=False, default=False)  # an intake was finished (an intake record exists)
    outside = Column(Boolean)  # an intake ended with a place outside Overijssel
    unanswered = Column(Boolean, nullable=False, default=False)  # the last answer was "that I cannot help with"


class UnmetRequestRow(Base):
    """One anonymous line per question outside the five needs (``themes.yml``; ``onbekend`` when none fits)."""

    __tablename__ = "unmet_requests"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    theme = Column(String(40), nullable=False)
    region = Column(String(40))
    municipality = Column(String(100))
    sector = Column(String(40))
    size_band = Column(String(20))
    channel = Column(String(40))
    language = Column(String(5))
