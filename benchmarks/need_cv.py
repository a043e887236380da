"""Benchmark: how well the need is read from a whole message, by 3-fold cross-validation on data/nlu.

    python benchmarks/need_cv.py [--nlu data/nlu] [--seeds 42 1 2]

Trains the NeedClassifier's regression (``wegwijzer.rasa.need_classifier``) on two folds and reads the need
of each held-out example with ``understand`` (keywords first, then the classifier's reading under its rules),
once as a message that answers no question and once as the answer to the need question; next to it the same
without the classifier. Features as in config.yml: the sentence encoder's embedding plus word and character
(2-5) n-gram counts (scikit-learn's counts here, close to Rasa's). "Sentences" are the examples whose need
no word names (the need is in their metadata); "no need" is how often a need is read where there is none;
"asked which of two" counts the messages where words name two needs or a word and a sure reading disagree, so that
the user chooses (counted as right when the likelier of the two is right). Folds are stratified and seeded. Prints numbers; asserts nothing.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.shared.nlu.constants import METADATA, METADATA_EXAMPLE, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402

from wegwijzer.catalog.cache import Catalog  # noqa: E402
from wegwijzer.catalog.files import read_folder  # noqa: E402
from wegwijzer.rasa.need_classifier import NO_NEED, NeedClassifier, need_label, new_regression, reading  # noqa: E402
from wegwijzer.rasa.sentence_encoder import SentenceEncoderFeaturizer  # noqa: E402
from wegwijzer.referral.understanding import NEED, understand  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD = NeedClassifier.get_default_config()["threshold"]


def from_sentence(message) -> bool:
    return bool(((message.get(METADATA) or {}).get(METADATA_EXAMPLE) or {}).get("need"))


def held_out_readings(texts: list[str], gold: list[str], embeddings: np.ndarray, seed: int) -> list[dict | None]:
    """The classifier's reading of every example, from a regression trained on the other two folds."""
    readings: list[dict | None] = [None] * len(texts)
    for train, test in StratifiedKFold(n_splits=3, shuffle=True, random_state=seed).split(embeddings, gold):
        counts = [CountVectorizer().fit([texts[i] for i in train]),
                  CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit([texts[i] for i in train])]
        features = sparse.hstack([sparse.csr_matrix(embeddings)] + [c.transform(texts) for c in counts], format="csr")
        regression = new_regression(42).fit(features[train], [gold[i] for i in train])
        for i, row in zip(test, regression.predict_proba(features[test])):
            readings[i] = reading(regression.classes_, row, THRESHOLD)
    return readings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nlu", default=str(ROOT / "data/nlu"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2])
    args = parser.parse_args()

    examples = [m for m in load_data(args.nlu).training_examples if m.get(TEXT) and need_label(m)]
    texts = [m.get(TEXT) for m in examples]
    gold = [need_label(m) for m in examples]
    groups = {"sentences": [from_sentence(m) for m in examples],
              "need words": [g != NO_NEED and not from_sentence(m) for g, m in zip(gold, examples)]}
    no_need = [g == NO_NEED for g in gold]
    embeddings = SentenceEncoderFeaturizer.embed(texts)
    data, _ = read_folder(ROOT / "data/referrals")
    catalog = Catalog.build(data)
    print(f"{len(examples)} examples: {sum(groups['sentences'])} with the need in the sentence, "
          f"{sum(groups['need words'])} with a need word, {sum(no_need)} without a need; {dict(Counter(gold))}")

    def report(name: str, readings: list[dict | None], expecting: str | None) -> None:
        understood = [understand(catalog, t, expecting=expecting, need_from_sentence=r) for t, r in zip(texts, readings)]
        read = [u.need for u in understood]
        cells = [f"{group} {np.mean([r == g for r, g, w in zip(read, gold, which) if w]):.2f}"
                 for group, which in groups.items()]
        false = np.mean([r is not None for r, w in zip(read, no_need) if w])
        asked = [(u.need_options, g) for u, g in zip(understood, gold) if u.need_options]
        choice = f"{len(asked)} asked which of two, the right one among them {sum(g in o for o, g in asked)}"
        print(f"  {name:<36} right: {' | '.join(cells)} | no need read as a need {false:.1%} | {choice}")

    for seed in args.seeds:
        print(f"folds seed {seed}")
        readings = held_out_readings(texts, gold, embeddings, seed)
        for expecting, where in ((None, "free message"), (NEED, "need answer")):
            report(f"keywords, {where}", [None] * len(texts), expecting)
            report(f"keywords + classifier, {where}", readings, expecting)


if __name__ == "__main__":
    main()
