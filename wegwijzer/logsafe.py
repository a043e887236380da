"""Log lines that no logged value can split or forge: control characters are written as escapes."""
from __future__ import annotations

import logging
import re

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    r"""``"/x\nFAKE"`` -> ``"/x\\x0aFAKE"``: one logged value stays on one line."""
    return _CONTROLS.sub(lambda match: f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100
                         else f"\\u{ord(match.group()):04x}", text)


class EscapeControls(logging.Filter):
    """Escapes control characters in a record's message (its traceback keeps its own line breaks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = escape_controls(record.getMessage()), None
        return True


def setup_logging(level: int | str = logging.INFO) -> None:
    """Log to stderr with timestamps, every message escaped (the web server and the outbox worker)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(EscapeControls())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
