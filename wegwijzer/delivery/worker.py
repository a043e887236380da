"""The outbox worker: sends due rows, retries with backoff, and runs the escalation policy each pass.

``wegwijzer outbox work`` runs it (``--once`` for one pass). Several workers may run: a row is
claimed before it is sent, and only the claim's holder records the result. Delivery is at least
once at the edge (see ``wegwijzer.handoffs.outbox``). Logs name row ids, kinds, channels and error classes only.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from sqlalchemy.engine import Engine

from wegwijzer.catalog.cache import CatalogCache
from wegwijzer.delivery import DeliveryError, NotConfigured, PermanentFailure
from wegwijzer.delivery.email import send_email
from wegwijzer.delivery.telegram import send_telegram
from wegwijzer.delivery.webhook import post_webhook
from wegwijzer.handoffs import outbox, privacy, recipients
from wegwijzer.handoffs.escalation import escalate_waiting
from wegwijzer.handoffs.lifecycle import utcnow
from wegwijzer.handoffs.outbox_messages import compose, webhook_payload
from wegwijzer.handoffs.summary import telegram_text
from wegwijzer.settings import OutboxSettings, SmtpSettings, TelegramDeliverySettings, webhook_secret
from wegwijzer.storage.engine import session_scope
from wegwijzer.storage.tables import HandoffRow, OutboxRow

logger = logging.getLogger("wegwijzer.outbox")


@dataclass
class PassReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0  # channel not configured, or an erase waiting for Rasa
    escalated: int = 0
    failures: list[str] = field(default_factory=list)


class Worker:
    def __init__(self, engine: Engine, tracker: Engine, env: Mapping[str, str] | None = None,
                 settings: OutboxSettings | None = None):
        self.engine = engine
        self.tracker = tracker
        self.env = env
        self.settings = settings or OutboxSettings.from_env(env)
        self.catalog = CatalogCache(engine, check_seconds=5)

    # -- one pass ---------------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> PassReport:
        report = PassReport()
        report.escalated = escalate_waiting(self.engine, now or utcnow())
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
        reason = recipients.cancel_reason(row, handoff)
        if reason:
            outbox.cancel(self.engine, row_id, now, reason)
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

    # -- sending ----------------------------------------------------------------------------------

    async def _send(self, row: OutboxRow, handoff: HandoffRow | None) -> None:
        data = self.catalog.get().data
        to = recipients.resolve(row, handoff, data)
        message = compose(row, handoff, data, self.env)
        if row.channel == "email":
            settings = SmtpSettings.from_env(self.env)
            address = recipients.email_address(row, handoff, to)
            if not address:
                raise PermanentFailure("no e-mail address for this recipient")
            await asyncio.to_thread(send_email, settings, address, message, row.idempotency_key)
        elif row.channel == "telegram":
            settings = TelegramDeliverySettings.from_env(self.env)
            if to.adviser is None or not to.adviser.telegram_chat_id:
                raise PermanentFailure("the adviser has no telegram_chat_id any more")
            await send_telegram(settings, to.adviser.telegram_chat_id, telegram_text(message))
        elif row.channel == "webhook":
            if to.organisation is None or not to.organisation.webhook_url:
                raise PermanentFailure("the organisation has no webhook_url any more")
            secret = webhook_secret(to.organisation.webhook_secret_env, self.env)
            await post_webhook(to.organisation.webhook_url, secret, webhook_payload(row, handoff, message, self.env),
                               row.idempotency_key)
        else:
            raise PermanentFailure(f"unknown channel {row.channel}")
