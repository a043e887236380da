"""``wegwijzer``: the command line that province staff and developers use; one module per command group.

    wegwijzer db init                                                    (db.py)
    wegwijzer data check|load|export|lookups|import-places              (data.py)
    wegwijzer route --place Goor --need financiering [--json]           (route.py)
    wegwijzer endpoints --out FILE --action-url URL                     (endpoints.py)
    wegwijzer handoffs list [--json]|show ID|reassign ID --adviser KEY  (handoffs.py)
    wegwijzer outbox [list|work|retry]                                  (outbox.py)
    wegwijzer privacy purge|erase                                       (privacy.py)
    wegwijzer report [--from DATE] [--to DATE] --out DIR                (report.py)
    wegwijzer actions | supervise | rasa-replicas   (the action server, the process supervisor, the Rasa
                                                     servers scripts/start runs: servers.py)
    wegwijzer telegram | web          (the chat channels: channels.py)
"""
from __future__ import annotations

import argparse
import sys

from wegwijzer.catalog.cache import EmptyDatabase
from wegwijzer.catalog.problems import DataError
from wegwijzer.cli import channels, data, db, endpoints, handoffs, outbox, privacy, report, route
from wegwijzer.cli.servers import add_commands as add_server_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wegwijzer", description="Wegwijzer Overijssel: referral data, routing and handoffs.")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in (db, data, route, endpoints, handoffs, outbox, privacy, report):
        group.add_commands(commands)
    add_server_commands(commands)
    channels.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EmptyDatabase as exc:
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return 1
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
