"""Which of the bot's messages in a chat showed the user's personal data, so they can go when the user erases it.

The assistant marks such replies (``wegwijzer.rasa.reply_marks``). Only message ids and times are kept here,
never the text.

Telegram lets a bot delete its own messages for 48 hours after sending them; older ones stay in the chat.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

DELETABLE_FOR = 48 * 3600.0 - 600.0  # Telegram's 48 hours, less a margin for the calls on the way


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
