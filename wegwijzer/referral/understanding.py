"""What a message tells about the business: place, sector, size, need and language.

Rasa's entity extraction is one source (and the only one for button payloads); the referral data
is the other: place names, postcodes and the need and sector keywords. Together they let one
sentence ("Wij zijn een metaalbedrijf uit Hengelo met 35 man en willen robotiseren") fill four
questions at once, typos included.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from wegwijzer.catalog.cache import Catalog
from wegwijzer.referral.language import detect_language
from wegwijzer.referral.places import OUTSIDE, UNKNOWN
from wegwijzer.referral.size import parse_size
from wegwijzer.referral.text import words

PLACE, SECTOR, EMPLOYEES, NEED = "place", "sector", "employees", "need"
MIN_WORDS_FOR_A_REQUEST = 10


@dataclass(frozen=True)
class Understood:
    place: str | None = None  # the words that name a place or postcode; validation resolves them
    sector: str | None = None
    employees: str | None = None
    need: str | None = None
    language: str | None = None
    is_request: bool = False  # long enough to pass on as the request in the user's own words

    def found(self, slot: str) -> bool:
        return getattr(self, slot, None) is not None


def _entity_values(entities: Iterable[Mapping], name: str) -> list[str]:
    return [str(e["value"]) for e in entities if e.get("entity") == name and e.get("value") not in (None, "")]


def _credible_place(catalog: Catalog, value: str, expecting: str | None, is_payload: bool) -> bool:
    """Whether an NLU entity really names a place: the NLU may tag a stray word or a year ("in 2025")."""
    if expecting == PLACE or is_payload:
        return True
    status = catalog.places.resolve(value).status
    if status == UNKNOWN:
        return False
    return not (status == OUTSIDE and value.strip().isdigit())  # a bare number is likelier a year or amount


def understand(catalog: Catalog, text: str, entities: Iterable[Mapping] = (), expecting: str | None = None) -> Understood:
    """Everything ``text`` says about the business. ``expecting`` is the question it answers, if any."""
    entities = list(entities)
    is_payload = (text or "").startswith("/")
    typed = "" if is_payload else (text or "")
    needs = {n.key for n in catalog.data.needs}
    sectors = {s.key for s in catalog.data.sectors}

    named = _entity_values(entities, "place") + _entity_values(entities, "postcode")
    place = next((v for v in named if _credible_place(catalog, v, expecting, is_payload)), None)
    if place is None and typed:
        if expecting == PLACE:
            whole = catalog.places.resolve(typed)
            in_text = catalog.places.find_in_text(typed) if whole.status == UNKNOWN else None
            place = in_text.query if in_text else typed
        else:
            match = catalog.places.find_in_text(typed)
            place = match.query if match else None

    sector = next((v for v in _entity_values(entities, "sector") if v in sectors), None)
    if sector is None and typed:
        sector = catalog.sectors.best(typed)

    employees = next(iter(_entity_values(entities, "employees")), None)
    size = parse_size(employees) if employees else None
    if size is None and typed and (expecting == EMPLOYEES or not typed.strip().isdigit()):
        size = parse_size(typed)

    need = next((v for v in _entity_values(entities, "need") if v in needs), None)
    if need is None and typed:
        need = catalog.needs.best(typed)

    return Understood(
        place=place,
        sector=sector,
        employees=str(size) if size else None,
        need=need,
        language=detect_language(typed) if typed else None,
        is_request=bool(need) and len(words(typed)) >= MIN_WORDS_FOR_A_REQUEST,
    )
