"""Small numbers are hidden: a breakdown cell under ``THRESHOLD`` is shown as "<5", totals stay exact."""
from __future__ import annotations

THRESHOLD = 5
HIDDEN = f"<{THRESHOLD}"

Cell = int | str


def cell(count: int) -> Cell:
    return count if count >= THRESHOLD else HIDDEN


def shown(count: int) -> bool:
    return count >= THRESHOLD
