"""A per-chat flood limit: at most N messages in any M seconds."""
from __future__ import annotations

import time
from collections import deque
from typing import Callable


class FloodGate:
    """Counts the messages a chat sent; the ones over the limit are refused, with one note per flood."""

    def __init__(self, messages: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.messages, self.seconds, self.clock = messages, seconds, clock
        self._accepted: deque[float] = deque()
        self._noted = False

    def admit(self) -> bool:
        """True when this message may go through; it then counts towards the limit."""
        now = self.clock()
        while self._accepted and now - self._accepted[0] >= self.seconds:
            self._accepted.popleft()
        if len(self._accepted) < self.messages:
            self._accepted.append(now)
            self._noted = False
            return True
        return False

    def note_due(self) -> bool:
        """True once per flood: whether the user should now hear that messages were not read."""
        due, self._noted = not self._noted, True
        return due
