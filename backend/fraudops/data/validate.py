"""Parse and validate an uploaded CSV batch, vectorised, naming the line and column of every problem.

The fast path parses the whole file with Arrow's multi-threaded CSV reader into typed columns and checks
values with NumPy. Only when Arrow cannot parse the file (a ragged row, text in a number column) does a
line-by-line pass run, to say exactly where: rejecting is allowed to be slower than accepting.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fraudops.data.schema import (
    ALLOWED_COLUMNS,
    CSV_COLUMNS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    LABEL_COLUMN,
)

MAX_REPORTED = 50
_HEADER_PEEK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line of the file; the header is line 1
    column: str | None
    message: str


class CsvRejected(Exception):
    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        super().__init__(f"{total or len(problems)} problem(s) in the file")
        self.problems = problems[:MAX_REPORTED]
        self.total = total if total is not None else len(problems)


@dataclass(frozen=True)
class ParsedBatch:
    features: np.ndarray  # float64, shape (n, 30), columns in FEATURE_COLUMNS order
    labels: np.ndarray | None  # int8 0/1, or None when the file has no Class column
    external_ids: pa.Array | None  # the optional `id` column, as strings

    @property
    def rows(self) -> int:
        return len(self.features)


def read_header(path: Path) -> list[str]:
    """Column names from the first line; rejects an empty, binary or malformed header."""
    with path.open("rb") as f:
        head = f.read(_HEADER_PEEK_BYTES)
    if not head.strip():
        raise CsvRejected([Problem(1, None, "the file is empty")])
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRejected([Problem(1, None, "the file is not UTF-8 text (is it a CSV file?)")]) from None
    if "\x00" in text:
        raise CsvRejected([Problem(1, None, "the file contains binary data (is it a CSV file?)")])
    names = [name.strip() for name in next(csv.reader([text]))]
    problems = _header_problems(names)
    if problems:
        raise CsvRejected(problems)
    return names


def _header_problems(names: list[str]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            problems.append(Problem(1, name, f"column appears twice (columns {seen[name]} and {position})"))
        elif name not in ALLOWED_COLUMNS:
            label = name or f"(empty name in column {position})"
            problems.append(
                Problem(
                    1, label, f"unknown column; expected {', '.join(CSV_COLUMNS)} and optionally {ID_COLUMN}"
                )
            )
        seen.setdefault(name, position)
    for required in FEATURE_COLUMNS:
        if required not in seen:
            problems.append(Problem(1, required, "required column is missing"))
    return problems


def numeric_names(names: list[str]) -> list[str]:
    return [n for n in names if n != ID_COLUMN]


def parse_batch(path: Path) -> ParsedBatch:
    """Return the batch's typed columns or raise CsvRejected listing what is wrong and where."""
    names = read_header(path)
    numeric = numeric_names(names)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=True, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={**dict.fromkeys(numeric, pa.float64()), ID_COLUMN: pa.string()},
                null_values=[""],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        problems, total = _scan_lines(path, names)
        if not problems:  # Arrow refused something the line scan accepts: pass on Arrow's own words
            reason = str(error).splitlines()[0][:300]
            raise CsvRejected([Problem(1, None, f"the file could not be parsed as CSV: {reason}")]) from None
        raise CsvRejected(problems, total) from None
    if table.num_rows == 0:
        raise CsvRejected([Problem(2, None, "the file has a header but no rows")])
    return _checked(table, names)


def _checked(table: pa.Table, names: list[str]) -> ParsedBatch:
    """Value checks on typed columns: present, finite, in range. Row i of the table is line i + 2."""
    features = np.column_stack(
        [table.column(c).to_numpy(zero_copy_only=False).astype(np.float64) for c in FEATURE_COLUMNS]
    )
    has_label = LABEL_COLUMN in names
    labels_f = table.column(LABEL_COLUMN).to_numpy(zero_copy_only=False) if has_label else None

    nulls = {
        name: table.column(name).is_null().to_numpy(zero_copy_only=False) for name in numeric_names(names)
    }
    # Arrow reads an empty line as a row of nulls: report it once, not once per column.
    empty = np.logical_and.reduce(list(nulls.values()))
    checks: list[tuple[str | None, np.ndarray, str]] = [(None, empty, "empty line")]
    for j, name in enumerate(FEATURE_COLUMNS):
        col = features[:, j]
        missing = nulls[name] & ~empty
        checks.append((name, missing, "missing value"))
        checks.append((name, ~np.isfinite(col) & ~missing, "not a finite number"))
        if name in ("Time", "Amount"):
            checks.append((name, np.isfinite(col) & (col < 0), "must be ≥ 0"))
    if labels_f is not None:
        missing = nulls[LABEL_COLUMN] & ~empty
        checks.append((LABEL_COLUMN, missing, "missing value"))
        checks.append((LABEL_COLUMN, ~missing & (labels_f != 0) & (labels_f != 1), "must be 0 or 1"))

    bad = [(np.flatnonzero(mask), column, message) for column, mask, message in checks if mask.any()]
    if bad:
        order = {None: -1} | {name: i for i, name in enumerate(names)}
        found = sorted(
            (
                (int(row), order[column], column, message)
                for rows, column, message in bad
                for row in rows[:MAX_REPORTED]
            ),
        )
        total = sum(len(rows) for rows, _, _ in bad)
        raise CsvRejected([Problem(row + 2, column, message) for row, _, column, message in found], total)

    labels = labels_f.astype(np.int8) if labels_f is not None else None
    ids = table.column(ID_COLUMN).combine_chunks() if ID_COLUMN in names else None
    return ParsedBatch(features, labels, ids)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield number, "\x00"


def _scan_lines(path: Path, names: list[str]) -> tuple[list[Problem], int]:
    """Line-by-line diagnosis for files Arrow could not parse: first MAX_REPORTED problems and the total."""
    problems: list[Problem] = []
    total = 0

    def report(line: int, column: str | None, message: str) -> None:
        nonlocal total
        total += 1
        if len(problems) < MAX_REPORTED:
            problems.append(Problem(line, column, message))

    lines = _lines(path)
    next(lines)  # header, already checked
    for number, text in lines:
        if "\x00" in text:
            report(number, None, "binary data or text that is not UTF-8")
            continue
        if not text.strip("\r\n"):
            report(number, None, "empty line")
            continue
        fields = next(csv.reader(io.StringIO(text)))
        if len(fields) != len(names):
            report(number, None, f"expected {len(names)} fields, found {len(fields)}")
            continue
        for name, value in zip(names, fields, strict=True):
            if name == ID_COLUMN:
                continue
            try:
                number_value = float(value)
            except ValueError:
                report(
                    number, name, "missing value" if not value.strip() else f"not a number: {value[:40]!r}"
                )
                continue
            if not np.isfinite(number_value):
                report(number, name, "not a finite number")
            elif name in ("Time", "Amount") and number_value < 0:
                report(number, name, "must be ≥ 0")
            elif name == LABEL_COLUMN and number_value not in (0.0, 1.0):
                report(number, name, "must be 0 or 1")
    return problems, total
