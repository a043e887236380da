"""The ``wegwijzer`` command as staff use it."""
from __future__ import annotations

import json

from wegwijzer.cli.main import main
from tests.conftest import REFERRAL_DIR


def test_check_load_route_and_list(database_url, capsys):
    assert main(["db", "init"]) == 0
    assert main(["data", "check"]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    assert main(["data", "load"]) == 0
    assert "added" in capsys.readouterr().out
    assert main(["data", "load", str(REFERRAL_DIR)]) == 0
    assert "0 added, 0 changed, 0 removed" in capsys.readouterr().out

    assert main(["route", "--place", "Goor", "--need", "financiering", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["organization"] == "Oost NL"
    assert result["place"]["municipality"] == "Hof van Twente"
    assert result["place"]["region"] == "twente"
    assert main(["route", "--place", "Goor", "--need", "personeel", "--sector", "zorg", "--employees", "12"]) == 0
    text = capsys.readouterr().out
    assert "Twents Fonds voor Vakmanschap" in text and "reason:" in text

    assert main(["handoffs", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_route_outside_overijssel_points_to_kvk(database_url, capsys):
    main(["data", "load"])
    capsys.readouterr()
    assert main(["route", "--place", "Apeldoorn", "--need", "kennis", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "outside" and result["organization"] is None and result["fallback"] == "KVK"


def test_route_before_any_load_says_what_to_do(database_url, capsys):
    main(["db", "init"])
    assert main(["route", "--place", "Goor", "--need", "kennis"]) == 1
    assert "wegwijzer data load" in capsys.readouterr().err


def test_a_broken_folder_is_not_loaded_and_the_errors_are_shown(database_url, referral_copy, capsys):
    (referral_copy / "regions.yml").write_text("regions:\n  - key: twente\n    name: [Twente\n", encoding="utf-8")
    assert main(["data", "check", str(referral_copy)]) == 1
    assert "regions.yml:" in capsys.readouterr().out
    assert main(["data", "load", str(referral_copy)]) == 1
    assert "nothing was loaded" in capsys.readouterr().err


def test_export_writes_a_loadable_folder(database_url, tmp_path, capsys):
    main(["data", "load"])
    assert main(["data", "export", str(tmp_path / "out")]) == 0
    assert main(["data", "check", str(tmp_path / "out")]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_handoffs_show_prints_the_advisers_summary(database_url, capsys):
    from wegwijzer.catalog.cache import CatalogCache
    from wegwijzer.storage.engine import get_engine, session_scope
    from wegwijzer.handoffs.record import HandoffRequest, record_handoff
    from wegwijzer.referral.routing import IntakeFacts

    main(["data", "load"])
    catalog = CatalogCache(get_engine(), check_seconds=0).get()
    referral = catalog.router.route(IntakeFacts(place="Goor", need="kennis"))
    with session_scope(get_engine()) as session:
        row = record_handoff(session, HandoffRequest(
            conversation_id="c-1", organisation=referral.organisation, adviser=referral.adviser,
            location=referral.place.location, region_name="Twente", need="kennis", consent_text="Mag ik ...?",
            channel="rest", language="nl", request_text="We willen robotiseren.", contact_name="Test Persoon"))
        handoff_id = row.id
    capsys.readouterr()
    assert main(["handoffs", "show", str(handoff_id)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nieuwe aanvraag via Wegwijzer: kennis en innovatie - Goor")
    assert "We willen robotiseren." in out and "Test Persoon" in out
    assert main(["handoffs", "show", "999"]) == 1
