"""Property tests of the CSV validator.

Any file, made of valid rows and mutated ones (bad cells, blank lines, ragged rows, odd bytes), either parses
to exactly the rows written, or is rejected with its first problem at the first line that really is bad and
no problem at a good line. The number grammar of the cell-by-cell diagnosis agrees with Arrow's CSV reader.
Through the API, on PostgreSQL, an upload either stores exactly its rows or changes no table.
"""

import io
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from fraudops.core.db import make_engine
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import validate
from fraudops.data.validate import PIECE_BYTES, CsvRejected, parse_batch
from fraudops.main import create_app
from tests.conftest import app_settings, create_postgres_database, drop_postgres_database
from tests.utils import counts, upload

FEATURES = ["Time", *(f"V{i}" for i in range(1, 29)), "Amount"]
NON_NEGATIVE = {"Time", "Amount"}


# --- files of valid and mutated rows ------------------------------------------------------------------


@dataclass
class Row:
    values: list[float]  # Time, V1..V28, Amount as written
    label: int | None
    id: str | None
    text: bytes  # the line as written, without its line end


@dataclass
class File:
    data: bytes
    rows: list[Row]  # the good rows, in order
    bad: set[int]  # lines (the header is line 1) that must be refused
    has_label: bool
    has_id: bool

    @property
    def empty(self) -> bool:
        return not self.rows and not self.bad


def number(value: float) -> st.SearchStrategy[str]:
    """Ways to write a number that Arrow reads as exactly `value`."""
    plain = repr(value)
    return st.sampled_from(
        [plain, f" {plain}", f"{plain}\t", f'"{plain}"', plain if plain.startswith("-") else "+" + plain]
    )


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False, width=64)
ids = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters='",\r\n'), max_size=12
)

BAD_NUMBERS = [
    "abc",
    "1_000",
    "٣",
    "１",
    "0x1p3",
    "1e",
    "--1",
    "nan",
    "inf",
    "-Infinity",
    "1e39",
    "-1e39",
    "1e400",
]
BAD_NUMBERS += ["1\x002", '"1,5"', "1 2", ".", "e5"]


@st.composite
def valid_row(draw: st.DrawFn, has_label: bool, has_id: bool) -> tuple[Row, list[str]]:
    values = [
        abs(v) if name in NON_NEGATIVE else v
        for name, v in zip(FEATURES, draw(st.lists(finite, min_size=30, max_size=30)), strict=True)
    ]
    cells = [draw(number(v)) for v in values]
    label = draw(st.sampled_from([0, 1])) if has_label else None
    if label is not None:
        cells.append(
            draw(st.sampled_from(["0", "0.0", "-0", " 0"] if label == 0 else ["1", "1.0", "+1", "1e0"]))
        )
    row_id = draw(ids) if has_id else None
    if row_id is not None:
        cells.insert(0, row_id)
    return Row(values, label, row_id, ",".join(cells).encode()), cells


MUTATIONS = [
    "bad-number",
    "blank",
    "whitespace",
    "missing-field",
    "extra-field",
    "nul",
    "not-utf8",
    "lone-cr",
]
MUTATIONS += ["unclosed-quote", "negative", "bad-label", "long-id", "control-in-id", "empty-cell"]


@st.composite
def mutated(draw: st.DrawFn, cells: list[str], has_label: bool, has_id: bool) -> bytes | None:
    """The line with one thing wrong; None when the mutation does not apply to this layout."""
    kind = draw(st.sampled_from(MUTATIONS))
    first_number = 1 if has_id else 0
    j = draw(st.integers(first_number, len(cells) - 1))
    cells = list(cells)
    if kind == "bad-number":
        cells[j] = draw(st.sampled_from(BAD_NUMBERS))
    elif kind in ("blank", "whitespace"):
        return b"" if kind == "blank" else draw(st.sampled_from([b" ", b"\t", b" \t "]))
    elif kind == "missing-field":
        del cells[j]
    elif kind == "extra-field":
        cells.insert(j, "1")
    elif kind == "nul":
        cells[j] = "1\x00" + cells[j]
    elif kind == "not-utf8":
        return ",".join(cells).encode().replace(b",", b",\xff", 1)
    elif kind == "lone-cr":
        cells[j] = cells[j] + "\r5"
    elif kind == "unclosed-quote":
        cells[j] = '"' + cells[j].replace('"', "")
    elif kind == "negative":
        cells[first_number] = "-1"  # Time
    elif kind == "bad-label":
        if not has_label:
            return None
        cells[-1] = draw(st.sampled_from(["2", "0.5", "-1", "nan"]))
    elif kind in ("long-id", "control-in-id"):
        if not has_id:
            return None
        cells[0] = (
            "i" * 201
            if kind == "long-id"
            else "a" + draw(st.sampled_from(["\x00", "\x1b", "\t", "\x7f", "\x85"]))
        )
    elif kind == "empty-cell":
        cells[j] = ""
    return ",".join(cells).encode()


@st.composite
def files(draw: st.DrawFn, max_rows: int = 12) -> File:
    has_label, has_id = draw(st.booleans()), draw(st.booleans())
    header = (["id"] if has_id else []) + FEATURES + (["Class"] if has_label else [])
    end = draw(st.sampled_from([b"\n", b"\r\n"]))
    lines: list[bytes] = []
    good: list[tuple[int, Row]] = []
    blank: set[int] = set()
    bad: set[int] = set()
    for i in range(draw(st.integers(1, max_rows))):
        row, cells = draw(valid_row(has_label, has_id))
        line = i + 2
        broken = draw(mutated(cells, has_label, has_id)) if draw(st.integers(0, 4)) == 0 else None
        if broken is None:
            lines.append(row.text)
            good.append((line, row))
        else:
            lines.append(broken)
            (blank if not broken.strip(b" \t") else bad).add(line)
    last = max((n for n, _ in good), default=1)
    bad |= {n for n in blank if n < max(bad | {last})}  # blank lines at the very end are fine
    trailing = draw(st.sampled_from([b"", end, end + end, end + b" \t" + end]))
    final_end = draw(st.booleans())
    body = end.join([",".join(header).encode(), *lines]) + (end if final_end or trailing else b"") + trailing
    return File(body, [r for _, r in good], bad, has_label, has_id)


def expected_arrays(file: File) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
    features = np.array([r.values for r in file.rows], dtype=np.float64).reshape(-1, 30)
    labels = np.array([r.label for r in file.rows], dtype=np.int8) if file.has_label else None
    return features, labels, [r.id for r in file.rows] if file.has_id else None  # type: ignore[misc]


def parse_bytes(data: bytes, piece_bytes: int):  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "batch.csv"
        path.write_bytes(data)
        return parse_batch(path, piece_bytes=piece_bytes)


# --- the validator ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=files(), piece_bytes=st.sampled_from([PIECE_BYTES, 1, 300, 2000]))
def test_a_file_parses_to_exactly_its_rows_or_is_rejected_at_a_bad_line(file: File, piece_bytes: int) -> None:
    note(f"file: {file.data!r}\nbad lines: {sorted(file.bad)}, good rows: {len(file.rows)}")
    if file.bad or not file.rows:
        with pytest.raises(CsvRejected) as rejected:
            parse_bytes(file.data, piece_bytes)
        lines = [p.line for p in rejected.value.problems]
        if not file.rows and not file.bad:
            assert lines == [2]  # a header, then nothing
            return
        assert lines[0] == min(file.bad), rejected.value.problems
        assert set(lines) <= file.bad, rejected.value.problems
        assert rejected.value.total >= len(file.bad)
        return
    parsed = parse_bytes(file.data, piece_bytes)
    features, labels, row_ids = expected_arrays(file)
    assert parsed.rows == len(file.rows)
    np.testing.assert_array_equal(parsed.features, features)
    if labels is None:
        assert parsed.labels is None
    else:
        np.testing.assert_array_equal(parsed.labels, labels)
    assert (parsed.external_ids.to_pylist() if parsed.external_ids is not None else None) == row_ids


tokens = st.one_of(
    st.text(st.sampled_from(list("0123456789+-.eE _xXpnaifNAIFty\t٣１")), max_size=10),
    finite.map(repr),
    st.from_regex(r"\A[ \t]?[+-]?[0-9]{0,3}\.?[0-9]{0,3}([eE][+-]?[0-9]{1,3})?[ \t]?\Z"),
)


def arrow_reads(token: str) -> tuple[bool, float | None]:
    """Whether Arrow's CSV reader takes `token` as a float64, and the value it reads."""
    try:
        table = pacsv.read_csv(
            io.BytesIO(f"x\n{token}\n".encode()),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={"x": pa.float64()}, null_values=[""]),
        )
    except pa.ArrowInvalid:
        return False, None
    return True, table.column(0)[0].as_py()


@settings(max_examples=500, deadline=None)
@given(token=tokens)
def test_the_diagnosis_reads_numbers_as_arrows_csv_reader_does(token: str) -> None:
    accepted, value = arrow_reads(token)
    # Alone, the column converts in one cast; beside a bad cell, each cell goes through the written grammar.
    for column in (pa.array([token]), pa.array([token, "not a number"])):
        values, not_number = validate._numbers(column)
        ours = values[0].as_py()
        if accepted:
            assert not not_number[0], token
            assert ours == value or (
                ours is not None and value is not None and math.isnan(ours) and math.isnan(value)
            )
        else:  # refused by Arrow: a bad cell for us too, or a blank one (reported as a missing value)
            assert not_number[0] or (ours is None and not token.strip(" \t")), token


# --- the API, on PostgreSQL -----------------------------------------------------------------------------


@dataclass
class Api:
    client: TestClient
    engine: Engine


@pytest.fixture(scope="module")
def api(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    name, url = create_postgres_database("fraudops_props")
    try:
        upgrade_to_head(url)
        tmp = tmp_path_factory.mktemp("props")
        # A corpus, not a client: no rate limit.
        settings = app_settings(url, model_dir, tmp, max_upload_mb=5, rate_limit_uploads_per_minute=0)
        engine = make_engine(url)
        with TestClient(create_app(settings)) as client:
            yield Api(client, engine)
        engine.dispose()
    finally:
        drop_postgres_database(name)


STORED = ", ".join(["external_id", *(c.lower() for c in FEATURES), "label"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=files(max_rows=6))
def test_an_upload_stores_exactly_its_rows_or_changes_nothing(api: Api, file: File) -> None:
    with Session(api.engine) as session:
        before = counts(session)
    response = upload(api.client, file.data)
    with Session(api.engine) as session:
        after = counts(session)

    if file.bad or not file.rows:
        assert response.status_code == 422, response.text
        assert after == before
        return
    if response.status_code == 200:  # hypothesis tried this very file before: stored once, not twice
        assert response.json()["duplicate"] and after == before
        return
    assert response.status_code == 201, response.text
    assert after["transactions"] == before["transactions"] + len(file.rows)
    with api.engine.connect() as conn:
        stored = conn.execute(
            text(f"SELECT {STORED} FROM transactions WHERE batch_id = :b ORDER BY row_number"),
            {"b": response.json()["id"]},
        ).all()
    features, labels, row_ids = expected_arrays(file)
    np.testing.assert_array_equal(
        np.array([r[1:31] for r in stored], dtype=np.float64).reshape(-1, 30), features
    )
    assert [r[31] for r in stored] == (labels.tolist() if labels is not None else [None] * len(stored))
    assert [r[0] for r in stored] == (row_ids if row_ids is not None else [None] * len(stored))
