"""Resolving what an entrepreneur types as a location to an Overijssel municipality and region.

Forgiving on case, accents, "'s" and hyphens, and on small typos (Hengelow, Zwole, Enchede), but
a well-known place outside Overijssel (Apeldoorn, Almere) is recognised as *outside* instead of
being matched to the nearest Overijssel name. Typos are found with a symmetric-delete index, so
that a lookup costs microseconds rather than a scan of every name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

from wegwijzer.catalog.referral_data import ReferralData
from wegwijzer.referral.text import normalize, osa_distance

FOUND = "found"
AMBIGUOUS = "ambiguous"
OUTSIDE = "outside"
UNKNOWN = "unknown"

_KIND_RANK = {"gemeente": 0, "woonplaats": 0, "alias": 1, "kern": 2}
_INDEX_DISTANCE = 2
_POSTCODE_ALONE = re.compile(r"^\s*(?:postcode\s*)?([1-9][0-9]{3})\s*([a-z]{2})?\s*$", re.IGNORECASE)
# Inside a sentence only "7511 AB" in capitals or "postcode 7511" counts: "in 2025 en" is no postcode.
_POSTCODE_IN_TEXT = re.compile(r"\b([1-9][0-9]{3})\s?([A-Z]{2})\b|\b(?i:postcode)\s*:?\s*([1-9][0-9]{3})\b")
_LOCATION_WORDS = frozenset(
    "in uit te bij vanuit nabij omgeving regio gemeente buurt from near around based located".split()
)
_MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class Location:
    place: str
    municipality: str
    region: str


@dataclass(frozen=True)
class PlaceMatch:
    status: str
    query: str
    location: Location | None = None  # FOUND
    options: tuple[Location, ...] = ()  # AMBIGUOUS: the Overijssel places it may be
    outside_name: str | None = None  # OUTSIDE, or AMBIGUOUS with a well-known namesake elsewhere
    suggestion: Location | None = None  # UNKNOWN: "Bedoelt u ...?"
    corrected: bool = False  # FOUND through a typo correction


@dataclass(frozen=True)
class _Candidate:
    name: str
    municipality: str
    kind: str
    also_outside: str | None = None


def allowed_typos(name_length: int) -> int:
    """How many typos a name of this length may carry and still resolve without asking."""
    if name_length <= 4:
        return 0
    return 1 if name_length <= 8 else 2


@dataclass
class PlaceResolver:
    data: ReferralData
    _inside: dict[str, list[_Candidate]] = field(default_factory=dict, init=False)
    _outside: dict[str, str] = field(default_factory=dict, init=False)
    _deletes: dict[str, set[str]] = field(default_factory=dict, init=False)
    _postcodes: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False)
    _region_of: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._region_of = self.data.region_of()
        for municipality in self._region_of:
            self._inside.setdefault(normalize(municipality), []).append(_Candidate(municipality, municipality, "gemeente"))
        for place in self.data.places:
            self._inside.setdefault(normalize(place.name), []).append(
                _Candidate(place.name, place.municipality, place.kind, place.also_outside))
        for outside in self.data.outside_places:
            where = outside.province if outside.country == "Nederland" else outside.country
            self._outside.setdefault(normalize(outside.name), f"{outside.name} ({where})")
        for place in self.data.places:
            if place.also_outside:  # "Emmen (Drenthe)" names the namesake outside Overijssel
                self._outside.setdefault(normalize(place.also_outside), place.also_outside)
        for name in list(self._inside) + list(self._outside):
            for variant in _deletions(name, _INDEX_DISTANCE):
                self._deletes.setdefault(variant, set()).add(name)
        for postcode in self.data.postcodes:
            self._postcodes[postcode.pc4] = tuple(filter(None, (postcode.municipality, postcode.also)))

    # -- whole answers -------------------------------------------------------------------------

    def resolve(self, text: str) -> PlaceMatch:
        """Resolve a message that names a place or postcode and nothing else."""
        postcode = _POSTCODE_ALONE.match(text or "")
        if postcode:
            return self._postcode(postcode.group(1), text)
        query = _strip_decoration(normalize(text))
        if not query:
            return PlaceMatch(UNKNOWN, text)
        exact = self._exact(query, text) or self._in_municipality(query, text)
        if exact:
            return exact
        return self._fuzzy(query, text)

    def _in_municipality(self, query: str, text: str) -> PlaceMatch | None:
        """"Kloosterhaar Twenterand" or "Goor, Hof van Twente": a place followed by its municipality."""
        for municipality in self._region_of:
            suffix = " " + normalize(municipality)
            if query.endswith(suffix):
                place = query[: -len(suffix)]
                for candidate in self._inside.get(place, ()):
                    if candidate.municipality == municipality:
                        location = Location(candidate.name, municipality, self._region_of[municipality])
                        return PlaceMatch(FOUND, text, location=location)
        return None

    def _postcode(self, pc4: str, text: str) -> PlaceMatch:
        municipalities = self._postcodes.get(pc4)
        if not municipalities:
            return PlaceMatch(OUTSIDE, text, outside_name=f"postcode {pc4}")
        locations = [Location(pc4, m, self._region_of[m]) for m in municipalities]
        return PlaceMatch(FOUND, text, location=locations[0])

    def _exact(self, query: str, text: str) -> PlaceMatch | None:
        candidates = self._inside.get(query)
        if candidates:
            return self._choose(candidates, text)
        if query in self._outside:
            return PlaceMatch(OUTSIDE, text, outside_name=self._outside[query])
        return None

    def _choose(self, candidates: list[_Candidate], text: str, corrected: bool = False) -> PlaceMatch:
        best_rank = min(_KIND_RANK.get(c.kind, 3) for c in candidates)
        best = [c for c in candidates if _KIND_RANK.get(c.kind, 3) == best_rank]
        locations = list(dict.fromkeys(Location(c.name, c.municipality, self._region_of[c.municipality]) for c in best))
        outside = next((c.also_outside for c in best if c.also_outside), None)
        if outside:
            return PlaceMatch(AMBIGUOUS, text, options=tuple(locations), outside_name=outside)
        if len({loc.region for loc in locations}) > 1:
            return PlaceMatch(AMBIGUOUS, text, options=tuple(locations))
        return PlaceMatch(FOUND, text, location=locations[0], corrected=corrected)

    def _fuzzy(self, query: str, text: str) -> PlaceMatch:
        limit = allowed_typos(len(query))
        inside, inside_distance = self._nearest(query, self._inside, limit + 1, scan=True)
        outside, outside_distance = self._nearest(query, self._outside, limit + 1)
        if outside and outside_distance < inside_distance and outside_distance <= limit:
            return PlaceMatch(OUTSIDE, text, outside_name=self._outside[outside[0]])
        if inside and inside_distance <= limit and inside_distance < outside_distance and len(inside) == 1:
            return self._choose(self._inside[inside[0]], text, corrected=True)
        if inside and inside_distance < outside_distance:
            match = self._choose(self._inside[inside[0]], text)
            suggestion = match.location or match.options[0]
            return PlaceMatch(UNKNOWN, text, suggestion=suggestion)
        return PlaceMatch(UNKNOWN, text)

    def _nearest(self, query: str, names: dict, limit: int, scan: bool = False) -> tuple[list[str], int]:
        """The names nearest to ``query`` within ``limit`` typos, and their distance.

        The index finds everything within two typos; with ``scan`` a longer name three typos away is
        looked for name by name, a slow path taken only for a suggestion when nothing is closer.
        """
        candidates: set[str] = set()
        for variant in _deletions(query, min(limit, _INDEX_DISTANCE)):
            candidates |= self._deletes.get(variant, set())
        candidates = {c for c in candidates if c in names}
        if scan and not candidates and limit > _INDEX_DISTANCE:
            candidates = {n for n in names if abs(len(n) - len(query)) <= limit}
        best: list[str] = []
        best_distance = limit + 1
        for name in sorted(candidates):
            distance = osa_distance(query, name, limit)
            if distance < best_distance:
                best, best_distance = [name], distance
            elif distance == best_distance and distance <= limit:
                best.append(name)
        return best, best_distance

    # -- places inside sentences ---------------------------------------------------------------

    def find_in_text(self, text: str) -> PlaceMatch | None:
        """The place a sentence names ("wij zitten in Hengelo met 35 man"), or None; the match's
        ``query`` is the part of the sentence that names it.

        A name counts when it follows a location word (in, uit, bij ...), when it is an official
        place or municipality, or when it is a postcode. Villages that are also common words
        (Belt, Engeland) only count after a location word; typos only after a location word.
        """
        postcode = _POSTCODE_IN_TEXT.search(text or "")
        if postcode:
            pc4 = postcode.group(1) or postcode.group(3)
            return self._postcode(pc4, pc4)
        tokens = normalize(text).split()
        if not tokens:
            return None
        best: tuple[int, PlaceMatch] | None = None
        for start in range(len(tokens)):
            after_location_word = start > 0 and tokens[start - 1] in _LOCATION_WORDS
            for size in range(min(_MAX_NAME_WORDS, len(tokens) - start), 0, -1):
                phrase = " ".join(tokens[start:start + size])
                match = self._exact(phrase, phrase)
                if match and (after_location_word or self._is_prominent(phrase)):
                    score = (2 if after_location_word else 1) * 10 + size
                    if best is None or score > best[0]:
                        best = (score, match)
                    break
            if after_location_word and (best is None or best[0] < 20):
                for size in range(min(3, len(tokens) - start), 0, -1):
                    phrase = " ".join(tokens[start:start + size])
                    if len(phrase) < 5:
                        continue
                    match = self._fuzzy(phrase, phrase)
                    if match.status in (FOUND, OUTSIDE):
                        best = (15, match)
                        break
        return best[1] if best else None

    def _is_prominent(self, phrase: str) -> bool:
        if phrase in self._outside and len(phrase) > 4:
            return True
        return any(c.kind in ("gemeente", "woonplaats") for c in self._inside.get(phrase, ()))


def _strip_decoration(query: str) -> str:
    """Drop words around a bare name: "gemeente Hof van Twente", "Hengelo ov", "in Zwolle"."""
    words = query.split()
    while words and words[0] in ("gemeente", "in", "uit", "te", "bij", "dorp", "stad", "plaats"):
        words = words[1:]
    while len(words) > 1 and words[-1] in ("ov", "overijssel", "o"):
        words = words[:-1]
    return " ".join(words)


def _deletions(word: str, distance: int) -> set[str]:
    """All strings made from ``word`` by deleting up to ``distance`` characters (SymSpell's index keys)."""
    variants = {word}
    for count in range(1, min(distance, len(word) - 1) + 1):
        for positions in combinations(range(len(word)), count):
            variants.add("".join(ch for i, ch in enumerate(word) if i not in positions))
    return variants
