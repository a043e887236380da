"""The NLU step that reads the need from a whole message: its labels, its arithmetic, its threshold, its storage."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from wegwijzer.rasa.need_classifier import NO_NEED, NeedClassifier, need_label, new_regression
from wegwijzer.referral.understanding import NEED_FROM_SENTENCE

ORIGIN = "sentence_encoder"


def example(text: str, needs: tuple[str, ...] = (), metadata_need: str | None = None,
            features: np.ndarray | None = None) -> Message:
    message = Message.build(text, "inform", [{"entity": "need", "value": n, "start": 0, "end": 1} for n in needs],
                            None, {"need": metadata_need} if metadata_need else None)
    if features is not None:
        message.add_features(Features(features[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, ORIGIN))
    return message


def test_the_label_is_the_metadata_need_else_the_one_entity_else_no_need():
    assert need_label(example("de bank wil niet meer lenen", metadata_need="financiering")) == "financiering"
    assert need_label(example("we zoeken stagiairs", ("onderwijs",))) == "onderwijs"
    assert need_label(example("hallo")) == NO_NEED
    assert need_label(example("subsidie en stagiairs", ("financiering", "onderwijs"))) is None


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def classifier(storage, **config) -> NeedClassifier:
    return NeedClassifier.create({**NeedClassifier.get_default_config(), **config}, storage,
                                 Resource("need_classifier"), ExecutionContext(None, node_name="need"))


def training_data(rng: np.random.Generator) -> TrainingData:
    """Three clusters: financing, training and no need, 512 numbers each like the encoder's."""
    centres = {"financiering": rng.normal(size=512), "personeel": rng.normal(size=512), NO_NEED: rng.normal(size=512)}
    examples = []
    for label, centre in centres.items():
        for n in range(12):
            features = centre + 0.3 * rng.normal(size=512)
            examples.append(example(f"{label} {n}", (), None if label == NO_NEED else label, features.astype(np.float32)))
    return TrainingData(training_examples=examples), centres


def test_it_learns_from_the_sentence_features_and_answers_as_scikit_learn_does(storage):
    data, centres = training_data(np.random.default_rng(0))
    trained = classifier(storage)
    trained.train(data)
    features = np.vstack([m.get_dense_features(TEXT)[1].features[0] for m in data.training_examples])
    labels = [need_label(m) for m in data.training_examples]
    reference = new_regression(42).fit(features, labels)
    np.testing.assert_allclose(trained.probabilities(features), reference.predict_proba(features), atol=1e-6)

    asks_money = example("we kunnen de machine niet betalen", features=centres["financiering"].astype(np.float32))
    says_hello = example("goedemorgen", features=centres[NO_NEED].astype(np.float32))
    trained.process([asks_money, says_hello])
    assert asks_money.get(NEED_FROM_SENTENCE)["name"] == "financiering"
    assert asks_money.get(NEED_FROM_SENTENCE)["confidence"] >= 0.6
    assert says_hello.get(NEED_FROM_SENTENCE) is None  # "no need" is never passed on


def test_with_one_need_and_no_need_it_answers_as_scikit_learn_does(storage):
    rng = np.random.default_rng(3)
    centres = {"financiering": rng.normal(size=512), NO_NEED: rng.normal(size=512)}
    examples = [example(f"{label} {n}", (), None if label == NO_NEED else label,
                        (centre + 0.8 * rng.normal(size=512)).astype(np.float32))
                for label, centre in centres.items() for n in range(10)]
    trained = classifier(storage)
    trained.train(TrainingData(training_examples=examples))
    features = np.vstack([m.get_dense_features(TEXT)[1].features[0] for m in examples])
    reference = new_regression(42).fit(features, [need_label(m) for m in examples])
    np.testing.assert_allclose(trained.probabilities(features), reference.predict_proba(features), atol=1e-6)


def test_an_unsure_reading_is_not_passed_on(storage):
    data, centres = training_data(np.random.default_rng(1))
    trained = classifier(storage, threshold=0.6)
    trained.train(data)
    between = example("half om half", features=((centres["financiering"] + centres["personeel"]) / 2).astype(np.float32))
    trained.process([between])
    best = float(trained.probabilities(between.get_dense_features(TEXT)[1].features)[0].max())
    assert best < 0.6 and between.get(NEED_FROM_SENTENCE) is None


def test_the_trained_classifier_is_stored_and_loaded_with_the_same_answers(storage):
    data, centres = training_data(np.random.default_rng(2))
    trained = classifier(storage)
    trained.train(data)
    loaded = NeedClassifier.load(NeedClassifier.get_default_config(), storage, Resource("need_classifier"),
                                 ExecutionContext(None, node_name="need"))
    features = centres["personeel"].astype(np.float32)[np.newaxis, :]
    np.testing.assert_allclose(loaded.probabilities(features), trained.probabilities(features))
    assert list(loaded._classes) == list(trained._classes)


def test_without_training_data_or_features_nothing_is_read(storage):
    untrained = classifier(storage)
    untrained.train(TrainingData(training_examples=[example("hallo")]))  # no features, no labels to learn
    message = example("we kunnen de machine niet betalen")
    untrained.process([message])
    assert message.get(NEED_FROM_SENTENCE) is None
