"""A time-boxed hyperparameter search for the boosted candidates (XGBoost, LightGBM, CatBoost) with Optuna.

Each boosted candidate gets its own study: a seeded TPE sampler maximising the mean validation AUPRC over
the very prequential folds the pipeline chooses on (`prequential.cross_validate`, no second evaluation),
within a wall-clock budget and a trial cap. The first trial is the candidate as configured, so the search
never ends below the untuned model on the folds. Every trial is an MLflow child run of the candidate's run
(its parameters, its fold AUPRCs); the best trial's parameters make the candidate that then enters the
normal selection, so the gate and the export do not change.

The budget is checked before each fold: a fold that the time left is not expected to hold (judged by the
mean of the folds fitted so far) is not started, and the trial it belongs to is recorded as pruned, so a
search ends within its budget give or take one fold's variation. Training-only: imports Optuna.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from fraudops.ml.candidates import Candidate, CatBoostCandidate, LightGBMCandidate, XGBoostCandidate
from fraudops.ml.split import Prequential
from fraudops.training import prequential

if TYPE_CHECKING:
    from fraudops.training.tracking import Tracker

BOOSTED = (XGBoostCandidate, LightGBMCandidate, CatBoostCandidate)


@dataclass(frozen=True)
class Dim:
    """One searched hyperparameter; `default` is the library's own, used when the candidate sets none."""

    name: str
    low: float
    high: float
    default: float
    log: bool = False
    integer: bool = False


# The parameters that move AUPRC most on these models; tree counts stay with early stopping on each fold.
SPACES: dict[type[Candidate], tuple[Dim, ...]] = {
    XGBoostCandidate: (
        Dim("learning_rate", 0.01, 0.3, 0.3, log=True),
        Dim("max_depth", 3, 10, 6, integer=True),
        Dim("min_child_weight", 1.0, 20.0, 1.0, log=True),
        Dim("subsample", 0.5, 1.0, 1.0),
        Dim("colsample_bytree", 0.5, 1.0, 1.0),
        Dim("reg_lambda", 0.1, 10.0, 1.0, log=True),
    ),
    LightGBMCandidate: (
        Dim("learning_rate", 0.01, 0.3, 0.1, log=True),
        Dim("num_leaves", 8, 128, 31, log=True, integer=True),
        Dim("min_child_samples", 5, 100, 20, log=True, integer=True),
        Dim("subsample", 0.5, 1.0, 1.0),
        Dim("colsample_bytree", 0.5, 1.0, 1.0),
        Dim("reg_lambda", 0.0, 10.0, 0.0),
    ),
    CatBoostCandidate: (
        Dim("learning_rate", 0.01, 0.3, 0.03, log=True),
        Dim("depth", 4, 8, 6, integer=True),
        Dim("l2_leaf_reg", 1.0, 10.0, 3.0, log=True),
    ),
}


@dataclass(frozen=True)
class SearchOptions:
    seconds: float  # this candidate's wall-clock budget
    max_trials: int = 40
    seed: int = 0
    # Median pruning on the fold AUPRCs: a trial whose fold falls below the median of earlier trials'
    # same fold stops there.
    prune: bool = True


@dataclass
class TrialRecord:
    number: int
    params: dict[str, Any]
    fold_auprcs: list[float]
    state: str  # "complete" or "pruned"
    seconds: float
    run_id: str

    @property
    def value(self) -> float | None:
        return float(np.mean(self.fold_auprcs)) if self.state == "complete" else None


@dataclass
class SearchResult:
    candidate: Candidate  # the best trial's (the original when no trial completed)
    best_params: dict[str, Any]
    best_value: float | None
    trials: list[TrialRecord] = field(default_factory=list)
    seconds: float = 0.0


def is_boosted(candidate: Candidate) -> bool:
    return type(candidate) in SPACES


def budget_per_candidate(candidates: list[Candidate], total_seconds: float) -> float:
    """The total budget split evenly across the set's boosted candidates (0 when there are none)."""
    boosted = sum(is_boosted(c) for c in candidates)
    return total_seconds / boosted if boosted and total_seconds > 0 else 0.0


def with_params(candidate: Candidate, params: dict[str, Any]) -> Candidate:
    """The same candidate (name, seed, resampling, early stopping) with `params` replacing its own."""
    if isinstance(candidate, XGBoostCandidate):
        return XGBoostCandidate(
            candidate.name,
            smote_ratio=candidate.smote_ratio,
            seed=candidate.seed,
            **(candidate.settings | params),
        )
    if isinstance(candidate, LightGBMCandidate):
        return LightGBMCandidate(candidate.name, seed=candidate.seed, **(candidate.settings | params))
    if isinstance(candidate, CatBoostCandidate):
        return CatBoostCandidate(candidate.name, **(candidate.settings | params))
    raise TypeError(f"{candidate.name} is not a boosted candidate")


def current_params(candidate: Candidate) -> dict[str, Any]:
    """The candidate's own values of the searched parameters, clipped into the space: the first trial."""
    settings: dict[str, Any] = getattr(candidate, "settings", {})
    out: dict[str, Any] = {}
    for dim in SPACES[type(candidate)]:
        value = min(max(float(settings.get(dim.name, dim.default)), dim.low), dim.high)
        out[dim.name] = round(value) if dim.integer else value
    return out


def tune(
    candidate: Candidate,
    raw: np.ndarray,
    y: np.ndarray,
    split: Prequential,
    sample: prequential.Sampler,
    budget_k: int,
    options: SearchOptions,
    tracker: "Tracker",
    report: Callable[[str], None] | None = None,
) -> SearchResult:
    """Search `candidate`'s space within `options.seconds` (call inside the candidate's MLflow run)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    started = time.perf_counter()
    deadline = started + options.seconds
    pruner: optuna.pruners.BasePruner = (
        optuna.pruners.MedianPruner(n_startup_trials=3) if options.prune else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=options.seed), pruner=pruner
    )
    study.enqueue_trial(current_params(candidate))
    records: list[TrialRecord] = []
    space = SPACES[type(candidate)]
    fold_seconds: list[float] = []  # every fold fitted so far, for what the next one will cost

    def out_of_time() -> bool:
        expected = float(np.mean(fold_seconds)) if fold_seconds else 0.0
        return time.perf_counter() + expected > deadline

    def objective(trial: optuna.Trial) -> float:
        if out_of_time():  # not even one more fold fits: stop before fitting anything
            study.stop()
            raise optuna.TrialPruned
        params = {dim.name: _suggest(trial, dim) for dim in space}
        auprcs: list[float] = []
        trial_started = fold_started = time.perf_counter()

        def on_fold(i: int, m: dict[str, Any]) -> None:
            nonlocal fold_started
            fold_seconds.append(time.perf_counter() - fold_started)
            auprcs.append(float(m["auprc"]))
            tracker.log_metrics({"fold_val_auprc": m["auprc"]}, step=i + 1)
            trial.report(float(m["auprc"]), i)
            last = i + 1 == len(split.folds)
            if not last and (out_of_time() or trial.should_prune()):
                raise optuna.TrialPruned
            fold_started = time.perf_counter()

        tags = {"fraudops.kind": "search_trial", "kind": candidate.kind}
        with tracker.run(f"{candidate.name} trial {trial.number}", nested=True, tags=tags) as run_id:
            tracker.log_params(params | {"trial": trial.number})
            try:
                trial_candidate = with_params(candidate, params)
                prequential.cross_validate(trial_candidate, raw, y, split, sample, budget_k, on_fold=on_fold)
                state = "complete"
            except optuna.TrialPruned:
                state = "pruned"
            record = TrialRecord(
                trial.number, params, auprcs, state, time.perf_counter() - trial_started, run_id
            )
            records.append(record)
            tracker.log_metrics(
                {f"fold_{i + 1}_val_auprc": a for i, a in enumerate(auprcs)}
                | {"trial_seconds": record.seconds}
                | ({"val_auprc": record.value} if record.value is not None else {})
            )
            tracker.set_tags({"state": state})
        if report is not None:
            shown = (
                f"{record.value:.4f}" if record.value is not None else f"pruned after {len(auprcs)} fold(s)"
            )
            report(f"    {candidate.name} search trial {trial.number}: mean validation AUPRC {shown}")
        if state == "pruned":
            raise optuna.TrialPruned
        return float(np.mean(auprcs))

    # Optuna's timeout is checked before each trial; `on_fold` checks it between folds.
    study.optimize(objective, n_trials=options.max_trials, timeout=max(options.seconds, 1e-3))
    complete = [r for r in records if r.value is not None]
    seconds = time.perf_counter() - started
    if not complete:
        return SearchResult(candidate, {}, None, records, seconds)
    best = max(complete, key=lambda r: (r.value or 0.0, -r.number))
    tracker.log_metrics(
        {"search_trials": len(records), "search_best_val_auprc": best.value or 0.0, "search_seconds": seconds}
    )
    tracker.set_tags({"search_best_trial": best.number, "search_best_run_id": best.run_id})
    return SearchResult(with_params(candidate, best.params), best.params, best.value, records, seconds)


def _suggest(trial: Any, dim: Dim) -> float | int:
    if dim.integer:
        return int(trial.suggest_int(dim.name, int(dim.low), int(dim.high), log=dim.log))
    return float(trial.suggest_float(dim.name, dim.low, dim.high, log=dim.log))
