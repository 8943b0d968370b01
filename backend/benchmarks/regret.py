"""Selection regret: how much test AUPRC the chosen candidate leaves on the table against the best
candidate on the same test rows, choosing on one validation window (before issue 15) and on the mean of
prequential time folds (after).

Per seed: synthetic rows with drift on; the same candidates and the same test window (the last 15 % by
time) for both ways. Before: fit on the first 70 %, choose by AUPRC on the next 15 % (pipeline.prepare +
evaluate_candidate, the old path). After: K folds, choose by mean fold AUPRC, refit on every row before
the test window, calibrate (prequential.cross_validate + pipeline.evaluate_refit, what `fraudops train`
runs). Regret = best candidate's test AUPRC - chosen candidate's test AUPRC (0 when the choice was right).

Usage, from backend/: python -m benchmarks.regret [--seeds 5] [--rows 60000] [--folds 4] [--drift 0.6]
Writes the figures as JSON under var/bench/ as well. Not a timed test: nothing is asserted.
"""

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from fraudops.data import synthetic
from fraudops.data.schema import FEATURE_COLUMNS, LABEL_COLUMN
from fraudops.ml import candidates
from fraudops.training import pipeline, prequential

OUT = Path("var/bench")


def candidate_set(seed: int) -> list[candidates.Candidate]:
    """The boosted and linear candidates at reduced sizes (no network: TensorFlow would dominate the
    time without changing what is measured)."""
    forest = candidates.random_forest(seed)
    forest.estimator.set_params(n_estimators=60)
    return [
        candidates.logistic_regression(seed=seed),
        candidates.logistic_regression(candidates.SMOTE_RATIO, seed=seed),
        forest,
        candidates.XGBoostCandidate("xgboost", seed=seed, n_estimators=300),
        candidates.LightGBMCandidate("lightgbm", seed=seed, n_estimators=300),
        candidates.CatBoostCandidate("catboost", seed=seed, iterations=300),
    ]


def one_seed(seed: int, rows: int, folds: int, drift: float) -> dict[str, Any]:
    table = synthetic.generate(rows, seed=seed, drift=drift)
    raw = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS])
    y = table.column(LABEL_COLUMN).to_numpy().astype(np.int8)
    quiet = pipeline.QuietReporter()

    # Before: one validation window.
    data, rows_single, raw_test, y_test = pipeline.prepare(raw, y, f"seed {seed}")
    before = {}
    for c in candidate_set(seed):
        try:
            result, _ = pipeline.evaluate_candidate(c, rows_single, raw_test, y_test, data, quiet)
        except pipeline.ExportMismatch as error:  # left out, as `fraudops train` leaves it out
            print(f"seed {seed}, before: {error}")
            continue
        before[c.name] = {"val": result.validation["auprc"], "test": result.test["auprc"]}

    # After: prequential folds, refit, calibration.
    options = pipeline.Options(model_dir=Path("unused"), tracking_uri="unused", folds=folds)
    data, split = pipeline.prepare_folds(raw, y, f"seed {seed}", options)
    validation = np.concatenate([f.validation for f in split.folds])
    refit_rows = candidates.TrainingRows(raw[split.refit], y[split.refit], raw[validation], y[validation])
    after = {}
    for c in candidate_set(seed):
        scores = prequential.cross_validate(c, raw, y, split, lambda idx: (idx, None), options.budget_k)
        try:
            result, _ = pipeline.evaluate_refit(
                c, scores, refit_rows, raw[split.test], y[split.test], data, quiet
            )
        except pipeline.ExportMismatch as error:
            print(f"seed {seed}, after: {error}")
            continue
        after[c.name] = {
            "val": result.validation["auprc"],
            "val_std": scores.std_auprc,
            "test": result.test["auprc"],
        }
    return {"seed": seed, "before": _regret(before), "after": _regret(after)}


def _regret(scores: dict[str, dict[str, float]]) -> dict[str, Any]:
    chosen = max(scores, key=lambda n: scores[n]["val"])
    best = max(scores, key=lambda n: scores[n]["test"])
    return {
        "chosen": chosen,
        "chosen_test_auprc": scores[chosen]["test"],
        "best": best,
        "best_test_auprc": scores[best]["test"],
        "regret": scores[best]["test"] - scores[chosen]["test"],
        "candidates": scores,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--drift", type=float, default=0.6)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in range(args.seeds):
        started = time.perf_counter()
        runs.append(one_seed(seed, args.rows, args.folds, args.drift))
        r = runs[-1]
        print(
            f"seed {seed}: before chose {r['before']['chosen']} (regret {r['before']['regret']:.4f}), "
            f"after chose {r['after']['chosen']} (regret {r['after']['regret']:.4f}) "
            f"[{time.perf_counter() - started:.0f} s]",
            flush=True,
        )
        summary = {
            "args": vars(args),
            "seeds_done": len(runs),
            "mean_regret_before": statistics.mean(x["before"]["regret"] for x in runs),
            "mean_regret_after": statistics.mean(x["after"]["regret"] for x in runs),
            "runs": runs,
        }
        (OUT / "regret.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
