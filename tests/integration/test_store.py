"""The referral database on SQLite and PostgreSQL: idempotent loads, one transaction, round trips."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select

from wegwijzer.catalog import store
from wegwijzer.catalog.cache import CatalogCache, EmptyDatabase, last_assigned
from wegwijzer.catalog.loading import load_folder
from wegwijzer.catalog.export import export_folder
from wegwijzer.catalog.files import read_folder
from wegwijzer.storage.engine import get_engine, init_db, session_scope
from wegwijzer.handoffs.lifecycle import erase_conversation, handoff_as_dict, list_handoffs
from wegwijzer.handoffs.record import HandoffRequest, record_handoff
from wegwijzer.storage.tables import OrganisationRow, PlaceRow, ProgramRow
from wegwijzer.catalog.problems import DataError
from wegwijzer.referral.routing import IntakeFacts
from tests.conftest import REFERRAL_DIR


def _count(model) -> int:
    with session_scope(get_engine()) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_load_twice_changes_nothing(database_url, real_data):
    first = load_folder(REFERRAL_DIR)
    assert first.added > 400 and first.changed == 0 and first.removed == 0
    second = load_folder(REFERRAL_DIR)
    assert second.total == 0
    with session_scope(get_engine()) as session:
        assert store.read(session) == real_data


def test_a_changed_file_changes_only_what_changed(database_url, referral_copy):
    load_folder(referral_copy)
    path = referral_copy / "programs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: InnovateGO", "name: InnovateGO 2027"), encoding="utf-8")
    report = load_folder(referral_copy)
    assert (report.added, report.changed, report.removed) == (0, 1, 0)
    with session_scope(get_engine()) as session:
        assert session.get(ProgramRow, "innovatego").name == "InnovateGO 2027"


def test_removed_entries_are_removed(database_url, referral_copy):
    load_folder(referral_copy)
    places = _count(PlaceRow)
    path = referral_copy / "places.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("Goor,")), encoding="utf-8")
    report = load_folder(referral_copy)
    assert (report.added, report.changed, report.removed) == (0, 0, 1)
    assert _count(PlaceRow) == places - 1


def test_invalid_data_leaves_the_database_untouched(database_url, referral_copy):
    load_folder(referral_copy)
    with session_scope(get_engine()) as session:
        before = store.read(session)
        fingerprint = store.stored_fingerprint(session)
    path = referral_copy / "organisations.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Novel-T", "name: Novel-T Twente")
                    + "  - {key: broken\n", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        load_folder(referral_copy)
    assert "organisations.yml:" in str(raised.value)
    with session_scope(get_engine()) as session:
        assert store.read(session) == before
        assert store.stored_fingerprint(session) == fingerprint


def test_a_failure_during_the_write_rolls_everything_back(database_url, real_data, monkeypatch):
    load_folder(REFERRAL_DIR)
    changed = real_data.__class__(**{**real_data.__dict__, "organisations": [
        o.__class__(**{**o.__dict__, "name": o.name + " (nieuw)"}) for o in real_data.organisations]})

    def broken_table_sync(session, model, desired, report):
        if model is ProgramRow:
            raise RuntimeError("disk full")
        return original(session, model, desired, report)

    original = store._sync_table
    monkeypatch.setattr(store, "_sync_table", broken_table_sync)
    with pytest.raises(RuntimeError):
        with session_scope(get_engine()) as session:
            store.save(session, changed)
    with session_scope(get_engine()) as session:
        assert session.get(OrganisationRow, "novel-t").name == "Novel-T"


def test_export_then_read_gives_the_same_data(database_url, real_data, tmp_path):
    load_folder(REFERRAL_DIR)
    with session_scope(get_engine()) as session:
        export_folder(store.read(session), tmp_path / "export")
    exported, problems = read_folder(tmp_path / "export")
    assert not problems
    assert exported == real_data


def test_catalog_cache_needs_loaded_data_and_follows_changes(database_url, referral_copy):
    init_db(get_engine())
    cache = CatalogCache(get_engine(), check_seconds=0)
    with pytest.raises(EmptyDatabase):
        cache.get()
    load_folder(referral_copy)
    assert cache.get().router.route(IntakeFacts(place="Goor", need="kennis")).organisation.name == "Novel-T"
    path = referral_copy / "routing.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("kennis: novel-t", "kennis: oost-nl"), encoding="utf-8")
    load_folder(referral_copy)
    assert cache.get().router.route(IntakeFacts(place="Goor", need="kennis")).organisation.name == "Oost NL"


def _handoff(catalog, conversation_id: str, place: str = "Goor") -> HandoffRequest:
    referral = catalog.router.route(IntakeFacts(place=place, need="kennis"), last_assigned(get_engine()))
    return HandoffRequest(
        conversation_id=conversation_id, organisation=referral.organisation, adviser=referral.adviser,
        location=referral.place.location, region_name="Twente", need="kennis", consent_text="Mag ik ...?",
        channel="rest", language="nl", request_text="We willen robotiseren.",
        programs=[{"name": s.program.name, "reason": s.reason} for s in referral.programs],
        contact_name="Test Persoon", contact_email="test@example.org")


def test_handoffs_are_stored_listed_spread_over_advisers_and_erased(database_url):
    load_folder(REFERRAL_DIR)
    catalog = CatalogCache(get_engine(), check_seconds=0).get()
    advisers = []
    for number in range(2):
        with session_scope(get_engine()) as session:
            row = record_handoff(session, _handoff(catalog, f"conv-{number}"))
            advisers.append(row.adviser_key)
    assert len(set(advisers)) == 2, "two handoffs to Novel-T go to its two advisers in turn"
    with session_scope(get_engine()) as session:
        listed = [handoff_as_dict(r) for r in list_handoffs(session)]
    assert [h["conversation_id"] for h in listed] == ["conv-0", "conv-1"]
    assert {"conversation_id", "organization", "adviser", "created_at", "status"} <= set(listed[0])
    assert listed[0]["organization"] == "Novel-T" and listed[0]["status"] == "new"
    load_folder(REFERRAL_DIR)
    assert len(last_assigned(get_engine())) == 2, "a data reload keeps the advisers' history"
    with session_scope(get_engine()) as session:
        assert erase_conversation(session, "conv-0") == 1
    with session_scope(get_engine()) as session:
        assert [r.conversation_id for r in list_handoffs(session)] == ["conv-1"]
