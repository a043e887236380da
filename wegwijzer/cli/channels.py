"""``wegwijzer web`` and ``wegwijzer telegram``: the two chat channels' servers."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace


def _cmd_web(args: argparse.Namespace) -> int:
    from wegwijzer.settings import WebSettings
    from wegwijzer.web.server import run

    try:
        settings = WebSettings.from_env()
    except ValueError as exc:
        print(f"wegwijzer web: {exc}", file=sys.stderr)
        return 2
    run(replace(settings, port=args.port or settings.port, host=args.host or settings.host))
    return 0


def _cmd_telegram(_args: argparse.Namespace) -> int:
    from wegwijzer.telegram.runner import main as run_telegram

    try:
        return run_telegram()
    except ValueError as exc:  # a setting that cannot be read (e.g. RASA_URLS); raised before anything starts
        print(f"wegwijzer telegram: {exc}", file=sys.stderr)
        return 2


def add_commands(commands: argparse._SubParsersAction) -> None:
    telegram = commands.add_parser("telegram", help="run the Telegram bridge to Rasa (TELEGRAM_BOT_TOKEN, "
                                                    "TELEGRAM_API_BASE_URL, RASA_URLS or RASA_URL or RASA_PORT, TELEGRAM_WEBHOOK_*)")
    telegram.set_defaults(func=_cmd_telegram)
    web = commands.add_parser("web", help="serve the chat widget, its demo page and the proxy to Rasa "
                                          "(WEB_PORT, WEB_HOST, RASA_URLS or RASA_URL or RASA_PORT, WIDGET_ALLOWED_ORIGINS)")
    web.add_argument("--port", type=int, help="default: WEB_PORT or 8000")
    web.add_argument("--host", help="default: WEB_HOST or 127.0.0.1")
    web.set_defaults(func=_cmd_web)
