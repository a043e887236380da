"""Resolving what an entrepreneur types as a location to an Overijssel municipality and region.

Forgiving on case, accents, "'s" and hyphens, and on small typos (Hengelow, Zwole, Enchede), but
a well-known place outside Overijssel (Apeldoorn, Almere) is recognised as *outside* instead of
being matched to the nearest Overijssel name. Typos are found with a symmetric-delete index, so
that a lookup costs microseconds rather than a scan of every name.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from itertools import combinations

from wegwijzer.catalog.referral_data import ReferralData
from wegwijzer.referral.ordinary_words import ordinary_words
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
# Words that make the next name a place: "in Enter", "vlakbij Hengelo", "based in Zwolle".
_LOCATION_WORDS = frozenset(
    "in uit bij vanuit nabij vlakbij rond rondom omgeving regio gemeente buurt from near around located".split()
)
_LOCATION_PHRASES = frozenset({("buurt", "van"), ("omgeving", "van"), ("close", "to"), ("next", "to")})
# "te Goor" names a place, but "op te leiden" and "schoon te houden" do not: "te" only supports a name
# that is no ordinary word, and never a typo.
_WEAK_LOCATION_WORDS = frozenset({"te"})
_SENTENCE_ENDS = ".!?\n"
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
    certain: bool = True  # False: read from free text on weak grounds, to be confirmed before routing on it


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


@dataclass(frozen=True)
class _Token:
    word: str  # normalised
    capitalised: bool  # written with a capital, not at the start of a sentence, in a text that does not shout


@dataclass
class PlaceResolver:
    data: ReferralData
    ordinary: frozenset[str] | None = None  # ordinary words that are, or are near, a place name (data/words/)
    _inside: dict[str, list[_Candidate]] = field(default_factory=dict, init=False)
    _outside: dict[str, str] = field(default_factory=dict, init=False)
    _deletes: dict[str, set[str]] = field(default_factory=dict, init=False)
    _postcodes: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False)
    _region_of: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.ordinary is None:
            self.ordinary = ordinary_words()
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

    def near_a_place_name(self, word: str) -> bool:
        """Whether ``word`` names a place (in or outside Overijssel) or is within the typos matching forgives."""
        if word in self._inside or word in self._outside:
            return True
        limit = allowed_typos(len(word))
        if limit == 0:
            return False
        return any(self._nearest(word, names, limit)[1] <= limit for names in (self._inside, self._outside))

    # -- places inside sentences ---------------------------------------------------------------

    def find_in_text(self, text: str) -> PlaceMatch | None:
        """The place a sentence names ("wij zitten in Hengelo met 35 man"), or None; the match's
        ``query`` is the part of the sentence that names it.

        A name needs support: a location word before it (in, uit, bij, vlakbij ...), a capital, or
        being a town or municipality that is no ordinary word; a postcode always counts. An ordinary
        word (Meer, Enter, Nederland, and every word a typo away from a place: "leren", "leiden")
        counts only after a location word or with a capital, and typos only after a location word.
        A match is ``certain`` only when nothing about it is weak: a typo, a name shared with other
        places, a place outside Overijssel (a side remark), or an ordinary word that is not a
        capitalised municipality after a location word are confirmed before anything is routed on them.
        """
        postcode = _POSTCODE_IN_TEXT.search(text or "")
        if postcode:
            pc4 = postcode.group(1) or postcode.group(3)
            return self._postcode(pc4, pc4)
        tokens = _tokens(text)
        words = [t.word for t in tokens]
        best: tuple[int, PlaceMatch] | None = None
        for start in range(len(tokens)):
            strong = (start > 0 and words[start - 1] in _LOCATION_WORDS) or (
                start > 1 and (words[start - 2], words[start - 1]) in _LOCATION_PHRASES)
            weak = start > 0 and words[start - 1] in _WEAK_LOCATION_WORDS
            capital = tokens[start].capitalised
            for size in range(min(_MAX_NAME_WORDS, len(tokens) - start), 0, -1):
                phrase = " ".join(words[start:start + size])
                match = self._exact(phrase, phrase)
                if match is None:
                    continue
                ordinary = phrase in self.ordinary
                supported = strong or capital or (not ordinary and (weak or self._is_prominent(phrase)))
                if not supported:
                    continue
                certain = match.status == FOUND and (
                    not ordinary or (strong and capital and self._is_municipality(phrase)))
                # Support first, then the longer name, then a place in Overijssel over one outside it
                # ("ik woon in Almere maar mijn bedrijf zit in Zwolle").
                score = ((2 if strong or weak else 1) * 10 + size) * 2 + (match.status != OUTSIDE)
                if best is None or score > best[0]:
                    best = (score, replace(match, certain=certain))
                break
            if strong and (best is None or best[0] < 40):
                for size in range(min(3, len(tokens) - start), 0, -1):
                    phrase = " ".join(words[start:start + size])
                    if len(phrase) < 5 or any(w in self.ordinary for w in words[start:start + size]):
                        continue
                    match = self._fuzzy(phrase, phrase)
                    if match.status in (FOUND, OUTSIDE):
                        best = (30, replace(match, certain=False))
                        break
        return best[1] if best else None

    def _is_prominent(self, phrase: str) -> bool:
        if phrase in self._outside and len(phrase) > 4:
            return True
        return any(c.kind in ("gemeente", "woonplaats") for c in self._inside.get(phrase, ()))

    def _is_municipality(self, phrase: str) -> bool:
        return any(c.kind == "gemeente" for c in self._inside.get(phrase, ()))


def _tokens(text: str) -> list[_Token]:
    """The words of ``text`` as ``normalize`` splits them, each with whether it carries a telling capital."""
    shaped = unicodedata.normalize("NFKD", text or "")
    shaped = "".join(ch for ch in shaped if not unicodedata.combining(ch))
    shaped = re.sub("['\u2018\u2019`\u00b4]", "", shaped)
    shouting = not any(ch.islower() for ch in shaped)
    tokens = []
    for found in re.finditer(r"[A-Za-z0-9]+", shaped):
        before = shaped[:found.start()].rstrip()
        sentence_start = not before or before[-1] in _SENTENCE_ENDS
        capital = found.group()[0].isupper() and not sentence_start and not shouting
        tokens.append(_Token(found.group().lower(), capital))
    return tokens


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
