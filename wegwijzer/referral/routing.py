"""Routing: from what the intake learned to one handoff target and up to three programs, each with a reason.

The decision table itself is data (``routing.yml``); this module applies it, filters programs by
region, need, sector and size, and picks an adviser fairly (least recently assigned).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

from wegwijzer.referral.places import FOUND, OUTSIDE, PlaceMatch, PlaceResolver
from wegwijzer.catalog.referral_data import WHOLE_PROVINCE, Adviser, Organisation, Program, ReferralData
from wegwijzer.referral.size import CompanySize, parse_size
from wegwijzer.referral.wording import capitalise, frame
from wegwijzer.texts import in_language

REFERRED = "referred"
OUTSIDE_PROVINCE = "outside"
NEEDS_PLACE = "needs_place"
NEEDS_NEED = "needs_need"
MAX_PROGRAMS = 3
_NEVER = datetime.min


@dataclass(frozen=True)
class IntakeFacts:
    place: str | None = None  # place name or postcode as typed
    need: str | None = None  # need key
    sector: str | None = None  # sector key
    employees: str | None = None  # "35", "10-49", "zzp"
    request_text: str | None = None
    language: str = "nl"


@dataclass(frozen=True)
class ProgramSuggestion:
    program: Program
    reason: str


@dataclass(frozen=True)
class Referral:
    status: str
    place: PlaceMatch | None = None
    organisation: Organisation | None = None
    adviser: Adviser | None = None
    reason: str = ""
    programs: tuple[ProgramSuggestion, ...] = ()
    fallback: Organisation | None = None  # the national fallback (KVK) when there is no handoff


class Router:
    def __init__(self, data: ReferralData, resolver: PlaceResolver | None = None):
        self.data = data
        self.resolver = resolver or PlaceResolver(data)
        self.organisations = {o.key: o for o in data.organisations}
        self.needs = {n.key: n for n in data.needs}
        self.sectors = {s.key: s for s in data.sectors}
        self.regions = {r.key: r for r in data.regions}
        self.table = {(r.region, r.need): r.organisation for r in data.routing}
        self.advisers: dict[str, list[Adviser]] = {}
        for adviser in data.advisers:
            self.advisers.setdefault(adviser.organisation, []).append(adviser)
        self.fallback = next((o for o in data.organisations if not o.handoff), None)

    def route(self, facts: IntakeFacts, last_assigned: Mapping[str, datetime] | None = None) -> Referral:
        """Decide where the intake goes. ``last_assigned`` maps adviser keys to their last handoff time."""
        match = self.resolver.resolve(facts.place) if facts.place else None
        if match is None or match.status not in (FOUND, OUTSIDE):
            return Referral(NEEDS_PLACE, place=match)
        if match.status == OUTSIDE:
            return self.outside(match.outside_name or facts.place, facts.language, match)
        if facts.need not in self.needs:
            return Referral(NEEDS_NEED, place=match)
        region = match.location.region
        organisation = self.organisations[self.table[(region, facts.need)]]
        return Referral(
            REFERRED,
            place=match,
            organisation=organisation,
            adviser=self.choose_adviser(organisation, last_assigned or {}),
            reason=self._reason(organisation, region, facts),
            programs=self.suggest_programs(region, facts),
        )

    def outside(self, place_name: str, language: str, match: PlaceMatch | None = None) -> Referral:
        """No handoff outside Overijssel: the answer points to the national fallback (KVK)."""
        return Referral(OUTSIDE_PROVINCE, place=match, fallback=self.fallback,
                        reason=frame(language, "outside", place=place_name))

    def choose_adviser(self, organisation: Organisation, last_assigned: Mapping[str, datetime]) -> Adviser:
        """The adviser who least recently got a handoff; ties go to the first key, so tests are deterministic."""
        advisers = self.advisers[organisation.key]
        return min(advisers, key=lambda a: (last_assigned.get(a.key, _NEVER), a.key))

    def _reason(self, organisation: Organisation, region: str, facts: IntakeFacts) -> str:
        need = self.needs[facts.need]
        need_reason = in_language(facts.language, need.reason, need.reason_en)
        if WHOLE_PROVINCE in organisation.regions:
            return frame(facts.language, "referral_province", organisation=organisation.name, need_reason=need_reason)
        return frame(facts.language, "referral", region=self.regions[region].name,
                     need_reason=need_reason, organisation=organisation.name)

    def suggest_programs(self, region: str, facts: IntakeFacts) -> tuple[ProgramSuggestion, ...]:
        size = parse_size(facts.employees) if facts.employees else None
        ranked = []
        for position, program in enumerate(self.data.programs):
            if not self._fits(program, region, facts, size):
                continue
            score = 0
            score += 3 if facts.sector and facts.sector in program.sectors else 0
            score += 2 if WHOLE_PROVINCE not in program.regions else 0
            score -= 2 if program.verify else 0
            ranked.append((-score, position, program))
        ranked.sort(key=lambda item: item[:2])
        return tuple(ProgramSuggestion(p, self._program_reason(p, region, facts)) for _, _, p in ranked[:MAX_PROGRAMS])

    @staticmethod
    def _fits(program: Program, region: str, facts: IntakeFacts, size: CompanySize | None) -> bool:
        if not program.active or facts.need not in program.needs or not program.serves(region):
            return False
        if program.sectors and facts.sector not in program.sectors:
            return False
        if size and not size.overlaps(program.min_employees, program.max_employees):
            return False
        return True

    def _program_reason(self, program: Program, region: str, facts: IntakeFacts) -> str:
        language = facts.language
        need = self.needs[facts.need]
        parts = [frame(language, "program_need", need=in_language(language, need.label, need.label_en).lower())]
        if WHOLE_PROVINCE not in program.regions:
            parts.append(frame(language, "program_region", region=self.regions[region].name))
        if program.sectors and facts.sector in self.sectors:
            sector = self.sectors[facts.sector]
            parts.append(frame(language, "program_sector", sector=in_language(language, sector.label, sector.label_en).lower()))
        if program.max_employees is not None:
            parts.append(frame(language, "program_size", max=program.max_employees))
        return capitalise(", ".join(parts)) + "."
