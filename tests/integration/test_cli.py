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

    assert main(["route", "--place", "Hardenberg", "--need", "kennis", "--sector", "industrie",
                 "--text", "We willen robotiseren", "--json"]) == 0
    programs = json.loads(capsys.readouterr().out)["programs"]
    assert [p["name"] for p in programs] == ["IQ Boulevard"] and programs[0]["reason"].startswith('U noemde "robotiseren"')
    assert main(["route", "--place", "Goor", "--need", "financiering", "--sector", "bouw", "--text", "cnc machine kopen"]) == 0
    assert "program:  none fits\n" in capsys.readouterr().out

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


def test_production_check_fails_on_placeholders_and_entries_to_verify(capsys):
    assert main(["data", "check", "--production"]) == 1
    out = capsys.readouterr().out
    assert "error: placeholder adviser 'Voorbeeldadviseur Novel-T A' <novel-t-a@example.org>" in out
    assert "error: to verify: InnovateGO" in out and "error: to verify: Twents Fonds voor Vakmanschap" in out
    assert "placeholder escalation address 'novel-t-algemeen@example.org'" in out
    assert out.rstrip().endswith("(data/referrals/README.md says how)")
    assert main(["data", "check", "--production", "--summary"]) == 1
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and line.startswith("WARNING: not ready to go live: 18 placeholder")
    assert main(["data", "check", "--summary"]) == 0, "without --production it is a warning: start goes on"


def _replace_placeholders(folder) -> None:
    """What province staff do before going live: real advisers and addresses, every fact checked."""
    import yaml

    for name, top in (("organisations.yml", "organisations"), ("programs.yml", "programs")):
        document = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        for entry in document[top]:
            entry["verify"] = False
            for field in ("email", "escalation_email"):
                if entry.get(field):
                    entry[field] = entry[field].replace("example.org", "overijssel.test")
            for number, adviser in enumerate(entry.get("advisers", [])):
                adviser.update(name=f"Adviseur {entry['key']} {number}", email=f"{adviser['key']}@overijssel.test")
                adviser.pop("placeholder", None)
        (folder / name).write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    themes = yaml.safe_load((folder / "themes.yml").read_text(encoding="utf-8"))
    for theme in themes["themes"]:
        theme["verify"] = False
    (folder / "themes.yml").write_text(yaml.safe_dump(themes, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_production_check_passes_once_placeholders_are_replaced(referral_copy, capsys):
    _replace_placeholders(referral_copy)
    assert main(["data", "check", "--production", str(referral_copy)]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out
    assert main(["data", "check", "--production", "--summary", str(referral_copy)]) == 0
    assert capsys.readouterr().out == "referral data: no placeholders and nothing left to verify\n"
    organisations = (referral_copy / "organisations.yml").read_text(encoding="utf-8")
    (referral_copy / "organisations.yml").write_text(organisations.replace("name: Adviseur novel-t 0",
                                                                           "name: Voorbeeldadviseur Novel-T A"))
    assert main(["data", "check", "--production", str(referral_copy)]) == 1, "the name alone gives it away"
    assert "placeholder adviser 'Voorbeeldadviseur Novel-T A'" in capsys.readouterr().out
