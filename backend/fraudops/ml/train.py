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
from fraudops.ml.pipeline import QuietReporter, check_split, data_summary, evaluate_candidate
from fraudops.ml.split import time_split
from fraudops.monitoring import profile

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
    from fraudops.ml.candidates import MLPCandidate, TrainingRows
    from fraudops.ml.mlp import MLPParams

    split = time_split(raw[:, 0])
    check_split(y, split)
    data = data_summary(raw, y, split, source, gap=0.0)
    rows = TrainingRows(raw[split.train], y[split.train], raw[split.validation], y[split.validation])
    candidate = MLPCandidate(params or MLPParams())
    result, _ = evaluate_candidate(candidate, rows, raw[split.test], y[split.test], data, QuietReporter())
    reference = profile.for_model(result.onnx_bytes, result.card, raw[split.train])
    artifact.write(out_dir, result.onnx_bytes, result.card, reference)
    log.info("trained %s: test AUPRC %.3f", result.card.version, result.test["auprc"])
    return result.card
