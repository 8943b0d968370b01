"""Training on far more legitimate rows than a model needs: every fraud, a uniform sample of the
legitimate rows, and weights that give the sample the legitimate rows' full mass.

Only training rows are sampled; validation and test rows are scored and measured un-sampled.
"""

import numpy as np


def downsample_legit(
    idx: np.ndarray, y: np.ndarray, max_legit: int | None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray | None]:
    """(row indices, weights or None): `idx` itself when it holds at most `max_legit` legitimate rows,
    else every fraud of `idx` and `max_legit` legitimate rows drawn uniformly without replacement, each
    weighing n_legit / max_legit. The order of `idx` (time order) is kept."""
    labels = y[idx]
    legit = np.flatnonzero(labels == 0)
    if max_legit is None or len(legit) <= max_legit:
        return idx, None
    if max_legit < 1:
        raise ValueError("max_legit must be at least 1")
    keep = np.zeros(len(idx), dtype=bool)
    keep[labels == 1] = True
    keep[np.random.default_rng(seed).choice(legit, max_legit, replace=False)] = True
    chosen = idx[keep]
    weights = np.where(y[chosen] == 1, 1.0, len(legit) / max_legit)
    return chosen, weights
