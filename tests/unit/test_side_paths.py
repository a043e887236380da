"""The one list of side paths: the generated rules file matches it, and the domain's answer mappings agree."""
from __future__ import annotations

import yaml

from wegwijzer.rasa.side_paths import FORMS, RULES_FILE, SIDE_PATHS, first_answers, interruptions, rules_yaml
from wegwijzer.storage.engine import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_the_rules_file_is_generated_from_the_one_list():
    assert RULES_FILE.read_text(encoding="utf-8") == rules_yaml(), "run: python -m wegwijzer.rasa.side_paths"


def test_every_intent_gets_the_welcome_first():
    assert set(first_answers()) == set(DOMAIN["intents"]) | {"nlu_fallback"}


def test_every_side_path_has_a_rule_in_each_form_it_interrupts():
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["rules"]
    for form in FORMS:
        in_form = {r["steps"][0]["intent"] for r in rules if r.get("condition") == [{"active_loop": form}]}
        assert in_form == {p.intent for p in SIDE_PATHS if form in p.forms}


def test_a_correction_interrupts_the_contact_form_only():
    assert "correct" in interruptions("contact_form") and "correct" not in interruptions("intake_form")


def test_a_free_text_answer_is_never_taken_from_an_interruption():
    """The domain's ``from_text`` answers leave out interruptions; those it lists must be interruptions."""
    for name, slot in DOMAIN["slots"].items():
        for mapping in slot["mappings"]:
            if mapping["type"] == "from_text":
                form = mapping["conditions"][0]["active_loop"]
                assert set(mapping["not_intent"]) - {"deny"} <= interruptions(form), name
                if form == "contact_form":
                    assert "correct" in mapping["not_intent"], f"{name}: a correction is no answer"
