"""``wegwijzer route``: where would this business be referred (as text or JSON)."""
from __future__ import annotations

import argparse
import json

from wegwijzer.catalog.cache import CatalogCache, last_assigned
from wegwijzer.referral.routing import REFERRED, IntakeFacts, Referral
from wegwijzer.referral.wording import region_phrase
from wegwijzer.storage.engine import get_engine


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
        "programs": [{"name": s.program.name, "reason": s.reason, "score": s.score} for s in referral.programs],
        "fallback": referral.fallback.name if referral.fallback else None,
    }


def _cmd_route(args: argparse.Namespace) -> int:
    catalog = CatalogCache(get_engine()).get()
    facts = IntakeFacts(place=args.place, need=args.need, sector=args.sector,
                        employees=args.employees, request_text=args.text, language=args.lang)
    referral = catalog.router.route(facts, last_assigned(get_engine()))
    result = referral_as_dict(referral)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"status:   {result['status']}")
    place = referral.place
    if place and place.location:
        region = catalog.router.regions[place.location.region].name
        print(f"place:    {place.location.place} (gemeente {place.location.municipality}, {region_phrase(region)})")
    elif place:
        print(f"place:    {place.status}: {place.outside_name or ', '.join(result['place']['options']) or place.query}")
    if referral.organisation:
        print(f"handoff:  {referral.organisation.name} ({referral.adviser.name})")
    if referral.reason:
        print(f"reason:   {referral.reason}")
    for suggestion in referral.programs:
        print(f"program:  {suggestion.program.name} ({suggestion.score} points): {suggestion.reason}")
    if referral.status == REFERRED and not referral.programs:
        print("program:  none fits" + ("" if args.text else " (give the request's words with --text)"))
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    route = commands.add_parser("route", help="where would this business be referred?")
    route.add_argument("--place", required=True, help="place, municipality or postcode")
    route.add_argument("--need", required=True)
    route.add_argument("--sector")
    route.add_argument("--employees")
    route.add_argument("--text", help="the request in the entrepreneur's words (programs are chosen by them)")
    route.add_argument("--lang", default="nl", choices=["nl", "en"])
    route.add_argument("--json", action="store_true")
    route.set_defaults(func=_cmd_route)
