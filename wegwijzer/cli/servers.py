"""The server commands of ``wegwijzer``:

    wegwijzer actions          the action server for Rasa (ACTIONS_HOST 127.0.0.1, ACTIONS_PORT 5055, ACTIONS_TOKEN)
    wegwijzer supervise --process "NAME READY_URL COMMAND..." ... [--log-dir var/log] [--ready-message TEXT]
                               start processes in order, restart one that dies (with backoff); Ctrl-C stops all
"""
from __future__ import annotations

import argparse
from pathlib import Path

from wegwijzer.settings import PROJECT_ROOT


def _cmd_actions(_args: argparse.Namespace) -> int:
    from wegwijzer.rasa.action_server import run
    from wegwijzer.settings import ActionServerSettings

    run(ActionServerSettings.from_env())
    return 0


def _cmd_supervise(args: argparse.Namespace) -> int:
    from wegwijzer.cli.supervisor import main

    return main(args.process, args.log_dir, args.ready_message, args.backoff)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    actions = subparsers.add_parser("actions", help="run the action server for Rasa (ACTIONS_HOST, ACTIONS_PORT, "
                                                    "ACTIONS_TOKEN)")
    actions.set_defaults(func=_cmd_actions)
    supervise = subparsers.add_parser("supervise", help="run processes, restarting one that dies (scripts/start)")
    supervise.add_argument("--process", action="append", required=True,
                           help="NAME READY_URL COMMAND... in one argument (READY_URL '-' for none); in start order")
    supervise.add_argument("--log-dir", type=Path, default=PROJECT_ROOT / "var" / "log")
    supervise.add_argument("--ready-message", default="", help="printed once every process is ready")
    supervise.add_argument("--backoff", type=float, default=1.0, help="first restart delay in seconds (doubles)")
    supervise.set_defaults(func=_cmd_supervise)
