"""Parse and validate an uploaded CSV batch, vectorised, naming the line and column of every problem.

The file is memory-mapped and cut at line ends into pieces of a few MB. Arrow parses each piece into typed
columns (multi-threaded) and NumPy checks the values. A piece Arrow refuses (a ragged row, text in a number
column, a stray byte) is diagnosed on its own: its lines are classified with vectorised byte counts, the
well-formed ones are read again as text and their cells checked with Arrow's regex kernels. So a file with
one bad cell costs about one piece more than a good file, never a Python pass over every line.

The rules, in one place:
- Line 1 is the header. Lines end with LF or CRLF; a lone CR is refused (Arrow would break the line there,
  editors may not, and line numbers must mean the same to both). A value cannot span lines.
- Blank lines at the end of the file are ignored; anywhere else each one is one problem, "empty line".
- Numbers are Arrow's grammar: ASCII digits with an optional sign, point and exponent, and optional spaces or
  tabs around ('1_000', '٣', '0x1p3', '1,5' are not numbers). They must be finite and within ±MAX_ABS_VALUE
  (data/schema.py: the bound every path shares, inside which the models' float32 arithmetic stays
  finite); Time and Amount ≥ 0; Class 0 or 1 (so '-0' and '1.0' are labels too).
- An `id` has at most MAX_ID_CHARS characters and no control characters: ids reach the database (which
  refuses NUL) and the prediction log.
"""

import csv
import mmap
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fraudops.data.schema import (
    ALLOWED_COLUMNS,
    CSV_COLUMNS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    LABEL_COLUMN,
    MAX_ABS_VALUE,
)

MAX_REPORTED = 50
MAX_ID_CHARS = 200
_BLOCK_BYTES = 1 << 20  # Arrow's unit of parallel work; a longer line makes it refuse the piece
PIECE_BYTES = 4 << 20
_HEADER_MAX_BYTES = 64 * 1024
_NON_NEGATIVE = ("Time", "Amount")

# Arrow's CSV number grammar (the fast path's), written out for the cell-by-cell diagnosis; the property
# tests hold the two in agreement. Non-finite words parse too: they are refused later, as values.
NUMBER_PATTERN = r"^[ \t]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*$"
NON_FINITE_PATTERN = r"^[ \t]*[+-]?(?i:nan|inf|infinity)[ \t]*$"
_CONTROL_PATTERN = r"[\x00-\x1f\x7f-\x{9f}]"

_LF, _CR, _QUOTE, _COMMA, _SPACE, _TAB = b'\n\r", \t'

LONE_CR = (
    "a carriage return (CR) that does not end the line as CRLF: lines must end with LF or CRLF "
    "(old Mac line ends?)"
)


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


_Bytes = mmap.mmap | bytes  # the mapped file (or b"" for an empty one)


class _Found:
    """Problems as they are found: keeps the first MAX_REPORTED of each kind, counts them all."""

    def __init__(self, names: list[str]) -> None:
        self.order = {name: i for i, name in enumerate(names)}
        self.items: list[Problem] = []
        self.total = 0

    def add(self, line: int, column: str | None, message: str) -> None:
        self.total += 1
        self.items.append(Problem(line, column, message))

    def rows(self, mask: np.ndarray, column: str | None, message: str, first_line: int = 2) -> None:
        """One problem per True in `mask`; row i of the mask is line first_line + i."""
        self.each(mask, column, lambda _: message, first_line)

    def each(
        self, mask: np.ndarray, column: str | None, describe: Callable[[int], str], first_line: int = 2
    ) -> None:
        """Like rows, with a message made for each row (only for the rows that are kept)."""
        rows = np.flatnonzero(mask)
        self.total += len(rows)
        self.items.extend(Problem(first_line + int(i), column, describe(int(i))) for i in rows[:MAX_REPORTED])

    def rejection(self) -> CsvRejected:
        ordered = sorted(
            self.items, key=lambda p: (p.line, -1 if p.column is None else self.order.get(p.column, 0))
        )
        return CsvRejected(ordered[:MAX_REPORTED], self.total)


@dataclass
class _Piece:
    """Typed columns of some lines, one row per line; what the diagnosis already reported is null."""

    table: pa.Table
    reported_rows: np.ndarray | None = None  # whole line reported (ragged, blank, not UTF-8, ...)
    reported_cells: dict[str, np.ndarray] = field(default_factory=dict)  # per column: cell reported


def read_header(path: Path) -> list[str]:
    """Column names from the first line; rejects an empty, binary or malformed header."""
    with _mapped(path) as data:
        names, _, missing = _header(data)
    if missing:
        raise CsvRejected(missing)
    return names


def numeric_names(names: list[str]) -> list[str]:
    return [n for n in names if n != ID_COLUMN]


def parse_batch(path: Path, piece_bytes: int = PIECE_BYTES) -> ParsedBatch:
    """Return the batch's typed columns or raise CsvRejected listing what is wrong and where."""
    with _mapped(path) as data:
        names, start, missing = _header(data)
        end = _content_end(data, start)
        if end <= start:
            raise CsvRejected([*missing, Problem(2, None, "the file has a header but no rows")])
        # A missing column is reported with the rows' own problems, in reading order, so one upload
        # tells the user everything (the rows are still checked in the columns that are there).
        found = _Found(names)
        for problem in missing:
            found.add(problem.line, problem.column, problem.message)
        pieces: list[_Piece] = []
        line = 2
        for a, b in _pieces(data, start, end, piece_bytes):
            piece = _read_piece(data, a, b, names, line, found)
            pieces.append(piece)
            line += piece.table.num_rows
    return _checked(pieces, names, found)


# --- the file and its header -------------------------------------------------------------------------


@contextmanager
def _mapped(path: Path) -> Iterator[_Bytes]:
    """The file's bytes without reading them into memory (an empty file cannot be mapped)."""
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            yield b""
            return
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            yield mapped
        finally:
            with suppress(BufferError):  # an Arrow buffer still points into it: unmapped when that is freed
                mapped.close()


def _header(data: _Bytes) -> tuple[list[str], int, list[Problem]]:
    """Column names from line 1, the offset where line 2 starts, and the required columns it lacks.

    Raises CsvRejected for a header the rows cannot be read under (unreadable, unknown or repeated names)."""
    head = bytes(data[:_HEADER_MAX_BYTES])
    if not head.strip(b" \t\r\n") and len(data) <= _HEADER_MAX_BYTES:
        raise _at_line_1("the file is empty")
    _refuse_known_binary(head)
    end = head.find(b"\n")
    if end < 0:
        if len(data) > len(head):
            raise _at_line_1("line 1 has no line end in its first 64 KB: is this a CSV file?")
        end = len(head)
    raw = head[:end].removesuffix(b"\r")
    if b"\r" in raw:
        raise _at_line_1(LONE_CR)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _at_line_1("the file is not UTF-8 text (is it a CSV file?)") from None
    if "\x00" in text:
        raise _at_line_1("the file contains binary data (NUL bytes): is it a CSV file saved as UTF-8?")
    if not text.strip():
        raise _at_line_1("line 1 is empty: the first line must name the columns")
    try:
        names = [name.strip() for name in next(csv.reader([text]))]
    except csv.Error as error:
        raise _at_line_1(f"the header could not be read as CSV: {error}") from None
    problems = _header_problems(names)
    missing = [p for p in problems if p.message == MISSING_COLUMN]
    if len(missing) < len(problems):
        raise CsvRejected(problems)
    return names, end + 1, missing


def _at_line_1(message: str) -> CsvRejected:
    return CsvRejected([Problem(1, None, message)])


def _refuse_known_binary(head: bytes) -> None:
    """Name the usual wrong files: they fail anyway, but 'not UTF-8' does not tell the user what to do."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _at_line_1("the file is UTF-16 text: save it as UTF-8 (CSV UTF-8)")
    if head.startswith(b"\x1f\x8b"):
        raise _at_line_1("the file is gzip-compressed: upload the CSV file itself")
    if head.startswith(b"PK\x03\x04"):
        raise _at_line_1("the file is a ZIP archive (an Excel workbook?): upload a CSV file")


MISSING_COLUMN = "required column is missing"


def _header_problems(names: list[str]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            problems.append(Problem(1, name, f"column appears twice (columns {seen[name]} and {position})"))
        elif name not in ALLOWED_COLUMNS:
            label = _shorten(name, 60) or f"(empty name in column {position})"
            problems.append(
                Problem(
                    1, label, f"unknown column; expected {', '.join(CSV_COLUMNS)} and optionally {ID_COLUMN}"
                )
            )
        seen.setdefault(name, position)
    for required in FEATURE_COLUMNS:
        if required not in seen:
            problems.append(Problem(1, required, MISSING_COLUMN))
    return problems


def _content_end(data: _Bytes, start: int) -> int:
    """Where the rows end once blank lines at the very end (spaces, tabs, CR, LF) are left out."""
    end = len(data)
    while end > start:
        low = max(start, end - 65536)
        kept = len(bytes(data[low:end]).rstrip(b" \t\r\n"))
        if kept:
            newline = data.find(b"\n", low + kept, len(data))
            return newline + 1 if newline >= 0 else len(data)
        end = low
    return start


def _pieces(data: _Bytes, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """Cut [start, end) into pieces of about `size` bytes, each ending at a line end."""
    while start < end:
        cut = data.find(b"\n", min(start + size, end) - 1, end)
        stop = end if cut < 0 else cut + 1
        yield start, stop
        start = stop


# --- one piece -----------------------------------------------------------------------------------------


def _read_piece(data: _Bytes, a: int, b: int, names: list[str], first_line: int, found: _Found) -> _Piece:
    """Arrow's typed read when it succeeds with one row per line; otherwise a diagnosis of the piece."""
    table = _typed(pa.py_buffer(data)[a:b], names)
    if table is not None and _one_row_per_line(data, a, b, table.num_rows):
        return _Piece(table)
    return _diagnose(bytes(data[a:b]), names, first_line, found)


def _typed(buffer: pa.Buffer, names: list[str]) -> pa.Table | None:
    types = {name: pa.string() if name == ID_COLUMN else pa.float64() for name in names}
    try:
        return pacsv.read_csv(
            pa.BufferReader(buffer),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=_BLOCK_BYTES, column_names=names),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None


def _one_row_per_line(data: _Bytes, a: int, b: int, rows: int) -> bool:
    """Arrow also breaks lines at a lone CR and joins them inside quotes: then rows and lines differ."""
    has_cr, has_quote = data.find(b"\r", a, b) >= 0, data.find(b'"', a, b) >= 0
    if not (has_cr or has_quote):  # the usual case: nothing to count
        return True
    chunk = bytes(data[a:b])
    if has_cr and chunk.count(b"\r") != chunk.count(b"\r\n"):
        return False
    # An odd quote count: an unclosed quote (in the last line it joins nothing, so rows alone can't tell).
    return not has_quote or (chunk.count(b'"') % 2 == 0 and rows == _line_count(chunk))


def _line_count(chunk: bytes) -> int:
    return chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)


# --- the diagnosis of a piece Arrow refused ------------------------------------------------------------


@dataclass(frozen=True)
class _Lines:
    """Byte spans of a piece's lines: line i is piece[start[i]:stop[i]], without its LF or CRLF."""

    start: np.ndarray
    stop: np.ndarray
    end: np.ndarray  # where the LF is (or the piece ends)

    def __len__(self) -> int:
        return len(self.start)


def _line_spans(buf: np.ndarray) -> _Lines:
    ends = np.flatnonzero(buf == _LF)
    if len(buf) and buf[-1] != _LF:
        ends = np.append(ends, len(buf))
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    crlf = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == _CR)
    return _Lines(starts, ends - crlf, ends)


def _per_line(mask: np.ndarray, lines: _Lines) -> np.ndarray:
    """How many bytes of each line (its CR included, not its LF) are True in the byte mask."""
    return np.bincount(np.searchsorted(lines.end, np.flatnonzero(mask)), minlength=len(lines))


def _diagnose(piece: bytes, names: list[str], first_line: int, found: _Found) -> _Piece:
    """Report what is wrong in this piece, and return the values of its well-formed cells."""
    buf = np.frombuffer(piece, dtype=np.uint8)
    lines = _line_spans(buf)
    bad = _bad_lines(piece, buf, lines, names, first_line, found)
    text = _without(piece, lines, np.flatnonzero(bad))
    strings = _text_columns(text, names, len(lines))
    if strings is None:  # Arrow and the line checks disagree on a quoted line: settle it line by line
        strings = _python_columns(text, names, bad, first_line, found)
    return _cells(strings, names, bad, first_line, found)


def _bad_lines(
    piece: bytes, buf: np.ndarray, lines: _Lines, names: list[str], first_line: int, found: _Found
) -> np.ndarray:
    """Classify every line with vectorised byte counts; only lines with a CR, a quote or a non-ASCII
    byte are looked at one by one, in Python."""
    width = len(names)
    carriage = _per_line(buf == _CR, lines) - (lines.end - lines.stop)  # a CRLF's CR is fine
    quotes = _per_line(buf == _QUOTE, lines)
    non_ascii = _per_line(buf >= 0x80, lines)
    fields = _per_line(buf == _COMMA, lines) + 1
    spaces = _per_line((buf == _SPACE) | (buf == _TAB), lines)

    closer_look = (carriage > 0) | (quotes > 0) | (non_ascii > 0)
    blank = ~closer_look & (spaces == lines.stop - lines.start)
    ragged = ~closer_look & ~blank & (fields != width)
    found.rows(blank, None, "empty line", first_line)
    found.each(ragged, None, lambda i: f"expected {width} fields, found {fields[i]}", first_line)
    bad = blank | ragged
    for i in np.flatnonzero(closer_look):
        raw = piece[lines.start[i] : lines.stop[i]]
        verdict = _line_verdict(raw, int(carriage[i]), int(quotes[i]), int(fields[i]), names)
        if verdict is not None:
            bad[i] = True
            found.add(first_line + int(i), *verdict)
    return bad


def _line_verdict(
    raw: bytes, carriage: int, quotes: int, fields: int, names: list[str]
) -> tuple[str | None, str] | None:
    """(column, message) when the line is malformed as a whole, None when its cells should be checked."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the line is not UTF-8 text (binary data, or another encoding?)"
    if carriage:
        return None, LONE_CR
    if not text.strip(" \t"):
        return None, "empty line"
    if quotes:
        try:  # a quote left open runs on into the next item: then the two items make one row
            parsed = list(csv.reader([text, ""]))
        except csv.Error as error:  # e.g. a field beyond the csv module's size limit
            return None, f"the line could not be read as CSV: {error}"
        if len(parsed) == 1:
            opened = _unclosed_quote_field(text)
            column = names[opened] if opened < len(names) else None
            return column, "a quoted value is not closed on this line (a value cannot span lines)"
        fields = len(parsed[0])
    if fields != len(names):
        return None, f"expected {len(names)} fields, found {fields}"
    return None


def _csv_fields(text: str) -> list[str] | None:
    """The fields of one line, or None when Python's csv refuses it (e.g. a field beyond its size limit)."""
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return None


def _unclosed_quote_field(text: str) -> int:
    """The field where the quote that never closes opens (a quote opens only at a field's start)."""
    position, opened, inside, at_start, closed = 0, 0, False, True, False
    for char in text:
        if inside:
            if char == '"':
                inside, closed = False, True
            continue
        if char == '"' and (at_start or closed):  # a field's opening quote, or a doubled one inside it
            inside = True
            opened = position if at_start else opened
        elif char == ",":
            position += 1
        at_start, closed = char == ",", False
    return opened


def _without(piece: bytes, lines: _Lines, bad: np.ndarray) -> bytes:
    """The piece with the bad lines emptied (their line ends kept, so rows still match lines)."""
    if not len(bad):
        return piece
    parts, position = [], 0
    for i in bad:
        parts.append(piece[position : lines.start[i]])
        position = int(lines.end[i])
    parts.append(piece[position:])
    return b"".join(parts)


def _text_columns(text: bytes, names: list[str], expected_rows: int) -> dict[str, pa.Array] | None:
    """Every column as text, one row per line; None if Arrow splits the lines differently than we do."""
    disagreements: list[object] = []

    def on_invalid(row: object) -> str:
        disagreements.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(text)),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=len(text) + 1, column_names=names),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:  # e.g. nothing left once the bad lines are emptied
        return None
    if disagreements or table.num_rows != expected_rows:
        return None
    return {name: table.column(name).combine_chunks() for name in names}


def _python_columns(
    text: bytes, names: list[str], bad: np.ndarray, first_line: int, found: _Found
) -> dict[str, pa.Array]:
    """The slow, certain way, for the rare piece whose quoting Arrow reads differently: line by line."""
    cells: list[list[str]] = [[] for _ in names]
    for i, raw in enumerate(text.split(b"\n")[: len(bad)]):
        fields = _csv_fields(raw.decode("utf-8").removesuffix("\r")) or []
        if not bad[i] and len(fields) != len(names):
            bad[i] = True
            found.add(first_line + i, None, f"expected {len(names)} fields, found {len(fields)}")
        for column, value in zip(
            cells, fields if len(fields) == len(names) else [""] * len(names), strict=True
        ):
            column.append(value)
    return {name: pa.array(column, pa.string()) for name, column in zip(names, cells, strict=True)}


def _cells(
    strings: dict[str, pa.Array], names: list[str], bad_lines: np.ndarray, first_line: int, found: _Found
) -> _Piece:
    """Check each text cell against the number grammar, report the ones that fail, convert the rest."""
    columns: dict[str, pa.Array] = {}
    reported: dict[str, np.ndarray] = {}
    for name in names:
        if name == ID_COLUMN:
            columns[name] = strings[name]
            continue
        values, not_number = _numbers(strings[name])
        not_number &= ~bad_lines
        found.each(not_number, name, _describe_not_number(strings[name]), first_line)
        columns[name] = values
        reported[name] = not_number
    return _Piece(pa.table(columns), bad_lines, reported)


def _describe_not_number(cells: pa.Array) -> Callable[[int], str]:
    return lambda i: f"not a number: {_shorten(cells[i].as_py(), 40)!r}"


def _numbers(strings: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """float64 values of the cells (null where blank or not a number), and which cells are not numbers.

    Trimmed and cast, a column converts exactly as Arrow's CSV reader would; only a column that fails is
    matched against the written-out grammar to find its bad cells.
    """
    trimmed = pc.utf8_trim(strings, " \t")
    present = pc.not_equal(trimmed, "")
    candidates = pc.if_else(present, trimmed, pa.scalar(None, pa.string()))
    try:
        return pc.cast(candidates, pa.float64()), np.zeros(len(strings), dtype=bool)
    except pa.ArrowInvalid:
        pass
    parses = pc.or_(
        pc.match_substring_regex(strings, NUMBER_PATTERN),
        pc.match_substring_regex(strings, NON_FINITE_PATTERN),
    )
    candidates = pc.if_else(parses, candidates, pa.scalar(None, pa.string()))
    try:
        values = pc.cast(candidates, pa.float64())
    except pa.ArrowInvalid:  # the written-out grammar let through something Arrow refuses: find which
        values, refused = _cast_each(candidates)
        parses = pc.and_(parses, pa.array(~refused))
    not_number = ~parses.to_numpy(zero_copy_only=False) & present.to_numpy(zero_copy_only=False)
    return values, not_number


def _cast_each(candidates: pa.Array) -> tuple[pa.Array, np.ndarray]:
    values: list[float | None] = []
    refused = np.zeros(len(candidates), dtype=bool)
    for i, cell in enumerate(candidates):
        try:
            values.append(pc.cast(pa.array([cell.as_py()], pa.string()), pa.float64())[0].as_py())
        except pa.ArrowInvalid:
            values.append(None)
            refused[i] = True
    return pa.array(values, pa.float64()), refused


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# --- value checks over the whole file ------------------------------------------------------------------


def _checked(pieces: list[_Piece], names: list[str], found: _Found) -> ParsedBatch:
    """Value checks on typed columns: present, finite, in range. Row i is line i + 2."""
    table = pa.concat_tables([p.table for p in pieces])
    skip = _joined([p.reported_rows for p in pieces], [p.table.num_rows for p in pieces])
    numeric = numeric_names(names)
    values = {name: table.column(name).to_numpy(zero_copy_only=False) for name in numeric}
    nulls = {name: _nulls(table.column(name)) for name in numeric}

    # A line with no value at all is one problem, not one per column.
    if all(mask is not None for mask in nulls.values()):
        empty = _unless(np.logical_and.reduce([m for m in nulls.values() if m is not None]), skip)
        found.rows(empty, None, "empty line")
        skip = empty if skip is None else skip | empty
    for name in numeric:
        cells = _joined([p.reported_cells.get(name) for p in pieces], [p.table.num_rows for p in pieces])
        ignore = skip if cells is None else cells if skip is None else skip | cells
        _check_values(values[name], nulls[name], name, ignore, found)
    if ID_COLUMN in names:
        _check_ids(table.column(ID_COLUMN), skip, found)
    if found.total:
        raise found.rejection()

    features = np.column_stack([values[c] for c in FEATURE_COLUMNS])
    labels = values[LABEL_COLUMN].astype(np.int8) if LABEL_COLUMN in names else None
    ids = table.column(ID_COLUMN).combine_chunks() if ID_COLUMN in names else None
    return ParsedBatch(features, labels, ids)


def _check_values(
    v: np.ndarray, null: np.ndarray | None, name: str, ignore: np.ndarray | None, found: _Found
) -> None:
    finite = np.isfinite(v)
    if null is not None:
        found.rows(_unless(null, ignore), name, "missing value")
        ignore = null if ignore is None else ignore | null
    if not finite.all():
        found.rows(_unless(~finite, ignore), name, "not a finite number")
    if name == LABEL_COLUMN:
        found.rows(_unless(finite & (v != 0) & (v != 1), ignore), name, "must be 0 or 1")
        return
    beyond = finite & (np.abs(v) > MAX_ABS_VALUE)
    if beyond.any():
        found.rows(_unless(beyond, ignore), name, f"beyond the accepted range (±{MAX_ABS_VALUE:.0e})")
    if name in _NON_NEGATIVE:
        found.rows(_unless(finite & ~beyond & (v < 0), ignore), name, "must be ≥ 0")


def _check_ids(ids: pa.ChunkedArray, skip: np.ndarray | None, found: _Found) -> None:
    too_long = pc.greater(pc.utf8_length(ids), MAX_ID_CHARS).to_numpy(zero_copy_only=False)
    found.rows(_unless(too_long, skip), ID_COLUMN, f"longer than {MAX_ID_CHARS} characters")
    control = pc.match_substring_regex(ids, _CONTROL_PATTERN).to_numpy(zero_copy_only=False)
    found.rows(
        _unless(control & ~too_long, skip),
        ID_COLUMN,
        "contains a control character (NUL, tab, line break, ...)",
    )


def _nulls(column: pa.ChunkedArray) -> np.ndarray | None:
    return column.is_null().to_numpy(zero_copy_only=False) if column.null_count else None


def _unless(mask: np.ndarray, ignore: np.ndarray | None) -> np.ndarray:
    return mask if ignore is None else mask & ~ignore


def _joined(masks: Sequence[np.ndarray | None], sizes: list[int]) -> np.ndarray | None:
    """One mask over all pieces' rows (False where a piece has none), or None if no piece has one."""
    if all(m is None for m in masks):
        return None
    return np.concatenate(
        [np.zeros(n, dtype=bool) if m is None else m for m, n in zip(masks, sizes, strict=True)]
    )
