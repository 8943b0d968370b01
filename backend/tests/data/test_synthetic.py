import csv
import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from fraudops.cli import app
from fraudops.data import synthetic
from fraudops.data.schema import CSV_COLUMNS
from fraudops.data.splits import split_table

# sha256 of the values the generator made before the new fraud pattern existed (commit b5efa08), for the
# files named in each test. Rounded to 1e-6 first, so a last-bit difference in a platform's exp/log is very
# unlikely to matter.
OLD_20K_SEED_3 = "2990d9e452b2ecac291492ae9a67f9bc81f489d7c36cbde892ee312b2cc45aaf"
OLD_INITIAL_TRAIN_SEED_0 = "51ed48fad5a00afd8cc135c9b5fbff6ec70b99a806506896579018f0e739522c"


def _digest(table: pa.Table) -> str:
    values = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in table.column_names])
    return hashlib.sha256(np.round(values, 6).tobytes()).hexdigest()


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
    table = synthetic.generate(200_000, seed=2, drift=0.0)  # no new pattern
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


def test_off_is_the_generator_before_the_new_pattern():
    assert _digest(synthetic.generate(20_000, seed=3)) == OLD_20K_SEED_3
    off = synthetic.simulate(20_000, seed=3, new_pattern_from=1.0)
    assert _digest(off.table) == OLD_20K_SEED_3
    assert not off.new_pattern.any() and not off.channel.any()


def test_default_initial_train_is_unchanged_by_the_new_pattern():
    """The committed first model was fitted on this `initial_train`: it stays a fair first model."""
    table = synthetic.generate(284_807, seed=0, new_pattern_from=synthetic.NEW_PATTERN_FROM)
    assert _digest(split_table(table)["initial_train"]) == OLD_INITIAL_TRAIN_SEED_0


def test_new_pattern_appears_only_after_its_start_and_moves_other_components():
    start = 0.5
    world = synthetic.simulate(200_000, seed=6, new_pattern_from=start)
    off = synthetic.generate(200_000, seed=6)
    progress = world.table.column("Time").to_numpy() / synthetic.SECONDS
    assert world.new_pattern.sum() > 20 and world.channel.sum() > 1_000
    assert progress[world.new_pattern | world.channel].min() > start
    before = int(np.searchsorted(progress, start, side="right"))
    assert world.table.slice(0, before).equals(off.slice(0, before)), "rows before the start are untouched"
    assert not world.table.equals(off)

    fraud = world.table.column("Class").to_numpy() == 1
    new, old = fraud & world.new_pattern, fraud & ~world.new_pattern

    def median_gap(rows: np.ndarray, name: str) -> float:
        return abs(float(np.median(world.table.column(name).to_numpy()[rows])))

    for name in synthetic.NEW_PATTERN_SHIFT:
        assert median_gap(new, name) > 0.5 > median_gap(old, name), name
    for name in ("V14", "V12", "V10", "V17"):  # the old signature's strongest components
        assert median_gap(old, name) > 0.5 > median_gap(new, name), name
    amount = world.table.column("Amount").to_numpy()
    assert 50 < np.median(amount[new]) < 400 and amount[new].min() > 2, "mid-size, no card testing"
    share = world.new_pattern[fraud].mean()
    assert share < np.mean(world.new_pattern[fraud & (progress > 0.9)]), "its share grows"


def test_same_seed_same_world_other_seed_other_world():
    a, b, c = (synthetic.simulate(30_000, seed=s, new_pattern_from=0.3) for s in (8, 8, 9))
    assert a.table.equals(b.table)
    assert np.array_equal(a.new_pattern, b.new_pattern) and np.array_equal(a.channel, b.channel)
    assert not a.table.equals(c.table)


def test_synth_command_makes_the_new_pattern_by_default_and_can_leave_it_out(tmp_path):
    runner = CliRunner()
    default, off = tmp_path / "default.csv", tmp_path / "off.csv"
    for path, extra in ((default, []), (off, ["--new-pattern-from", "1"])):
        result = runner.invoke(app, ["synth", "--rows", "20000", "--seed", "3", "-o", str(path), *extra])
        assert result.exit_code == 0, result.output
    expected = tmp_path / "expected.csv"
    synthetic.write_csv(
        synthetic.generate(20_000, seed=3, new_pattern_from=synthetic.NEW_PATTERN_FROM), expected
    )
    assert default.read_bytes() == expected.read_bytes()
    synthetic.write_csv(synthetic.generate(20_000, seed=3), expected)
    assert off.read_bytes() == expected.read_bytes() != default.read_bytes()


def test_new_pattern_start_is_checked():
    with pytest.raises(ValueError, match="between 0 and 1"):
        synthetic.simulate(100, new_pattern_from=1.5)
