"""Which of the bot's messages in a chat showed the user's personal data, so they can go when the user erases it.

The assistant marks such a reply with a ``custom`` payload (``domain.yml``): ``{"wegwijzer": "personal_data"}``
right after the reply that shows the name and e-mail address, ``{"wegwijzer": "data_erased"}`` after it erased
the conversation's data. Only message ids and times are kept here, never the text.

Telegram lets a bot delete its own messages for 48 hours after sending them; older ones stay in the chat.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable

MARK_KEY = "wegwijzer"
PERSONAL_DATA = "personal_data"
DATA_ERASED = "data_erased"
DELETABLE_FOR = 48 * 3600.0 - 600.0  # Telegram's 48 hours, less a margin for the calls on the way


def mark_of(reply: dict[str, Any]) -> str | None:
    """The assistant's mark on a reply (``PERSONAL_DATA``, ``DATA_ERASED``), or None."""
    custom = reply.get("custom")
    mark = custom.get(MARK_KEY) if isinstance(custom, dict) else None
    return mark if mark in (PERSONAL_DATA, DATA_ERASED) else None


class PersonalMessages:
    """Message ids of one chat that showed personal data, with when they were sent (wall-clock seconds)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._sent: dict[int, float] = {}
        self._clock = clock

    def remember(self, message_ids: Iterable[int]) -> None:
        now = self._clock()
        for message_id in message_ids:
            self._sent.setdefault(message_id, now)

    def take(self) -> tuple[list[int], int]:
        """The ids that can still be deleted, and how many are too old for that; forgets them all."""
        now = self._clock()
        deletable = sorted(i for i, sent in self._sent.items() if now - sent < DELETABLE_FOR)
        too_old = len(self._sent) - len(deletable)
        self._sent.clear()
        return deletable, too_old
