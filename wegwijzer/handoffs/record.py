"""Recording a referral: the anonymous intake line when it is decided, and the handoff the entrepreneur consented to."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from wegwijzer.catalog.cache import Catalog, last_assigned
from wegwijzer.catalog.referral_data import Adviser, Organisation
from wegwijzer.handoffs import outbox
from wegwijzer.handoffs.lifecycle import NEW, note_assignment, utcnow
from wegwijzer.referral.conversation import KeptReferral
from wegwijzer.referral.places import Location
from wegwijzer.referral.routing import OUTSIDE_PROVINCE, REFERRED, IntakeFacts, Referral
from wegwijzer.referral.size import parse_size
from wegwijzer.storage.engine import session_scope
from wegwijzer.storage.tables import HandoffRow, IntakeRecordRow


class NotHandedOff(Exception):
    """The handoff was refused: the consent does not name the organisation of the kept referral, or the data
    no longer has that organisation. Nothing was stored."""


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
    company_name: str | None = None
    consent_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Contact:
    """What the entrepreneur gave in the contact form."""
    name: str | None
    company_name: str | None
    email: str | None
    phone: str | None


def record_handoff(session: Session, request: HandoffRequest) -> HandoffRow:
    """Store the handoff, note the adviser's assignment and queue its deliveries, in the caller's transaction."""
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
        company_name=request.company_name,
        consent_text=request.consent_text,
        consent_at=request.consent_at,
        channel=request.channel,
        language=request.language,
        status=NEW,
        assignment=1,
        created_at=utcnow(),
    )
    session.add(row)
    note_assignment(session, request.adviser.key, row.created_at)
    session.flush()
    outbox.queue_handoff_deliveries(session, row, request.adviser, row.created_at)
    return row


def record_intake(session: Session, *, outcome: str, region: str | None = None, municipality: str | None = None,
                  sector: str | None = None, size_band: str | None = None, need: str | None = None,
                  organisation_key: str | None = None, channel: str | None = None, language: str | None = None,
                  program_count: int | None = None) -> IntakeRecordRow:
    """One anonymous line for the province's statistics: no name, no contact, no conversation id."""
    row = IntakeRecordRow(outcome=outcome, region=region, municipality=municipality, sector=sector,
                          size_band=size_band, need=need, organisation_key=organisation_key,
                          channel=channel, language=language, program_count=program_count, created_at=utcnow())
    session.add(row)
    return row


@dataclass(frozen=True)
class RecordedReferral:
    """The referral and the id of its anonymous intake line (None when none was written)."""
    referral: Referral
    intake_record: int | None


def refer_and_record(engine: Engine, catalog: Catalog, facts: IntakeFacts, *, outside_place: str | None,
                     channel: str) -> RecordedReferral:
    """Decide where a finished intake goes (the adviser who least recently got a handoff) and count it anonymously.

    ``outside_place`` is the place outside Overijssel the intake ended with, instead of one inside.
    """
    size = parse_size(facts.employees or "")
    size_band = size.band if size else None
    if outside_place:
        referral = catalog.router.outside(outside_place, facts.language)
    else:
        referral = catalog.router.route(facts, last_assigned(engine))
    row = None
    with session_scope(engine) as session:
        if referral.status == OUTSIDE_PROVINCE:
            row = record_intake(session, outcome="outside", need=facts.need, sector=facts.sector, size_band=size_band,
                                channel=channel, language=facts.language)
        elif referral.status == REFERRED:
            location = referral.place.location
            row = record_intake(session, outcome="referred", region=location.region, municipality=location.municipality,
                                sector=facts.sector, size_band=size_band, need=facts.need,
                                organisation_key=referral.organisation.key, channel=channel, language=facts.language,
                                program_count=len(referral.programs))
        if row is not None:
            session.flush()
    return RecordedReferral(referral, row.id if row is not None else None)


def hand_off(engine: Engine, catalog: Catalog, kept: KeptReferral, consent_text: str, contact: Contact, *,
             conversation_id: str, channel: str, language: str, request_text: str | None) -> HandoffRequest:
    """Store the handoff of the referral the entrepreneur was told about, with the consent question they answered.

    The organisation and adviser are the kept ones, never routed again; when the kept adviser left the data,
    another adviser of the same organisation (the one named in the consent) gets it. Raises ``NotHandedOff``.
    """
    organisation = catalog.router.organisations.get(kept.organisation_key)
    if organisation is None or not organisation.handoff or organisation.name != kept.organisation_name:
        raise NotHandedOff("the kept organisation is not in the referral data any more")
    if organisation.name not in consent_text:
        raise NotHandedOff("the consent question does not name the organisation")
    advisers = catalog.router.advisers.get(organisation.key, [])
    if not advisers:
        raise NotHandedOff("the kept organisation has no advisers any more")
    adviser = next((a for a in advisers if a.key == kept.adviser_key), None)
    if adviser is None:
        adviser = catalog.router.choose_adviser(organisation, last_assigned(engine))
    request = HandoffRequest(
        conversation_id=conversation_id,
        organisation=organisation,
        adviser=adviser,
        location=Location(kept.place, kept.municipality, kept.region),
        region_name=kept.region_name,
        need=kept.need,
        consent_text=consent_text,
        channel=channel,
        language=language,
        sector=kept.sector,
        employees=kept.employees,
        request_text=request_text,
        programs=[{"name": name, "reason": reason} for name, reason in kept.programs],
        contact_name=contact.name,
        company_name=contact.company_name,
        contact_email=contact.email,
        contact_phone=contact.phone,
    )
    with session_scope(engine) as session:
        record_handoff(session, request)
    return request
