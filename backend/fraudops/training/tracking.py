"""MLflow: one parent run per training, a child run per candidate, the registry with a `champion` alias.

Training-only (imports MLflow and matplotlib). The default store is a SQLite file with a local artifact
folder under `var/mlflow/`; `MLFLOW_TRACKING_URI` points anywhere else (a server manages its own
artifact location then).
"""

import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from fraudops.data.schema import N_FEATURES
from fraudops.ml import artifact

log = logging.getLogger(__name__)

CHAMPION_ALIAS = "champion"
ONNX_MODEL_NAME = "model"  # the served graph, registered
NATIVE_MODEL_NAME = "native"  # the fitted pipeline or network it was exported from


def git_commit() -> str:
    """The repository's HEAD (with `-dirty` when the work tree has changes), or "unknown"."""
    here = Path(__file__).parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def _pins(*distributions: str) -> list[str]:
    pins = []
    for name in distributions:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return pins


@dataclass(frozen=True)
class RegisteredChampion:
    registry_version: str
    onnx_bytes: bytes
    card: artifact.ModelCard


class Tracker:
    """A thin layer over MLflow's fluent API and client for one training (single-threaded)."""

    def __init__(
        self, tracking_uri: str, experiment: str, registered_name: str, artifact_location: str | None = None
    ) -> None:
        # Nothing leaves the machine: no usage telemetry from MLflow.
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        import mlflow
        from mlflow import MlflowClient

        for noisy in ("mlflow", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        # The native model is logged with cloudpickle on purpose (it is a record; serving uses ONNX).
        logging.getLogger("mlflow.sklearn").setLevel(logging.ERROR)
        if tracking_uri.startswith("sqlite:///"):
            Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.tracking_uri = tracking_uri
        self.registered_name = registered_name
        mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_registry_uri(tracking_uri)
        self._mlflow = mlflow
        self.client = MlflowClient(tracking_uri, registry_uri=tracking_uri)
        existing = self.client.get_experiment_by_name(experiment)
        self.experiment_id = (
            existing.experiment_id
            if existing is not None
            else self.client.create_experiment(experiment, artifact_location=artifact_location)
        )

    # --- runs -----------------------------------------------------------------------------------------

    @contextmanager
    def run(self, name: str, nested: bool = False, tags: dict[str, str] | None = None) -> Iterator[str]:
        with self._mlflow.start_run(
            experiment_id=self.experiment_id, run_name=name, nested=nested, tags=tags
        ) as active:
            yield active.info.run_id

    def log_params(self, params: dict[str, Any]) -> None:
        self._mlflow.log_params({k: _param(v) for k, v in params.items()})

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._mlflow.log_metrics({k: float(v) for k, v in metrics.items() if v is not None}, step=step)

    def set_tags(self, tags: dict[str, Any]) -> None:
        self._mlflow.set_tags({k: str(v) for k, v in tags.items()})

    def log_dict(self, value: dict[str, Any], name: str) -> None:
        self._mlflow.log_dict(value, name)

    def log_text(self, value: str, name: str) -> None:
        self._mlflow.log_text(value, name)

    def log_figure(self, figure: Any, name: str) -> None:
        self._mlflow.log_figure(figure, name)

    def log_models(self, onnx_bytes: bytes, card: artifact.ModelCard, native: Any) -> str:
        """Log the served ONNX graph (with its card as an extra file) and the native model; returns the
        ONNX model's URI for registration."""
        import onnx
        from mlflow.models import infer_signature

        example = np.zeros((2, N_FEATURES), dtype=np.float32)
        signature = infer_signature(example, np.zeros(2, dtype=np.float32))
        with tempfile.TemporaryDirectory() as tmp:
            card_path = Path(tmp) / artifact.CARD_FILE
            card_path.write_text(card.model_dump_json(indent=2) + "\n")
            info = self._mlflow.onnx.log_model(
                onnx.load_from_string(onnx_bytes),
                name=ONNX_MODEL_NAME,
                signature=signature,
                pip_requirements=_pins("onnxruntime", "onnx", "numpy"),
                save_as_external_data=False,
                extra_files=[str(card_path)],
            )
            if native is None:  # an ensemble: its members' runs hold the native models
                pass
            elif hasattr(native, "save") and not hasattr(native, "predict_proba"):  # a Keras model
                keras_path = Path(tmp) / "model.keras"
                native.save(keras_path)
                self._mlflow.log_artifact(str(keras_path), NATIVE_MODEL_NAME)
            else:
                self._mlflow.sklearn.log_model(
                    native,
                    name=NATIVE_MODEL_NAME,
                    serialization_format="cloudpickle",
                    pip_requirements=_pins(
                        "scikit-learn", "imbalanced-learn", "xgboost-cpu", "numpy", "fraudops"
                    ),
                )
        return str(info.model_uri)

    # --- registry -------------------------------------------------------------------------------------

    def register(self, model_uri: str, tags: dict[str, Any]) -> str:
        version = self._mlflow.register_model(
            model_uri, self.registered_name, tags={k: str(v) for k, v in tags.items()}
        )
        return str(version.version)

    def tag_version(self, version: str, tags: dict[str, Any]) -> None:
        for key, value in tags.items():
            self.client.set_model_version_tag(self.registered_name, version, key, str(value))

    def set_champion(self, version: str) -> None:
        self.client.set_registered_model_alias(self.registered_name, CHAMPION_ALIAS, version)

    def version_of_card(self, registry_version: str, card_version: str) -> bool:
        """Whether `registry_version` of this registered model holds the card `card_version` (its tag)."""
        from mlflow.exceptions import MlflowException

        try:
            found = self.client.get_model_version(self.registered_name, registry_version)
        except MlflowException:  # another store's number, or a deleted version
            return False
        return bool(found.tags.get("card_version") == card_version)

    def champion_version(self) -> str | None:
        from mlflow.exceptions import MlflowException

        try:
            return str(self.client.get_model_version_by_alias(self.registered_name, CHAMPION_ALIAS).version)
        except MlflowException:  # no registered model yet, or no alias on it
            return None

    def champion(self) -> RegisteredChampion | None:
        """The `@champion` version's ONNX graph and card, fetched from the registry."""
        version = self.champion_version()
        if version is None:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(
                self._mlflow.artifacts.download_artifacts(
                    artifact_uri=f"models:/{self.registered_name}/{version}", dst_path=tmp
                )
            )
            onnx_bytes = (local / "model.onnx").read_bytes()
            card_files = list(local.rglob(artifact.CARD_FILE))
            if not card_files:
                raise RuntimeError(f"registered version {version} has no {artifact.CARD_FILE}")
            card = artifact.ModelCard.model_validate_json(card_files[0].read_text())
        # The card was logged before registration: add where it lives in the registry.
        registered = self.client.get_model_version(self.registered_name, version)
        card.training.setdefault(
            "mlflow",
            {
                "run_id": registered.run_id,
                "registered_model": self.registered_name,
                "registry_version": version,
            },
        )
        return RegisteredChampion(version, onnx_bytes, card)


def _param(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:6000]  # MLflow's limit on a parameter value


# --- figures -------------------------------------------------------------------------------------------


def pr_curve_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> Any:
    """Precision-recall curves (step-wise, as average precision counts them), one per named split."""
    from matplotlib.figure import Figure
    from sklearn.metrics import average_precision_score

    from fraudops.ml.curves import pr_curve_points

    figure = Figure(figsize=(5.5, 4.5), dpi=100)
    axes = figure.subplots()
    for label, (y_true, scores) in curves.items():
        # One point per recall level (the points AUPRC sums over), not one per distinct score: a million-row
        # test window's full curve kept matplotlib busy (caught by py-spy in a 5M-row training).
        points = pr_curve_points(y_true, scores, max_points=2_000)
        ap = average_precision_score(y_true, scores)
        axes.step(
            [p.recall for p in points],
            [p.precision for p in points],
            where="post",
            label=f"{label}: AUPRC {ap:.3f} (prevalence {y_true.mean():.4f})",
        )
    axes.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title=title)
    axes.legend(loc="lower left", fontsize="small")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def confusion_figure(confusions: dict[str, dict[str, int]], threshold: float, title: str) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.2 * len(confusions), 3.8), dpi=100)
    axes = np.atleast_1d(figure.subplots(1, len(confusions)))
    for ax, (label, c) in zip(axes, confusions.items(), strict=True):
        matrix = np.array([[c["tn"], c["fp"]], [c["fn"], c["tp"]]])
        ax.imshow(np.log1p(matrix), cmap="Blues")
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:,}", ha="center", va="center", color="black")
        ax.set_xticks([0, 1], ["legit", "fraud"])
        ax.set_yticks([0, 1], ["legit", "fraud"])
        ax.set(xlabel="predicted", ylabel="true", title=f"{label} (threshold {threshold:.3f})")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def reliability_figure(curves: dict[str, list[dict[str, float]]], title: str) -> Any:
    """Reliability curves (calibration.reliability bins): mean predicted probability against the observed
    fraud rate per bin, the diagonal being perfect calibration."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.5, 4.5), dpi=100)
    axes = figure.subplots()
    axes.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for label, bins in curves.items():
        axes.plot(
            [b["mean_predicted"] for b in bins], [b["fraud_rate"] for b in bins], marker="o", label=label
        )
    axes.set(xlabel="mean predicted probability", ylabel="observed fraud rate", xlim=(0, 1), ylim=(0, 1.02))
    axes.set_title(f"{title}: reliability")
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure
