"""Marks the assistant puts on a reply (a ``custom`` payload in ``domain.yml``) for the channels that show it.

``{"wegwijzer": "personal_data"}`` follows the reply that shows the user's name and e-mail address,
``{"wegwijzer": "data_erased"}`` the reply after the conversation's data was erased. The Telegram bridge then
deletes its messages that showed personal data; the widget clears the conversation from the screen.
"""
from __future__ import annotations

from typing import Any

MARK_KEY = "wegwijzer"
PERSONAL_DATA = "personal_data"
DATA_ERASED = "data_erased"


def mark_of(reply: Any) -> str | None:
    """The assistant's mark on a reply of Rasa's REST channel (``PERSONAL_DATA``, ``DATA_ERASED``), or None."""
    custom = reply.get("custom") if isinstance(reply, dict) else None
    mark = custom.get(MARK_KEY) if isinstance(custom, dict) else None
    return mark if mark in (PERSONAL_DATA, DATA_ERASED) else None
