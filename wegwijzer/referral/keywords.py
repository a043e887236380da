"""Recognising a need or sector from free text with the keywords in the referral data.

A keyword is a word or phrase, matched on whole words of the normalised text; a trailing ``*``
matches every word that starts with it (``robotiser*`` matches "robotiseren"), a leading ``*`` every
word that ends with it: Dutch glues words together and the last part says what the whole is
(``*cursus`` matches "managementcursus").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from wegwijzer.referral.text import normalize, osa_distance

# A word of a need phrase the NLU found ("subsdie") may be a typo of a keyword this long or longer: shorter
# words have too many real neighbours one letter away ("kennis", "kennen").
MIN_TYPO_KEYWORD = 7


@dataclass(frozen=True)
class _Keyword:
    words: tuple[str, ...]
    prefix: bool  # the last word may go on: "robotiser*"
    suffix: bool  # the first word may be the end of a longer word: "*cursus"

    def matches_at(self, tokens: list[str], start: int) -> bool:
        end = start + len(self.words)
        if end > len(tokens):
            return False
        return all(self.word_matches(offset, tokens[start + offset]) for offset in range(len(self.words)))

    def word_matches(self, offset: int, token: str) -> bool:
        word = self.words[offset]
        last, first = offset == len(self.words) - 1, offset == 0
        if last and self.prefix and first and self.suffix:
            return word in token
        if last and self.prefix:
            return token.startswith(word)
        if first and self.suffix:
            return token.endswith(word)
        return token == word

    def near(self, token: str) -> bool:
        """Whether ``token`` is one typo away from this one-word keyword (or its start from it, for ``word*``; a
        typo in a compound, "managmentcursus", is not looked for)."""
        if len(self.words) != 1 or len(self.words[0]) < MIN_TYPO_KEYWORD:
            return False
        word = self.words[0]
        if not self.prefix:
            return osa_distance(token, word, 1) <= 1
        return any(osa_distance(token[:length], word, 1) <= 1 for length in (len(word) - 1, len(word), len(word) + 1))


def _compile(keyword: str) -> _Keyword | None:
    raw = keyword.strip()
    words = tuple(normalize(raw.strip("*")).split())
    return _Keyword(words, raw.endswith("*"), raw.startswith("*")) if words else None


_HEAD = 3  # prefix keywords are looked up by their first letters (all of them when shorter)


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
        # keywords whose first word may be part of a longer word, by how: a plain string test per token is fast
        self._starting: dict[str, list[tuple[str, str, _Keyword]]] = {}  # "robotiser*", by its first letters
        self._ending: list[tuple[str, str, _Keyword]] = []  # "*cursus"
        self._inside: list[tuple[str, str, _Keyword]] = []  # "*subsidie*"
        for key, keywords in keywords_by_key:
            for raw in keywords:
                compiled = _compile(raw)
                if compiled is None:
                    continue
                entry = (key, compiled)
                self._keywords.append(entry)
                one_word = len(compiled.words) == 1
                if compiled.suffix and compiled.prefix and one_word:
                    self._inside.append((compiled.words[0], key, compiled))
                elif compiled.suffix:
                    self._ending.append((compiled.words[0], key, compiled))
                elif compiled.prefix and one_word:
                    word = compiled.words[0]
                    self._starting.setdefault(word[:_HEAD], []).append((word, key, compiled))
                else:
                    self._by_first_word.setdefault(compiled.words[0], []).append(entry)

    def spans(self, tokens: list[str]) -> list[tuple[str, int, int]]:
        """(key, first token, token after the last) of every keyword found in the normalised ``tokens``."""
        found = []
        for start, token in enumerate(tokens):
            candidates = list(self._by_first_word.get(token, ()))
            for head in {token[:length] for length in range(1, _HEAD + 1)}:
                candidates += [(key, keyword) for word, key, keyword in self._starting.get(head, ())
                               if token.startswith(word)]
            candidates += [(key, keyword) for word, key, keyword in self._ending if token.endswith(word)]
            candidates += [(key, keyword) for word, key, keyword in self._inside if word in token]
            for key, keyword in candidates:
                if keyword.matches_at(tokens, start):
                    found.append((key, start, start + len(keyword.words)))
        return found

    def scores(self, text: str) -> dict[str, float]:
        """Key -> number of words matched; a longer phrase weighs more than a single word, and a word two keywords
        of one key match ("subsidie": subsidie* and subsid*) counts once."""
        covered: dict[str, dict[int, float]] = {}
        tokens = normalize(text).split()
        for key, start, end in self.spans(tokens):
            if negated(tokens, start):
                continue
            weight = 0.5 if self._after_served_marker(tokens, start) else 1.0
            words = covered.setdefault(key, {})
            for index in range(start, end):
                words[index] = max(words.get(index, 0.0), weight)
        return {key: sum(words.values()) for key, words in covered.items()}

    def negated_keys(self, text: str) -> set[str]:
        """The keys whose keywords in ``text`` follow a negation ("niet financiering")."""
        tokens = normalize(text).split()
        return {key for key, start, _ in self.spans(tokens) if negated(tokens, start)}

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

    def best_forgiving(self, phrase: str) -> str | None:
        """``best`` for a short phrase already known to name a category (the NLU marked it), forgiving one typo
        per word: "subsdie" is subsidie. Only such phrases: in free text a typo away is often another real word
        ("finding" and funding, "interne" and interns)."""
        found = self.best(phrase)
        if found is not None:
            return found
        keys = {key for token in normalize(phrase).split() if len(token) >= MIN_TYPO_KEYWORD - 1
                for key, keyword in self._keywords if keyword.near(token)}
        return keys.pop() if len(keys) == 1 else None
