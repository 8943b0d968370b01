"""The candidate models `fraudops train` compares, each ending as one ONNX graph with the same contract:
raw `[Time, V1..V28, Amount]` float32 in, `fraud_probability` `[n]` out.

Every candidate is fitted on training rows only. Preprocessing (feature engineering, standardisation) and
any resampling (SMOTE) live inside one imbalanced-learn `Pipeline` that is fitted on those rows, so the
sampler never sees a validation or test row; validation rows reach a model only for early stopping.
The served graph is built from the fitted pipeline (feature nodes + the model's converted graph), and a
parity check against the native model guards the export.

Heavy libraries (TensorFlow, XGBoost, skl2onnx) are imported inside the candidates that need them.
"""

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from onnx import TensorProto, helper
from sklearn.base import BaseEstimator
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.ml import features, onnx_export

if TYPE_CHECKING:
    from fraudops.ml.mlp import MLPParams

# Called after every epoch with (epoch from 1, max_epochs, logs); drives the progress display.
EpochHook = Callable[[int, int, dict[str, float]], None]

# SMOTE's target: frauds raised to this fraction of the legitimate rows (1.0 would balance fully,
# doubling the training set for little gain in average precision).
SMOTE_RATIO = 0.1
_CLASSIFIER_OPSETS = {"": 17, "ai.onnx.ml": 3}


@dataclass(frozen=True)
class TrainingRows:
    """Raw rows for fitting. Validation rows may steer early stopping, never a fit or a resampling."""

    raw_train: np.ndarray
    y_train: np.ndarray
    raw_val: np.ndarray
    y_val: np.ndarray


@dataclass
class Fitted:
    onnx_bytes: bytes
    native: Any  # the fitted imbalanced-learn pipeline, or the Keras model
    predict_native: Callable[[np.ndarray], np.ndarray]  # raw rows → probability, without ONNX
    info: dict[str, Any] = field(default_factory=dict)  # epochs, best iteration, resampling counts


class Candidate(ABC):
    name: str
    kind: str
    # How class imbalance is handled: "none", "class_weight" or "smote".
    imbalance: str = "none"

    @abstractmethod
    def params(self) -> dict[str, Any]: ...

    @abstractmethod
    def fit(self, rows: TrainingRows, on_epoch: EpochHook | None = None) -> Fitted: ...


class AuditedSMOTE(SMOTE):
    """SMOTE that records what it was fitted on: row count, fraud count and a digest of the exact
    feature matrix, so a test (and the MLflow run) can show it saw training rows and nothing else."""

    def _fit_resample(self, X: np.ndarray, y: np.ndarray, **params: Any) -> tuple[np.ndarray, np.ndarray]:
        self.input_rows_ = len(X)
        self.input_frauds_ = int(np.sum(y == 1))
        self.input_digest_ = matrix_digest(X)
        X_out, y_out = super()._fit_resample(X, y, **params)
        self.output_rows_ = len(X_out)
        return X_out, y_out


def matrix_digest(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x, dtype=np.float64).tobytes()).hexdigest()


@lru_cache(maxsize=1)
def _feature_session() -> Any:
    import onnxruntime as ort

    n = features.N_ENGINEERED
    nodes, inits = features.onnx_nodes("raw", "engineered", np.zeros(n, np.float32), np.ones(n, np.float32))
    graph = helper.make_graph(
        nodes,
        "features",
        [helper.make_tensor_value_info("raw", TensorProto.FLOAT, ["n", len(FEATURE_COLUMNS)])],
        [helper.make_tensor_value_info("engineered", TensorProto.FLOAT, ["n", n])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", onnx_export.OPSET)])
    model.ir_version = 8
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def graph_features(raw: np.ndarray) -> np.ndarray:
    """`features.engineer`, computed by the very ONNX nodes the served graph starts with.

    Models are fitted on these values so they see, bit for bit, what they will see in production.
    NumPy's sin/cos/log1p differ from ONNX Runtime's in the last bit for about a third of the rows, and a
    tree split that sits exactly on a data value (XGBoost's histogram cuts do) then sends a row the other
    way: measured on 285k rows, 0.08 % of XGBoost + SMOTE scores moved by up to 0.37.
    """
    raw32 = np.ascontiguousarray(raw, dtype=np.float32)
    return np.asarray(_feature_session().run(None, {"raw": raw32})[0])


def engineer_transformer() -> FunctionTransformer:
    return FunctionTransformer(graph_features)


class SklearnCandidate(Candidate):
    """An estimator behind feature engineering, optional standardisation and optional SMOTE."""

    def __init__(
        self,
        name: str,
        kind: str,
        estimator: BaseEstimator,
        scale: bool = True,
        smote_ratio: float | None = None,
        seed: int = 0,
    ) -> None:
        self.name, self.kind, self.estimator = name, kind, estimator
        self.scale, self.smote_ratio, self.seed = scale, smote_ratio, seed
        self.imbalance = "smote" if smote_ratio else self._weighting()

    def _weighting(self) -> str:
        weights = self.estimator.get_params().get("class_weight") or self.estimator.get_params().get(
            "scale_pos_weight"
        )
        return "class_weight" if weights not in (None, 1, 1.0) else "none"

    def params(self) -> dict[str, Any]:
        own = {k: _json_safe(v) for k, v in self.estimator.get_params().items() if _loggable(v)}
        return {
            **own,
            "estimator": type(self.estimator).__name__,
            "standardise": self.scale,
            "imbalance": self.imbalance,
            "smote_ratio": self.smote_ratio,
        }

    def pipeline(self) -> Pipeline:
        from sklearn.base import clone

        steps: list[tuple[str, Any]] = [("features", engineer_transformer())]
        if self.scale:
            steps.append(("scale", StandardScaler()))
        if self.smote_ratio:
            steps.append(("smote", AuditedSMOTE(sampling_strategy=self.smote_ratio, random_state=self.seed)))
        steps.append(("model", clone(self.estimator)))
        return Pipeline(steps)

    def fit_params(self, rows: TrainingRows) -> dict[str, Any]:  # noqa: ARG002 (a hook)
        return {}

    def fit(self, rows: TrainingRows, on_epoch: EpochHook | None = None) -> Fitted:  # noqa: ARG002
        pipe = self.pipeline()
        pipe.fit(rows.raw_train, rows.y_train, **self.fit_params(rows))
        mean, scale = _standardisation(pipe)
        onnx_bytes = onnx_export.wrap_classifier(self.convert(pipe.named_steps["model"]), mean, scale)
        info: dict[str, Any] = {}
        if "smote" in pipe.named_steps:
            smote = pipe.named_steps["smote"]
            info |= {"smote_input_rows": smote.input_rows_, "smote_output_rows": smote.output_rows_}
        info |= self.fit_info(pipe.named_steps["model"])
        return Fitted(onnx_bytes, pipe, lambda raw: pipe.predict_proba(raw)[:, 1], info)

    def convert(self, model: Any) -> Any:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType

        return convert_sklearn(
            model,
            initial_types=[("features", FloatTensorType([None, features.N_ENGINEERED]))],
            target_opset=_CLASSIFIER_OPSETS,
            options={id(model): {"zipmap": False}},
        )

    def fit_info(self, model: Any) -> dict[str, Any]:  # noqa: ARG002 (a hook)
        return {}


class XGBoostCandidate(SklearnCandidate):
    """Gradient-boosted trees; validation rows steer early stopping (on average precision) only."""

    def __init__(self, name: str, smote_ratio: float | None = None, seed: int = 0, **params: Any) -> None:
        from xgboost import XGBClassifier

        settings: dict[str, Any] = {
            "n_estimators": 600,
            "learning_rate": 0.05,
            "max_depth": 6,
            "subsample": 0.8,
            "colsample_bytree": 0.8,
            "tree_method": "hist",
            "eval_metric": "aucpr",
            "early_stopping_rounds": 50,
            "n_jobs": 2,
            "random_state": seed,
        } | params
        super().__init__(
            name, "xgboost", XGBClassifier(**settings), scale=False, smote_ratio=smote_ratio, seed=seed
        )

    def fit_params(self, rows: TrainingRows) -> dict[str, Any]:
        # The pipeline does not scale for trees, so the validation rows only need the same engineering.
        return {"model__eval_set": [(graph_features(rows.raw_val), rows.y_val)], "model__verbose": False}

    def convert(self, model: Any) -> Any:
        import onnxmltools
        from onnxmltools.convert.common.data_types import FloatTensorType

        # onnxmltools keeps the trees up to the best iteration, as XGBoost's own predict does; the
        # parity check confirms it on every run.
        return onnxmltools.convert_xgboost(
            model,
            initial_types=[("features", FloatTensorType([None, features.N_ENGINEERED]))],
            target_opset=15,
        )

    def fit_info(self, model: Any) -> dict[str, Any]:
        return {
            "best_iteration": int(model.best_iteration),
            "rounds": int(model.get_booster().num_boosted_rounds()),
        }


class MLPCandidate(Candidate):
    """The Keras network: class weights, early stopping on validation AUPRC with the best weights restored."""

    kind = "keras_mlp"
    imbalance = "class_weight"

    def __init__(self, params: "MLPParams", name: str | None = None) -> None:
        self.mlp_params = params
        hidden = "x".join(str(u) for u in params.hidden)
        self.name = name or f"mlp-{hidden}-d{params.dropout:g}-lr{params.learning_rate:g}"

    def params(self) -> dict[str, Any]:
        return {**self.mlp_params.as_dict(), "imbalance": self.imbalance}

    def fit(self, rows: TrainingRows, on_epoch: EpochHook | None = None) -> Fitted:
        from fraudops.ml import mlp  # TensorFlow is imported here, never on the serving path

        scaler = Pipeline([("features", engineer_transformer()), ("scale", StandardScaler())])
        x_train = scaler.fit_transform(rows.raw_train).astype(np.float32)
        x_val = scaler.transform(rows.raw_val).astype(np.float32)
        model, epochs = mlp.fit(x_train, rows.y_train, x_val, rows.y_val, self.mlp_params, on_epoch)
        mean, scale = _standardisation(scaler)
        onnx_bytes = onnx_export.dense_network(mlp.dense_layers(model), mean, scale)

        def predict_native(raw: np.ndarray) -> np.ndarray:
            return mlp.predict(model, scaler.transform(raw).astype(np.float32))

        return Fitted(onnx_bytes, model, predict_native, {"epochs": epochs})


def _standardisation(pipe: Pipeline) -> tuple[np.ndarray, np.ndarray]:
    """The pipeline's fitted (mean, scale), or the identity when it does not standardise."""
    if "scale" in pipe.named_steps:
        scaler: StandardScaler = pipe.named_steps["scale"]
        return np.asarray(scaler.mean_, dtype=np.float32), np.asarray(scaler.scale_, dtype=np.float32)
    return np.zeros(features.N_ENGINEERED, np.float32), np.ones(features.N_ENGINEERED, np.float32)


def _loggable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _json_safe(value: Any) -> Any:
    """NaN and infinities as text (XGBoost's `missing=nan`): PostgreSQL's JSON has no such numbers."""
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


# --- the sets -------------------------------------------------------------------------------------------

# (hidden layers, dropout, learning rate): a handful of points, not a full product of the axes.
MLP_GRID: tuple[tuple[tuple[int, ...], float, float], ...] = (
    ((64, 32), 0.2, 1e-3),
    ((128, 64), 0.3, 1e-3),
    ((64, 32, 16), 0.1, 3e-3),
    ((32,), 0.0, 3e-3),
)


def logistic_regression(smote_ratio: float | None = None, seed: int = 0) -> SklearnCandidate:
    from sklearn.linear_model import LogisticRegression

    return SklearnCandidate(
        "logreg+smote" if smote_ratio else "logreg",
        "logistic_regression",
        LogisticRegression(C=1.0, max_iter=2000),
        smote_ratio=smote_ratio,
        seed=seed,
    )


def random_forest(seed: int = 0) -> SklearnCandidate:
    from sklearn.ensemble import RandomForestClassifier

    # Depth, leaf size and a bootstrap fraction keep fitting near a minute on 200k rows and the ONNX
    # file small; deeper forests scored no better on validation.
    forest = RandomForestClassifier(
        n_estimators=100, max_depth=12, min_samples_leaf=5, max_samples=0.3, n_jobs=2, random_state=seed
    )
    return SklearnCandidate("random_forest", "random_forest", forest, scale=False, seed=seed)


def full_set(seed: int = 0) -> list[Candidate]:
    """Every candidate: the MLP grid, logistic regression with and without SMOTE, a random forest, and
    XGBoost with and without SMOTE."""
    from fraudops.ml.mlp import MLPParams

    mlps: list[Candidate] = [
        MLPCandidate(MLPParams(hidden=hidden, dropout=dropout, learning_rate=lr, max_epochs=40, seed=seed))
        for hidden, dropout, lr in MLP_GRID
    ]
    return [
        *mlps,
        logistic_regression(seed=seed),
        logistic_regression(SMOTE_RATIO, seed=seed),
        random_forest(seed),
        XGBoostCandidate("xgboost", seed=seed),
        XGBoostCandidate("xgboost+smote", smote_ratio=SMOTE_RATIO, seed=seed),
    ]


def quick_set(seed: int = 0) -> list[Candidate]:
    """A reduced set for tests and the first start: logistic regression, one small MLP with few
    epochs, and a short XGBoost."""
    from fraudops.ml.mlp import MLPParams

    return [
        logistic_regression(seed=seed),
        MLPCandidate(MLPParams(hidden=(64, 32), dropout=0.2, max_epochs=10, patience=3, seed=seed)),
        XGBoostCandidate("xgboost", seed=seed, n_estimators=150, early_stopping_rounds=20),
    ]
