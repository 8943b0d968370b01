from typer.testing import CliRunner

from fraudops.cli import app
from fraudops.data import synthetic
from fraudops.data.splits import SPLIT_NAMES, read_csv, split_table


def test_sections_are_in_time_order_and_cover_every_row_once():
    table = synthetic.generate(10_000, seed=1)
    parts = split_table(table, initial_rows=3_000)
    assert list(parts) == list(SPLIT_NAMES)
    assert parts["initial_train"].num_rows == 3_000
    sizes = [parts[n].num_rows for n in SPLIT_NAMES[1:]]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == 7_000
    previous_end = -1.0
    for name in SPLIT_NAMES:
        time = parts[name].column("Time").to_numpy()
        assert time.min() >= previous_end
        previous_end = time.max()


def test_split_command_writes_the_five_files(tmp_path):
    source = tmp_path / "all.csv"
    synthetic.write_csv(synthetic.generate(5_000, seed=2), source)
    out = tmp_path / "splits"
    result = CliRunner().invoke(app, ["split", str(source), "--out", str(out), "--initial-rows", "2000"])
    assert result.exit_code == 0, result.output
    assert sum(read_csv(out / f"{name}.csv").num_rows for name in SPLIT_NAMES) == 5_000
