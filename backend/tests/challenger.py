"""A second, different model for shadow-scoring tests: logistic regression on standardised raw columns,
written as a small ONNX graph with the served contract (`[Time, V1..V28, Amount]` float32 in, probability
out), kept in the app's model version store and registered in `model_versions` like a trained version."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LogisticRegression
from sqlalchemy.orm import Session

from fraudops import crud
from fraudops.data import synthetic
from fraudops.data.schema import N_FEATURES
from fraudops.ml import artifact, version_store
from tests.utils import raw_and_labels


def logistic_graph(mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, bias: float) -> bytes:
    def const(name: str, value: np.ndarray) -> onnx.TensorProto:
        return numpy_helper.from_array(value.astype(np.float32), name)

    nodes = [
        helper.make_node("Sub", ["raw", "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "scale"], ["scaled"]),
        helper.make_node("MatMul", ["scaled", "weights"], ["logit_2d"]),
        helper.make_node("Add", ["logit_2d", "bias"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["p_2d"]),
        helper.make_node("Flatten", ["p_2d"], ["p_flat"], axis=0),
        helper.make_node("Squeeze", ["p_flat", "axis0"], ["fraud_probability"]),
    ]
    graph = helper.make_graph(
        nodes,
        "challenger",
        [helper.make_tensor_value_info("raw", TensorProto.FLOAT, [None, N_FEATURES])],
        [helper.make_tensor_value_info("fraud_probability", TensorProto.FLOAT, [None])],
        initializer=[
            const("mean", mean),
            const("scale", scale),
            const("weights", weights.reshape(N_FEATURES, 1)),
            const("bias", np.array([bias])),
            numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def train_challenger(out_dir: Path) -> artifact.ModelCard:
    """Fit the logistic regression on synthetic data (seed 5) and write a champion-style folder."""
    raw, labels = raw_and_labels(synthetic.generate(20_000, seed=5))
    mean, scale = raw.mean(axis=0), raw.std(axis=0) + 1e-9
    fitted = LogisticRegression(max_iter=500).fit((raw - mean) / scale, labels)
    onnx_bytes = logistic_graph(mean, scale, fitted.coef_[0], float(fitted.intercept_[0]))
    scores = fitted.predict_proba((raw - mean) / scale)[:, 1]
    card = artifact.ModelCard(
        version=artifact.make_version("logreg_test", onnx_bytes),
        kind="logistic_regression",
        threshold=float(np.quantile(scores, 0.995)),
        created_at=datetime.now(UTC),
        metrics={},
        training={"source": "synthetic seed 5 (tests/challenger.py)"},
        onnx_sha256=artifact.sha256(onnx_bytes),
    )
    artifact.write(out_dir, onnx_bytes, card)
    return card


def install(session: Session, var_dir: Path, model_folder: Path) -> str:
    """Put a version in the app's model version store and register it; returns its version."""
    onnx_bytes, card = artifact.read(model_folder)
    version_store.keep(version_store.store_dir(var_dir), onnx_bytes, card)
    crud.record_registered_version(session, card, "fraud-detector", "99", "test-run", False, None)
    session.commit()
    return card.version
