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
from typing import Any

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from onnx import TensorProto, helper
from sklearn.base import BaseEstimator
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.ml import features, onnx_export
from fraudops.ml.fit_options import EpochHook, MLPParams
from fraudops.ml.scorer import Scorer

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
    # Per-row weights of the training rows (legitimate rows downsampled by 1/rate weigh 1/rate); None: 1.
    w_train: np.ndarray | None = None
    # The same for the validation rows when early stopping watches a sample of a large window.
    w_val: np.ndarray | None = None


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

    def refit_candidate(self, fold_infos: list[dict[str, Any]]) -> "Candidate":  # noqa: ARG002 (a hook)
        """The same model for a refit on every training row: iteration counts fixed to what the folds'
        early stopping found (no validation rows steer it). A model without early stopping refits as is."""
        return self


def _mean_count(fold_infos: list[dict[str, Any]], key: str) -> int:
    """The folds' mean of an iteration count, at least 1."""
    return max(1, round(float(np.mean([info[key] for info in fold_infos]))))


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
        use_weights: bool = True,
    ) -> None:
        self.name, self.kind, self.estimator = name, kind, estimator
        self.scale, self.smote_ratio, self.seed = scale, smote_ratio, seed
        self.use_weights = use_weights
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
        # SMOTE makes rows that have no weight: with it, downsampled rows train unweighted (noted in info).
        weighted = rows.w_train is not None and not self.smote_ratio and self.use_weights
        weights = {"model__sample_weight": rows.w_train} if weighted else {}
        pipe.fit(rows.raw_train, rows.y_train, **self.fit_params(rows), **weights)
        mean, scale = _standardisation(pipe)
        onnx_bytes = onnx_export.wrap_classifier(self.convert(pipe.named_steps["model"]), mean, scale)
        info: dict[str, Any] = {"weights_ignored": int(rows.w_train is not None and not weighted)}
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
        self.settings = settings
        super().__init__(
            name, "xgboost", XGBClassifier(**settings), scale=False, smote_ratio=smote_ratio, seed=seed
        )

    def fit_params(self, rows: TrainingRows) -> dict[str, Any]:
        if not self.settings.get("early_stopping_rounds"):
            return {}
        # The pipeline does not scale for trees, so the validation rows only need the same engineering.
        stopping: dict[str, Any] = {"model__eval_set": [(graph_features(rows.raw_val), rows.y_val)]}
        if rows.w_val is not None:
            stopping["model__sample_weight_eval_set"] = [rows.w_val]
        return stopping | {"model__verbose": False}

    def refit_candidate(self, fold_infos: list[dict[str, Any]]) -> "XGBoostCandidate":
        rounds = _mean_count(fold_infos, "best_iteration") + 1  # best_iteration counts from 0
        fixed = self.settings | {"n_estimators": rounds, "early_stopping_rounds": None}
        return XGBoostCandidate(self.name, smote_ratio=self.smote_ratio, seed=self.seed, **fixed)

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
        rounds = int(model.get_booster().num_boosted_rounds())
        best = int(model.best_iteration) if self.settings.get("early_stopping_rounds") else rounds - 1
        return {"best_iteration": best, "rounds": rounds}


class LightGBMCandidate(SklearnCandidate):
    """LightGBM's leaf-wise boosted trees; validation rows steer early stopping (average precision) only."""

    def __init__(self, name: str = "lightgbm", seed: int = 0, **params: Any) -> None:
        from lightgbm import LGBMClassifier

        settings: dict[str, Any] = {
            "n_estimators": 600,
            "learning_rate": 0.05,
            "num_leaves": 31,
            "min_child_samples": 20,
            "subsample": 0.8,
            "subsample_freq": 1,
            "colsample_bytree": 0.8,
            "random_state": seed,
            "verbose": -1,
            # One thread: with two, OpenMP spin-waits; a busy 2-core machine ran 20x slower (73 s vs 3.6 s).
            "n_jobs": 1,
            "early_stopping_rounds": 50,
        } | params
        self.settings = settings
        self.stopping_rounds = settings.get("early_stopping_rounds")
        model_params = {k: v for k, v in settings.items() if k != "early_stopping_rounds"}
        super().__init__(name, "lightgbm", LGBMClassifier(**model_params), scale=False, seed=seed)

    def params(self) -> dict[str, Any]:
        return super().params() | {"early_stopping_rounds": self.stopping_rounds}

    def fit_params(self, rows: TrainingRows) -> dict[str, Any]:
        if not self.stopping_rounds:
            return {}
        import lightgbm

        return {
            "model__eval_set": [(graph_features(rows.raw_val), rows.y_val)],
            "model__eval_sample_weight": None if rows.w_val is None else [rows.w_val],
            "model__eval_metric": "average_precision",
            "model__callbacks": [lightgbm.early_stopping(self.stopping_rounds, verbose=False)],
        }

    def convert(self, model: Any) -> Any:
        import onnxmltools
        from onnxmltools.convert.common.data_types import FloatTensorType

        # The booster's dump (which the converter reads) stops at the best iteration, as predict does.
        return onnxmltools.convert_lightgbm(
            model,
            initial_types=[("features", FloatTensorType([None, features.N_ENGINEERED]))],
            target_opset=15,
            zipmap=False,
        )

    def fit_info(self, model: Any) -> dict[str, Any]:
        rounds = int(model.booster_.current_iteration())
        best = int(model.best_iteration_) if self.stopping_rounds and model.best_iteration_ else rounds
        return {"best_iteration": best, "rounds": rounds}

    def refit_candidate(self, fold_infos: list[dict[str, Any]]) -> "LightGBMCandidate":
        fixed = self.settings | {
            "n_estimators": _mean_count(fold_infos, "best_iteration"),
            "early_stopping_rounds": None,
        }
        return LightGBMCandidate(self.name, seed=self.seed, **fixed)


class CatBoostCandidate(Candidate):
    """CatBoost's symmetric trees, exported by CatBoost's own ONNX writer behind the same feature nodes;
    validation rows steer early stopping (PR-AUC) only."""

    kind = "catboost"

    def __init__(self, name: str = "catboost", seed: int = 0, **params: Any) -> None:
        self.name = name
        self.settings: dict[str, Any] = {
            "iterations": 600,
            "learning_rate": 0.08,
            "depth": 6,
            "eval_metric": "PRAUC",
            "thread_count": 2,
            "random_seed": seed,
            "early_stopping_rounds": 50,
        } | params

    def params(self) -> dict[str, Any]:
        return {**self.settings, "estimator": "CatBoostClassifier", "imbalance": self.imbalance}

    def fit(self, rows: TrainingRows, on_epoch: EpochHook | None = None) -> Fitted:  # noqa: ARG002
        import tempfile
        from pathlib import Path

        import onnx
        from catboost import CatBoostClassifier, Pool

        stopping = self.settings.get("early_stopping_rounds")
        model = CatBoostClassifier(**{k: v for k, v in self.settings.items() if k != "early_stopping_rounds"})
        x_train = graph_features(rows.raw_train)
        if stopping:
            eval_set = Pool(graph_features(rows.raw_val), rows.y_val, weight=rows.w_val)
            model.fit(
                x_train,
                rows.y_train,
                sample_weight=rows.w_train,
                eval_set=eval_set,
                early_stopping_rounds=stopping,
                use_best_model=True,
                verbose=False,
            )
        else:
            model.fit(x_train, rows.y_train, sample_weight=rows.w_train, verbose=False)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "catboost.onnx"
            model.save_model(str(path), format="onnx")
            classifier = onnx_export.without_zipmap(onnx.load(str(path)))
        n = features.N_ENGINEERED
        onnx_bytes = onnx_export.wrap_classifier(classifier, np.zeros(n, np.float32), np.ones(n, np.float32))

        def predict_native(raw: np.ndarray) -> np.ndarray:
            return np.asarray(model.predict_proba(graph_features(raw))[:, 1])

        trees = int(model.tree_count_)
        return Fitted(onnx_bytes, model, predict_native, {"best_iteration": trees, "rounds": trees})

    def refit_candidate(self, fold_infos: list[dict[str, Any]]) -> "CatBoostCandidate":
        fixed = self.settings | {
            "iterations": _mean_count(fold_infos, "best_iteration"),
            "early_stopping_rounds": None,
        }
        return CatBoostCandidate(self.name, **fixed)


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
        stopping = self.mlp_params.early_stopping
        x_val = scaler.transform(rows.raw_val).astype(np.float32) if stopping else None
        model, epochs, best = mlp.fit(
            x_train,
            rows.y_train,
            x_val,
            rows.y_val if stopping else None,
            self.mlp_params,
            on_epoch,
            rows.w_train,
            rows.w_val if stopping else None,
        )
        mean, scale = _standardisation(scaler)
        onnx_bytes = onnx_export.dense_network(mlp.dense_layers(model), mean, scale)

        def predict_native(raw: np.ndarray) -> np.ndarray:
            return mlp.predict(model, scaler.transform(raw).astype(np.float32))

        return Fitted(onnx_bytes, model, predict_native, {"epochs": epochs, "best_epoch": best})

    def refit_candidate(self, fold_infos: list[dict[str, Any]]) -> "MLPCandidate":
        from dataclasses import replace

        fixed = replace(
            self.mlp_params, max_epochs=_mean_count(fold_infos, "best_epoch"), early_stopping=False
        )
        return MLPCandidate(fixed, self.name)


class EnsembleCandidate(Candidate):
    """The mean of already fitted members' probabilities, as one graph. It fits nothing itself: its fold
    scores are the members' fold scores averaged, and its "fit" joins the members' refitted graphs."""

    kind = "ensemble"
    imbalance = "none"

    def __init__(self, members: list[tuple[str, Fitted]]) -> None:
        self.members = members
        self.name = "ensemble(" + "+".join(name for name, _ in members) + ")"

    def params(self) -> dict[str, Any]:
        return {"members": [name for name, _ in self.members], "combine": "mean of probabilities"}

    def fit(self, rows: TrainingRows, on_epoch: EpochHook | None = None) -> Fitted:  # noqa: ARG002
        graph = onnx_export.average_graphs([fitted.onnx_bytes for _, fitted in self.members])
        # The reference the joined graph is checked against: the members' own graphs, averaged. Each was
        # checked against its native model when it was fitted; averaging the native scores instead let
        # the members' rare float32 disagreements add up past the tolerance (0.11 % of 2M rows, 2026-11-30).
        scorers = [Scorer.of_graph(fitted.onnx_bytes) for _, fitted in self.members]

        def predict_native(raw: np.ndarray) -> np.ndarray:
            return np.mean([s.predict_proba(raw) for s in scorers], axis=0)

        # No native model of its own to log: the members' runs hold theirs.
        return Fitted(graph, None, predict_native, {"members": len(scorers)})


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
    # The downsampling weights are not passed: weighted, a fit on 255k sampled rows took 134 s against
    # 34 s unweighted (2026-11-30). Unweighted it is a balanced random forest (Chen, Liaw & Breiman):
    # the class prior moves, which calibration on the out-of-fold scores undoes; the ranking is its own.
    return SklearnCandidate(
        "random_forest", "random_forest", forest, scale=False, seed=seed, use_weights=False
    )


def full_set(seed: int = 0) -> list[Candidate]:
    """Every candidate: the MLP grid, logistic regression with and without SMOTE, a random forest,
    XGBoost with and without SMOTE, LightGBM and CatBoost."""

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
        LightGBMCandidate("lightgbm", seed=seed),
        CatBoostCandidate("catboost", seed=seed),
    ]


def quick_set(seed: int = 0) -> list[Candidate]:
    """A reduced set for tests and the first start: logistic regression, one small MLP with few
    epochs, and a short XGBoost."""

    return [
        logistic_regression(seed=seed),
        MLPCandidate(MLPParams(hidden=(64, 32), dropout=0.2, max_epochs=10, patience=3, seed=seed)),
        XGBoostCandidate("xgboost", seed=seed, n_estimators=150, early_stopping_rounds=20),
    ]
