"""``wegwijzer report [--from DATE] [--to DATE] --out DIR``: the province's overview as a page and as JSON."""
from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from wegwijzer.reporting.figures import Period, collect
from wegwijzer.reporting.page import render
from wegwijzer.storage.engine import ready_engine


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is geen datum; schrijf bijvoorbeeld 2026-01-31") from None


def _cmd_report(args: argparse.Namespace) -> int:
    if args.start and args.end and args.start > args.end:
        print("wegwijzer report: --from ligt na --to")
        return 2
    figures = collect(ready_engine(), Period(args.start, args.end))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "report.html").write_text(render(figures), encoding="utf-8")
    if figures["empty"]:
        print(f"Er is niets te melden over deze periode (nog geen gesprekken). Leeg overzicht: {out / 'report.html'}")
    else:
        print(f"Overzicht geschreven: {out / 'report.html'} en {out / 'report.json'}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="overview for the province: reach, referrals, outcomes, unmet needs")
    report.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD, Dutch time)")
    report.add_argument("--to", dest="end", type=_date, help="last day, included (YYYY-MM-DD)")
    report.add_argument("--out", required=True, help="folder for report.html and report.json")
    report.set_defaults(func=_cmd_report)
