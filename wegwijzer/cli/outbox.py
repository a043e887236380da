"""``wegwijzer outbox [list|work|retry]``: what waits to be delivered, the worker that delivers it, and retrying failures."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Mapping

from wegwijzer.delivery import NotConfigured
from wegwijzer.delivery.worker import Worker
from wegwijzer.handoffs import outbox
from wegwijzer.handoffs.lifecycle import utcnow
from wegwijzer.logsafe import setup_logging
from wegwijzer.rasa.tracker_store import tracker_engine
from wegwijzer.settings import SmtpSettings, TelegramDeliverySettings, outbox_poll_seconds
from wegwijzer.storage.engine import ready_engine, session_scope


def channel_notes(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Channels that cannot send on this machine, with the reason."""
    notes = {}
    for channel, settings in (("email", SmtpSettings), ("telegram", TelegramDeliverySettings)):
        try:
            settings.from_env(env)
        except NotConfigured as exc:
            notes[channel] = str(exc)
    return notes


def _cmd_outbox_list(args: argparse.Namespace) -> int:
    with session_scope(ready_engine()) as session:
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
    setup_logging()
    worker = Worker(ready_engine(), tracker_engine())
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
    with session_scope(ready_engine()) as session:
        count = outbox.retry_failed(session, utcnow(), args.id)
    print(f"{count} failed deliver{'y' if count == 1 else 'ies'} queued again")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    box = commands.add_parser("outbox", help="deliveries to advisers and entrepreneurs")
    box.set_defaults(func=_cmd_outbox_list, json=False)
    box_actions = box.add_subparsers(dest="action")
    listing = box_actions.add_parser("list", help="what is pending or failed (exit 1 when something failed)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_cmd_outbox_list)
    work = box_actions.add_parser("work", help="send the outbox (long-running worker)")
    work.add_argument("--once", action="store_true", help="one pass, then stop")
    work.add_argument("--poll", type=float, default=outbox_poll_seconds(), help="seconds between passes")
    work.set_defaults(func=_cmd_outbox_work)
    retry = box_actions.add_parser("retry", help="queue failed deliveries again")
    retry.add_argument("id", nargs="?", type=int)
    retry.set_defaults(func=_cmd_outbox_retry)
