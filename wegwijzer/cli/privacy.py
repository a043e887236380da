"""``wegwijzer privacy purge|erase``: remove personal data after the retention time, or one conversation's at once."""
from __future__ import annotations

import argparse

from wegwijzer.handoffs.privacy import erase_everywhere, purge
from wegwijzer.rasa.tracker_store import tracker_engine
from wegwijzer.settings import retention_days
from wegwijzer.storage.engine import ready_engine


def _cmd_privacy_purge(args: argparse.Namespace) -> int:
    days = args.days if args.days is not None else retention_days()
    report = purge(ready_engine(), tracker_engine(), days)
    print(f"retention {days} days: personal data removed from {report.handoffs} handoff(s), "
          f"{report.outbox_rows} outbox row(s) and {report.conversations} conversation(s)")
    return 0


def _cmd_privacy_erase(args: argparse.Namespace) -> int:
    erased = erase_everywhere(ready_engine(), tracker_engine(), args.conversation)
    print(f"erased {erased.handoffs} handoff(s) and {erased.tracker_events} conversation event(s)")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    privacy = commands.add_parser("privacy", help="personal data").add_subparsers(dest="action", required=True)
    purging = privacy.add_parser("purge", help="remove personal data after the retention time")
    purging.add_argument("--days", type=int, help="retention in days (default WEGWIJZER_RETENTION_DAYS or 90)")
    purging.set_defaults(func=_cmd_privacy_purge)
    erase = privacy.add_parser("erase", help="remove one conversation's data everywhere")
    erase.add_argument("--conversation", required=True)
    erase.set_defaults(func=_cmd_privacy_erase)
