"""The test suite's model: the MLP-only path through the same pipeline functions `fraudops train` uses
(time split → fit → export → parity → threshold on validation → metrics on test → champion folder),
without MLflow or a promotion gate."""

import logging
from pathlib import Path

import numpy as np

from fraudops.ml import artifact
from fraudops.ml.candidates import MLPCandidate
from fraudops.ml.fit_options import MLPParams
from fraudops.training.pipeline import QuietReporter, evaluate_candidate, export, prepare

log = logging.getLogger(__name__)


def train_mlp(
    raw: np.ndarray, y: np.ndarray, out_dir: Path, source: str, params: MLPParams | None = None
) -> artifact.ModelCard:
    """Fit the MLP on the earliest 70 % of rows, choose the threshold on the next 15 %, report the
    last 15 %, and write the champion folder. Returns its card."""
    data, rows, raw_test, y_test = prepare(raw, y, source)
    result, _ = evaluate_candidate(
        MLPCandidate(params or MLPParams()), rows, raw_test, y_test, data, QuietReporter()
    )
    export(out_dir, result, rows.raw_train)
    log.info("trained %s: test AUPRC %.3f", result.card.version, result.test["auprc"])
    return result.card
