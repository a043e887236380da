"""``wegwijzer report`` on a database: empty says so (exit 0), and the anonymous records add up."""
from __future__ import annotations

import json
import os
import subprocess
from datetime import date, datetime

from tests.servers import VENV_BIN
from wegwijzer.reporting import records
from wegwijzer.reporting.figures import Period, collect
from wegwijzer.reporting.page import render
from wegwijzer.storage.engine import get_engine, init_db, session_scope
from wegwijzer.storage.tables import IntakeRecordRow


def test_an_empty_database_has_nothing_to_report(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    out = subprocess.run([VENV_BIN / "wegwijzer", "report", "--out", str(tmp_path / "out")], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0 and "niets te melden" in out.stdout
    figures = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert figures["empty"] is True and figures["funnel"]["conversations"] == 0
    assert "Er is niets te melden" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_bad_dates_are_refused_with_a_clear_message(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    out = subprocess.run([VENV_BIN / "wegwijzer", "report", "--from", "31-01-2026", "--out", str(tmp_path)], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 2 and "geen datum" in out.stderr
    out = subprocess.run([VENV_BIN / "wegwijzer", "report", "--from", "2026-02-01", "--to", "2026-01-01",
                          "--out", str(tmp_path)], env=env, capture_output=True, text=True)
    assert out.returncode == 2 and "na --to" in out.stdout


def test_records_add_up_and_the_period_is_in_dutch_days(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'w.db'}")
    init_db(engine)
    conversation = records.start_conversation(engine, channel="widget", language="nl")
    records.note_step(engine, conversation, "need")
    records.note_step(engine, conversation, "place")
    records.note_unanswered(engine, conversation)
    records.record_unmet(engine, "export", region="twente", municipality="Enschede", sector="ict", employees="12",
                         channel="widget", language="nl")
    with session_scope(engine) as session:
        early = IntakeRecordRow(outcome="referred", need="kennis", region="twente", created_at=datetime(2026, 1, 31, 23, 30),
                                program_count=0)  # 1 February 00:30 in Dutch time
        session.add(early)
        session.flush()
        intake = early.id
    records.note_finished(engine, conversation, outside=True)
    records.note_finished(engine, conversation, outside=True)  # the place outside named again: still one
    records.note_step(engine, conversation, "place")
    records.note_unanswered(engine, conversation)
    records.note_consent(engine, intake, conversation)
    records.note_satisfaction(engine, intake, "ja")
    everything = collect(engine, Period())
    assert everything["funnel"]["conversations"] == 1 and everything["unmet"]["unanswered"] == 1
    assert everything["funnel"]["intakes_finished"] == 1 and everything["unmet"]["outside_overijssel"] == 1
    assert everything["funnel"]["consent"] == 1 and everything["unmet"]["no_program"] == 1
    assert all(row["count"] == "<5" for row in everything["funnel"]["stopped_at"]), "consent: stopped nowhere"
    assert everything["satisfaction"]["answered"] == 1 and everything["satisfaction"]["helped_percent"] is None
    assert collect(engine, Period(date(2026, 2, 1), date(2026, 2, 1)))["referrals"]["total"] == 1
    assert collect(engine, Period(None, date(2026, 1, 31)))["referrals"]["total"] == 0
    page = render(everything)
    assert "<script" not in page and "&lt;5" in page and 'lang="nl"' in page
