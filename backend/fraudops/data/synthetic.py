"""A synthetic stand-in for the Kaggle credit-card file: same columns, similar statistics.

Assumptions (also in the README):
- Time: seconds over two days, arrivals follow a day/night rhythm (quiet around 3-5 am).
- V1..V28: independent, heavy-tailed (Student t, 5 dof), standard deviations falling from ~2 to ~0.3,
  as PCA components do.
- Fraud ≈ 0.17 %, a little more likely at night. A fraud moves only a few components (V14, V12, V10,
  V17, V4, V11, V3), by a per-fraud severity: some frauds are blatant, many are subtle, some are
  indistinguishable from normal traffic.
- Amount: log-normal (median ≈ 22); frauds mix card-testing amounts (≤ 2) with larger ones.
- Label noise: a few legitimate rows are labelled fraud and vice versa.
- Drift: the means of V1..V3 and the fraud signature move linearly with time by `drift` standard
  deviations across the file, so a later window looks mildly different from an earlier one.
"""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fraudops.data.schema import CSV_COLUMNS, V_COLUMNS

SECONDS = 172_800  # two days, like the real file
FRAUD_RATE = 0.00172
V_STD = 2.0 * np.power(0.938, np.arange(28))  # ~2.0 for V1 down to ~0.35 for V28
# Components a fraud moves, with the full-severity shift in units of that component's std.
FRAUD_SHIFT = {"V14": -2.2, "V12": -1.9, "V10": -1.7, "V17": -1.8, "V4": 1.6, "V11": 1.3, "V3": -1.2}


def _arrival_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sorted arrival seconds drawn from a day/night intensity by inverse-CDF sampling."""
    grid = np.arange(SECONDS + 1, dtype=np.float64)
    hour = (grid % 86_400) / 3600
    intensity = 1.0 + 0.85 * np.cos(2 * np.pi * (hour - 15) / 24)  # peak mid-afternoon, trough ~3 am
    cdf = np.cumsum(intensity)
    cdf /= cdf[-1]
    u = np.sort(rng.random(n))
    return np.floor(np.interp(u, cdf, grid))


def generate(rows: int, seed: int = 0, drift: float = 0.3) -> pa.Table:
    """Return `rows` transactions in time order with the exact `creditcard.csv` columns."""
    if rows <= 0:
        raise ValueError("rows must be positive")
    rng = np.random.default_rng(seed)
    time = _arrival_times(rng, rows)
    progress = time / SECONDS  # 0 → 1 across the file, drives the drift
    night = ((time % 86_400) / 3600 < 6).astype(np.float64)

    fraud_p = FRAUD_RATE * (0.8 + 1.2 * night)
    fraud_p *= FRAUD_RATE / fraud_p.mean()
    fraud = rng.random(rows) < fraud_p

    v = rng.standard_t(5, size=(rows, 28)) * np.sqrt(3 / 5) * V_STD  # t(5) scaled to unit variance
    v[:, :3] += (drift * progress)[:, None] * V_STD[:3]

    n_fraud = int(fraud.sum())
    # Severity: ~12 % of frauds look normal, the rest spread from subtle to blatant.
    severity = np.where(rng.random(n_fraud) < 0.12, 0.0, rng.beta(2.0, 1.6, n_fraud))
    fraud_progress = progress[fraud]
    for name, shift in FRAUD_SHIFT.items():
        k = V_COLUMNS.index(name)
        # Each fraud uses a random subset of the signature; the signature fades a little over time.
        used = rng.random(n_fraud) < 0.75
        scale = shift * (1.0 - 0.5 * drift * fraud_progress)
        v[fraud, k] += used * severity * scale * 5.5 * V_STD[k]

    amount = np.round(np.exp(rng.normal(3.1, 1.35, rows)), 2)
    testing = rng.random(n_fraud) < 0.45
    amount[fraud] = np.where(
        testing, np.round(rng.uniform(0, 2, n_fraud), 2), np.round(np.exp(rng.normal(4.2, 1.4, n_fraud)), 2)
    )

    label = fraud.copy()
    flip_to_fraud = rng.random(rows) < 0.00008
    flip_to_legit = fraud & (rng.random(rows) < 0.03)
    label = (label | flip_to_fraud) & ~flip_to_legit

    columns = [pa.array(time.astype(np.int64))]
    columns += [pa.array(v[:, k]) for k in range(28)]
    columns += [pa.array(amount), pa.array(label.astype(np.int64))]
    return pa.table(columns, names=list(CSV_COLUMNS))


def write_csv(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
