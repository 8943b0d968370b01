"""The five time-ordered sections the seed project used: initial training, three stream portions,
one held-out portion."""

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fraudops.data.synthetic import write_csv

SPLIT_NAMES = ("initial_train", "stream_1", "stream_2", "stream_3", "holdout")
INITIAL_ROWS = 100_000


@dataclass(frozen=True)
class SplitFile:
    name: str
    path: Path
    rows: int
    frauds: int
    time_start: float
    time_end: float


def read_csv(path: Path) -> pa.Table:
    return pacsv.read_csv(path)


def split_table(table: pa.Table, initial_rows: int = INITIAL_ROWS) -> dict[str, pa.Table]:
    """Cut `table` by time: the first `initial_rows` rows, then the rest in four equal portions.

    Guarantee: every row of a later section has `Time` ≥ every row of an earlier one (a stable sort by
    `Time` first, so equal times keep their file order).
    """
    if not 0 < initial_rows < table.num_rows - 4:
        raise ValueError(f"initial_rows must be between 1 and {table.num_rows - 5} for {table.num_rows} rows")
    table = table.take(pc.sort_indices(table, sort_keys=[("Time", "ascending")]))
    rest = table.num_rows - initial_rows
    bounds = [0, initial_rows] + [initial_rows + rest * k // 4 for k in (1, 2, 3)] + [table.num_rows]
    return {
        name: table.slice(lo, hi - lo) for name, lo, hi in zip(SPLIT_NAMES, bounds, bounds[1:], strict=False)
    }


def write_splits(source: Path, out_dir: Path, initial_rows: int = INITIAL_ROWS) -> list[SplitFile]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, part in split_table(read_csv(source), initial_rows).items():
        path = out_dir / f"{name}.csv"
        write_csv(part, path)
        time = part.column("Time")
        frauds = int(pc.sum(part.column("Class")).as_py() or 0) if "Class" in part.column_names else 0
        written.append(
            SplitFile(name, path, part.num_rows, frauds, pc.min(time).as_py(), pc.max(time).as_py())
        )
    return written
