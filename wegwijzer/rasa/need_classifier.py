"""Reads what the business needs from the whole message, when no word in it names the need.

"Onze mensen snappen het nieuwe systeem niet" asks for training, "de bank doet moeilijk over de uitbreiding"
for financing, "klanten bestellen nog per fax, dat moet anders kunnen" for innovation: the need is in the
situation described, not in a word. DIET tagged such needs as long spans learned from a few examples each
and recognised ``need`` worst of all entities; the need keywords found one in five. Here a logistic
regression on the sentence features (the sentence encoder's embedding and the word and character n-gram
counts) reads the need from the whole message. It learns from every NLU example: the need its ``metadata``
gives (the sentences in which no word names it), else its need entity, else "no need".

Its reading goes into the parse result as ``need_from_sentence`` (``{"name": ..., "confidence": ...}``) when it
is at least ``threshold`` sure of a need. ``wegwijzer.referral.understanding`` decides when it is used (a
need word always wins); ``benchmarks/need_cv.py`` measures it.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
from scipy import sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, METADATA, METADATA_EXAMPLE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from wegwijzer.referral.understanding import NEED, NEED_FROM_SENTENCE

NO_NEED = "-"


def need_label(message: Message) -> str | None:
    """What the classifier learns from a training example: its need, ``NO_NEED``, or None (two needs: left out)."""
    metadata = (message.get(METADATA) or {}).get(METADATA_EXAMPLE) or {}
    if isinstance(metadata, dict) and metadata.get(NEED):
        return str(metadata[NEED])
    needs = {str(e.get("value")) for e in message.get(ENTITIES) or [] if e.get("entity") == NEED}
    if len(needs) > 1:
        return None
    return needs.pop() if needs else NO_NEED


def sentence_features(message: Message, featurizers: list[str]) -> sparse.csr_matrix | None:
    """One row: the message's dense and sparse sentence features from ``featurizers`` (all when empty)."""
    features = [f for f in (message.get_dense_features(TEXT, featurizers)[1],
                            message.get_sparse_features(TEXT, featurizers)[1]) if f is not None]
    return sparse.hstack([sparse.csr_matrix(f.features, dtype=np.float32) for f in features], format="csr") \
        if features else None


def reading(classes: np.ndarray, probabilities: np.ndarray, threshold: float) -> dict[str, Any] | None:
    """``need_from_sentence`` for one message's class probabilities: its likeliest need if that reaches
    ``threshold``, else None ("no need" is never a reading)."""
    best = int(probabilities.argmax())
    name, confidence = str(classes[best]), float(probabilities[best])
    return {"name": name, "confidence": round(confidence, 3)} if name != NO_NEED and confidence >= threshold else None


def new_regression(seed: int) -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced", random_state=seed)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class NeedClassifier(GraphComponent):
    """Adds ``need_from_sentence`` to a message that reads as one of the needs with at least ``threshold``.

    ``featurizers``: whose sentence features it uses (Rasa's convention: all when empty)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"featurizers": [], "threshold": 0.6, "random_seed": 42}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> NeedClassifier:
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 classes: Iterable[str] = (), coef: np.ndarray | None = None,
                 intercept: np.ndarray | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._classes = np.asarray(list(classes))
        self._coef = coef
        self._intercept = intercept

    def train(self, training_data: TrainingData) -> Resource:
        rows, labels = [], []
        for message in training_data.training_examples:
            label = need_label(message) if message.get(TEXT) else None
            features = sentence_features(message, self._config["featurizers"]) if label else None
            if features is not None:
                rows.append(features)
                labels.append(label)
        if len(set(labels)) > 1:
            regression = new_regression(self._config["random_seed"]).fit(sparse.vstack(rows, format="csr"), labels)
            self._classes, self._coef, self._intercept = regression.classes_, regression.coef_, regression.intercept_
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / "need_classifier.npz", classes=self._classes.astype(str),
                     coef=self._coef if self._coef is not None else np.zeros((0, 0)),
                     intercept=self._intercept if self._intercept is not None else np.zeros(0))

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> NeedClassifier:
        config = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                saved = np.load(directory / "need_classifier.npz", allow_pickle=False)
                return cls(config, model_storage, resource, saved["classes"], saved["coef"], saved["intercept"])
        except ValueError:  # nothing was stored: a model without training data for it
            return cls(config, model_storage, resource)

    def probabilities(self, features: sparse.spmatrix | np.ndarray) -> np.ndarray:
        """The same as scikit-learn's ``predict_proba`` of the trained regression (multinomial softmax)."""
        scores = np.asarray(features @ self._coef.T) + self._intercept
        if len(self._classes) == 2:  # one row of weights: the score of the second class against the first
            scores = np.concatenate([np.zeros_like(scores), scores], axis=-1)
        scores = scores - scores.max(axis=-1, keepdims=True)
        exponents = np.exp(scores)
        return exponents / exponents.sum(axis=-1, keepdims=True)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._coef is None or not len(self._classes):
            return messages
        for message in messages:
            features = sentence_features(message, self._config["featurizers"]) if message.get(TEXT) else None
            if features is None:
                continue
            read = reading(self._classes, self.probabilities(features)[0], self._config["threshold"])
            if read is not None:
                message.set(NEED_FROM_SENTENCE, read, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Rasa passes the training data through; the training examples need no reading."""
        return training_data
