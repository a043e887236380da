"""``wegwijzer data check|load|export|lookups|import-places``: the referral data files and the database."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wegwijzer.catalog.cache import CatalogCache
from wegwijzer.catalog.export import export_folder
from wegwijzer.catalog.loading import REFERRAL_FOLDER, load_folder, read_and_check, read_loadable
from wegwijzer.catalog.lookups import lookups_yaml
from wegwijzer.catalog.place_import import import_places
from wegwijzer.catalog.check import PLACEHOLDER, TO_VERIFY
from wegwijzer.catalog.problems import WARNING, DataError, Problem
from wegwijzer.catalog.referral_data import Source
from wegwijzer.handoffs.holidays import HOLIDAYS_FILE, HolidayDataError, read_rules
from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.storage.engine import get_engine

LOOKUPS_FILE = PROJECT_ROOT / "data" / "nlu" / "lookups.yml"


def _holiday_problems() -> list[Problem]:
    try:
        read_rules()
    except HolidayDataError as exc:
        return [Problem(Source(str(HOLIDAYS_FILE.relative_to(PROJECT_ROOT)), 1), str(exc))]
    return []


def _going_live_line(problems: list[Problem]) -> str:
    """One line for ``scripts/start``: whether the data still has placeholders or facts to verify."""
    placeholders = sum(p.kind == PLACEHOLDER for p in problems)
    unverified = sum(p.kind == TO_VERIFY for p in problems)
    if not placeholders and not unverified:
        return "referral data: no placeholders and nothing left to verify"
    return (f"WARNING: not ready to go live: {placeholders} placeholder adviser(s) or address(es) and {unverified} "
            "entry(ies) marked verify in the referral data; see 'wegwijzer data check --production' and data/referrals/README.md")


def _cmd_data_check(args: argparse.Namespace) -> int:
    _, problems = read_and_check(args.dir, production=args.production)
    problems += _holiday_problems()
    errors = [p for p in problems if p.severity != WARNING]
    if args.summary:
        print(_going_live_line(problems))
        return 1 if errors else 0
    for problem in problems:
        print(problem)
    print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {args.dir}")
    if args.production and errors:
        print("not ready to go live: replace the placeholders and check the entries marked verify "
              "(data/referrals/README.md says how)")
    return 1 if errors else 0


def _cmd_data_load(args: argparse.Namespace) -> int:
    try:
        report = load_folder(args.dir)
    except DataError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("nothing was loaded: fix the errors above and try again", file=sys.stderr)
        return 1
    print(f"referral data loaded from {args.dir}: {report}")
    return 0


def _cmd_data_export(args: argparse.Namespace) -> int:
    export_folder(CatalogCache(get_engine()).get().data, args.dir)
    print(f"referral data written to {args.dir}")
    return 0


def _cmd_lookups(args: argparse.Namespace) -> int:
    args.out.write_text(lookups_yaml(read_loadable(args.dir)), encoding="utf-8")
    print(f"lookup tables written to {args.out}")
    return 0


def _cmd_import_places(args: argparse.Namespace) -> int:
    places, postcodes = import_places(args.source, args.dir)
    print(f"{places} places and {postcodes} postcodes written to {args.dir}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser("data", help="referral data").add_subparsers(dest="action", required=True)
    for name, func, helptext in (("check", _cmd_data_check, "report every problem, change nothing"),
                                 ("load", _cmd_data_load, "load into the database (one transaction)")):
        sub = data.add_parser(name, help=helptext)
        sub.add_argument("dir", nargs="?", type=Path, default=REFERRAL_FOLDER)
        sub.set_defaults(func=func)
        if name == "check":
            sub.add_argument("--production", action="store_true",
                             help="also fail on placeholder advisers and addresses and on entries marked verify")
            sub.add_argument("--summary", action="store_true", help="print one line: ready to go live or not")
    export = data.add_parser("export", help="write what the database holds as YAML/CSV files")
    export.add_argument("dir", type=Path)
    export.set_defaults(func=_cmd_data_export)
    lookups = data.add_parser("lookups", help="write the NLU lookup tables (places, organisation names)")
    lookups.add_argument("--out", type=Path, default=LOOKUPS_FILE)
    lookups.add_argument("dir", nargs="?", type=Path, default=REFERRAL_FOLDER)
    lookups.set_defaults(func=_cmd_lookups)
    places = data.add_parser("import-places", help="import the province's place and postcode tables")
    places.add_argument("source", type=Path)
    places.add_argument("dir", nargs="?", type=Path, default=REFERRAL_FOLDER)
    places.set_defaults(func=_cmd_import_places)
