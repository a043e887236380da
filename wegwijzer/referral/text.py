"""Normalisation of what people type, so that matching forgives case, accents and punctuation."""
from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = "'\u2018\u2019`\u00b4"
_S_PREFIX = re.compile(r"^s[\s-]+")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase, without accents, apostrophes unified to ``'``."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for mark in _APOSTROPHES[1:]:
        text = text.replace(mark, "'")
    return text.lower()


def normalize(text: str) -> str:
    """Canonical form of a name or phrase: ``'s-Heerenbroek`` and ``S Heerenbroek`` become ``s heerenbroek``."""
    text = fold(text).replace("'", "")
    text = _NON_WORD.sub(" ", text).strip()
    return _S_PREFIX.sub("s ", text)


def words(text: str) -> list[str]:
    """The normalised words of a text."""
    return normalize(text).split()


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment edit distance (a swap of two letters counts once), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        row_min = current[0]
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)
