"""Who an outbox row is for (the adviser, the organisation's general address, the entrepreneur), and rows no longer meant for anyone."""
from __future__ import annotations

from dataclasses import dataclass

from wegwijzer.catalog.referral_data import Adviser, Organisation, ReferralData
from wegwijzer.handoffs import outbox
from wegwijzer.storage.tables import HandoffRow, OutboxRow


@dataclass(frozen=True)
class Recipients:
    """The adviser and organisation a row concerns, as the referral data names them now (None: gone from it)."""

    adviser: Adviser | None
    organisation: Organisation | None


def cancel_reason(row: OutboxRow, handoff: HandoffRow | None) -> str | None:
    """Why a row must not be sent any more: its handoff was erased, or a summary's adviser is not the handoff's."""
    if row.kind != outbox.WITHDRAWAL and (handoff is None or handoff.purged_at is not None):
        return "handoff erased"
    if row.kind == outbox.SUMMARY and row.recipient != handoff.adviser_key:
        return "reassigned"
    return None


def organisation_recipient(row: OutboxRow) -> str | None:
    """The organisation key of a withdrawal meant for an organisation's general address."""
    if row.kind == outbox.WITHDRAWAL and (row.recipient or "").startswith(outbox.ORGANISATION_PREFIX):
        return row.recipient.removeprefix(outbox.ORGANISATION_PREFIX)
    return None


def resolve(row: OutboxRow, handoff: HandoffRow | None, data: ReferralData) -> Recipients:
    """A summary or withdrawal names its adviser; other rows concern the handoff's adviser and organisation."""
    to_organisation = organisation_recipient(row)
    adviser_key = row.recipient if row.kind in (outbox.SUMMARY, outbox.WITHDRAWAL) else handoff.adviser_key
    adviser = None if to_organisation else next((a for a in data.advisers if a.key == adviser_key), None)
    if to_organisation:
        organisation_key = to_organisation
    elif row.kind == outbox.WITHDRAWAL:
        organisation_key = adviser.organisation if adviser else None
    else:
        organisation_key = handoff.organisation_key
    organisation = next((o for o in data.organisations if o.key == organisation_key), None)
    return Recipients(adviser, organisation)


def email_address(row: OutboxRow, handoff: HandoffRow | None, recipients: Recipients) -> str | None:
    """The entrepreneur's address for a confirmation, the general address for an escalation, else the adviser's."""
    if row.kind == outbox.CONFIRMATION:
        return handoff.contact_email
    if row.kind == outbox.ESCALATION or organisation_recipient(row):
        return recipients.organisation.general_address if recipients.organisation else None
    if recipients.adviser is not None:
        return recipients.adviser.email
    return handoff.adviser_email if handoff else None
