"""What an outbox row says: the summary, confirmation, escalation or withdrawal, and a webhook's JSON payload."""
from __future__ import annotations

from typing import Mapping

from wegwijzer.catalog.referral_data import ReferralData
from wegwijzer.handoffs import outbox
from wegwijzer.handoffs.lifecycle import handoff_as_dict
from wegwijzer.handoffs.links import adviser_links
from wegwijzer.handoffs.summary import Labels, Message, adviser_summary, confirmation, escalation, withdrawal
from wegwijzer.settings import public_url
from wegwijzer.storage.tables import HandoffRow, OutboxRow


def labels(handoff: HandoffRow, data: ReferralData) -> Labels:
    """The handoff's need and sector as the referral data words them, and the organisation's response time."""
    need = next((n for n in data.needs if n.key == handoff.need), None)
    sector = next((s.label for s in data.sectors if s.key == handoff.sector), None)
    days = next((o.response_days for o in data.organisations if o.key == handoff.organisation_key), 2)
    return Labels(need.label if need else handoff.need, sector, days, need.label_en if need else None)


def compose(row: OutboxRow, handoff: HandoffRow | None, data: ReferralData,
            env: Mapping[str, str] | None = None) -> Message:
    if row.kind == outbox.WITHDRAWAL:
        return withdrawal(row.handoff_ref)
    wording = labels(handoff, data)
    if row.kind == outbox.CONFIRMATION:
        return confirmation(handoff, wording, public_url(env) + "/privacy")
    links = adviser_links(handoff.id, handoff.assignment, env)
    if row.kind == outbox.ESCALATION:
        return escalation(handoff, wording, links)
    return adviser_summary(handoff, wording, links)


def webhook_payload(row: OutboxRow, handoff: HandoffRow | None, message: Message,
                    env: Mapping[str, str] | None = None) -> dict:
    """The JSON a CRM receives: the event, the handoff's fields, the summary and the adviser's handoff page
    (where the steps are buttons)."""
    if handoff is None:
        return {"event": f"handoff.{row.kind}", "delivery_id": row.idempotency_key, "handoff_id": row.handoff_ref,
                "summary": {"subject": message.subject, "text": message.text}}
    links = adviser_links(handoff.id, handoff.assignment, env)
    return {"event": f"handoff.{row.kind}", "delivery_id": row.idempotency_key, "handoff": handoff_as_dict(handoff),
            "summary": {"subject": message.subject, "text": message.text},
            "links": {"handoff_page": links.page, "expires": links.expires}}
