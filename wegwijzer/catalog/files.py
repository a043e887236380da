"""Reading the referral folder (YAML and CSV) into ``ReferralData``, remembering file and line of each fact."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Callable

import yaml

from wegwijzer.catalog.problems import ERROR, Problem
from wegwijzer.catalog.referral_data import (
    Adviser,
    Need,
    Organisation,
    OutsidePlace,
    PlaceEntry,
    PostcodeEntry,
    RANKING_FIELDS,
    Program,
    RankingWeights,
    ReferralData,
    Region,
    RoutingRule,
    Sector,
    Source,
)

LINE = "__line__"


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records the line of every mapping and rejects duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise _DuplicateKey(None, None, f"the field {key!r} is written twice", key_node.start_mark)
        seen.add(key)
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Reader:
    """Collects problems while turning parsed YAML records into typed objects."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.problems: list[Problem] = []

    def problem(self, source: Source | None, message: str) -> None:
        self.problems.append(Problem(source, message, ERROR))

    def yaml_list(self, file_name: str, top: str) -> list[dict[str, Any]]:
        path = self.folder / file_name
        if not path.exists():
            self.problem(Source(file_name, 1), f"the file {file_name} is missing")
            return []
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            self.problem(Source(file_name, line), f"this is not valid YAML: {exc.problem or exc.context}")
            return []
        except yaml.YAMLError as exc:
            self.problem(Source(file_name, 1), f"this is not valid YAML: {exc}")
            return []
        if not isinstance(document, dict) or not isinstance(document.get(top), list):
            self.problem(Source(file_name, 1), f"the file must start with '{top}:' followed by a list")
            return []
        records = []
        for item in document[top]:
            if isinstance(item, dict):
                records.append(item)
            else:
                self.problem(Source(file_name, 1), f"every entry under '{top}' must be a set of fields, not {item!r}")
        return records

    def build(self, file_name: str, record: dict[str, Any], spec: dict[str, tuple[Callable, bool]]) -> dict | None:
        """Check a record against ``spec`` (field -> (converter, required)); return converted fields or None."""
        source = Source(file_name, record.get(LINE, 1))
        fields: dict[str, Any] = {"source": source}
        ok = True
        for name in record:
            if name != LINE and name not in spec:
                self.problem(source, f"unknown field '{name}' (known fields: {', '.join(spec)})")
                ok = False
        for name, (convert, required) in spec.items():
            value = record.get(name)
            if value is None or value == "":
                if required:
                    self.problem(source, f"the field '{name}' is missing")
                    ok = False
                continue
            try:
                fields[name] = convert(value)
            except (TypeError, ValueError) as exc:
                self.problem(source, f"the field '{name}' is not valid: {exc}")
                ok = False
        return fields if ok else None

    def csv_rows(self, file_name: str, columns: list[str]) -> list[tuple[Source, dict[str, str]]]:
        path = self.folder / file_name
        if not path.exists():
            self.problem(Source(file_name, 1), f"the file {file_name} is missing")
            return []
        rows = []
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                self.problem(Source(file_name, 1), f"missing column(s): {', '.join(missing)}")
                return []
            for row in reader:
                source = Source(file_name, reader.line_num)
                rows.append((source, {k: (v or "").strip() for k, v in row.items() if k}))
        return rows


def _text(value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"expected text, got {value!r}")
    return str(value).strip()


def _keys(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list like [a, b], got {value!r}")
    return tuple(_text(v) for v in value)


def _words(value: Any) -> tuple[str, ...]:
    return tuple(w.lower() for w in _keys(value))


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _points(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number (negative is allowed), got {value!r}")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number of 0 or more, got {value!r}")
    return value


REQUIRED, OPTIONAL = True, False

REGION_SPEC = {"key": (_text, REQUIRED), "name": (_text, REQUIRED), "municipalities": (_keys, REQUIRED)}
NEED_SPEC = {
    "key": (_text, REQUIRED), "label": (_text, REQUIRED), "label_en": (_text, REQUIRED),
    "description": (_text, REQUIRED), "description_en": (_text, REQUIRED),
    "reason": (_text, REQUIRED), "reason_en": (_text, REQUIRED),
    "keywords": (_words, OPTIONAL), "keywords_en": (_words, OPTIONAL),
}
SECTOR_SPEC = {
    "key": (_text, REQUIRED), "label": (_text, REQUIRED), "label_en": (_text, REQUIRED),
    "sbi": (_keys, OPTIONAL), "keywords": (_words, OPTIONAL), "keywords_en": (_words, OPTIONAL),
}
ADVISER_SPEC = {
    "key": (_text, REQUIRED), "name": (_text, REQUIRED), "email": (_text, REQUIRED),
    "phone": (_text, OPTIONAL), "placeholder": (_flag, OPTIONAL),
    "deliver": (_keys, OPTIONAL), "telegram_chat_id": (_text, OPTIONAL),
}
ORGANISATION_SPEC = {
    "key": (_text, REQUIRED), "name": (_text, REQUIRED), "description": (_text, REQUIRED),
    "description_en": (_text, REQUIRED), "website": (_text, REQUIRED), "regions": (_keys, REQUIRED),
    "needs": (_keys, REQUIRED), "handoff": (_flag, OPTIONAL), "response_days": (_count, OPTIONAL),
    "phone": (_text, OPTIONAL), "email": (_text, OPTIONAL), "verify": (_flag, OPTIONAL),
    "note": (_text, OPTIONAL), "advisers": (lambda v: v, OPTIONAL),
    "escalation_email": (_text, OPTIONAL), "webhook_url": (_text, OPTIONAL), "webhook_secret_env": (_text, OPTIONAL),
}
PROGRAM_SPEC = {
    "key": (_text, REQUIRED), "name": (_text, REQUIRED), "description": (_text, REQUIRED),
    "description_en": (_text, REQUIRED), "regions": (_keys, REQUIRED), "needs": (_keys, REQUIRED),
    "sectors": (_keys, OPTIONAL), "organisation": (_text, OPTIONAL), "website": (_text, OPTIONAL),
    "min_employees": (_count, OPTIONAL), "max_employees": (_count, OPTIONAL),
    "active": (_flag, REQUIRED), "verify": (_flag, OPTIONAL), "note": (_text, OPTIONAL),
    "keywords": (_words, OPTIONAL), "keywords_en": (_words, OPTIONAL),
}
RANKING_SPEC = {name: (_points, REQUIRED) for name in RANKING_FIELDS}
OUTSIDE_SPEC = {"name": (_text, REQUIRED), "province": (_text, REQUIRED), "country": (_text, OPTIONAL)}


def _read_advisers(reader: _Reader, organisation: dict[str, Any]) -> list[Adviser]:
    raw = organisation.pop("advisers", None) or []
    if not isinstance(raw, list):
        reader.problem(organisation["source"], "'advisers' must be a list")
        return []
    advisers = []
    for record in raw:
        if not isinstance(record, dict):
            reader.problem(organisation["source"], f"an adviser must be a set of fields, not {record!r}")
            continue
        fields = reader.build("organisations.yml", record, ADVISER_SPEC)
        if fields:
            advisers.append(Adviser(organisation=organisation["key"], **fields))
    return advisers


def _read_routing(reader: _Reader) -> list[RoutingRule]:
    rules = []
    for record in reader.yaml_list("routing.yml", "routing"):
        source = Source("routing.yml", record.get(LINE, 1))
        region = record.get("region")
        table = record.get("needs")
        if not region or not isinstance(table, dict):
            reader.problem(source, "each routing entry needs 'region:' and 'needs:' (need: organisation)")
            continue
        for need, organisation in table.items():
            if need != LINE:
                rules.append(RoutingRule(str(region), str(need), str(organisation), source))
    return rules


def _read_ranking(reader: _Reader) -> RankingWeights | None:
    path = reader.folder / "ranking.yml"
    if not path.exists():
        reader.problem(Source("ranking.yml", 1), "the file ranking.yml is missing")
        return None
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        reader.problem(Source("ranking.yml", 1), f"this is not valid YAML: {exc}")
        return None
    if not isinstance(document, dict) or not isinstance(document.get("ranking"), dict):
        reader.problem(Source("ranking.yml", 1), "the file must start with 'ranking:' followed by the weights")
        return None
    fields = reader.build("ranking.yml", document["ranking"], RANKING_SPEC)
    return RankingWeights(**fields) if fields else None


def read_folder(folder: Path) -> tuple[ReferralData, list[Problem]]:
    """Read every referral file; return the data and the problems that stopped a fact from being read."""
    reader = _Reader(Path(folder))
    data = ReferralData()

    def records(file_name: str, top: str, spec: dict) -> list[dict[str, Any]]:
        built = (reader.build(file_name, r, spec) for r in reader.yaml_list(file_name, top))
        return [fields for fields in built if fields]

    data.regions = [Region(**f) for f in records("regions.yml", "regions", REGION_SPEC)]
    data.needs = [Need(**f) for f in records("needs.yml", "needs", NEED_SPEC)]
    data.sectors = [Sector(**f) for f in records("sectors.yml", "sectors", SECTOR_SPEC)]
    for fields in records("organisations.yml", "organisations", ORGANISATION_SPEC):
        data.advisers.extend(_read_advisers(reader, fields))
        data.organisations.append(Organisation(**fields))
    data.programs = [Program(**f) for f in records("programs.yml", "programs", PROGRAM_SPEC)]
    data.routing = _read_routing(reader)
    data.ranking = _read_ranking(reader)
    data.outside_places = [OutsidePlace(**f) for f in records("outside_places.yml", "outside_places", OUTSIDE_SPEC)]
    data.places = [
        PlaceEntry(row["place"], row["municipality"], row["kind"], row.get("also_outside") or None, source)
        for source, row in reader.csv_rows("places.csv", ["place", "municipality", "kind", "also_outside"])
    ]
    data.postcodes = [
        PostcodeEntry(row["pc4"], row["municipality"], row.get("also") or None, row["kind"], source)
        for source, row in reader.csv_rows("postcodes.csv", ["pc4", "municipality", "also", "kind"])
    ]
    return data, reader.problems
