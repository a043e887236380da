"""``wegwijzer endpoints``: write Rasa's endpoints file from the environment."""
from __future__ import annotations

import argparse
from pathlib import Path

from wegwijzer.rasa.endpoints import write_endpoints
from wegwijzer.settings import PROJECT_ROOT, environ


def _cmd_endpoints(args: argparse.Namespace) -> int:
    write_endpoints(args.out, environ(), args.action_url, args.tracker_sqlite)
    print(f"Rasa endpoints written to {args.out}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    endpoints = commands.add_parser("endpoints", help="write Rasa's endpoints file from the environment")
    endpoints.add_argument("--out", type=Path, required=True)
    endpoints.add_argument("--action-url", required=True)
    endpoints.add_argument("--tracker-sqlite", type=Path, default=PROJECT_ROOT / "var" / "tracker.db")
    endpoints.set_defaults(func=_cmd_endpoints)
