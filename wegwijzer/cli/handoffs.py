"""``wegwijzer handoffs list|show|reassign``: the stored handoffs, an adviser's summary, and giving one to another adviser."""
from __future__ import annotations

import argparse
import json
import sys

from wegwijzer.catalog.cache import CatalogCache
from wegwijzer.handoffs.lifecycle import HandoffGone, handoff_as_dict, list_handoffs, reassign
from wegwijzer.handoffs.summary import render_summary
from wegwijzer.storage.engine import ready_engine, session_scope
from wegwijzer.storage.tables import HandoffRow


def _cmd_handoffs_list(args: argparse.Namespace) -> int:
    with session_scope(ready_engine()) as session:
        handoffs = [handoff_as_dict(row) for row in list_handoffs(session)]
    if args.json:
        print(json.dumps(handoffs, ensure_ascii=False, indent=2))
        return 0
    for h in handoffs:
        status = h["status"] + (f" ({h['outcome']})" if h["outcome"] else "") + (" escalated" if h["escalated_at"] else "")
        print(f"{h['id']:>5}  {h['created_at'][:16]}  {status:<22} {h['organization']:<32} {h['adviser']:<32} {h['conversation_id']}")
    print(f"{len(handoffs)} handoff(s)")
    return 0


def _cmd_handoffs_show(args: argparse.Namespace) -> int:
    engine = ready_engine()
    with session_scope(engine) as session:
        row = session.get(HandoffRow, args.id)
        if row is None:
            print(f"no handoff with id {args.id}", file=sys.stderr)
            return 1
        need = next((n for n in CatalogCache(engine).get().data.needs if n.key == row.need), None)
        print(render_summary(row, need.label if need else row.need))
    return 0


def _cmd_handoffs_reassign(args: argparse.Namespace) -> int:
    engine = ready_engine()
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


def add_commands(commands: argparse._SubParsersAction) -> None:
    handoffs = commands.add_parser("handoffs", help="handoffs to advisers").add_subparsers(dest="action", required=True)
    listing = handoffs.add_parser("list", help="list stored handoffs")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_cmd_handoffs_list)
    show = handoffs.add_parser("show", help="the summary an adviser reads")
    show.add_argument("id", type=int)
    show.set_defaults(func=_cmd_handoffs_show)
    move = handoffs.add_parser("reassign", help="give a handoff to another adviser (queues the summary)")
    move.add_argument("id", type=int)
    move.add_argument("--adviser", required=True, help="adviser key from organisations.yml")
    move.set_defaults(func=_cmd_handoffs_reassign)
