"""Company size: parsing "35 man", "zzp", "10-49" or "twaalf medewerkers" into a range of employees."""
from __future__ import annotations

import re
from dataclasses import dataclass

from wegwijzer.referral.text import normalize


@dataclass(frozen=True)
class CompanySize:
    low: int
    high: int | None  # None: no upper bound

    @property
    def exact(self) -> int | None:
        return self.low if self.low == self.high else None

    @property
    def band(self) -> str:
        """The band used for anonymous statistics and buttons (EU SME size classes)."""
        for band in BANDS:
            if band.low <= self.low and (band.high is None or self.low <= band.high):
                return band.label
        return BANDS[-1].label

    def overlaps(self, minimum: int | None, maximum: int | None) -> bool:
        if maximum is not None and self.low > maximum:
            return False
        if minimum is not None and self.high is not None and self.high < minimum:
            return False
        return True

    def __str__(self) -> str:
        if self.exact is not None:
            return str(self.exact)
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class Band:
    label: str
    low: int
    high: int | None


BANDS = (Band("1", 1, 1), Band("2-9", 2, 9), Band("10-49", 10, 49), Band("50-249", 50, 249), Band("250+", 250, None))

_SOLO = re.compile(r"\b(zzp|zzper|zzpers|zelfstandige?|eenmanszaak|eenmansbedrijf|alleen ik|ik alleen|in mijn eentje|"
                   r"just me|only me|myself|self employed|freelancer|solo)\b")
_BAND = re.compile(r"^\s*(\d+)\s*(?:-|tot|to)\s*(\d+)\s*$|^\s*(\d+)\s*(?:\+|of meer|or more|en meer)\s*$")
_NUMBER_WORDS = {
    "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "twintig": 20,
    "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80, "honderd": 100,
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}
_COUNT = r"(\d{1,6}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_STAFF_WORDS = (r"(?:man|mensen|medewerkers?|medewerkster?s?|werknemers?|personeelsleden|collega s|collegas|fte|"
                r"werkers|employees|staff|people|workers|personeel|krachten)")
_WITH_STAFF = re.compile(rf"\b{_COUNT}\s+(?:\w+\s+)?{_STAFF_WORDS}\b")
_BARE_NUMBER = re.compile(rf"^\s*(?:ongeveer|zo n|circa|about|around|ca)?\s*{_COUNT}\s*$")
# "we zijn met z'n zessen", "met ons vieren": the Dutch group forms of the numbers
_GROUP_WORDS = {"tweeen": 2, "drieen": 3, "vieren": 4, "vijven": 5, "zessen": 6, "zevenen": 7, "achten": 8,
                "negenen": 9, "tienen": 10, "elven": 11, "twaalven": 12}
_GROUP = re.compile(r"\bmet (?:z n |zn |zijn |ons |onze )?(" + "|".join(_GROUP_WORDS) + r")\b")
# "we zijn met 6", "wij werken met ongeveer 12", "een stuk of 30", "we are 6", "a team of 6", "there are 6 of us"
_WE_ARE = re.compile(rf"\b(?:(?:we|wij) (?:zijn|werken) (?:hier )?met|een stuk of|we are|there are|team of)\s+"
                     rf"(?:ongeveer |zo n |circa |about |around )?{_COUNT}"
                     r"(?=\s*$|\s+(?:personen|of us|in totaal|in total|en|maar|and|but|nu|now)\b)")


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _NUMBER_WORDS[token]


def parse_size(text: str) -> CompanySize | None:
    """The company size a message states, or None. A bare number counts only when it is the whole message."""
    raw = (text or "").strip().lower()
    band = _BAND.match(raw)
    if band:
        if band.group(3):
            return CompanySize(int(band.group(3)), None)
        low, high = sorted((int(band.group(1)), int(band.group(2))))
        return CompanySize(max(low, 1), high)
    folded = normalize(text)
    with_staff = _WITH_STAFF.search(folded)
    if with_staff:
        count = max(_number(with_staff.group(1)), 1)
        return CompanySize(count, count)
    group = _GROUP.search(folded)
    if group:
        count = _GROUP_WORDS[group.group(1)]
        return CompanySize(count, count)
    we_are = _WE_ARE.search(folded)
    if we_are:
        count = max(_number(we_are.group(1)), 1)
        return CompanySize(count, count)
    bare = _BARE_NUMBER.match(folded)
    if bare:
        count = max(_number(bare.group(1)), 1)
        return CompanySize(count, count)
    if _SOLO.search(folded):
        return CompanySize(1, 1)
    return None
