"""Time-ordered splits inside training. Never a shuffle."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TimeSplit:
    train: np.ndarray  # row indices
    validation: np.ndarray
    test: np.ndarray


def time_split(time: np.ndarray, validation: float = 0.15, test: float = 0.15, gap: float = 0.0) -> TimeSplit:
    """Split rows by `time` into train → (gap) → validation → test.

    Guarantee: no validation or test row is earlier than any training row, and no test row is earlier
    than any validation row. `gap` (a fraction of all rows) is dropped after the training window, as
    labels of the most recent transactions arrive late.
    """
    n = len(time)
    order = np.argsort(time, kind="stable")
    n_test, n_val, n_gap = int(n * test), int(n * validation), int(n * gap)
    n_train = n - n_test - n_val - n_gap
    if n_train <= 0 or n_val <= 0:
        raise ValueError("not enough rows for the requested split")
    return TimeSplit(
        train=order[:n_train],
        validation=order[n_train + n_gap : n_train + n_gap + n_val],
        test=order[n_train + n_gap + n_val :],
    )


@dataclass(frozen=True)
class Fold:
    train: np.ndarray  # row indices, every one at or before the earliest validation row
    validation: np.ndarray


@dataclass(frozen=True)
class Prequential:
    """K time folds for choosing a model, the rows to refit the chosen one on, and the untouched test."""

    folds: list[Fold]
    refit: np.ndarray  # every row before the test window, less the gap
    test: np.ndarray
    gap_rows: int


def prequential_split(
    time: np.ndarray, folds: int = 4, validation: float = 0.1, test: float = 0.15, gap: float = 0.0
) -> Prequential:
    """Prequential validation (the Fraud-Detection-Handbook's): the last `test` fraction of rows by time
    is the test window; before it, `folds` consecutive validation windows of `validation` each. Fold i
    trains on every row before its window less `gap` (the label delay), so later folds train on more.
    The refit trains on every row before the test window less the same gap.

    Guarantees: in every fold no validation row is earlier than a training row, and `gap` rows (a fraction
    of all rows) separate them; no test row is earlier than a refit or validation row.
    """
    if folds < 1:
        raise ValueError("at least one fold is needed")
    n = len(time)
    order = np.argsort(time, kind="stable")
    n_test, n_val, n_gap = int(n * test), int(n * validation), int(n * gap)
    n_dev = n - n_test
    first_train = n_dev - folds * n_val - n_gap
    if n_val <= 0 or n_test <= 0 or first_train <= 0:
        raise ValueError(f"not enough rows for {folds} folds of {validation:g} after a gap of {gap:g}")
    parts = []
    for i in range(folds):
        start = n_dev - (folds - i) * n_val
        parts.append(Fold(train=order[: start - n_gap], validation=order[start : start + n_val]))
    return Prequential(parts, refit=order[: n_dev - n_gap], test=order[n_dev:], gap_rows=n_gap)
