"""The outbox worker: sends due rows, retries with backoff, escalates handoffs nobody accepted.

``wegwijzer outbox work`` runs it (``--once`` for one pass). Several workers may run: a row is
claimed before it is sent, and only the claim's holder records the result. Delivery is at least
once at the edge (see ``wegwijzer.handoffs.outbox``). Logs name row ids, kinds, channels and error classes only.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.engine import Engine

from wegwijzer.handoffs import outbox
from wegwijzer.handoffs import privacy
from wegwijzer.catalog.cache import CatalogCache
from wegwijzer.storage.engine import session_scope
from wegwijzer.delivery import DeliveryError, NotConfigured, PermanentFailure
from wegwijzer.delivery.email import SmtpSettings, send_email
from wegwijzer.delivery.telegram import TelegramSettings, send_telegram
from wegwijzer.delivery.webhook import post_webhook, webhook_secret
from wegwijzer.handoffs.lifecycle import NEW, handoff_as_dict, utcnow
from wegwijzer.handoffs.links import adviser_links, public_url
from wegwijzer.storage.tables import HandoffRow, OutboxRow
from wegwijzer.catalog.referral_data import Adviser, Organisation, ReferralData
from wegwijzer.handoffs.summary import Labels, Message, adviser_summary, confirmation, escalation, telegram_text, withdrawal
from wegwijzer.handoffs.workdays import add_working_days

logger = logging.getLogger("wegwijzer.outbox")
ESCALATE_AFTER_WORKING_DAYS = 2


@dataclass
class PassReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0  # channel not configured, or an erase waiting for Rasa
    escalated: int = 0
    failures: list[str] = field(default_factory=list)


class Worker:
    def __init__(self, engine: Engine, tracker: Engine, env: Mapping[str, str] = os.environ,
                 settings: outbox.OutboxSettings | None = None):
        self.engine = engine
        self.tracker = tracker
        self.env = env
        self.settings = settings or outbox.OutboxSettings.from_env(env)
        self.catalog = CatalogCache(engine, check_seconds=5)

    # -- one pass ---------------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> PassReport:
        report = PassReport()
        report.escalated = self.escalate(now or utcnow())
        with session_scope(self.engine) as session:
            ids = outbox.due_ids(session, now or utcnow(), self.settings)
        for row_id in ids:
            await self._work_on(row_id, now or utcnow(), report)
        return report

    async def run_forever(self, poll_seconds: float = 5.0) -> None:
        """Pass after pass until SIGTERM or SIGINT; a pass in progress finishes first (no row left claimed)."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signal_number, stop.set)
        logger.info("outbox worker started (poll every %.1fs)", poll_seconds)
        while not stop.is_set():
            try:
                report = await self.run_once()
                if report.sent or report.failed or report.escalated:
                    logger.info("outbox pass: %d sent, %d retried, %d failed, %d escalated",
                                report.sent, report.retried, report.failed, report.escalated)
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not stop the worker
                logger.error("outbox pass failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(stop.wait(), poll_seconds)
            except asyncio.TimeoutError:
                pass
        logger.info("outbox worker stopped")

    async def _work_on(self, row_id: int, now: datetime, report: PassReport) -> None:
        if not outbox.claim(self.engine, row_id, now, self.settings):
            return  # another worker has it
        with session_scope(self.engine) as session:
            row = session.get(OutboxRow, row_id)
            handoff = session.get(HandoffRow, row.handoff_id) if row and row.handoff_id else None
        if row is None:
            return  # erased just after the claim
        if row.kind == outbox.ERASE:
            try:
                done = await asyncio.to_thread(privacy.run_erase_job, self.engine, self.tracker, row_id,
                                               self.settings, now, True)
            except Exception as exc:  # noqa: BLE001 - the tracker store is down: try again later
                outbox.mark_failure(self.engine, row_id, now, f"tracker store {type(exc).__name__}", now, self.settings)
                report.retried += 1
                logger.warning("outbox row %d (erase) failed, will retry: %s", row_id, type(exc).__name__)
                return
            report.sent += done
            report.waiting += not done
            return
        if row.kind != outbox.WITHDRAWAL and (handoff is None or handoff.purged_at is not None):
            outbox.cancel(self.engine, row_id, now, "handoff erased")
            return
        if row.kind == outbox.SUMMARY and row.recipient != handoff.adviser_key:
            outbox.cancel(self.engine, row_id, now, "reassigned")
            return
        try:
            await self._send(row, handoff)
        except NotConfigured as exc:
            outbox.release(self.engine, row_id, now, str(exc), now + self.settings.not_configured_delay)
            report.waiting += 1
            return
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried, never lost
            permanent = isinstance(exc, DeliveryError) and exc.permanent
            if not isinstance(exc, DeliveryError):
                exc = DeliveryError(f"unexpected {type(exc).__name__}")
            status = outbox.mark_failure(self.engine, row_id, now, str(exc), now, self.settings, permanent)
            if status is None:
                logger.warning("outbox row %d (%s/%s) failed, but meanwhile its lease ran out or it was erased: "
                               "left as it is", row_id, row.kind, row.channel)
            elif status == outbox.FAILED:
                report.failed += 1
                report.failures.append(f"outbox row {row_id} ({row.kind}/{row.channel}) failed for good: {exc}")
                logger.error("outbox row %d (%s/%s, handoff %s) failed for good after %d attempt(s): %s",
                             row_id, row.kind, row.channel, row.handoff_id, row.attempts, exc)
            else:
                report.retried += 1
                logger.warning("outbox row %d (%s/%s) attempt %d failed, will retry: %s",
                               row_id, row.kind, row.channel, row.attempts, exc)
            return
        if not outbox.mark_sent(self.engine, row_id, now, utcnow()):
            logger.warning("outbox row %d (%s/%s) was sent, but meanwhile its lease ran out (it may arrive twice, "
                           "with the same Message-ID / delivery id) or it was erased", row_id, row.kind, row.channel)
            return
        report.sent += 1
        logger.info("outbox row %d sent (%s/%s, handoff %s)", row_id, row.kind, row.channel, row.handoff_id)

    # -- composing and sending ----------------------------------------------------------------------

    def _data(self) -> ReferralData:
        return self.catalog.get().data

    def _labels(self, handoff: HandoffRow) -> Labels:
        data = self._data()
        need = next((n for n in data.needs if n.key == handoff.need), None)
        sector = next((s.label for s in data.sectors if s.key == handoff.sector), None)
        days = next((o.response_days for o in data.organisations if o.key == handoff.organisation_key), 2)
        return Labels(need.label if need else handoff.need, sector, days, need.label_en if need else None)

    def _compose(self, row: OutboxRow, handoff: HandoffRow | None) -> Message:
        if row.kind == outbox.WITHDRAWAL:
            return withdrawal(row.handoff_ref)
        labels = self._labels(handoff)
        if row.kind == outbox.CONFIRMATION:
            return confirmation(handoff, labels, public_url(self.env) + "/privacy")
        links = adviser_links(handoff.id, handoff.assignment, self.env)
        if row.kind == outbox.ESCALATION:
            return escalation(handoff, labels, links)
        return adviser_summary(handoff, labels, links)

    async def _send(self, row: OutboxRow, handoff: HandoffRow | None) -> None:
        data = self._data()
        to_organisation = _organisation_recipient(row)
        adviser_key = row.recipient if row.kind in (outbox.SUMMARY, outbox.WITHDRAWAL) else handoff.adviser_key
        adviser = None if to_organisation else next((a for a in data.advisers if a.key == adviser_key), None)
        if to_organisation:
            organisation_key = to_organisation
        elif row.kind == outbox.WITHDRAWAL:
            organisation_key = adviser.organisation if adviser else None
        else:
            organisation_key = handoff.organisation_key
        organisation = next((o for o in data.organisations if o.key == organisation_key), None)
        message = self._compose(row, handoff)
        if row.channel == "email":
            settings = SmtpSettings.from_env(self.env)
            address = _email_address(row, handoff, adviser, organisation)
            if not address:
                raise PermanentFailure("no e-mail address for this recipient")
            await asyncio.to_thread(send_email, settings, address, message, row.idempotency_key)
        elif row.channel == "telegram":
            settings = TelegramSettings.from_env(self.env)
            if adviser is None or not adviser.telegram_chat_id:
                raise PermanentFailure("the adviser has no telegram_chat_id any more")
            await send_telegram(settings, adviser.telegram_chat_id, telegram_text(message))
        elif row.channel == "webhook":
            if organisation is None or not organisation.webhook_url:
                raise PermanentFailure("the organisation has no webhook_url any more")
            secret = webhook_secret(organisation.webhook_secret_env, self.env)
            await post_webhook(organisation.webhook_url, secret, self._webhook_payload(row, handoff, message),
                               row.idempotency_key)
        else:
            raise PermanentFailure(f"unknown channel {row.channel}")

    def _webhook_payload(self, row: OutboxRow, handoff: HandoffRow | None, message: Message) -> dict:
        if handoff is None:
            return {"event": f"handoff.{row.kind}", "delivery_id": row.idempotency_key, "handoff_id": row.handoff_ref,
                    "summary": {"subject": message.subject, "text": message.text}}
        links = adviser_links(handoff.id, handoff.assignment, self.env)
        fields = handoff_as_dict(handoff)
        return {"event": f"handoff.{row.kind}", "delivery_id": row.idempotency_key, "handoff": fields,
                "summary": {"subject": message.subject, "text": message.text},
                "links": {"accept": links.accept, "contacted": links.contacted, "closed": links.closed,
                          "transcript": links.transcript}}

    # -- escalation -------------------------------------------------------------------------------

    def escalate(self, now: datetime) -> int:
        """Queue an escalation for each handoff still new two working days after it was assigned to its adviser
        (stored, or reassigned), counted in Dutch time."""
        count = 0
        with session_scope(self.engine) as session:
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


def _organisation_recipient(row: OutboxRow) -> str | None:
    """The organisation key of a withdrawal meant for an organisation's general address."""
    if row.kind == outbox.WITHDRAWAL and (row.recipient or "").startswith(outbox.ORGANISATION_PREFIX):
        return row.recipient.removeprefix(outbox.ORGANISATION_PREFIX)
    return None


def _email_address(row: OutboxRow, handoff: HandoffRow | None, adviser: Adviser | None,
                   organisation: Organisation | None) -> str | None:
    if row.kind == outbox.CONFIRMATION:
        return handoff.contact_email
    if row.kind == outbox.ESCALATION or _organisation_recipient(row):
        return organisation.general_address if organisation else None
    if adviser is not None:
        return adviser.email
    return handoff.adviser_email if handoff else None
