"""One training, end to end: time split → candidates → threshold on validation → metrics → MLflow →
register the best by validation AUPRC → gate against the champion on the same test rows → export.

Guarantees: no validation or test row is earlier than any training row (`time_split`); every candidate
is fitted on the training rows only; the choice among candidates uses validation metrics only, the test
rows are used for reporting and for the promotion gate; the exported artifact is the exact ONNX graph
that was scored here.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from fraudops.core.runtime import release_freed_memory
from fraudops.data.schema import AMOUNT, TIME
from fraudops.ml import artifact, calibration, metrics
from fraudops.ml.candidates import Candidate, EnsembleCandidate, Fitted, TrainingRows
from fraudops.ml.sampling import downsample_legit
from fraudops.ml.scorer import Scorer
from fraudops.ml.split import Prequential, TimeSplit, prequential_split, time_split
from fraudops.ml.threshold import max_f1_threshold
from fraudops.monitoring import profile as reference_profile
from fraudops.training import gate, prequential, search

log = logging.getLogger(__name__)

# ONNX (float32, fused ops) and the native model may differ in the last bits. Models are fitted on the
# served graph's own features (candidates.graph_features), so tree splits do not flip; the rate still
# tolerates a stray row, while a broken export differs nearly everywhere.
PARITY_TOLERANCE = 1e-4
PARITY_MAX_MISMATCH_RATE = 1e-3
# Rows per native-model call in a parity check: bounds the model's copies of its input (native_scores).
NATIVE_CHUNK_ROWS = 131_072


# Logged to MLflow per split (val_…, test_…) when present.
METRIC_KEYS = (
    "auprc",
    "prevalence",
    "roc_auc",
    "precision",
    "recall",
    "f1",
    "precision_at_k",
    "recall_at_k",
    "fraud_amount_caught_share",
    "budget_fraud_amount_caught_share",
    "brier",
    "log_loss",
)


class Reporter(Protocol):
    """Progress of a training, for a display (the CLI's) or nothing (tests)."""

    def begin(self, candidates: list[Candidate], rows: dict[str, int]) -> None: ...
    def candidate_started(self, index: int, candidate: Candidate) -> None: ...
    def epoch(self, candidate: Candidate, epoch: int, max_epochs: int, logs: dict[str, float]) -> None: ...
    def candidate_finished(self, result: "CandidateResult") -> None: ...
    def stage(self, message: str) -> None: ...


class QuietReporter:
    def begin(self, candidates: list[Candidate], rows: dict[str, int]) -> None:
        pass

    def candidate_started(self, index: int, candidate: Candidate) -> None:
        pass

    def epoch(self, candidate: Candidate, epoch: int, max_epochs: int, logs: dict[str, float]) -> None:
        pass

    def candidate_finished(self, result: "CandidateResult") -> None:
        pass

    def stage(self, message: str) -> None:
        log.info(message)


@dataclass(frozen=True)
class Options:
    model_dir: Path
    tracking_uri: str
    artifact_location: str | None = None
    experiment: str = "fraud-detector"
    registered_name: str = "fraud-detector"
    margin: float = 0.005
    force: bool = False
    dry_run: bool = False
    gap: float = 0.0
    # Prequential folds: `folds` validation windows of `validation` (a fraction of all rows) each.
    folds: int = 4
    validation: float = 0.1
    test: float = 0.15
    # Alerts per day for the budget metrics.
    budget_k: int = metrics.DEFAULT_BUDGET_K
    # Beyond this many legitimate rows, a training set keeps every fraud and a weighted uniform sample.
    max_legit_rows: int | None = None
    seed: int = 0
    # An ensemble of the top this many candidates (by mean fold AUPRC) enters the selection; < 2: none.
    ensemble_size: int = 3
    # The model version store (ml/version_store.py): every registered version is kept there, promoted or
    # not, so it can score stored batches later. None keeps nothing.
    store_dir: Path | None = None
    # The boosted candidates' hyperparameter search (training/search.py): seconds in all, split across
    # them (0: none), and at most this many trials per candidate.
    search_seconds: float = 0.0
    search_trials: int = 40


@dataclass
class CandidateResult:
    name: str
    kind: str
    imbalance: str
    params: dict[str, Any]
    threshold: float
    validation: dict[str, Any]
    test: dict[str, Any]
    train_seconds: float
    score_ms_per_1000: float
    parity: dict[str, float]
    info: dict[str, Any]
    onnx_bytes: bytes = field(repr=False)
    card: artifact.ModelCard = field(repr=False)
    run_id: str = ""
    model_uri: str = ""
    # (labels, scores) per split, for the PR curve image
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    folds: "prequential.FoldScores | None" = field(default=None, repr=False)
    # The refit before calibration: what an ensemble averages.
    uncalibrated: Fitted | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ChampionScore:
    """The incumbent, scored on the new training's test rows."""

    version: str
    registry_version: str | None
    source: str  # "registry", "served" (a registered version promoted on live traffic) or "folder"
    kind: str
    threshold: float
    test: dict[str, Any]
    # The champion was fitted on rows at or after the test window's start: its test score is optimistic.
    overlaps_test: bool


def _test_columns(test: dict[str, Any]) -> dict[str, Any]:
    """The comparison table's test-window columns, the same for every candidate and the champion."""
    return {
        "test_auprc": test["auprc"],
        "test_prevalence": test["prevalence"],
        "test_roc_auc": test["roc_auc"],
        "test_precision": test["precision"],
        "test_recall": test["recall"],
        "test_f1": test["f1"],
        "test_recall_at_k": test["recall_at_k"],
        "test_precision_at_k": test["precision_at_k"],
        "test_amount_caught": test.get("fraud_amount_caught_share"),
    }


@dataclass
class Outcome:
    results: list[CandidateResult]
    best: CandidateResult
    champion: ChampionScore | None
    decision: gate.Decision
    registry_version: str | None
    promoted: bool
    exported: artifact.ModelCard | None
    parent_run_id: str
    data: dict[str, Any]
    seconds: float

    def table(self) -> list[dict[str, Any]]:
        """One row per candidate plus the champion: the comparison printed after every training."""
        rows = [
            {
                "model": r.name,
                "kind": r.kind,
                "imbalance": r.imbalance,
                "val_auprc": r.validation["auprc"],
                "val_auprc_std": r.validation.get("auprc_std"),
                **_test_columns(r.test),
                "threshold": r.threshold,
                "train_s": r.train_seconds,
                "score_ms_per_1k": r.score_ms_per_1000,
                "role": "best" if r is self.best else "",
            }
            for r in self.results
        ]
        if self.champion is not None:
            c = self.champion
            rows.append(
                {
                    "model": f"champion v{c.registry_version} ({c.kind})"
                    if c.registry_version
                    else f"champion folder ({c.kind})",
                    "kind": c.kind,
                    "imbalance": "",
                    "val_auprc": None,
                    "val_auprc_std": None,
                    **_test_columns(c.test),
                    "threshold": c.threshold,
                    "train_s": None,
                    "score_ms_per_1k": None,
                    "role": "champion, replaced" if self.promoted else "champion, kept",
                }
            )
        return rows


class NotEnoughData(ValueError):
    pass


def prepare(
    raw: np.ndarray,
    y: np.ndarray,
    source: str,
    validation: float = 0.15,
    test: float = 0.15,
    gap: float = 0.0,
) -> tuple[dict[str, Any], TrainingRows, np.ndarray, np.ndarray]:
    """Split by time and check each part has frauds: (data summary, training rows, test rows, test labels)."""
    try:
        split = time_split(raw[:, TIME], validation, test, gap)
    except ValueError as error:
        raise NotEnoughData(f"{len(y)} labeled rows: {error}") from None
    check_split(y, split)
    rows = TrainingRows(raw[split.train], y[split.train], raw[split.validation], y[split.validation])
    return data_summary(raw, y, split, source, gap), rows, raw[split.test], y[split.test]


def prepare_folds(
    raw: np.ndarray, y: np.ndarray, source: str, options: Options
) -> tuple[dict[str, Any], Prequential]:
    """Split by time into prequential folds and the test window; every part needs frauds."""
    try:
        split = prequential_split(raw[:, TIME], options.folds, options.validation, options.test, options.gap)
    except ValueError as error:
        raise NotEnoughData(f"{len(y)} labeled rows: {error}") from None
    parts = {"test": split.test, "refit": split.refit}
    for i, fold in enumerate(split.folds):
        parts |= {f"fold {i + 1} train": fold.train, f"fold {i + 1} validation": fold.validation}
    frauds = {name: int(y[idx].sum()) for name, idx in parts.items()}
    if empty := [name for name, n in frauds.items() if n == 0]:
        raise NotEnoughData(
            f"not enough labeled frauds to train: none in {', '.join(empty)} ({frauds}); "
            "upload more labeled batches, pass a larger --csv file, or use fewer --folds"
        )
    validation = np.concatenate([f.validation for f in split.folds])

    def part(idx: np.ndarray) -> dict[str, Any]:
        t = raw[idx, 0]
        return {
            "rows": len(idx),
            "frauds": int(y[idx].sum()),
            "time_start": float(t.min()),
            "time_end": float(t.max()),
        }

    data = {
        "source": source,
        "rows": len(y),
        "frauds": int(y.sum()),
        "time_start": float(raw[:, TIME].min()),
        "time_end": float(raw[:, TIME].max()),
        "gap": options.gap,
        "gap_rows": split.gap_rows,
        # The refit's rows: every row before the test window, less the gap.
        "train": part(split.refit),
        # The folds' validation windows together (out-of-fold scores choose the threshold).
        "validation": part(validation),
        "test": part(split.test),
        "folds": [{"train": part(f.train), "validation": part(f.validation)} for f in split.folds],
    }
    return data, split


def export(model_dir: Path, result: CandidateResult, raw_train: np.ndarray) -> None:
    """Write the champion folder: the graph, its card, and the reference profile of its training rows."""
    reference = reference_profile.for_model(result.onnx_bytes, result.card, raw_train)
    artifact.write(model_dir, result.onnx_bytes, result.card, reference)


def check_split(y: np.ndarray, split: TimeSplit) -> None:
    """Every part needs frauds: training to learn, validation to choose a threshold, test to report."""
    frauds = {name: int(y[idx].sum()) for name, idx in vars(split).items()}
    empty = [name for name, n in frauds.items() if n == 0]
    if empty:
        raise NotEnoughData(
            f"not enough labeled frauds to train: {frauds} (each part needs at least one); "
            "upload more labeled batches or pass a larger --csv file"
        )


def data_summary(raw: np.ndarray, y: np.ndarray, split: TimeSplit, source: str, gap: float) -> dict[str, Any]:
    def part(idx: np.ndarray) -> dict[str, Any]:
        t = raw[idx, 0]
        return {
            "rows": len(idx),
            "frauds": int(y[idx].sum()),
            "time_start": float(t.min()),
            "time_end": float(t.max()),
        }

    return {
        "source": source,
        "rows": len(y),
        "frauds": int(y.sum()),
        "time_start": float(raw[:, TIME].min()),
        "time_end": float(raw[:, TIME].max()),
        "gap": gap,
        "gap_rows": len(y) - len(split.train) - len(split.validation) - len(split.test),
        "train": part(split.train),
        "validation": part(split.validation),
        "test": part(split.test),
    }


def evaluate_candidate(
    candidate: Candidate,
    rows: TrainingRows,
    raw_test: np.ndarray,
    y_test: np.ndarray,
    data: dict[str, Any],
    reporter: Reporter,
    budget_k: int = metrics.DEFAULT_BUDGET_K,
) -> tuple[CandidateResult, Fitted]:
    """Fit one candidate on the training rows, check its ONNX export against the native model, choose
    the threshold on validation and report validation and test metrics of the exact served graph
    (a single validation window; `run` uses the prequential folds and `evaluate_refit`)."""
    fitted, scorer, parity, train_seconds = fit_checked(candidate, rows, reporter)
    val_scores = scorer.predict_proba(rows.raw_val)
    threshold = max_f1_threshold(rows.y_val, val_scores)
    validation = _evaluate(rows.y_val, val_scores, threshold, rows.raw_val, budget_k)
    return _result(
        candidate, fitted, scorer, parity, train_seconds, threshold, validation,
        (rows.y_val, val_scores), raw_test, y_test, data, budget_k,
    ), fitted  # fmt: skip


def evaluate_refit(
    candidate: Candidate,
    folds: prequential.FoldScores,
    rows: TrainingRows,
    raw_test: np.ndarray,
    y_test: np.ndarray,
    data: dict[str, Any],
    reporter: Reporter,
    budget_k: int = metrics.DEFAULT_BUDGET_K,
) -> tuple[CandidateResult, Fitted]:
    """Refit the candidate on every training row (`rows.raw_train`; `rows.raw_val` are the folds'
    validation rows, in fold order, used for the parity check only) and report the served graph.

    The threshold is chosen on the out-of-fold scores; the validation metrics are those of the
    out-of-fold scores, with `auprc` the folds' mean (the selection score) and its spread beside it."""
    refit = candidate.refit_candidate(folds.infos)
    fitted, uncalibrated, parity, train_seconds = fit_checked(refit, rows, reporter)
    # Calibration: fitted on the out-of-fold scores and folded into the graph. The calibrated graph is
    # checked against the same map applied to the uncalibrated graph's scores, whose parity with the
    # native model fit_checked has just checked on the same rows.
    raw_oof = folds.out_of_fold
    calibrator, choice = calibration.choose(rows.y_val, raw_oof)
    uncalibrated_fit = fitted
    fitted = _calibrated(fitted, calibrator)
    scorer = Scorer(fitted.onnx_bytes, _provisional_card(refit, fitted.onnx_bytes))
    served = scorer.predict_proba(rows.raw_val)
    expected = mapped_within_rounding(calibrator, uncalibrated.predict_proba(rows.raw_val), served)
    calibrated_parity = _parity(refit.name, served, expected)
    parity |= {f"calibrated_{k}": v for k, v in calibrated_parity.items()}
    oof = calibrator.apply(raw_oof)
    threshold = max_f1_threshold(rows.y_val, oof)
    validation = _evaluate(rows.y_val, oof, threshold, rows.raw_val, budget_k)
    validation |= {"auprc_pooled": validation["auprc"], "auprc": folds.mean_auprc}
    validation |= prequential.validation_summary(folds)
    result = _result(
        refit, fitted, scorer, parity, train_seconds, threshold, validation,
        (rows.y_val, oof), raw_test, y_test, data, budget_k,
    )  # fmt: skip
    result.folds = folds
    result.uncalibrated = uncalibrated_fit
    raw_test_scores = uncalibrated.predict_proba(raw_test)
    result.card.metrics["calibration"] = choice | {
        "validation": calibration.report(rows.y_val, raw_oof, oof),
        "test": calibration.report(y_test, raw_test_scores, result.curves["test"][1]),
    }
    result.train_seconds += sum(folds.seconds)
    result.card.training["fold_seconds"] = [round(s, 1) for s in folds.seconds]
    result.card.training["fold_infos"] = folds.infos
    return result, fitted


def fit_checked(
    candidate: Candidate, rows: TrainingRows, reporter: Reporter
) -> tuple[Fitted, Scorer, dict[str, float], float]:
    """Fit, then check the ONNX graph against the native model on every `rows.raw_val` row."""
    started = time.perf_counter()
    fitted = candidate.fit(rows, lambda e, m, logs: reporter.epoch(candidate, e, m, logs))
    train_seconds = time.perf_counter() - started
    scorer = Scorer(fitted.onnx_bytes, _provisional_card(candidate, fitted.onnx_bytes))
    served, native = scorer.predict_proba(rows.raw_val), native_scores(fitted, rows.raw_val)
    return fitted, scorer, _parity(candidate.name, served, native), train_seconds


def native_scores(fitted: Fitted, raw: np.ndarray, chunk_rows: int = NATIVE_CHUNK_ROWS) -> np.ndarray:
    """The native model's probabilities for `raw`, a bounded chunk at a time: at 5,000,000 rows the folds'
    validation windows are 2,000,000 rows, and a model scoring them at once makes its own copies of all of
    them (a network: the standardised rows, in float64 and float32, then TensorFlow's tensors)."""
    return np.concatenate(
        [
            np.asarray(fitted.predict_native(raw[start : start + chunk_rows]))
            for start in range(0, len(raw), chunk_rows)
        ]
        or [np.empty(0)]
    )


class ExportMismatch(RuntimeError):
    """A candidate's ONNX graph disagrees with its native model: never shipped, left out of the choice."""


def _parity(name: str, served: np.ndarray, expected: np.ndarray) -> dict[str, float]:
    """The served graph's scores against what they should be (the native model's) on the same rows;
    raises ExportMismatch when they disagree."""
    diff = np.abs(served - np.asarray(expected, dtype=np.float64))
    parity = {"max_abs_diff": float(diff.max()), "mismatch_rate": float(np.mean(diff > PARITY_TOLERANCE))}
    if parity["mismatch_rate"] > PARITY_MAX_MISMATCH_RATE:
        raise ExportMismatch(
            f"{name}: the ONNX export disagrees with the native model on "
            f"{parity['mismatch_rate']:.2%} of validation rows (max {parity['max_abs_diff']:.2e})"
        )
    return parity


def mapped_within_rounding(
    calibrator: calibration.Calibrator, score: np.ndarray, served: np.ndarray
) -> np.ndarray:
    """What the calibrated graph should score: the map applied to the uncalibrated graph's `score`, read
    within float32 rounding of its input. The map is monotone, so the true value lies between the map at
    the score a few ulps down and a few ulps up; `served` is returned clipped into that bracket, and any
    distance left is the graph's error. Checked pointwise, a steep stretch of an isotonic map magnified
    input rounding past the tolerance: an ensemble failed on 0.11 % of 2M rows, largest difference 2.7e-4
    (2026-11-30).
    """
    ulps = np.abs(score) * 2.0**-21 + 1e-9  # four float32 ulps of the score
    low = calibrator.apply(np.clip(score - ulps, 0.0, 1.0))
    high = calibrator.apply(np.clip(score + ulps, 0.0, 1.0))
    bracketed: np.ndarray = np.clip(served, np.minimum(low, high), np.maximum(low, high))
    return bracketed


def _graph_only(fitted: Fitted | None) -> Fitted | None:
    """What an ensemble needs of a logged candidate, its graph, without the native model: kept to the
    end of the run, every candidate's native model (networks with their TensorFlow state, forests) made
    the run's memory climb candidate after candidate."""
    if fitted is None:
        return None

    def no_native(raw: np.ndarray) -> np.ndarray:  # noqa: ARG001
        raise RuntimeError("the native model was released after logging; score the graph instead")

    return Fitted(fitted.onnx_bytes, None, no_native, fitted.info)


def _calibrated(fitted: Fitted, calibrator: calibration.Calibrator) -> Fitted:
    """The fitted model with the calibration map after it, in the graph and natively."""
    native = fitted.predict_native
    return Fitted(
        calibration.fold_into_graph(fitted.onnx_bytes, calibrator),
        fitted.native,
        lambda raw: calibrator.apply(native(raw)),
        fitted.info | {"calibration": calibrator.method},
    )


def _provisional_card(candidate: Candidate, onnx_bytes: bytes) -> artifact.ModelCard:
    return artifact.ModelCard(
        version=artifact.make_version(candidate.name.replace("+", "-"), onnx_bytes),
        kind=candidate.kind,
        threshold=0.5,
        created_at=datetime.now(UTC),
        metrics={},
        training={},
    )


def _evaluate(
    y: np.ndarray, scores: np.ndarray, threshold: float, raw: np.ndarray, budget_k: int
) -> dict[str, Any]:
    """Metrics with the alert budget per day and the fraud amount, both read from the raw rows."""
    return metrics.evaluate(y, scores, threshold, amount=raw[:, AMOUNT], time=raw[:, TIME], budget_k=budget_k)


def _result(
    candidate: Candidate,
    fitted: Fitted,
    scorer: Scorer,
    parity: dict[str, float],
    train_seconds: float,
    threshold: float,
    validation: dict[str, Any],
    val_curve: tuple[np.ndarray, np.ndarray],
    raw_test: np.ndarray,
    y_test: np.ndarray,
    data: dict[str, Any],
    budget_k: int,
) -> CandidateResult:
    test_scores = scorer.predict_proba(raw_test)  # also the warm-up for the timing below
    timings = []
    for _ in range(3):
        scoring_started = time.perf_counter()
        scorer.predict_proba(raw_test)
        timings.append(time.perf_counter() - scoring_started)
    score_ms = min(timings) * 1000 / len(raw_test) * 1000

    test = _evaluate(y_test, test_scores, threshold, raw_test, budget_k)
    card = scorer.card.model_copy(
        update={
            "threshold": threshold,
            "onnx_sha256": artifact.sha256(fitted.onnx_bytes),
            "metrics": {"validation": validation, "test": test},
            "training": {
                "source": data["source"],
                "candidate": candidate.name,
                "rows": data["train"]["rows"],
                "frauds": data["train"]["frauds"],
                "time_start": data["train"]["time_start"],
                "time_end": data["train"]["time_end"],
                "data": {k: data[k] for k in ("rows", "frauds", "time_start", "time_end", "gap")},
                "split": {k: data[k] for k in ("train", "validation", "test")},
                "seconds": round(train_seconds, 1),
                "score_ms_per_1000": round(score_ms, 3),
                "parity": parity,
                "imbalance": candidate.imbalance,
                "params": candidate.params(),
                **fitted.info,
            },
        }
    )
    return CandidateResult(
        name=candidate.name,
        kind=candidate.kind,
        imbalance=candidate.imbalance,
        params=candidate.params(),
        threshold=threshold,
        validation=validation,
        test=test,
        train_seconds=train_seconds,
        score_ms_per_1000=score_ms,
        parity=parity,
        info=fitted.info,
        onnx_bytes=fitted.onnx_bytes,
        card=card,
        curves={"validation": val_curve, "test": (y_test, test_scores)},
    )


def score_champion(
    onnx_bytes: bytes,
    card: artifact.ModelCard,
    raw_test: np.ndarray,
    y_test: np.ndarray,
    registry_version: str | None,
    source: str,
    test_start: float,
    budget_k: int = metrics.DEFAULT_BUDGET_K,
) -> ChampionScore:
    scores = Scorer(onnx_bytes, card).predict_proba(raw_test)
    trained_until = card.training.get("time_end")
    return ChampionScore(
        version=card.version,
        registry_version=registry_version,
        source=source,
        kind=card.kind,
        threshold=card.threshold,
        test=_evaluate(y_test, scores, card.threshold, raw_test, budget_k),
        overlaps_test=trained_until is not None and float(trained_until) >= test_start,
    )


def run(
    raw: np.ndarray,
    y: np.ndarray,
    source: str,
    candidates: list[Candidate],
    options: Options,
    reporter: Reporter | None = None,
    extra: dict[str, Any] | None = None,
) -> Outcome:
    """Train every candidate, log them, register the best and promote it through the gate."""
    from fraudops.training import tracking

    started = time.perf_counter()
    reporter = reporter or QuietReporter()
    if not candidates:
        raise ValueError("no candidates to train")
    if len(y) == 0:
        raise NotEnoughData("no labeled rows to train on: upload labeled batches or pass --csv FILE")
    data, split = prepare_folds(raw, y, source, options)
    data |= extra or {}
    raw_test, y_test = raw[split.test], y[split.test]
    validation_idx = np.concatenate([f.validation for f in split.folds])

    def sample(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        return downsample_legit(idx, y, options.max_legit_rows, options.seed)

    refit_idx, refit_weights = sample(split.refit)
    # The refit's rows; its "validation" rows are the folds' windows, for the parity check only.
    rows = TrainingRows(raw[refit_idx], y[refit_idx], raw[validation_idx], y[validation_idx], refit_weights)
    data["sampling"] = {
        "max_legit_rows": options.max_legit_rows,
        "refit_rows": len(refit_idx),
        "legit_weight": float(refit_weights.max()) if refit_weights is not None else 1.0,
    }
    reporter.begin(candidates, {k: data[k]["rows"] for k in ("train", "validation", "test")})

    tracker = tracking.Tracker(
        options.tracking_uri, options.experiment, options.registered_name, options.artifact_location
    )
    commit = tracking.git_commit()
    results: list[CandidateResult] = []
    search_budget = search.budget_per_candidate(candidates, options.search_seconds)
    parent_tags = {"fraudops.kind": "training", "git_commit": commit, "dry_run": str(options.dry_run)}
    with tracker.run(f"train-{datetime.now(UTC):%Y%m%dT%H%M%S}", tags=parent_tags) as parent_run_id:
        tracker.log_params(
            {
                "source": source,
                "rows": data["rows"],
                "frauds": data["frauds"],
                "time_start": data["time_start"],
                "time_end": data["time_end"],
                "gap": options.gap,
                "folds": options.folds,
                "fold_validation": options.validation,
                "budget_k": options.budget_k,
                "max_legit_rows": options.max_legit_rows,
                "search_seconds": options.search_seconds,
                "train_rows": data["train"]["rows"],
                "validation_rows": data["validation"]["rows"],
                "test_rows": data["test"]["rows"],
                "candidates": [c.name for c in candidates],
                "margin": options.margin,
                "git_commit": commit,
            }
        )
        tracker.log_dict(data, "data.json")
        excluded: list[dict[str, str]] = []
        for index, candidate in enumerate(candidates):
            reporter.candidate_started(index, candidate)
            try:
                with tracker.run(candidate.name, nested=True, tags={"kind": candidate.kind}) as run_id:
                    chosen = candidate  # or the search's best parameters, as the same candidate
                    if search_budget > 0 and search.is_boosted(candidate):
                        search_options = search.SearchOptions(
                            search_budget, options.search_trials, options.seed
                        )
                        chosen = search.tune(
                            candidate, raw, y, split, sample, options.budget_k, search_options, tracker,
                            reporter.stage,
                        ).candidate  # fmt: skip

                    def on_fold(i: int, m: dict[str, Any], name: str = candidate.name) -> None:
                        tracker.log_metrics(_fold_metrics(m), step=i + 1)
                        reporter.stage(
                            f"    {name} fold {i + 1}/{options.folds}: validation AUPRC {m['auprc']:.4f}"
                        )

                    def on_epoch(e: int, m: int, logs: dict[str, float], c: Candidate = candidate) -> None:
                        reporter.epoch(c, e, m, logs)

                    folds = prequential.cross_validate(
                        chosen, raw, y, split, sample, options.budget_k, on_epoch, on_fold
                    )
                    result, fitted = evaluate_refit(
                        chosen, folds, rows, raw_test, y_test, data, reporter, options.budget_k
                    )
                    result.run_id = run_id
                    _log_candidate(tracker, result, fitted)
                    result.uncalibrated = _graph_only(result.uncalibrated)
                    del fitted
            except ExportMismatch as error:
                # One candidate whose export cannot be trusted (e.g. float32 split thresholds in a tree
                # converter) must not sink the training: it is left out, recorded, and the others compete.
                excluded.append({"candidate": candidate.name, "reason": str(error)})
                reporter.stage(f"    {candidate.name} left out: {error}")
                continue
            results.append(result)
            reporter.candidate_finished(result)
            release_freed_memory()  # the candidate's fold copies, before the next one makes its own

        if options.ensemble_size >= 2 and len(results) >= 2:
            top = sorted(results, key=lambda r: r.validation["auprc"], reverse=True)[: options.ensemble_size]
            ensemble = EnsembleCandidate([(r.name, r.uncalibrated) for r in top if r.uncalibrated])
            reporter.stage(f"ensemble of the top {len(top)}: {ensemble.name}")
            try:
                with tracker.run(ensemble.name, nested=True, tags={"kind": ensemble.kind}) as run_id:
                    folds = prequential.average(
                        ensemble, [r.folds for r in top if r.folds], split, raw, y, options.budget_k
                    )
                    for i, m in enumerate(folds.metrics):
                        tracker.log_metrics(_fold_metrics(m), step=i + 1)
                    result, fitted = evaluate_refit(
                        ensemble, folds, rows, raw_test, y_test, data, reporter, options.budget_k
                    )
                    result.run_id = run_id
                    _log_candidate(tracker, result, fitted)
                results.append(result)
                reporter.candidate_finished(result)
            except ExportMismatch as error:  # like any candidate's: left out, recorded
                excluded.append({"candidate": ensemble.name, "reason": str(error)})
                reporter.stage(f"    {ensemble.name} left out: {error}")

        if excluded:
            tracker.log_dict({"excluded": excluded}, "excluded.json")
        if not results:
            raise ExportMismatch(f"no candidate's export matched its native model: {excluded}")
        best = max(results, key=lambda r: r.validation["auprc"])
        reporter.stage(
            f"best by mean validation AUPRC over {options.folds} folds: {best.name} "
            f"({best.validation['auprc']:.4f} ± {best.validation.get('auprc_std', 0.0):.4f})"
        )
        champion = _current_champion(
            tracker,
            options.model_dir,
            raw_test,
            y_test,
            data["test"]["time_start"],
            not options.dry_run,
            options.budget_k,
        )
        decision = gate.decide(
            best.test["auprc"], champion.test["auprc"] if champion else None, options.margin, options.force
        )
        registry_version: str | None = None
        exported: artifact.ModelCard | None = None
        if not options.dry_run:
            registry_version = tracker.register(
                best.model_uri,
                {
                    "candidate": best.name,
                    "kind": best.kind,
                    "card_version": best.card.version,
                    "val_auprc": f"{best.validation['auprc']:.6f}",
                    "test_auprc": f"{best.test['auprc']:.6f}",
                    "threshold": f"{best.threshold:.6f}",
                },
            )
            best.card.training["mlflow"] = {
                "experiment_id": tracker.experiment_id,
                "parent_run_id": parent_run_id,
                "run_id": best.run_id,
                "registered_model": options.registered_name,
                "registry_version": registry_version,
            }
            tracker.tag_version(registry_version, {"gate": "promoted" if decision.promote else "rejected"})
            if options.store_dir is not None:
                from fraudops.ml import version_store

                version_store.keep(options.store_dir, best.onnx_bytes, best.card)
            if decision.promote:
                tracker.set_champion(registry_version)
                export(options.model_dir, best, rows.raw_train)
                exported = best.card
        verdict = (
            "dry run: nothing registered or promoted. " + decision.reason
            if options.dry_run
            else decision.reason
        )
        outcome = Outcome(
            results=results,
            best=best,
            champion=champion,
            decision=gate.Decision(decision.promote and not options.dry_run, verdict, decision.delta),
            registry_version=registry_version,
            promoted=exported is not None,
            exported=exported,
            parent_run_id=parent_run_id,
            data=data,
            seconds=time.perf_counter() - started,
        )
        tracker.log_dict({"decision": verdict, "table": outcome.table()}, "comparison.json")
        tracker.set_tags(
            {
                "best_candidate": best.name,
                "registry_version": registry_version or "",
                "promoted": outcome.promoted,
                "decision": verdict[:5000],
            }
        )
        if champion is not None:
            tracker.log_metrics({"champion_test_auprc": champion.test["auprc"]})
        tracker.log_metrics(
            {"best_val_auprc": best.validation["auprc"], "best_test_auprc": best.test["auprc"]}
        )
    return outcome


def _fold_metrics(m: dict[str, Any]) -> dict[str, float]:
    """A fold's validation metrics for MLflow (one step per fold)."""
    keys = ("auprc", "roc_auc", "precision", "recall", "precision_at_k", "recall_at_k")
    return {f"fold_val_{k}": m[k] for k in keys} | {"fold_val_frauds": m["frauds"]}


def _log_candidate(tracker: Any, result: CandidateResult, fitted: Fitted) -> None:
    from fraudops.training import tracking

    tracker.log_params(result.params)
    flat: dict[str, float] = {
        "train_seconds": result.train_seconds,
        "score_ms_per_1000": result.score_ms_per_1000,
        "threshold": result.threshold,
        "parity_max_abs_diff": result.parity["max_abs_diff"],
        "parity_mismatch_rate": result.parity["mismatch_rate"],
    }
    for split_name, m in (("val", result.validation), ("test", result.test)):
        for key in METRIC_KEYS:
            if key in m:
                flat[f"{split_name}_{key}"] = m[key]
    if result.folds is not None:
        flat |= {
            "val_auprc_std": result.folds.std_auprc,
            "val_auprc_pooled": result.validation["auprc_pooled"],
        }
        flat |= {f"fold_{i + 1}_val_auprc": a for i, a in enumerate(result.folds.auprcs)}
    flat |= {k: v for k, v in result.info.items() if isinstance(v, int | float)}
    tracker.log_metrics(flat)
    tracker.log_figure(tracking.pr_curve_figure(result.curves, result.name), "pr_curve.png")
    tracker.log_figure(
        tracking.confusion_figure(
            {"validation": result.validation["confusion"], "test": result.test["confusion"]},
            result.threshold,
            result.name,
        ),
        "confusion_matrix.png",
    )
    if (calibrated := result.card.metrics.get("calibration")) is not None:
        tracker.set_tags({"calibration": calibrated["method"]})
        tracker.log_metrics(
            {f"{part}_{key}": calibrated[part][key] for part in ("validation", "test")
             for key in ("brier", "brier_before", "log_loss", "log_loss_before")}
        )  # fmt: skip
        tracker.log_figure(
            tracking.reliability_figure(
                {part: calibrated[part]["reliability"] for part in ("validation", "test")}, result.name
            ),
            "reliability.png",
        )
    tracker.log_dict(result.card.model_dump(mode="json"), "model_card.json")
    result.model_uri = tracker.log_models(result.onnx_bytes, result.card, fitted.native)


def _current_champion(
    tracker: Any,
    model_dir: Path,
    raw_test: np.ndarray,
    y_test: np.ndarray,
    test_start: float,
    restore: bool,
    budget_k: int,
) -> ChampionScore | None:
    """The registry's `@champion`; without one, the champion folder a deployment serves (if any), so a
    fresh MLflow store never promotes blindly over a model that is already in production.

    A folder serving another registered version of this model than `@champion` holds a challenger promoted
    on live traffic (`POST /api/challenger/promote`, which has no registry to write to): that model is the
    champion to beat, and the alias is moved to it (not in a dry run), so the registry says what serves."""
    registered = tracker.champion()
    served = _served_registered_version(tracker, model_dir, registered)
    if served is not None:
        version, (onnx_bytes, card) = served, artifact.read(model_dir)
        if restore:
            log.warning(
                "serving %s (registry version %s) is the champion: moving @champion to it",
                card.version,
                version,
            )
            tracker.set_champion(version)
        return score_champion(onnx_bytes, card, raw_test, y_test, version, "served", test_start, budget_k)
    if registered is not None:
        if restore:
            _restore_folder(model_dir, registered.onnx_bytes, registered.card)
        return score_champion(
            registered.onnx_bytes,
            registered.card,
            raw_test,
            y_test,
            registered.registry_version,
            "registry",
            test_start,
            budget_k,
        )
    if artifact.exists(model_dir):
        onnx_bytes, card = artifact.read(model_dir)
        return score_champion(onnx_bytes, card, raw_test, y_test, None, "folder", test_start, budget_k)
    return None


def _served_registered_version(tracker: Any, model_dir: Path, registered: Any) -> str | None:
    """The registry version the champion folder serves, when it is a version of this registered model other
    than `@champion`'s (checked against the version's own card tag, not only the number the card holds)."""
    if registered is None or not artifact.exists(model_dir):
        return None
    card = artifact.read_card(model_dir)
    recorded = card.training.get("mlflow") or {}
    version = recorded.get("registry_version")
    if (
        card.version == registered.card.version
        or version is None
        or recorded.get("registered_model") != tracker.registered_name
        or not tracker.version_of_card(str(version), card.version)
    ):
        return None
    return str(version)


def _restore_folder(model_dir: Path, onnx_bytes: bytes, card: artifact.ModelCard) -> None:
    """An empty champion folder gets the registry's champion, so there is a model to serve whatever the
    gate decides. A folder holding another model (one committed from elsewhere, say) is left alone."""
    if not artifact.exists(model_dir):
        log.warning("%s is empty: exporting the registry's champion %s there", model_dir, card.version)
        artifact.write(model_dir, onnx_bytes, card)
    elif (held := artifact.read_card(model_dir).version) != card.version:
        log.warning("%s holds %s, not the registry's champion %s", model_dir, held, card.version)
