"""Understanding free text with the referral data: the personas' openers and what real users type."""
from __future__ import annotations

import pytest

from wegwijzer.referral.understanding import understand


@pytest.mark.parametrize("text,expected", [
    ("Wij zijn een metaalbedrijf uit Hengelo met 35 man en willen robotiseren",
     {"place": "hengelo", "sector": "industrie", "employees": "35", "need": "kennis"}),
    ("Ik zoek financiering voor een nieuwe loods en elektrische trucks", {"need": "financiering"}),
    ("Onze medewerkers moeten bijgeschoold worden, is daar ondersteuning voor?", {"need": "personeel"}),
    ("Ik heb een webwinkel in Kampen en wil mijn personeel laten opleiden",
     {"place": "kampen", "sector": "handel", "need": "personeel"}),
    ("Ik wil graag in contact komen met andere ondernemers die hetzelfde meemaken", {"need": "netwerk"}),
    ("Is er subsidie of een lening voor ons vakantiepark?", {"sector": "horeca", "need": "financiering"}),
    ("Ik heb een bedrijf in Apeldoorn en zoek hulp bij innovatie", {"place": "apeldoorn", "need": "kennis"}),
    ("Goedemorgen, wij zoeken samenwerking met een hogeschool", {"need": "onderwijs"}),
    ("We are a software company in Enschede with 6 employees looking for funding",
     {"place": "enschede", "sector": "ict", "employees": "6", "need": "financiering"}),
])
def test_facts_in_one_sentence(catalog, text, expected):
    understood = understand(catalog, text)
    found = {k: getattr(understood, k) for k in ("place", "sector", "employees", "need") if getattr(understood, k)}
    assert found == expected


def test_a_year_tagged_as_postcode_is_no_place(catalog):
    understood = understand(catalog, "in 2025 willen we investeren", [{"entity": "postcode", "value": "2025"}])
    assert understood.place is None


def test_a_stray_word_tagged_as_place_is_ignored_unless_the_place_was_asked(catalog):
    entities = [{"entity": "place", "value": "innovatie"}]
    assert understand(catalog, "vraag over innovatie", entities).place is None
    assert understand(catalog, "Hengloo", [], expecting="place").place == "Hengloo"


def test_button_payloads_use_their_entities_only(catalog):
    understood = understand(catalog, '/inform{"sector":"bouw"}', [{"entity": "sector", "value": "bouw"}])
    assert (understood.sector, understood.place, understood.need) == ("bouw", None, None)


def test_a_bare_number_is_a_size_only_when_the_size_was_asked(catalog):
    assert understand(catalog, "12", expecting="employees").employees == "12"
    assert understand(catalog, "12", expecting="sector").employees is None


def test_language(catalog):
    assert understand(catalog, "Hello, we need funding for our company").language == "en"
    assert understand(catalog, "Hallo, wij zoeken hulp").language == "nl"
    assert understand(catalog, "Zwolle").language is None


def test_an_entity_the_user_negated_is_not_the_need(catalog):
    text = "Ik zoek stagiairs, niet financiering"
    tagged = [{"entity": "need", "value": "financiering", "start": text.index("financiering"), "end": len(text)}]
    assert understand(catalog, text, tagged).need == "onderwijs"
    assert understand(catalog, "Ik zoek financiering", [{"entity": "need", "value": "financiering", "start": 7,
                                                          "end": 19}]).need == "financiering"


READ_FROM_SENTENCE = {"name": "personeel", "confidence": 0.71}
SURE_FROM_SENTENCE = {"name": "personeel", "confidence": 0.93}


def test_the_need_read_from_the_whole_message_answers_the_need_question(catalog):
    text = "de jongens op de werkvloer snappen het nieuwe systeem nog niet"
    assert understand(catalog, text, expecting="need").need is None
    assert understand(catalog, text, expecting="need", need_from_sentence=READ_FROM_SENTENCE).need == "personeel"


def test_in_a_free_message_only_a_sure_need_from_the_whole_message_counts(catalog):
    text = "de jongens op de werkvloer snappen het nieuwe systeem nog niet"
    assert understand(catalog, text, need_from_sentence=READ_FROM_SENTENCE).need is None
    assert understand(catalog, text, need_from_sentence=SURE_FROM_SENTENCE).need == "personeel"


def test_a_message_describing_the_business_is_not_read_for_a_need_it_does_not_name(catalog):
    """"bouwbedrijf in Genemuiden met 45 medewerkers" read as innovation (0.90) in cross-validation."""
    for text in ("wij zijn een bouwbedrijf in Genemuiden met 45 medewerkers", "transportbedrijf, 22 chauffeurs"):
        assert understand(catalog, text, need_from_sentence=SURE_FROM_SENTENCE).need is None


def test_a_need_word_wins_over_the_need_read_from_the_whole_message(catalog):
    text = "we zoeken een lening voor nieuwe persen"
    assert understand(catalog, text, expecting="need", need_from_sentence=SURE_FROM_SENTENCE).need == "financiering"


def test_the_need_read_from_the_whole_message_is_not_used_while_another_question_is_open(catalog):
    """An answer to the sector question describes the business, not the request."""
    text = "we maken machines voor de voedingsindustrie"
    assert understand(catalog, text, expecting="sector", need_from_sentence=SURE_FROM_SENTENCE).need is None


@pytest.mark.parametrize("reading", [{"name": "reizen", "confidence": 0.9}, {"name": ["kennis"], "confidence": 0.9},
                                     {"name": "kennis", "confidence": "zeker"}, "kennis", ["kennis"]])
def test_a_reading_that_is_no_known_need_with_a_number_is_ignored(catalog, reading):
    """The parse result is input like any other: an unknown or malformed reading changes nothing."""
    assert understand(catalog, "iets heel anders", need_from_sentence=reading).need is None


def test_a_need_phrase_the_nlu_found_is_read_with_one_typo_forgiven(catalog):
    text = "Is er iemand die mij kan helpen met een subsdie aanvraag?"
    tagged = [{"entity": "need", "value": "subsdie", "start": text.index("subsdie"), "end": text.index("subsdie") + 7}]
    assert understand(catalog, text).need is None, "in free text a keyword is written as it is"
    assert understand(catalog, text, tagged).need == "financiering"


def test_a_word_and_a_sure_reading_that_disagree_are_both_options(catalog):
    text = "wie betaalt mee aan onze verduurzaming"
    understood = understand(catalog, text, need_from_sentence={"name": "financiering", "confidence": 0.98})
    assert (understood.need, understood.need_options) == ("kennis", ("kennis", "financiering")), "the word is likelier"
    assert understood.is_request
    unsure = understand(catalog, text, need_from_sentence={"name": "financiering", "confidence": 0.8})
    assert (unsure.need, unsure.need_options) == ("kennis", ())


@pytest.mark.parametrize("text", ["wij zijn een bedrijf in de zakelijke dienstverlening",
                                  "we onderhouden computernetwerken voor bedrijven"])
def test_a_word_that_ends_in_a_need_word_with_another_meaning_is_no_need(catalog, text):
    """No "*lening" (dienstverlening) or "*netwerk" (computernetwerk) in the keywords."""
    assert understand(catalog, text).need is None


def test_a_need_the_user_said_no_to_is_not_taken_from_the_reading_either(catalog):
    """The classifier reads "stagiairs, niet financiering" as financing: it has no eye for the "niet"."""
    text = "ik zoek eigenlijk stagiairs, niet financiering"
    understood = understand(catalog, text, need_from_sentence={"name": "financiering", "confidence": 0.95})
    assert (understood.need, understood.need_options) == ("onderwijs", ())


def test_two_needs_named_by_a_misspelt_entity_and_another_word_are_both_options(catalog):
    text = "we hebben een stagiar nodig voor de zomer maar ook geld voor een nieuwe bus"
    tagged = [{"entity": "need", "value": "stagiar", "start": 14, "end": 21},
              {"entity": "need", "value": "financiering", "start": 51, "end": 55}]
    understood = understand(catalog, text, tagged, need_from_sentence={"name": "financiering", "confidence": 0.97})
    assert set(understood.need_options) == {"onderwijs", "financiering"}
    assert understood.need == "financiering", "the reading decides which of the two words is likelier"
