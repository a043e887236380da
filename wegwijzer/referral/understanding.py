"""What a message tells about the business: place, sector, size, need and language.

Rasa's entity extraction is one source (and the only one for button payloads); the referral data
is the other: place names, postcodes and the need and sector keywords. Together they let one
sentence ("Wij zijn een metaalbedrijf uit Hengelo met 35 man en willen robotiseren") fill four
questions at once, typos included.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

from wegwijzer.catalog.cache import Catalog
from wegwijzer.referral.language import detect_language
from wegwijzer.referral.keywords import negated
from wegwijzer.referral.ordinary_words import WORDS_DIR, read_word_file
from wegwijzer.referral.places import OUTSIDE, UNKNOWN
from wegwijzer.referral.size import parse_size
from wegwijzer.referral.text import words

PLACE, SECTOR, EMPLOYEES, NEED = "place", "sector", "employees", "need"
NEED_OPTIONS = "need_options"  # the slot with the needs to choose from at the next need question
# The need the NLU read from the whole message (``wegwijzer.rasa.need_classifier``): ``{"name", "confidence"}``.
NEED_FROM_SENTENCE = "need_from_sentence"
# A message with this many words besides greetings and stock words ("hallo, ik zoek hulp voor mijn
# bedrijf": none) that names a need already says what the user wants: it is passed on as the request in
# their own words instead of asking for it again; with more it is a request even when no need keyword
# was recognised (the need question then still follows).
MIN_CONTENT_WORDS_WITH_A_NEED = 3
MIN_CONTENT_WORDS_WITHOUT_A_NEED = 7
# A need read from the whole message (no word names it) is taken as the answer to the need question; in a
# message that answers no question only from this confidence, and only when the message does not describe
# the business (place, sector or size): "bouwbedrijf in Genemuiden met 45 medewerkers" read as innovation
# (0.90) in cross-validation, a description of the situation ("de bank wil niet meer lenen") does not.
# A reading this sure of another need than the one a word names makes the need a question: "veel personeel
# gaat met pensioen en de kennis gaat verloren" names kennis but is about training the staff.
SURE_NEED_FROM_SENTENCE = 0.85


@dataclass(frozen=True)
class Understood:
    place: str | None = None  # the words that name a place or postcode; validation resolves them
    place_certain: bool = True  # False: read from free text on weak grounds, confirm it before routing on it
    sector: str | None = None
    employees: str | None = None
    need: str | None = None
    language: str | None = None
    is_request: bool = False  # long enough to pass on as the request in the user's own words
    need_options: tuple[str, ...] = ()  # the need may be either (see ``understand``): ask, unless asked already

    def found(self, slot: str) -> bool:
        return getattr(self, slot, None) is not None


@lru_cache(maxsize=1)
def _filler_words() -> frozenset[str]:
    return frozenset(w for line in read_word_file(WORDS_DIR / "filler_words.txt") for w in line.split())


def content_words(text: str) -> list[str]:
    """The words of ``text`` that say something about the business or the question."""
    filler = _filler_words()
    return [w for w in words(text) if w not in filler and not w.isdigit()]


def _entity_values(entities: Iterable[Mapping], name: str, text: str = "") -> list[str]:
    """The values of the ``name`` entities, leaving out those the user negated ("niet financiering")."""
    return [str(e["value"]) for e in entities if e.get("entity") == name and e.get("value") not in (None, "")
            and not _negated_entity(text, e)]


def _negated_entity(text: str, entity: Mapping) -> bool:
    start = entity.get("start")
    if not text or not isinstance(start, int) or not 0 <= start <= len(text):
        return False
    before = words(text[:start])
    return negated(before + ["?"], len(before))


def _needs_from_words(catalog: Catalog, entities: list[Mapping], typed: str, needs: set[str]) -> tuple[str, ...]:
    """The needs words name: one, or the first two when words name more ("een stagiair en geld voor een bus"), so
    that the user chooses.

    Words are the NLU's need entities and the keywords with the highest score: a keyword phrase outweighs a single
    word ("kennis overdragen" is training, not innovation). An entity that is no need's name ("subsdie",
    "stagiar") is read with the keywords, one typo forgiven."""
    tagged = [v if v in needs else catalog.needs.best_forgiving(v) for v in _entity_values(entities, "need", typed)]
    scores = catalog.needs.scores(typed) if typed else {}
    top = max(scores.values(), default=0)
    keyworded = [key for key, score in scores.items() if score == top]
    return tuple(dict.fromkeys(need for need in tagged + keyworded if need))[:2]


def _negated_needs(catalog: Catalog, entities: list[Mapping], typed: str) -> set[str]:
    """The needs the user said they do not want ("stagiairs, niet financiering")."""
    said_not = {str(e.get("value")) for e in entities if e.get("entity") == "need" and _negated_entity(typed, e)}
    return said_not | catalog.needs.negated_keys(typed)


def _reading(need_from_sentence: Mapping | None, needs: set[str]) -> tuple[str | None, bool]:
    """The need the NLU read from the whole message, if it is a known one, and whether it is sure of it."""
    read = need_from_sentence if isinstance(need_from_sentence, Mapping) else {}
    name, confidence = read.get("name"), read.get("confidence")
    if not isinstance(name, str) or name not in needs:
        return None, False
    return name, isinstance(confidence, (int, float)) and confidence >= SURE_NEED_FROM_SENTENCE


def _credible_postcode(catalog: Catalog, value: str) -> bool:
    """Whether an NLU postcode entity in free text really is one: the NLU may tag a year ("in 2025")."""
    status = catalog.places.resolve(value).status
    if status == UNKNOWN:
        return False
    return not (status == OUTSIDE and value.strip().isdigit())  # a bare number is likelier a year or amount


def understand(catalog: Catalog, text: str, entities: Iterable[Mapping] = (), expecting: str | None = None,
               need_from_sentence: Mapping | None = None) -> Understood:
    """Everything ``text`` says about the business. ``expecting`` is the question it answers, if any.

    The need comes from the words that name it (entities and keywords); only when there are none from
    ``need_from_sentence``. When words name two needs, or a word and a sure reading disagree, both are in
    ``need_options`` and ``need`` is the likelier (the reading among two words, else the word): the user is asked
    which, and ``need`` is taken when that question was just asked (see ``SURE_NEED_FROM_SENTENCE``)."""
    entities = list(entities)
    is_payload = (text or "").startswith("/")
    typed = "" if is_payload else (text or "")
    needs = {n.key for n in catalog.data.needs}
    sectors = {s.key for s in catalog.data.sectors}

    place_certain = True
    named = _entity_values(entities, "place") + _entity_values(entities, "postcode")
    if is_payload:
        place = named[0] if named else None
    elif expecting == PLACE:  # the whole answer first: "Emmen (Dalfsen)" names more than the entity "Emmen"
        whole = catalog.places.resolve(typed) if typed else None
        place = typed if whole and whole.status != UNKNOWN else (named[0] if named else None)
    else:  # a side remark: the NLU's place entities are not enough ("Please enter"), the text must support them
        place = next((v for v in _entity_values(entities, "postcode") if _credible_postcode(catalog, v)), None)
    if place is None and typed:
        if expecting == PLACE:
            in_text = catalog.places.find_in_text(typed)
            place = in_text.query if in_text else typed
        else:
            match = catalog.places.find_in_text(typed)
            place = match.query if match else None
            place_certain = match.certain if match else True

    sector = next((v for v in _entity_values(entities, "sector", typed) if v in sectors), None)
    if sector is None and typed:
        sector = catalog.sectors.best(typed)

    employees = next(iter(_entity_values(entities, "employees")), None)
    size = parse_size(employees) if employees else None
    if size is None and typed and (expecting == EMPLOYEES or not typed.strip().isdigit()):
        size = parse_size(typed)

    worded = _needs_from_words(catalog, entities, typed, needs)
    read, sure = _reading(need_from_sentence, needs) if typed and expecting in (None, NEED) else (None, False)
    if read and read in _negated_needs(catalog, entities, typed):  # the whole message read misses a "niet"
        read, sure = None, False
    need, need_options = None, ()
    if len(worded) == 2:
        need, need_options = (read if read in worded else worded[0]), worded
    elif worded:
        need = worded[0]
        if sure and read != need:
            need_options = (need, read)
    elif read and (expecting == NEED or sure and not (place or sector or size)):
        need = read

    count = len(content_words(typed))
    return Understood(
        place=place,
        place_certain=place_certain,
        sector=sector,
        employees=str(size) if size else None,
        need=need,
        language=detect_language(typed) if typed else None,
        is_request=expecting in (None, NEED) and count >= (MIN_CONTENT_WORDS_WITH_A_NEED if need or need_options
                                                       else MIN_CONTENT_WORDS_WITHOUT_A_NEED),
        need_options=need_options,
    )
