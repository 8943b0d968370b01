"""Does retraining pay on the default synthetic world? A model fitted on `initial_train` only against one
refitted on `initial_train` + `stream_1..3`, both scored on `holdout`, with the new fraud pattern on (as
`fraudops synth` makes the file) and off (the generator before the pattern existed).

Usage: python backend/benchmarks/learning_world.py [--rows 284807] [--seeds 0]

Per world and seed it prints: holdout AUPRC of both models; recall at each model's threshold (max F1 on its
own validation rows) on old-pattern and new-pattern frauds; the decision bands those frauds fall in (review
from half the threshold, as served); the first model's AUPRC on each later portion (what the dashboard's
trend shows); and the drift report of each portion against the first model's profile (what the drift view
shows). Nothing is asserted: the figures are whatever comes out.

The models are plain XGBoost with the settings of the project's XGBoost candidate, on the project's feature
engineering; the last 15 % (in time) of each training set steers early stopping and the threshold only.
"""

import argparse
import statistics
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from rich.console import Console
from rich.table import Table
from sklearn.metrics import average_precision_score
from xgboost import XGBClassifier

from fraudops.data import synthetic
from fraudops.data.schema import FEATURE_COLUMNS, LABEL_COLUMN
from fraudops.data.splits import split_table
from fraudops.ml.features import engineer
from fraudops.ml.threshold import max_f1_threshold
from fraudops.monitoring import drift, profile
from fraudops.monitoring.bands import BAND_NAMES, bands_for

VALIDATION_SHARE = 0.15
STREAMS = ("stream_1", "stream_2", "stream_3")
console = Console(width=130)  # the tables stay whole when piped to a file


@dataclass(frozen=True)
class Portion:
    raw: np.ndarray
    y: np.ndarray
    new_pattern: np.ndarray


@dataclass(frozen=True)
class Model:
    booster: XGBClassifier
    threshold: float
    seconds: float

    def score(self, raw: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict_proba(engineer(raw))[:, 1])


def portions(rows: int, seed: int, new_pattern_from: float | None) -> dict[str, Portion]:
    world = synthetic.simulate(rows, seed=seed, new_pattern_from=new_pattern_from)
    # Carried through the split as a column, so the flag stays with its row whatever the sort does.
    table = world.table.append_column("new_pattern", pa.array(world.new_pattern))
    return {
        name: Portion(
            np.column_stack([part.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS]),
            part.column(LABEL_COLUMN).to_numpy().astype(np.int8),
            part.column("new_pattern").to_numpy(zero_copy_only=False),
        )
        for name, part in split_table(table).items()
    }


def fit(raw: np.ndarray, y: np.ndarray, seed: int) -> Model:
    """XGBoost on the earlier 85 % of the rows; the later 15 % steer early stopping and the threshold."""
    started = time.perf_counter()
    cut = int(len(raw) * (1 - VALIDATION_SHARE))
    booster = XGBClassifier(
        n_estimators=600,
        learning_rate=0.05,
        max_depth=6,
        subsample=0.8,
        colsample_bytree=0.8,
        tree_method="hist",
        eval_metric="aucpr",
        early_stopping_rounds=50,
        n_jobs=2,
        random_state=seed,
    )
    x_val = engineer(raw[cut:])
    booster.fit(engineer(raw[:cut]), y[:cut], eval_set=[(x_val, y[cut:])], verbose=False)
    threshold = max_f1_threshold(y[cut:], booster.predict_proba(x_val)[:, 1])
    return Model(booster, threshold, time.perf_counter() - started)


def recall(caught: np.ndarray, frauds: np.ndarray) -> str:
    n = int(frauds.sum())
    return f"{caught[frauds].mean():.2f} ({int(caught[frauds].sum())}/{n})" if n else "-"


def band_counts(bands: np.ndarray, frauds: np.ndarray) -> str:
    counts = np.bincount(bands[frauds], minlength=3)
    return " / ".join(f"{name[0]}{count}" for name, count in zip(BAND_NAMES, counts, strict=True))


def run_world(rows: int, seed: int, new_pattern_from: float | None) -> dict[str, float]:
    parts = portions(rows, seed, new_pattern_from)
    first_rows = parts["initial_train"]
    later = [first_rows, *(parts[name] for name in STREAMS)]
    models = {
        "initial_train only": fit(first_rows.raw, first_rows.y, seed),
        "+ stream_1..3": fit(
            np.concatenate([p.raw for p in later]), np.concatenate([p.y for p in later]), seed
        ),
    }
    hold = parts["holdout"]
    new_frauds = (hold.y == 1) & hold.new_pattern
    old_frauds = (hold.y == 1) & ~hold.new_pattern
    world = "on" if new_pattern_from is not None else "off"
    table = Table(title=f"holdout, new pattern {world}, seed {seed}: {int(hold.y.sum())} frauds")
    for column in ("model", "AUPRC", "recall old", "recall new", "bands old", "bands new", "fit s"):
        table.add_column(column)
    figures = {}
    for name, model in models.items():
        scores = model.score(hold.raw)
        caught = scores >= model.threshold
        bands = bands_for(model.threshold, None, None).assign(scores)
        auprc = float(average_precision_score(hold.y, scores))
        figures[name] = auprc
        table.add_row(
            name,
            f"{auprc:.3f}",
            recall(caught, old_frauds),
            recall(caught, new_frauds),
            band_counts(bands, old_frauds),
            band_counts(bands, new_frauds),
            f"{model.seconds:.0f}",
        )
    console.print(table)
    report_first_model_over_time(models["initial_train only"], parts)
    return figures


def report_first_model_over_time(model: Model, parts: dict[str, Portion]) -> None:
    """The first model's AUPRC per later portion and the drift view of each against its profile."""
    first = parts["initial_train"]
    reference = profile.build(first.raw, model.score(first.raw))
    table = Table(title="first model over time (drift against its training profile)")
    for column in ("portion", "frauds (new)", "AUPRC", "score PSI", "drifted (PSI ≥ 0.2)", "moderate"):
        table.add_column(column)
    for name in (*STREAMS, "holdout"):
        part = parts[name]
        scores = model.score(part.raw)
        report = drift.report(reference, part.raw, scores)
        moderate = [f"{f['feature']} {f['psi']:.2f}" for f in report["features"] if f["status"] == "moderate"]
        drifted = [f"{f['feature']} {f['psi']:.2f}" for f in report["features"] if f["status"] == "drifted"]
        table.add_row(
            name,
            f"{int(part.y.sum())} ({int(((part.y == 1) & part.new_pattern).sum())})",
            f"{average_precision_score(part.y, scores):.3f}",
            f"{report['score']['psi']:.3f}",
            ", ".join(drifted) or "-",
            ", ".join(moderate) or "-",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=284_807)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"on": [], "off": []}
    for seed in args.seeds:
        results["on"].append(run_world(args.rows, seed, synthetic.NEW_PATTERN_FROM))
        results["off"].append(run_world(args.rows, seed, None))
    summary = Table(title=f"median holdout AUPRC over seeds {args.seeds}")
    for column in ("new pattern", "initial_train only", "+ stream_1..3"):
        summary.add_column(column)
    for world, runs in results.items():
        summary.add_row(world, *(f"{statistics.median(r[m] for r in runs):.3f}" for m in runs[0]))
    console.print(summary)


if __name__ == "__main__":
    main()
