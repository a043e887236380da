"""Routing: from what the intake learned to one handoff target and up to three programs, each with a reason.

The decision table itself is data (``routing.yml``); this module applies it and picks an adviser
fairly (least recently assigned). Programs are chosen in ``programs.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

from wegwijzer.referral.places import FOUND, OUTSIDE, PlaceMatch, PlaceResolver
from wegwijzer.catalog.referral_data import WHOLE_PROVINCE, Adviser, Organisation, ReferralData
from wegwijzer.referral.programs import ProgramRanker, ProgramRequest, ProgramSuggestion
from wegwijzer.referral.wording import frame
from wegwijzer.texts import in_language

REFERRED = "referred"
OUTSIDE_PROVINCE = "outside"
NEEDS_PLACE = "needs_place"
NEEDS_NEED = "needs_need"
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
        self.programs = ProgramRanker(data.programs, data.ranking, self.needs, self.sectors, self.regions)

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
        return self.programs.suggest(ProgramRequest(region=region, need=facts.need, sector=facts.sector,
                                                    employees=facts.employees, text=facts.request_text,
                                                    language=facts.language))
