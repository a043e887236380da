"""Logging for the bridge without secrets (the bot token appears in Bot API URLs and in some errors), escaped."""
from __future__ import annotations

import logging
import sys

from wegwijzer.logsafe import escape_controls

REDACTED = "[token]"


class RedactSecrets(logging.Filter):
    """Replaces each secret in a record's message and traceback before any handler writes it, and escapes
    control characters in the message (a value from a request cannot forge a log line)."""

    def __init__(self, *secrets: str | None) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, REDACTED)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, REDACTED)
        record.msg, record.args = escape_controls(message), None
        return True


def setup_logging(level: str, *secrets: str | None) -> None:
    """Log to stderr. httpx logs every request URL (token included): only from WARNING.
    python-telegram-bot logs whole updates (what users typed) at DEBUG: only from INFO."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(*secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(max(root.level, logging.INFO))
