"""A sliding-window rate limit per key; the website server keeps one per chat session and one per client address."""
from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Callable


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each key.

    Keys live in memory only. Keys that have been quiet for a whole window are forgotten, and at most
    ``max_keys`` keys are remembered (the longest-quiet ones go first), so memory stays bounded whatever
    clients send.
    """

    def __init__(self, limit: int, window: float, *, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> float:
        """Count one event for ``key``: 0.0 when allowed, else the seconds to wait (nothing is counted)."""
        now = self._clock()
        events = self._events.pop(key, None) or deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            self._events[key] = events
            return max(events[0] + self.window - now, 0.001)
        events.append(now)
        self._events[key] = events
        self._forget(now)
        return 0.0

    def _forget(self, now: float) -> None:
        while self._events:
            oldest_key, events = next(iter(self._events.items()))
            if len(self._events) > self.max_keys or events[-1] <= now - self.window:
                del self._events[oldest_key]
            else:
                break
