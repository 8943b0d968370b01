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

from fraudops.ml import artifact, metrics, promotion
from fraudops.ml.candidates import Candidate, Fitted, TrainingRows
from fraudops.ml.scorer import Scorer
from fraudops.ml.split import TimeSplit, time_split
from fraudops.ml.threshold import max_f1_threshold
from fraudops.monitoring import profile as reference_profile

log = logging.getLogger(__name__)

# ONNX (float32, fused ops) and the native model may differ in the last bits. Models are fitted on the
# served graph's own features (candidates.graph_features), so tree splits do not flip; the rate still
# tolerates a stray row, while a broken export differs nearly everywhere.
PARITY_TOLERANCE = 1e-4
PARITY_MAX_MISMATCH_RATE = 1e-3


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
    validation: float = 0.15
    test: float = 0.15


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


@dataclass(frozen=True)
class ChampionScore:
    """The incumbent, scored on the new training's test rows."""

    version: str
    registry_version: str | None
    source: str  # "registry" or "folder"
    kind: str
    threshold: float
    test: dict[str, Any]
    # The champion was fitted on rows at or after the test window's start: its test score is optimistic.
    overlaps_test: bool


@dataclass
class Outcome:
    results: list[CandidateResult]
    best: CandidateResult
    champion: ChampionScore | None
    decision: promotion.Decision
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
                "test_auprc": r.test["auprc"],
                "test_prevalence": r.test["prevalence"],
                "test_roc_auc": r.test["roc_auc"],
                "test_precision": r.test["precision"],
                "test_recall": r.test["recall"],
                "test_f1": r.test["f1"],
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
                    "test_auprc": c.test["auprc"],
                    "test_prevalence": c.test["prevalence"],
                    "test_roc_auc": c.test["roc_auc"],
                    "test_precision": c.test["precision"],
                    "test_recall": c.test["recall"],
                    "test_f1": c.test["f1"],
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
        split = time_split(raw[:, 0], validation, test, gap)
    except ValueError as error:
        raise NotEnoughData(f"{len(y)} labeled rows: {error}") from None
    check_split(y, split)
    rows = TrainingRows(raw[split.train], y[split.train], raw[split.validation], y[split.validation])
    return data_summary(raw, y, split, source, gap), rows, raw[split.test], y[split.test]


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
        "time_start": float(raw[:, 0].min()),
        "time_end": float(raw[:, 0].max()),
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
) -> tuple[CandidateResult, Fitted]:
    """Fit one candidate on the training rows, check its ONNX export against the native model, choose
    the threshold on validation and report validation and test metrics of the exact served graph."""
    started = time.perf_counter()
    fitted = candidate.fit(rows, lambda e, m, logs: reporter.epoch(candidate, e, m, logs))
    train_seconds = time.perf_counter() - started

    provisional = artifact.ModelCard(
        version=artifact.make_version(candidate.name.replace("+", "-"), fitted.onnx_bytes),
        kind=candidate.kind,
        threshold=0.5,
        created_at=datetime.now(UTC),
        metrics={},
        training={},
    )
    scorer = Scorer(fitted.onnx_bytes, provisional)
    val_scores = scorer.predict_proba(rows.raw_val)
    diff = np.abs(val_scores - np.asarray(fitted.predict_native(rows.raw_val), dtype=np.float64))
    parity = {"max_abs_diff": float(diff.max()), "mismatch_rate": float(np.mean(diff > PARITY_TOLERANCE))}
    if parity["mismatch_rate"] > PARITY_MAX_MISMATCH_RATE:
        raise RuntimeError(
            f"{candidate.name}: the ONNX export disagrees with the native model on "
            f"{parity['mismatch_rate']:.2%} of validation rows (max {parity['max_abs_diff']:.2e})"
        )

    threshold = max_f1_threshold(rows.y_val, val_scores)
    test_scores = scorer.predict_proba(raw_test)  # also the warm-up for the timing below
    timings = []
    for _ in range(3):
        scoring_started = time.perf_counter()
        scorer.predict_proba(raw_test)
        timings.append(time.perf_counter() - scoring_started)
    score_ms = min(timings) * 1000 / len(raw_test) * 1000

    validation = metrics.evaluate(rows.y_val, val_scores, threshold)
    test = metrics.evaluate(y_test, test_scores, threshold)
    card = provisional.model_copy(
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
    result = CandidateResult(
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
        curves={"validation": (rows.y_val, val_scores), "test": (y_test, test_scores)},
    )
    return result, fitted


def score_champion(
    onnx_bytes: bytes,
    card: artifact.ModelCard,
    raw_test: np.ndarray,
    y_test: np.ndarray,
    registry_version: str | None,
    source: str,
    test_start: float,
) -> ChampionScore:
    scores = Scorer(onnx_bytes, card).predict_proba(raw_test)
    trained_until = card.training.get("time_end")
    return ChampionScore(
        version=card.version,
        registry_version=registry_version,
        source=source,
        kind=card.kind,
        threshold=card.threshold,
        test=metrics.evaluate(y_test, scores, card.threshold),
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
    from fraudops.ml import tracking

    started = time.perf_counter()
    reporter = reporter or QuietReporter()
    if not candidates:
        raise ValueError("no candidates to train")
    if len(y) == 0:
        raise NotEnoughData("no labeled rows to train on: upload labeled batches or pass --csv FILE")
    data, rows, raw_test, y_test = prepare(raw, y, source, options.validation, options.test, options.gap)
    data |= extra or {}
    reporter.begin(candidates, {k: data[k]["rows"] for k in ("train", "validation", "test")})

    tracker = tracking.Tracker(
        options.tracking_uri, options.experiment, options.registered_name, options.artifact_location
    )
    commit = tracking.git_commit()
    results: list[CandidateResult] = []
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
                "train_rows": data["train"]["rows"],
                "validation_rows": data["validation"]["rows"],
                "test_rows": data["test"]["rows"],
                "candidates": [c.name for c in candidates],
                "margin": options.margin,
                "git_commit": commit,
            }
        )
        tracker.log_dict(data, "data.json")
        for index, candidate in enumerate(candidates):
            reporter.candidate_started(index, candidate)
            with tracker.run(candidate.name, nested=True, tags={"kind": candidate.kind}) as run_id:
                result, fitted = evaluate_candidate(candidate, rows, raw_test, y_test, data, reporter)
                result.run_id = run_id
                _log_candidate(tracker, result, fitted)
            results.append(result)
            reporter.candidate_finished(result)

        best = max(results, key=lambda r: r.validation["auprc"])
        reporter.stage(f"best by validation AUPRC: {best.name} ({best.validation['auprc']:.4f})")
        champion = _current_champion(
            tracker, options.model_dir, raw_test, y_test, data["test"]["time_start"], not options.dry_run
        )
        decision = promotion.decide(
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
            decision=promotion.Decision(decision.promote and not options.dry_run, verdict, decision.delta),
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


def _log_candidate(tracker: Any, result: CandidateResult, fitted: Fitted) -> None:
    from fraudops.ml import tracking

    tracker.log_params(result.params)
    flat: dict[str, float] = {
        "train_seconds": result.train_seconds,
        "score_ms_per_1000": result.score_ms_per_1000,
        "threshold": result.threshold,
        "parity_max_abs_diff": result.parity["max_abs_diff"],
        "parity_mismatch_rate": result.parity["mismatch_rate"],
    }
    for split_name, m in (("val", result.validation), ("test", result.test)):
        for key in ("auprc", "prevalence", "roc_auc", "precision", "recall", "f1"):
            flat[f"{split_name}_{key}"] = m[key]
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
    tracker.log_dict(result.card.model_dump(mode="json"), "model_card.json")
    result.model_uri = tracker.log_models(result.onnx_bytes, result.card, fitted.native)


def _current_champion(
    tracker: Any, model_dir: Path, raw_test: np.ndarray, y_test: np.ndarray, test_start: float, restore: bool
) -> ChampionScore | None:
    """The registry's `@champion`; without one, the champion folder a deployment serves (if any), so a
    fresh MLflow store never promotes blindly over a model that is already in production."""
    registered = tracker.champion()
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
        )
    if artifact.exists(model_dir):
        onnx_bytes, card = artifact.read(model_dir)
        return score_champion(onnx_bytes, card, raw_test, y_test, None, "folder", test_start)
    return None


def _restore_folder(model_dir: Path, onnx_bytes: bytes, card: artifact.ModelCard) -> None:
    """An empty champion folder gets the registry's champion, so there is a model to serve whatever the
    gate decides. A folder holding another model (one committed from elsewhere, say) is left alone."""
    if not artifact.exists(model_dir):
        log.warning("%s is empty: exporting the registry's champion %s there", model_dir, card.version)
        artifact.write(model_dir, onnx_bytes, card)
    elif (held := artifact.read_card(model_dir).version) != card.version:
        log.warning("%s holds %s, not the registry's champion %s", model_dir, held, card.version)
