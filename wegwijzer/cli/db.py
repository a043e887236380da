"""``wegwijzer db init``: create the tables, and add the columns an older database lacks."""
from __future__ import annotations

import argparse

from wegwijzer.storage.engine import ready_engine


def _cmd_db_init(_args: argparse.Namespace) -> int:
    ready_engine()
    print("database ready")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("init", help="create the tables").set_defaults(func=_cmd_db_init)
