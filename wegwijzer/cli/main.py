"""``wegwijzer``: the command line that province staff and developers use.

    wegwijzer db init
    wegwijzer data check [DIR]        wegwijzer data load [DIR]
    wegwijzer data export DIR         wegwijzer data import-places SRC [DIR]
    wegwijzer data lookups [--out FILE]
    wegwijzer route --place Goor --need financiering [--sector bouw] [--employees 12] [--json]
    wegwijzer handoffs list [--json]  wegwijzer handoffs show ID
    wegwijzer handoffs reassign ID --adviser KEY
    wegwijzer outbox [list|work|retry]  wegwijzer privacy purge|erase   (see wegwijzer/cli/delivery.py)
    wegwijzer web [--port 8000] [--host 127.0.0.1]
    wegwijzer telegram                (TELEGRAM_BOT_TOKEN; without it: says Telegram is off, exits 0)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from wegwijzer.catalog import store
from wegwijzer.catalog.cache import Catalog, CatalogCache, EmptyDatabase, last_assigned
from wegwijzer.cli.delivery import add_commands as add_delivery_commands
from wegwijzer.catalog.check import check, is_loadable
from wegwijzer.catalog.export import export_folder
from wegwijzer.catalog.files import read_folder
from wegwijzer.storage.engine import PROJECT_ROOT, get_engine, init_db, session_scope
from wegwijzer.handoffs.lifecycle import handoff_as_dict, list_handoffs
from wegwijzer.storage.tables import HandoffRow
from wegwijzer.handoffs.summary import render_summary
from wegwijzer.catalog.lookups import lookups_yaml
from wegwijzer.catalog.place_import import import_places
from wegwijzer.catalog.problems import WARNING, DataError, Problem
from wegwijzer.rasa.endpoints import write_endpoints
from wegwijzer.catalog.referral_data import ReferralData
from wegwijzer.referral.routing import IntakeFacts, Referral

DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "referrals"
DEFAULT_LOOKUPS = PROJECT_ROOT / "data" / "nlu" / "lookups.yml"


def read_and_check(folder: Path) -> tuple[ReferralData, list[Problem]]:
    """Read a referral folder and cross-check it (cross-checks only once every file could be read)."""
    data, problems = read_folder(folder)
    if not problems:
        problems = check(data)
    return data, problems


def load_folder(folder: Path) -> store.SyncReport:
    """Check and load a referral folder in one transaction; on any problem nothing changes."""
    data, problems = read_and_check(folder)
    if not is_loadable(problems):
        raise DataError(problems)
    engine = get_engine()
    init_db(engine)
    with session_scope(engine) as session:
        return store.save(session, data)


def _cmd_db_init(_args: argparse.Namespace) -> int:
    init_db(get_engine())
    print("database ready")
    return 0


def _cmd_data_check(args: argparse.Namespace) -> int:
    _, problems = read_and_check(args.dir)
    for problem in problems:
        print(problem)
    errors = [p for p in problems if p.severity != WARNING]
    print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {args.dir}")
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


def _catalog() -> Catalog:
    return CatalogCache(get_engine()).get()


def _cmd_data_export(args: argparse.Namespace) -> int:
    export_folder(_catalog().data, args.dir)
    print(f"referral data written to {args.dir}")
    return 0


def _cmd_lookups(args: argparse.Namespace) -> int:
    data, problems = read_and_check(args.dir)
    if not is_loadable(problems):
        raise DataError(problems)
    args.out.write_text(lookups_yaml(data), encoding="utf-8")
    print(f"lookup tables written to {args.out}")
    return 0


def _cmd_endpoints(args: argparse.Namespace) -> int:
    write_endpoints(args.out, os.environ, args.action_url, args.tracker_sqlite)
    print(f"Rasa endpoints written to {args.out}")
    return 0


def _cmd_import_places(args: argparse.Namespace) -> int:
    places, postcodes = import_places(args.source, args.dir)
    print(f"{places} places and {postcodes} postcodes written to {args.dir}")
    return 0


def referral_as_dict(referral: Referral) -> dict:
    place = referral.place
    return {
        "status": referral.status,
        "place": {
            "status": place.status,
            "place": place.location.place if place and place.location else None,
            "municipality": place.location.municipality if place and place.location else None,
            "region": place.location.region if place and place.location else None,
            "outside": place.outside_name,
            "options": [o.municipality for o in place.options],
            "suggestion": place.suggestion.place if place.suggestion else None,
        } if place else None,
        "organization": referral.organisation.name if referral.organisation else None,
        "adviser": referral.adviser.name if referral.adviser else None,
        "reason": referral.reason,
        "programs": [{"name": s.program.name, "reason": s.reason} for s in referral.programs],
        "fallback": referral.fallback.name if referral.fallback else None,
    }


def _cmd_route(args: argparse.Namespace) -> int:
    catalog = _catalog()
    facts = IntakeFacts(place=args.place, need=args.need, sector=args.sector,
                        employees=args.employees, language=args.lang)
    referral = catalog.router.route(facts, last_assigned(get_engine()))
    result = referral_as_dict(referral)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"status:   {result['status']}")
    place = referral.place
    if place and place.location:
        print(f"place:    {place.location.place} (gemeente {place.location.municipality}, regio {place.location.region})")
    elif place:
        print(f"place:    {place.status}: {place.outside_name or ', '.join(result['place']['options']) or place.query}")
    if referral.organisation:
        print(f"handoff:  {referral.organisation.name} ({referral.adviser.name})")
    if referral.reason:
        print(f"reason:   {referral.reason}")
    for suggestion in referral.programs:
        print(f"program:  {suggestion.program.name}: {suggestion.reason}")
    return 0


def _cmd_handoffs_list(args: argparse.Namespace) -> int:
    engine = get_engine()
    init_db(engine)
    with session_scope(engine) as session:
        handoffs = [handoff_as_dict(row) for row in list_handoffs(session)]
    if args.json:
        print(json.dumps(handoffs, ensure_ascii=False, indent=2))
        return 0
    for h in handoffs:
        status = h["status"] + (f" ({h['outcome']})" if h["outcome"] else "") + (" escalated" if h["escalated_at"] else "")
        print(f"{h['id']:>5}  {h['created_at'][:16]}  {status:<22} {h['organization']:<32} {h['adviser']:<32} {h['conversation_id']}")
    print(f"{len(handoffs)} handoff(s)")
    return 0


def _cmd_handoffs_show(args: argparse.Namespace) -> int:
    engine = get_engine()
    init_db(engine)
    with session_scope(engine) as session:
        row = session.get(HandoffRow, args.id)
        if row is None:
            print(f"no handoff with id {args.id}", file=sys.stderr)
            return 1
        need = next((n for n in CatalogCache(engine).get().data.needs if n.key == row.need), None)
        print(render_summary(row, need.label if need else row.need))
    return 0


def _cmd_web(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from wegwijzer.web.server import run
    from wegwijzer.web.settings import WebSettings

    try:
        settings = WebSettings.from_env()
    except ValueError as exc:
        print(f"wegwijzer web: {exc}", file=sys.stderr)
        return 2
    run(replace(settings, port=args.port or settings.port, host=args.host or settings.host))
    return 0


def _cmd_telegram(_args: argparse.Namespace) -> int:
    from wegwijzer.telegram.runner import main as run_telegram

    return run_telegram()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wegwijzer", description="Wegwijzer Overijssel: referral data, routing and handoffs.")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("init", help="create the tables").set_defaults(func=_cmd_db_init)

    data = commands.add_parser("data", help="referral data").add_subparsers(dest="action", required=True)
    for name, func, helptext in (("check", _cmd_data_check, "report every problem, change nothing"),
                                 ("load", _cmd_data_load, "load into the database (one transaction)")):
        sub = data.add_parser(name, help=helptext)
        sub.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
        sub.set_defaults(func=func)
    export = data.add_parser("export", help="write what the database holds as YAML/CSV files")
    export.add_argument("dir", type=Path)
    export.set_defaults(func=_cmd_data_export)
    lookups = data.add_parser("lookups", help="write the NLU lookup tables (places, organisation names)")
    lookups.add_argument("--out", type=Path, default=DEFAULT_LOOKUPS)
    lookups.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    lookups.set_defaults(func=_cmd_lookups)
    places = data.add_parser("import-places", help="import the province's place and postcode tables")
    places.add_argument("source", type=Path)
    places.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    places.set_defaults(func=_cmd_import_places)

    route = commands.add_parser("route", help="where would this business be referred?")
    route.add_argument("--place", required=True, help="place, municipality or postcode")
    route.add_argument("--need", required=True)
    route.add_argument("--sector")
    route.add_argument("--employees")
    route.add_argument("--lang", default="nl", choices=["nl", "en"])
    route.add_argument("--json", action="store_true")
    route.set_defaults(func=_cmd_route)

    endpoints = commands.add_parser("endpoints", help="write Rasa's endpoints file from the environment")
    endpoints.add_argument("--out", type=Path, required=True)
    endpoints.add_argument("--action-url", required=True)
    endpoints.add_argument("--tracker-sqlite", type=Path, default=PROJECT_ROOT / "var" / "tracker.db")
    endpoints.set_defaults(func=_cmd_endpoints)

    handoffs = commands.add_parser("handoffs", help="handoffs to advisers").add_subparsers(dest="action", required=True)
    listing = handoffs.add_parser("list", help="list stored handoffs")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_cmd_handoffs_list)
    show = handoffs.add_parser("show", help="the summary an adviser reads")
    show.add_argument("id", type=int)
    show.set_defaults(func=_cmd_handoffs_show)
    add_delivery_commands(commands, handoffs)

    telegram = commands.add_parser("telegram", help="run the Telegram bridge to Rasa (TELEGRAM_BOT_TOKEN, "
                                                    "TELEGRAM_API_BASE_URL, RASA_URL or RASA_PORT, TELEGRAM_WEBHOOK_*)")
    telegram.set_defaults(func=_cmd_telegram)

    web = commands.add_parser("web", help="serve the chat widget, its demo page and the proxy to Rasa "
                                          "(WEB_PORT, WEB_HOST, RASA_URL or RASA_PORT, WIDGET_ALLOWED_ORIGINS)")
    web.add_argument("--port", type=int, help="default: WEB_PORT or 8000")
    web.add_argument("--host", help="default: WEB_HOST or 127.0.0.1")
    web.set_defaults(func=_cmd_web)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EmptyDatabase as exc:
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return 1
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
