"""The delivery and privacy commands of ``wegwijzer``:

    wegwijzer outbox [list] [--json]       what is pending, being sent, or failed
    wegwijzer outbox work [--once]         the worker: sends, retries, escalates (long-running)
    wegwijzer outbox retry [ID]            put failed rows back in the queue
    wegwijzer handoffs reassign ID --adviser KEY
    wegwijzer privacy purge [--days N]     remove personal data after the retention time
    wegwijzer privacy erase --conversation ID
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys

from wegwijzer.handoffs import outbox
from wegwijzer.catalog.cache import CatalogCache
from wegwijzer.storage.engine import get_engine, init_db, session_scope
from wegwijzer.delivery import NotConfigured
from wegwijzer.delivery.email import SmtpSettings
from wegwijzer.delivery.telegram import TelegramSettings
from wegwijzer.delivery.worker import Worker
from wegwijzer.handoffs.lifecycle import HandoffGone, reassign, utcnow
from wegwijzer.handoffs.privacy import erase_everywhere, purge, retention_days
from wegwijzer.rasa.tracker_store import tracker_engine


def _engine():
    engine = get_engine()
    init_db(engine)
    return engine


def channel_notes(env=os.environ) -> dict[str, str]:
    """Channels that cannot send on this machine, with the reason."""
    notes = {}
    for channel, settings in (("email", SmtpSettings), ("telegram", TelegramSettings)):
        try:
            settings.from_env(env)
        except NotConfigured as exc:
            notes[channel] = str(exc)
    return notes


def _cmd_outbox_list(args: argparse.Namespace) -> int:
    with session_scope(_engine()) as session:
        rows = [{"id": r.id, "status": r.status, "kind": r.kind, "channel": r.channel, "handoff": r.handoff_id or r.handoff_ref,
                 "recipient": r.recipient if r.kind != outbox.ERASE else None, "attempts": r.attempts,
                 "next_attempt_at": r.next_attempt_at.isoformat(timespec="seconds"),
                 "last_error": r.last_error} for r in outbox.open_rows(session)]
    notes = channel_notes()
    if args.json:
        print(json.dumps({"rows": rows, "not_configured": notes}, ensure_ascii=False, indent=2))
        return 0
    for channel, note in notes.items():
        waiting = sum(1 for r in rows if r["channel"] == channel and r["status"] == outbox.PENDING)
        print(f"NOTE: {note}: {waiting} {channel} deliver{'y waits' if waiting == 1 else 'ies wait'} until it is set")
    for r in rows:
        print(f"{r['id']:>5}  {r['status']:<8} {r['kind']:<12} {r['channel']:<8} handoff {str(r['handoff'] or '-'):<5} "
              f"attempts {r['attempts']:<2} next {r['next_attempt_at']}  {r['last_error'] or ''}")
    failed = sum(1 for r in rows if r["status"] == outbox.FAILED)
    print(f"{len(rows) - failed} pending, {failed} failed")
    return 1 if failed else 0


def _cmd_outbox_work(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = Worker(_engine(), tracker_engine())
    if args.once:
        report = asyncio.run(worker.run_once())
        print(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed, {report.waiting} waiting, "
              f"{report.escalated} escalated")
        for failure in report.failures:
            print(failure, file=sys.stderr)
        return 1 if report.failed else 0
    asyncio.run(worker.run_forever(args.poll))
    return 0


def _cmd_outbox_retry(args: argparse.Namespace) -> int:
    with session_scope(_engine()) as session:
        count = outbox.retry_failed(session, utcnow(), args.id)
    print(f"{count} failed deliver{'y' if count == 1 else 'ies'} queued again")
    return 0


def _cmd_handoffs_reassign(args: argparse.Namespace) -> int:
    engine = _engine()
    data = CatalogCache(engine, check_seconds=0).get().data
    adviser = next((a for a in data.advisers if a.key == args.adviser), None)
    if adviser is None:
        print(f"no adviser '{args.adviser}' (see data/referrals/organisations.yml)", file=sys.stderr)
        return 1
    organisation = next(o for o in data.organisations if o.key == adviser.organisation)
    try:
        with session_scope(engine) as session:
            row = reassign(session, args.id, adviser, organisation)
            print(f"handoff {row.id} reassigned to {adviser.name} ({organisation.name}); summary queued")
    except HandoffGone:
        print(f"no handoff with id {args.id}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"handoff {args.id}: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_privacy_purge(args: argparse.Namespace) -> int:
    days = args.days if args.days is not None else retention_days()
    report = purge(_engine(), tracker_engine(), days)
    print(f"retention {days} days: personal data removed from {report.handoffs} handoff(s), "
          f"{report.outbox_rows} outbox row(s) and {report.conversations} conversation(s)")
    return 0


def _cmd_privacy_erase(args: argparse.Namespace) -> int:
    erased = erase_everywhere(_engine(), tracker_engine(), args.conversation)
    print(f"erased {erased.handoffs} handoff(s) and {erased.tracker_events} conversation event(s)")
    return 0


def add_commands(commands: argparse._SubParsersAction, handoffs: argparse._SubParsersAction) -> None:
    """Add ``outbox`` and ``privacy``, and ``handoffs reassign``, to the ``wegwijzer`` parser."""
    box = commands.add_parser("outbox", help="deliveries to advisers and entrepreneurs")
    box.set_defaults(func=_cmd_outbox_list, json=False)
    box_actions = box.add_subparsers(dest="action")
    listing = box_actions.add_parser("list", help="what is pending or failed (exit 1 when something failed)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_cmd_outbox_list)
    work = box_actions.add_parser("work", help="send the outbox (long-running worker)")
    work.add_argument("--once", action="store_true", help="one pass, then stop")
    work.add_argument("--poll", type=float, default=float(os.environ.get("WEGWIJZER_OUTBOX_POLL") or 5),
                      help="seconds between passes")
    work.set_defaults(func=_cmd_outbox_work)
    retry = box_actions.add_parser("retry", help="queue failed deliveries again")
    retry.add_argument("id", nargs="?", type=int)
    retry.set_defaults(func=_cmd_outbox_retry)

    move = handoffs.add_parser("reassign", help="give a handoff to another adviser (queues the summary)")
    move.add_argument("id", type=int)
    move.add_argument("--adviser", required=True, help="adviser key from organisations.yml")
    move.set_defaults(func=_cmd_handoffs_reassign)

    privacy = commands.add_parser("privacy", help="personal data").add_subparsers(dest="action", required=True)
    purging = privacy.add_parser("purge", help="remove personal data after the retention time")
    purging.add_argument("--days", type=int, help="retention in days (default WEGWIJZER_RETENTION_DAYS or 90)")
    purging.set_defaults(func=_cmd_privacy_purge)
    erase = privacy.add_parser("erase", help="remove one conversation's data everywhere")
    erase.add_argument("--conversation", required=True)
    erase.set_defaults(func=_cmd_privacy_erase)
