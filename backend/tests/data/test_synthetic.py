import csv

import numpy as np
import pyarrow.compute as pc
from typer.testing import CliRunner

from fraudops.cli import app
from fraudops.data import synthetic
from fraudops.data.schema import CSV_COLUMNS


def test_layout_is_the_kaggle_one():
    table = synthetic.generate(1_000, seed=1)
    assert table.column_names == list(CSV_COLUMNS)
    assert table.num_rows == 1_000


def test_full_size_statistics_are_realistic():
    table = synthetic.generate(284_807, seed=0)
    labels = table.column("Class").to_numpy()
    assert 0.0012 < labels.mean() < 0.0024  # ≈ 0.17 %, like the real file
    time = table.column("Time").to_numpy()
    assert np.all(np.diff(time) >= 0) and time[0] >= 0 and time[-1] <= 172_800
    hours = (time % 86_400) // 3600
    assert np.mean(hours == 4) < 0.5 * np.mean(hours == 15), "fewer transactions at night"
    stds = np.array([np.std(table.column(f"V{i}").to_numpy()) for i in range(1, 29)])
    assert stds[0] > 2.5 * stds[-1], "V-feature variance decreases"
    amount = table.column("Amount").to_numpy()
    assert amount.min() >= 0 and np.mean(amount) > 2 * np.median(amount), "Amount is heavy-tailed"


def test_frauds_shift_only_some_components():
    table = synthetic.generate(200_000, seed=2, drift=0.0)
    fraud = table.column("Class").to_numpy() == 1
    gaps = {f"V{i}": abs(float(np.median(table.column(f"V{i}").to_numpy()[fraud]))) for i in range(1, 29)}
    shifted = {name for name, gap in gaps.items() if gap > 0.5}
    assert shifted and shifted <= set(synthetic.FRAUD_SHIFT)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    runner = CliRunner()
    paths = [tmp_path / name for name in ("a.csv", "b.csv", "c.csv")]
    for path, seed in zip(paths, (4, 4, 5), strict=True):
        result = runner.invoke(app, ["synth", "--rows", "3000", "--seed", str(seed), "-o", str(path)])
        assert result.exit_code == 0, result.output
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    header = next(csv.reader(paths[0].open()))  # quoted like the real Kaggle file's header
    assert header == list(CSV_COLUMNS)


def test_drift_moves_later_rows():
    table = synthetic.generate(100_000, seed=3, drift=1.0)
    v1 = table.column("V1").to_numpy()
    assert np.mean(v1[-10_000:]) - np.mean(v1[:10_000]) > 1.0
    assert pc.min(table.column("Amount")).as_py() >= 0
