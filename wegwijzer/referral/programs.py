"""Which programs fit a request, best first, each with a reason in the user's own words.

Filters are fixed rules: a program must run, serve the region, be for the need, fit the company's
size, and a program for specific sectors is only for those sectors. What remains is scored with the
weights of ``ranking.yml`` (referral data, edited by province staff): points for the program's
keywords found in the request, for a sector or regional program, for a known size within its limits,
minus points for a program still marked ``verify``. Below the data's minimum nothing is suggested:
no suggestion is better than an unrelated one.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

from wegwijzer.catalog.referral_data import WHOLE_PROVINCE, Need, Program, RankingWeights, Region, Sector
from wegwijzer.referral.keywords import KeywordMatcher
from wegwijzer.referral.size import CompanySize, parse_size
from wegwijzer.referral.text import normalize
from wegwijzer.referral.wording import frame, quoted_list
from wegwijzer.texts import in_language

MAX_PROGRAMS = 3
MAX_QUOTED = 3
_PUNCTUATION = string.punctuation + "\u2018\u2019\u201c\u201d\u00ab\u00bb\u2026"


@dataclass(frozen=True)
class ProgramSuggestion:
    program: Program
    reason: str
    score: int = 0
    words: tuple[str, ...] = ()  # the request's words that matched the program's keywords, as typed


@dataclass(frozen=True)
class ProgramRequest:
    """What the intake learned that programs are chosen by."""

    region: str
    need: str
    sector: str | None = None
    employees: str | None = None
    text: str | None = None
    language: str = "nl"


def typed_words(text: str) -> tuple[list[str], list[str]]:
    """The normalised words of ``text`` and, for each, the word as the user typed it (without punctuation)."""
    tokens, typed = [], []
    for raw in text.split():
        pieces = normalize(raw).split()
        tokens += pieces
        typed += [raw.strip(_PUNCTUATION)] * len(pieces)
    return tokens, typed


class ProgramRanker:
    def __init__(self, programs: list[Program], weights: RankingWeights | None, needs: dict[str, Need],
                 sectors: dict[str, Sector], regions: dict[str, Region]):
        self.programs = programs
        self.weights = weights
        self.needs, self.sectors, self.regions = needs, sectors, regions
        self.matcher = KeywordMatcher((p.key, p.keywords + p.keywords_en) for p in programs)

    def suggest(self, request: ProgramRequest) -> tuple[ProgramSuggestion, ...]:
        """At most three programs that reach the minimum score, highest first (ties: the order of the data)."""
        if self.weights is None:  # a database loaded before ranking.yml existed: run `wegwijzer data load`
            return ()
        size = parse_size(request.employees) if request.employees else None
        found = self._found_words(request.text or "")
        ranked = []
        for position, program in enumerate(self.programs):
            if not self._fits(program, request, size):
                continue
            words = found.get(program.key, ())
            score = self._score(program, words, size)
            if score >= self.weights.minimum:
                ranked.append((-score, position, ProgramSuggestion(program, self._reason(program, request, words),
                                                                   score, words)))
        ranked.sort(key=lambda item: item[:2])
        return tuple(suggestion for _, _, suggestion in ranked[:MAX_PROGRAMS])

    def _found_words(self, text: str) -> dict[str, tuple[str, ...]]:
        """Program key -> the distinct phrases of the request that matched its keywords, as typed, in order."""
        tokens, typed = typed_words(text)
        found: dict[str, dict[str, str]] = {}
        covered: dict[str, int] = {}  # key -> end of its last kept span: "vakmensen" inside "tekort aan vakmensen"
        for key, start, end in sorted(self.matcher.spans(tokens), key=lambda span: (span[1], -span[2])):
            if end <= covered.get(key, 0):
                continue
            covered[key] = end
            phrase = " ".join(dict.fromkeys(typed[start:end]))  # "e-commerce" is two tokens of one typed word
            found.setdefault(key, {}).setdefault(" ".join(tokens[start:end]), phrase)
        return {key: tuple(dict.fromkeys(phrases.values())) for key, phrases in found.items()}

    @staticmethod
    def _fits(program: Program, request: ProgramRequest, size: CompanySize | None) -> bool:
        if not program.active or request.need not in program.needs or not program.serves(request.region):
            return False
        if program.sectors and request.sector not in program.sectors:
            return False  # a sector program is never offered to another (or an unknown) sector
        return not (size and not size.overlaps(program.min_employees, program.max_employees))

    def _score(self, program: Program, words: tuple[str, ...], size: CompanySize | None) -> int:
        weights = self.weights
        score = weights.word * min(len(words), weights.max_words)
        score += weights.sector if program.sectors else 0
        score += weights.region if WHOLE_PROVINCE not in program.regions else 0
        has_limits = program.min_employees is not None or program.max_employees is not None
        score += weights.size if size and has_limits else 0
        score += weights.verify if program.verify else 0
        return score

    def _reason(self, program: Program, request: ProgramRequest, words: tuple[str, ...]) -> str:
        """What made it fit, starting with what the user typed: "U noemde "robotiseren". Voor bedrijven in ..."."""
        language = request.language
        if words:
            first = frame(language, "program_words", words=quoted_list(words[:MAX_QUOTED], language))
        else:
            need = self.needs[request.need]
            first = frame(language, "program_need", need=in_language(language, need.label, need.label_en).lower())
        who = ""
        if program.sectors and request.sector in self.sectors:
            sector = self.sectors[request.sector]
            who += frame(language, "program_sector", sector=in_language(language, sector.label, sector.label_en).lower())
        if WHOLE_PROVINCE not in program.regions and request.region in self.regions:
            who += frame(language, "program_region", region=self.regions[request.region].name)
        who += _size_phrase(program, language)
        return f"{first} {frame(language, 'program_for', who=who)}" if who else first


def _size_phrase(program: Program, language: str) -> str:
    low, high = program.min_employees, program.max_employees
    if low is not None and high is not None:
        return frame(language, "program_size_between", min=low, max=high)
    if high is not None:
        return frame(language, "program_size_max", max=high)
    if low is not None:
        return frame(language, "program_size_min", min=low)
    return ""


