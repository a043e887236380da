"""Recognising a need or sector from free text with the keywords in the referral data.

A keyword is a word or phrase, matched on whole words of the normalised text; a trailing ``*``
matches every word that starts with it (``robotiser*`` matches "robotiseren").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from wegwijzer.referral.text import normalize


@dataclass(frozen=True)
class _Keyword:
    words: tuple[str, ...]
    prefix: bool

    def matches_at(self, tokens: list[str], start: int) -> bool:
        end = start + len(self.words)
        if end > len(tokens):
            return False
        for offset, word in enumerate(self.words):
            token = tokens[start + offset]
            last = offset == len(self.words) - 1
            if token != word and not (last and self.prefix and token.startswith(word)):
                return False
        return True


def _compile(keyword: str) -> _Keyword | None:
    prefix = keyword.strip().endswith("*")
    words = tuple(normalize(keyword.rstrip("*")).split())
    return _Keyword(words, prefix) if words else None


ARTICLES = frozenset({"de", "het", "een", "the", "a", "an"})
# "stagiairs, niet financiering", "training, not funding": a keyword right after these is what the user does not want
NEGATIONS = frozenset({"niet", "not", "no"})


def negated(tokens: list[str], start: int) -> bool:
    """Whether the word at ``start`` (normalised tokens) follows a negation, an article in between allowed."""
    before = start - 1
    if before >= 0 and tokens[before] in ARTICLES:
        before -= 1
    return before >= 0 and tokens[before] in NEGATIONS


class KeywordMatcher:
    """Scores categories (need or sector keys) by the keywords found in a text.

    ``served_markers`` are words after which a keyword names whom the business serves, not what it is
    ("we maken software voor transportbedrijven" is an ICT business): such a match counts half.
    """

    def __init__(self, keywords_by_key: Iterable[tuple[str, Iterable[str]]], served_markers: Iterable[str] = ()):
        self.served_markers = frozenset(served_markers)
        self._keywords: list[tuple[str, _Keyword]] = []
        self._by_first_word: dict[str, list[tuple[str, _Keyword]]] = {}
        self._prefixed: list[tuple[str, _Keyword]] = []
        for key, keywords in keywords_by_key:
            for raw in keywords:
                compiled = _compile(raw)
                if compiled is None:
                    continue
                entry = (key, compiled)
                if compiled.prefix and len(compiled.words) == 1:
                    self._prefixed.append(entry)
                else:
                    self._by_first_word.setdefault(compiled.words[0], []).append(entry)

    def spans(self, tokens: list[str]) -> list[tuple[str, int, int]]:
        """(key, first token, token after the last) of every keyword found in the normalised ``tokens``."""
        found = []
        for start, token in enumerate(tokens):
            candidates = list(self._by_first_word.get(token, ()))
            candidates += [e for e in self._prefixed if token.startswith(e[1].words[0])]
            for key, keyword in candidates:
                if keyword.matches_at(tokens, start):
                    found.append((key, start, start + len(keyword.words)))
        return found

    def scores(self, text: str) -> dict[str, float]:
        """Key -> number of words matched; a longer phrase weighs more than a single word."""
        scores: dict[str, float] = {}
        tokens = normalize(text).split()
        for key, start, end in self.spans(tokens):
            if negated(tokens, start):
                continue
            weight = 0.5 if self._after_served_marker(tokens, start) else 1.0
            scores[key] = scores.get(key, 0) + (end - start) * weight
        return scores

    def _after_served_marker(self, tokens: list[str], start: int) -> bool:
        before = start - 1
        if before >= 0 and tokens[before] in ARTICLES:
            before -= 1
        return before >= 0 and tokens[before] in self.served_markers

    def best(self, text: str) -> str | None:
        """The key with the highest score, or None when nothing matched or two keys tie."""
        scores = self.scores(text)
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None
        return ranked[0][0]
