"""A rejected file lists its first problems in reading order, header and rows together."""

from pathlib import Path

import pytest

from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.data.validate import CsvRejected, parse_batch


def _write(path: Path, columns: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join([",".join(columns), *(",".join(r) for r in rows)]) + "\n")
    return path


def test_a_missing_column_and_a_bad_cell_are_reported_by_one_upload(tmp_path):
    columns = [c for c in FEATURE_COLUMNS if c != "Amount"]
    rows = [["1"] * len(columns) for _ in range(6)]
    rows[3][columns.index("V7")] = "abc"  # line 5

    with pytest.raises(CsvRejected) as rejected:
        parse_batch(_write(tmp_path / "f.csv", columns, rows))

    found = [(p.line, p.column) for p in rejected.value.problems]
    assert found == [(1, "Amount"), (5, "V7")]
    assert rejected.value.total == 2


def test_an_unknown_column_still_stops_at_the_header(tmp_path):
    columns = [*FEATURE_COLUMNS, "Colour"]
    rows = [["1"] * len(columns), ["x"] * len(columns)]

    with pytest.raises(CsvRejected) as rejected:
        parse_batch(_write(tmp_path / "f.csv", columns, rows))

    assert [(p.line, p.column) for p in rejected.value.problems] == [(1, "Colour")]
