"""Labeled CSV loading and the MLP-only training path (`train_mlp`): one candidate's full life cycle
(time split → fit → export → parity → threshold on validation → metrics on test → champion folder).
"""

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow.csv as pacsv

from fraudops.data.schema import FEATURE_COLUMNS, LABEL_COLUMN
from fraudops.ml import artifact
from fraudops.ml.pipeline import QuietReporter, evaluate_candidate, export, prepare

if TYPE_CHECKING:
    from fraudops.ml.mlp import MLPParams

log = logging.getLogger(__name__)


def load_labeled_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = pacsv.read_csv(path)
    raw = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS])
    return raw, table.column(LABEL_COLUMN).to_numpy().astype(np.int8)


def train_mlp(
    raw: np.ndarray, y: np.ndarray, out_dir: Path, source: str, params: "MLPParams | None" = None
) -> artifact.ModelCard:
    """Fit the MLP on the earliest 70 % of rows, choose the threshold on the next 15 %, report the
    last 15 %, and write the champion folder. Returns its card.

    The MLP-only path, without MLflow or a promotion gate (the test suite's model); `fraudops train`
    runs the full candidate pipeline (`ml.pipeline`).
    """
    from fraudops.ml.candidates import MLPCandidate
    from fraudops.ml.mlp import MLPParams

    data, rows, raw_test, y_test = prepare(raw, y, source)
    result, _ = evaluate_candidate(
        MLPCandidate(params or MLPParams()), rows, raw_test, y_test, data, QuietReporter()
    )
    export(out_dir, result, rows.raw_train)
    log.info("trained %s: test AUPRC %.3f", result.card.version, result.test["auprc"])
    return result.card
