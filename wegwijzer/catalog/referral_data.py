"""The referral data as plain objects: what the YAML files hold and what the database stores.

The same objects come out of the files (``data_files``), go into the database (``store``) and come
back out of it for routing, so that each layer can be tested on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

WHOLE_PROVINCE = "overijssel"
DELIVERY_CHANNELS = ("email", "telegram", "webhook")


@dataclass(frozen=True)
class Source:
    """Where a fact was written, for error messages: file name and line (1-based)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def _source() -> Source | None:
    return field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Region:
    key: str
    name: str
    municipalities: tuple[str, ...]
    source: Source | None = _source()


@dataclass(frozen=True)
class Need:
    key: str
    label: str
    label_en: str
    description: str
    description_en: str
    reason: str
    reason_en: str
    keywords: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    source: Source | None = _source()


@dataclass(frozen=True)
class Sector:
    key: str
    label: str
    label_en: str
    sbi: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    source: Source | None = _source()


@dataclass(frozen=True)
class Adviser:
    key: str
    organisation: str
    name: str
    email: str
    phone: str | None = None
    placeholder: bool = False
    deliver: tuple[str, ...] = ("email",)  # how the summary reaches this adviser
    telegram_chat_id: str | None = None
    source: Source | None = _source()


@dataclass(frozen=True)
class Organisation:
    key: str
    name: str
    description: str
    description_en: str
    website: str
    regions: tuple[str, ...]
    needs: tuple[str, ...]
    handoff: bool = True
    response_days: int = 2
    phone: str | None = None
    email: str | None = None
    verify: bool = False
    note: str | None = None
    escalation_email: str | None = None  # general address for handoffs nobody accepted in time
    webhook_url: str | None = None  # the organisation's CRM, for advisers with 'webhook' in deliver
    webhook_secret_env: str | None = None  # NAME of the environment variable with the webhook's HMAC secret
    source: Source | None = _source()

    def serves(self, region: str) -> bool:
        return WHOLE_PROVINCE in self.regions or region in self.regions

    @property
    def general_address(self) -> str | None:
        """Where escalations go: the escalation address, else the public address."""
        return self.escalation_email or self.email


@dataclass(frozen=True)
class Program:
    key: str
    name: str
    description: str
    description_en: str
    regions: tuple[str, ...]
    needs: tuple[str, ...]
    sectors: tuple[str, ...] = ()
    organisation: str | None = None
    website: str | None = None
    min_employees: int | None = None
    max_employees: int | None = None
    active: bool = True
    verify: bool = False
    note: str | None = None
    keywords: tuple[str, ...] = ()  # words in a request that show the program fits it
    keywords_en: tuple[str, ...] = ()
    source: Source | None = _source()

    def serves(self, region: str) -> bool:
        return WHOLE_PROVINCE in self.regions or region in self.regions


@dataclass(frozen=True)
class RankingWeights:
    """How programs are ranked (``ranking.yml``): points per reason a program fits; only programs with at
    least ``minimum`` points are suggested."""

    sector: int
    word: int
    max_words: int
    region: int
    size: int
    verify: int
    minimum: int
    source: Source | None = _source()

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in RANKING_FIELDS}


RANKING_FIELDS = ("sector", "word", "max_words", "region", "size", "verify", "minimum")


@dataclass(frozen=True)
class RoutingRule:
    region: str
    need: str
    organisation: str
    source: Source | None = _source()


@dataclass(frozen=True)
class PlaceEntry:
    """A name people use for where they are: official place, village, alternative spelling."""

    name: str
    municipality: str
    kind: str  # woonplaats | kern | alias
    also_outside: str | None = None  # a well-known place of the same name outside Overijssel
    source: Source | None = _source()


@dataclass(frozen=True)
class PostcodeEntry:
    pc4: str
    municipality: str
    also: str | None = None  # a second municipality where the postcode area is split
    kind: str = "geo"  # geo | postbus
    source: Source | None = _source()


@dataclass(frozen=True)
class OutsidePlace:
    name: str
    province: str
    country: str = "Nederland"
    source: Source | None = _source()


@dataclass
class ReferralData:
    regions: list[Region] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    sectors: list[Sector] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    advisers: list[Adviser] = field(default_factory=list)
    programs: list[Program] = field(default_factory=list)
    routing: list[RoutingRule] = field(default_factory=list)
    places: list[PlaceEntry] = field(default_factory=list)
    postcodes: list[PostcodeEntry] = field(default_factory=list)
    outside_places: list[OutsidePlace] = field(default_factory=list)
    ranking: RankingWeights | None = None

    def region_of(self) -> dict[str, str]:
        """Municipality name -> region key."""
        return {m: region.key for region in self.regions for m in region.municipalities}
