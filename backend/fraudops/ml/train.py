"""Train the first champion: the Keras MLP on the initial split, exported to ONNX.

The candidate / MLflow pipeline grows from here: `train_mlp` is one candidate's full life cycle
(time split → fit → export → threshold on validation → metrics on test).
"""

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow.csv as pacsv

from fraudops.data.schema import FEATURE_COLUMNS, LABEL_COLUMN
from fraudops.ml import artifact, features, metrics, onnx_export
from fraudops.ml.scorer import Scorer
from fraudops.ml.split import time_split
from fraudops.ml.threshold import max_f1_threshold

if TYPE_CHECKING:
    from fraudops.ml.mlp import MLPParams

log = logging.getLogger(__name__)

# ONNX (float32, fused ops) and Keras may differ in the last bits; more than this means a broken export.
PARITY_TOLERANCE = 1e-4


def load_labeled_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = pacsv.read_csv(path)
    raw = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS])
    return raw, table.column(LABEL_COLUMN).to_numpy().astype(np.int8)


def train_mlp(
    raw: np.ndarray, y: np.ndarray, out_dir: Path, source: str, params: "MLPParams | None" = None
) -> artifact.ModelCard:
    """Fit the MLP on the earliest 70 % of rows, choose the threshold on the next 15 %, report the
    last 15 %, and write the champion folder. Returns its card."""
    from fraudops.ml import mlp  # TensorFlow is imported here, never on the serving path

    params = params or mlp.MLPParams()
    started = time.perf_counter()
    split = time_split(raw[:, 0])
    engineered = features.engineer(raw)
    mean = engineered[split.train].mean(axis=0)
    scale = engineered[split.train].std(axis=0)
    scale[scale == 0] = 1.0
    standardised = (engineered - mean) / scale

    model, epochs = mlp.fit(
        standardised[split.train], y[split.train], standardised[split.validation], y[split.validation], params
    )
    onnx_bytes = onnx_export.dense_network(mlp.dense_layers(model), mean, scale)

    provisional = artifact.ModelCard(
        version=artifact.make_version("mlp", onnx_bytes),
        kind="keras_mlp",
        threshold=0.5,
        created_at=datetime.now(UTC),
        metrics={},
        training={},
    )
    scorer = Scorer(onnx_bytes, provisional)  # score with the exact artifact that will be served
    val_scores = scorer.predict_proba(raw[split.validation])
    drift = float(np.max(np.abs(val_scores - mlp.predict(model, standardised[split.validation]))))
    if drift > PARITY_TOLERANCE:
        raise RuntimeError(f"ONNX export disagrees with Keras by {drift:.2e} (> {PARITY_TOLERANCE:.0e})")

    threshold = max_f1_threshold(y[split.validation], val_scores)
    test_scores = scorer.predict_proba(raw[split.test])
    train_time = raw[split.train, 0]
    card = provisional.model_copy(
        update={
            "threshold": threshold,
            "metrics": {
                "validation": metrics.evaluate(y[split.validation], val_scores, threshold),
                "test": metrics.evaluate(y[split.test], test_scores, threshold),
            },
            "training": {
                "source": source,
                "rows": len(split.train),
                "frauds": int(y[split.train].sum()),
                "time_start": float(train_time.min()),
                "time_end": float(train_time.max()),
                "epochs": epochs,
                "seconds": round(time.perf_counter() - started, 1),
                "onnx_keras_max_abs_diff": drift,
                "params": params.as_dict(),
            },
        }
    )
    artifact.write(out_dir, onnx_bytes, card)
    log.info("trained %s: test AUPRC %.3f", card.version, card.metrics["test"]["auprc"])
    return card
