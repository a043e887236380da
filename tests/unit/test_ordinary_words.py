"""The word lists behind "an ordinary word is no place without support" (data/words/)."""
from __future__ import annotations

from wegwijzer.referral.ordinary_words import dictionary_words, ordinary_words, read_word_file, words_near_places


def test_the_lists_hold_the_words_that_are_or_are_near_a_place():
    words = ordinary_words()
    assert {"meer", "duur", "middel", "look", "enter", "linde", "holt", "nederland", "leren", "leiden"} <= words
    assert not {"zwolle", "hengelo", "enschede", "deventer", "almelo"} & words


def test_the_generated_list_is_what_the_builder_makes(catalog):
    dictionary = dictionary_words(["meer", "Zwolle", "leren", "fiets", "kampen", "Nederland", ""])
    assert dictionary == {"meer", "leren", "fiets", "kampen"}  # capitalised entries are names, not words
    assert words_near_places(dictionary, catalog.places.near_a_place_name) == ["kampen", "leren", "meer"]


def test_a_word_file_skips_comments_and_normalises(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# comment\nMeer  # a village too\n\n's-Heerenbroek\n", encoding="utf-8")
    assert read_word_file(path) == {"meer", "s heerenbroek"}
