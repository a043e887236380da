"""``rasa test nlu`` with the cross-validation folds fixed by a seed (``CV_SEED``, default 42).

Rasa shuffles the folds with numpy's global random state and no seed, so two configs compared one after the
other were scored on different folds, and their difference was partly the folds'. All folds are drawn at the
first one, before any training, so seeding here gives every config (and every run on the same data) the same
folds. Used by ``nlu_compare.sh``; arguments are those of ``rasa test nlu``.
"""
from __future__ import annotations

import os
import sys

import numpy

from rasa.__main__ import main

if __name__ == "__main__":
    numpy.random.seed(int(os.environ.get("CV_SEED", "42")))
    sys.argv = ["rasa", "test", "nlu", *sys.argv[1:]]
    main()
