"""The server commands of ``wegwijzer``:

    wegwijzer actions          the action server for Rasa (ACTIONS_HOST 127.0.0.1, ACTIONS_PORT 5055, ACTIONS_TOKEN)
    wegwijzer supervise --process "NAME READY_URL COMMAND..." ... [--log-dir var/log] [--ready-message TEXT]
                               start processes in order, restart one that dies (with backoff); Ctrl-C stops all
    wegwijzer rasa-replicas --endpoints FILE [--urls]
                               the Rasa servers scripts/start runs (RASA_REPLICAS, RASA_PORT), one --process spec
                               a line; --urls: their addresses for RASA_URLS
"""
from __future__ import annotations

import argparse
import shlex
import sys
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


def rasa_process_specs(ports: list[int], endpoints: Path, model_dir: str = "models") -> list[str]:
    """``wegwijzer supervise`` specs for the Rasa servers: ``rasa`` alone, or ``rasa-1``, ``rasa-2``, ..."""
    specs = []
    for number, port in enumerate(ports, start=1):
        name = "rasa" if len(ports) == 1 else f"rasa-{number}"
        command = ["rasa", "run", "--model", model_dir, "--endpoints", str(endpoints), "--credentials",
                   "credentials.yml", "--port", str(port), "--interface", "127.0.0.1"]
        specs.append(f"{name} http://127.0.0.1:{port}/ {shlex.join(command)}")
    return specs


def _cmd_rasa_replicas(args: argparse.Namespace) -> int:
    from wegwijzer.settings import RasaReplicaSettings

    try:
        replicas = RasaReplicaSettings.from_env()
    except ValueError as exc:
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return 2
    if args.urls:
        print(",".join(f"http://127.0.0.1:{port}" for port in replicas.ports))
    else:
        print("\n".join(rasa_process_specs(replicas.ports, args.endpoints)))
    return 0


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
    replicas = subparsers.add_parser("rasa-replicas", help="the Rasa servers to run (RASA_REPLICAS on consecutive ports "
                                                           "from RASA_PORT), as supervise specs")
    replicas.add_argument("--endpoints", type=Path, default=Path("var/endpoints.yml"))
    replicas.add_argument("--urls", action="store_true", help="print their addresses, comma-separated (RASA_URLS)")
    replicas.set_defaults(func=_cmd_rasa_replicas)
