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
- A new modus operandi (`new_pattern_from`, off unless set; `fraudops synth` sets it to
  NEW_PATTERN_FROM = 0.4 of the file's time, after the default `initial_train` ends at ≈ 0.36):
  from then on a new payment channel carries a share of all traffic growing linearly from 0 to
  CHANNEL_PEAK_SHARE (30 %) at the end of the file, and its rows sit CHANNEL_SHIFT standard deviations
  away on V19 and V21 (what a drift view can see). A share of the frauds growing from 0 to
  NEW_PATTERN_PEAK_SHARE (50 %) switches to a new pattern that goes through that channel: it moves
  other components (NEW_PATTERN_SHIFT: V9, V16, V18, V7, V5) instead of the old signature, with the
  same severity scheme, and spends mid-size amounts (log-normal, median ≈ 150) instead of card-testing
  or large ones. The fraud rate itself does not change. A model fitted before the start has never seen
  the pattern; one refitted on later rows can learn it.
  Its draws come from a child random stream, so the original stream is untouched: every row before the
  start is byte-identical to the generator without the pattern (for the default 284,807 rows and
  seed 0, `initial_train` is the same file as before the pattern existed).
"""

from dataclasses import dataclass
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
_SEVERITY_SCALE = 5.5  # full-severity shift multiplier, shared by both patterns
_USED = 0.75  # chance that a fraud uses each component of its pattern's signature

# The new modus operandi, as `fraudops synth` sets it (see the module docstring).
NEW_PATTERN_FROM = 0.4
NEW_PATTERN_PEAK_SHARE = 0.5
NEW_PATTERN_SHIFT = {"V9": -1.6, "V16": -1.8, "V18": -1.5, "V7": 1.4, "V5": -1.2}
NEW_PATTERN_AMOUNT = (5.0, 0.45)  # log-normal (mu, sigma) of log(Amount): median ≈ 150
CHANNEL_PEAK_SHARE = 0.3
CHANNEL_SHIFT = {"V19": 1.5, "V21": -1.5}


@dataclass(frozen=True)
class World:
    """A generated file and, per row, what produced it (the labels alone do not say)."""

    table: pa.Table
    new_pattern: np.ndarray  # bool: a fraud of the new pattern (before label noise)
    channel: np.ndarray  # bool: came through the new channel


def _arrival_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sorted arrival seconds drawn from a day/night intensity by inverse-CDF sampling."""
    grid = np.arange(SECONDS + 1, dtype=np.float64)
    hour = (grid % 86_400) / 3600
    intensity = 1.0 + 0.85 * np.cos(2 * np.pi * (hour - 15) / 24)  # peak mid-afternoon, trough ~3 am
    cdf = np.cumsum(intensity)
    cdf /= cdf[-1]
    u = np.sort(rng.random(n))
    return np.floor(np.interp(u, cdf, grid))


def generate(rows: int, seed: int = 0, drift: float = 0.3, new_pattern_from: float | None = None) -> pa.Table:
    """Return `rows` transactions in time order with the exact `creditcard.csv` columns."""
    return simulate(rows, seed, drift, new_pattern_from).table


def simulate(rows: int, seed: int = 0, drift: float = 0.3, new_pattern_from: float | None = None) -> World:
    """`generate`, keeping which rows are new-pattern frauds and which came through the new channel.

    `new_pattern_from` is the fraction of the file's time after which the new pattern appears; None
    (or 1) leaves it out.
    """
    if rows <= 0:
        raise ValueError("rows must be positive")
    if new_pattern_from is not None and not 0.0 <= new_pattern_from <= 1.0:
        raise ValueError("new_pattern_from must be between 0 and 1")
    rng = np.random.default_rng(seed)
    # The new pattern draws only from this child stream, so `rng` gives the same numbers either way.
    child = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    time = _arrival_times(rng, rows)
    progress = time / SECONDS  # 0 → 1 across the file, drives the drift
    night = ((time % 86_400) / 3600 < 6).astype(np.float64)

    fraud_p = FRAUD_RATE * (0.8 + 1.2 * night)
    fraud_p *= FRAUD_RATE / fraud_p.mean()
    fraud = rng.random(rows) < fraud_p
    n_fraud = int(fraud.sum())
    fraud_progress = progress[fraud]

    # The new pattern's ramp: 0 up to its start, then linearly to 1 at the end of the file.
    start = 1.0 if new_pattern_from is None else new_pattern_from
    ramp = np.clip((progress - start) / max(1.0 - start, 1e-12), 0.0, 1.0) * (progress > start)
    new = child.random(n_fraud) < NEW_PATTERN_PEAK_SHARE * ramp[fraud]  # among the frauds
    channel = child.random(rows) < CHANNEL_PEAK_SHARE * ramp
    channel[np.flatnonzero(fraud)[new]] = True  # the new pattern goes through the new channel

    v = rng.standard_t(5, size=(rows, 28)) * np.sqrt(3 / 5) * V_STD  # t(5) scaled to unit variance
    v[:, :3] += (drift * progress)[:, None] * V_STD[:3]

    # Severity: ~12 % of frauds look normal, the rest spread from subtle to blatant.
    severity = np.where(rng.random(n_fraud) < 0.12, 0.0, rng.beta(2.0, 1.6, n_fraud))
    for name, shift in FRAUD_SHIFT.items():
        k = V_COLUMNS.index(name)
        # Each fraud uses a random subset of the signature; the signature fades a little over time.
        # New-pattern frauds use none of it (the draw is still made, to keep the stream aligned).
        used = (rng.random(n_fraud) < _USED) & ~new
        scale = shift * (1.0 - 0.5 * drift * fraud_progress)
        v[fraud, k] += used * severity * scale * _SEVERITY_SCALE * V_STD[k]
    for name, shift in NEW_PATTERN_SHIFT.items():
        k = V_COLUMNS.index(name)
        used = (child.random(n_fraud) < _USED) & new
        v[fraud, k] += used * severity * shift * _SEVERITY_SCALE * V_STD[k]
    for name, shift in CHANNEL_SHIFT.items():
        k = V_COLUMNS.index(name)
        v[channel, k] += shift * V_STD[k]

    amount = np.round(np.exp(rng.normal(3.1, 1.35, rows)), 2)
    testing = rng.random(n_fraud) < 0.45
    amount[fraud] = np.where(
        testing, np.round(rng.uniform(0, 2, n_fraud), 2), np.round(np.exp(rng.normal(4.2, 1.4, n_fraud)), 2)
    )
    mid_size = np.round(np.exp(child.normal(*NEW_PATTERN_AMOUNT, n_fraud)), 2)
    amount[np.flatnonzero(fraud)[new]] = mid_size[new]

    label = fraud.copy()
    flip_to_fraud = rng.random(rows) < 0.00008
    flip_to_legit = fraud & (rng.random(rows) < 0.03)
    label = (label | flip_to_fraud) & ~flip_to_legit

    columns = [pa.array(time.astype(np.int64))]
    columns += [pa.array(v[:, k]) for k in range(28)]
    columns += [pa.array(amount), pa.array(label.astype(np.int64))]
    new_pattern = np.zeros(rows, dtype=bool)
    new_pattern[np.flatnonzero(fraud)[new]] = True
    return World(pa.table(columns, names=list(CSV_COLUMNS)), new_pattern, channel)


def write_csv(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
