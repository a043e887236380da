"""The responses in domain.yml as Rasa renders them: links that work, marks the Telegram bridge reads, and no
generated phrases such as "1 doorverwijzing(en)"."""
from __future__ import annotations

import re

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate_text

from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.rasa.reply_marks import DATA_ERASED, PERSONAL_DATA, mark_of
from wegwijzer.texts import fill_links

RESPONSES = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
SLOTS = {"language": "nl", "contact_name": None}  # Rasa always passes the slots when it renders a response


def variants(name: str) -> list[dict]:
    return RESPONSES[name]


@pytest.mark.parametrize("name", ["utter_welcome", "utter_privacy"])
def test_the_welcome_and_the_privacy_answer_link_the_privacy_statement(name):
    env = {"WEGWIJZER_PUBLIC_URL": "https://wegwijzer.example"}
    for variant in variants(name):
        shown = fill_links(interpolate_text(variant["text"], SLOTS), env)
        assert "https://wegwijzer.example/privacy" in shown and "{" not in shown, shown


def test_the_welcome_is_short_and_says_first_that_it_is_a_program():
    dutch, english = (v["text"] for v in variants("utter_welcome"))
    assert dutch.index("computerprogramma") < 60 and english.index("computer program") < 60
    assert "niets door zonder dat u ja zegt" in dutch and "nothing on unless you say yes" in english
    assert max(len(dutch), len(english)) < 300


def test_no_response_says_plural_in_brackets():
    texts = [v["text"] for variants_ in RESPONSES.values() for v in variants_ if "text" in v]
    assert [t for t in texts if re.search(r"\w\((en|s)\)", t)] == []


def test_the_replies_with_personal_data_and_the_erase_answers_carry_the_bridges_marks():
    assert all(mark_of(v) == PERSONAL_DATA for v in variants("utter_handoff_done"))
    for name in ("utter_erased_none", "utter_erased_one", "utter_erased"):
        assert all(mark_of(v) == DATA_ERASED for v in variants(name)), name
    assert "{name}" in variants("utter_handoff_done")[0]["text"], "the marked reply is the one with the name"
