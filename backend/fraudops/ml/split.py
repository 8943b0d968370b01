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
