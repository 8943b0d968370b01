"""A corpus of hostile uploads against the real app, on SQLite and on PostgreSQL.

Each body is answered with a clean 4xx (400 for the HTTP framing, 422 naming line and column for the CSV
content) and changes no table, or, where that is what a user expects (blank lines at the end, a BOM, spaces
around numbers, a long or odd filename), is stored exactly as written. Never a 500, never a partial batch.
"""

import gzip
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from fraudops.core.db import make_engine
from fraudops.data import upload as upload_module
from fraudops.data.upload import TEMP_PREFIX, clean_filename, sweep_stale
from fraudops.main import create_app
from tests.conftest import app_settings, empty_tables
from tests.utils import counts, upload

HEADER = ["Time", *(f"V{i}" for i in range(1, 29)), "Amount", "Class"]
WITH_ID = ["id", *HEADER]
BOUNDARY = "hostile-boundary-7f3a"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


# --- building bodies ---------------------------------------------------------------------------------


def row(time: int, v: str = "0.5", amount: str = "9.99", label: str = "0") -> list[str]:
    return [str(time), *([v] * 28), amount, label]


def rows(n: int, start: int) -> list[list[str]]:
    """n valid rows; `start` makes each case's file (and so its hash) unique."""
    return [row(start + i) for i in range(n)]


def csv(lines: list[list[str]], header: list[str] = HEADER, end: str = "\n") -> bytes:
    return "".join(",".join(r) + end for r in [header, *lines]).encode()


def with_cell(line: int, column: str, value: str, n: int = 5, start: int = 0) -> bytes:
    """A valid file except for `value` at `line` (the header is line 1) in `column`."""
    return with_cells({(line, column): value}, n, start)


def with_cells(values: dict[tuple[int, str], str], n: int = 5, start: int = 0) -> bytes:
    body = rows(n, start)
    for (line, column), value in values.items():
        body[line - 2][HEADER.index(column)] = value
    return csv(body)


def with_id(line: int, value: str, n: int = 5, start: int = 0) -> bytes:
    body = [[f"t-{start + i}", *r] for i, r in enumerate(rows(n, start))]
    body[line - 2][0] = value
    return csv(body, WITH_ID)


def with_line(line: int, raw: str, n: int = 5, start: int = 0) -> bytes:
    """A valid file with `raw` inserted as line `line`."""
    lines = [",".join(r) for r in [HEADER, *rows(n, start)]]
    lines.insert(line - 1, raw)
    return ("\n".join(lines) + "\n").encode()


def lone_cr_ending(line: int, n: int = 4) -> bytes:
    """A CRLF file whose `line` ends with a CR alone: by LF count, it runs on into the next."""
    lines = csv(rows(n, 0), end="\r\n").split(b"\r\n")
    return b"\r\n".join(lines[: line - 1]) + b"\r\n" + lines[line - 1] + b"\r" + b"\r\n".join(lines[line:])


def part(
    data: bytes, name: str = "file", filename: bytes = b"batch.csv", headers: bytes | None = None
) -> bytes:
    disposition = (
        b'Content-Disposition: form-data; name="' + name.encode() + b'"; filename="' + filename + b'"'
    )
    head = headers if headers is not None else disposition + b"\r\nContent-Type: text/csv"
    return b"--" + BOUNDARY.encode() + b"\r\n" + head + b"\r\n\r\n" + data + b"\r\n"


def form(*parts: bytes, close: bool = True) -> bytes:
    return b"".join(parts) + (b"--" + BOUNDARY.encode() + b"--\r\n" if close else b"")


def zipped(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("batch.csv", data)
    return out.getvalue()


GOOD = csv(rows(4, 1000))


@dataclass(frozen=True)
class Case:
    id: str
    body: bytes
    status: int
    where: tuple[int, str | None] | None = None  # a problem must name this (line, column)
    content_type: str | None = None  # send `body` raw with this type; None: as the form's `file`
    rows: int | None = None  # accepted: how many rows are stored
    total: int | None = None  # rejected: exactly this many problems
    filename: str | None = None  # accepted: the filename stored
    query: str = ""


def framing(id: str, body: bytes, content_type: str = MULTIPART) -> Case:
    return Case(id, body, 400, content_type=content_type)


def rejected(id: str, body: bytes, line: int, column: str | None, total: int | None = None) -> Case:
    return Case(id, body, 422, where=(line, column), total=total)


def accepted(id: str, body: bytes, n: int) -> Case:
    return Case(id, body, 201, rows=n)


def named(id: str, filename: bytes, expected: str, start: int) -> Case:
    body = form(part(csv(rows(3, start)), filename=filename))
    return Case(id, body, 201, content_type=MULTIPART, rows=3, filename=expected)


CASES = [
    # -- the HTTP framing: 400, nothing stored
    framing("multipart-without-closing-boundary", form(part(GOOD), close=False)),
    framing("multipart-cut-inside-part-headers", form(part(GOOD))[:60]),
    framing("multipart-cut-inside-closing-boundary", form(part(GOOD))[:-6]),
    framing("multipart-cut-inside-data", form(part(GOOD))[:300]),
    framing(
        "multipart-new-part-never-finished",
        form(part(GOOD), close=False) + b"--" + BOUNDARY.encode() + b"\r\n",
    ),
    framing(
        "multipart-header-name-with-spaces",
        form(part(GOOD, headers=b' Content-Disposition : form-data; name="file"; filename="a.csv"')),
    ),
    framing(
        "multipart-space-before-colon",
        form(part(GOOD, headers=b'Content-Disposition : form-data; name="file"; filename="a.csv"')),
    ),
    framing(
        "multipart-header-without-colon",
        form(part(GOOD, headers=b'Content-Disposition form-data; name="file"; filename="a.csv"')),
    ),
    framing("multipart-wrong-boundary", form(part(GOOD)).replace(BOUNDARY.encode(), b"other-boundary")),
    framing("multipart-no-boundary-parameter", form(part(GOOD)), "multipart/form-data"),
    framing("multipart-empty-boundary", form(part(GOOD)), "multipart/form-data; boundary="),
    framing(
        "multipart-boundary-over-256-chars",
        form(part(GOOD)).replace(BOUNDARY.encode(), b"b" * 300),
        "multipart/form-data; boundary=" + "b" * 300,
    ),
    framing("multipart-filename-beyond-header-limit", form(part(GOOD, filename=b"f" * 6000 + b".csv"))),
    framing("multipart-lf-only-framing", form(part(GOOD)).replace(b"\r\n", b"\n")),
    framing("multipart-empty-body", b""),
    framing("multipart-garbage-body", bytes(range(256)) * 8),
    framing("multipart-preamble-before-first-boundary", b"hello\r\n" + form(part(GOOD))),
    framing("multipart-no-file-field", form(part(GOOD, name="other"))),
    framing("multipart-part-without-disposition", form(part(GOOD, headers=b"Content-Type: text/csv"))),
    framing("json-body", b'{"rows": []}', "application/json"),
    framing("urlencoded-form", b"file=Time%2CV1", "application/x-www-form-urlencoded"),
    framing("no-content-type", GOOD, ""),
    # -- odd filenames: stored, cleaned (the database refuses NUL; the column holds 255 characters)
    named("filename-with-nul", b"fraud\x00s.csv", "frauds.csv", 2000),
    named("filename-of-300-chars", b"n" * 296 + b".csv", "n" * 255, 2100),
    named("filename-with-control-chars", b"\x1b[31mred\x07.csv", "[31mred.csv", 2200),
    named("filename-with-path", b"../../etc/passwd.csv", "passwd.csv", 2300),
    named("filename-not-utf8", b"\xff\xfe.csv", "\ufffd\ufffd.csv", 2400),
    named("filename-only-control-chars", b"\x01\x02", "upload.csv", 2500),
    Case(
        "query-filename-with-nul",
        csv(rows(3, 2600)),
        201,
        content_type="text/csv",
        rows=3,
        filename="x.csv",
        query="?filename=%00x.csv",
    ),
    # -- line ends, blank lines, encodings
    rejected("cr-only-line-ends", csv(rows(3, 0), end="\r"), 1, None),
    rejected("lone-cr-inside-a-row", with_cell(3, "V7", "0.5\r0.5"), 3, None),
    rejected("lone-cr-in-a-crlf-file", lone_cr_ending(3), 3, None),
    rejected("blank-line-in-the-middle", with_line(4, ""), 4, None, total=1),
    rejected("whitespace-line-in-the-middle", with_line(3, " \t "), 3, None, total=1),
    rejected(
        "crlf-blank-line", csv(rows(4, 0), end="\r\n").replace(b"\r\n", b"\r\n\r\n", 1), 2, None, total=1
    ),
    rejected(
        "two-blank-lines-in-the-middle", with_line(3, "").replace(b"\n\n", b"\n\n\n", 1), 3, None, total=2
    ),
    rejected(
        "blank-line-then-one-more-row", csv(rows(3, 0)) + b"\n" + ",".join(row(9)).encode() + b"\n", 5, None
    ),
    rejected("utf16-with-bom", "\ufeff".encode("utf-16-le") + GOOD.decode().encode("utf-16-le"), 1, None),
    rejected("utf16-without-bom", GOOD.decode().encode("utf-16-le"), 1, None),
    rejected("gzip-compressed", gzip.compress(GOOD), 1, None),
    rejected("zip-archive", zipped(GOOD), 1, None),
    rejected("binary-garbage", bytes(range(256)) * 40, 1, None),
    rejected("not-utf8-in-a-row", with_cell(3, "V2", "0.25").replace(b"0.25", b"0.\xe95"), 3, None),
    rejected("not-utf8-in-the-header", GOOD.replace(b"Amount", b"Am\xffount"), 1, None),
    rejected("nul-in-the-header", GOOD.replace(b"V3", b"V\x003"), 1, None),
    rejected("empty-file", b"", 1, None),
    rejected("whitespace-only-file", b" \r\n\t\n", 1, None),
    rejected("ten-megabytes-in-one-line", b"7" * 10_000_000, 1, None),
    rejected("bom-then-a-bad-cell", b"\xef\xbb\xbf" + with_cell(3, "V1", "abc"), 3, "V1"),
    rejected("crlf-then-a-bad-cell", with_cell(4, "V2", "abc").replace(b"\n", b"\r\n"), 4, "V2"),
    # -- the header
    rejected("header-only", csv([]), 2, None),
    rejected("header-then-blank-lines", csv([]) + b"\n\n \n", 2, None),
    rejected(
        "header-trailing-comma",
        csv([[*r, ""] for r in rows(3, 0)], [*HEADER, ""]),
        1,
        "(empty name in column 32)",
    ),
    rejected("duplicate-column", csv([[*r, "1"] for r in rows(3, 0)], [*HEADER, "V3"]), 1, "V3"),
    rejected("tab-separated", GOOD.replace(b",", b"\t"), 1, "Time"),
    rejected("semicolon-separated", GOOD.replace(b",", b";"), 1, "Time"),
    rejected("header-longer-than-64kb", b"Time," * 20_000 + b"\n" + GOOD, 1, None),
    # -- ragged rows and quoting
    rejected("row-with-an-extra-field", with_line(4, ",".join([*row(7), "1"])), 4, None),
    rejected("row-missing-a-field", with_line(3, ",".join(row(7)[:-1])), 3, None),
    rejected("row-with-a-trailing-comma", with_line(2, ",".join(row(7)) + ","), 2, None),
    rejected("quote-spanning-lines-in-a-number", with_cell(3, "V2", '"1\n2"'), 3, "V2"),
    rejected("unclosed-quote-in-the-last-line", with_cell(6, "V1", '"0.5'), 6, "V1"),
    rejected("quote-spanning-lines-in-an-id", with_id(3, '"a\nb"'), 3, "id"),
    # -- long values
    rejected("text-field-of-200k-chars", with_cell(4, "V3", "x" * 200_000), 4, "V3"),
    rejected("number-of-2m-digits", with_cell(2, "Amount", "9" * 2_000_000), 2, "Amount"),
    rejected("data-line-of-10mb", with_cell(3, "V1", "1" * 10_000_000), 3, "V1"),
    # -- numbers outside the grammar: the line and column Arrow refuses
    rejected("digit-grouping", with_cell(5, "Time", "1_000"), 5, "Time"),
    rejected("arabic-indic-digit", with_cell(4, "V10", "٣"), 4, "V10"),
    rejected("fullwidth-digit", with_cell(3, "V11", "１"), 3, "V11"),
    rejected("hex-float", with_cell(2, "V12", "0x1p3"), 2, "V12"),
    rejected("decimal-comma", with_cell(3, "V13", '"1,5"'), 3, "V13"),
    rejected("exponent-without-digits", with_cell(4, "V6", "1e"), 4, "V6"),
    rejected("double-sign", with_cell(2, "V8", "--1"), 2, "V8"),
    rejected("nul-inside-a-number", with_cell(3, "V7", "1\x002"), 3, "V7"),
    rejected("text-in-class", with_cell(3, "Class", "true"), 3, "Class"),
    rejected("bad-cell-in-the-last-line-without-line-end", with_cell(6, "V5", "abc").rstrip(b"\n"), 6, "V5"),
    rejected("bad-cells-at-two-lines", with_cells({(2, "V1"): "x", (5, "V1"): "y"}), 2, "V1", total=2),
    # -- values out of range
    rejected("beyond-float32", with_cell(3, "V4", "1e39"), 3, "V4"),
    rejected("beyond-the-bound", with_cell(3, "V6", "2e9"), 3, "V6"),
    rejected("beyond-float32-negative", with_cell(4, "V9", "-1e39"), 4, "V9"),
    rejected("beyond-float64", with_cell(2, "V2", "1e400"), 2, "V2"),
    rejected("nan", with_cell(3, "V1", "nan"), 3, "V1"),
    rejected("infinity-word", with_cell(5, "V28", "Infinity"), 5, "V28"),
    rejected("minus-inf", with_cell(6, "Amount", "-inf"), 6, "Amount"),
    rejected("class-2", with_cell(3, "Class", "2"), 3, "Class"),
    rejected("class-half", with_cell(4, "Class", "0.5"), 4, "Class"),
    rejected("class-minus-one", with_cell(2, "Class", "-1"), 2, "Class"),
    rejected("negative-amount", with_cell(3, "Amount", "-0.01"), 3, "Amount"),
    rejected("negative-time", with_cell(2, "Time", "-1"), 2, "Time"),
    rejected("missing-value", with_cell(2, "V20", ""), 2, "V20"),
    rejected("blank-value", with_cell(4, "V21", "  "), 4, "V21"),
    # -- ids feed the database and the prediction log
    rejected("id-with-nul", with_id(4, "ab\x00c"), 4, "id"),
    rejected("id-with-escape-sequence", with_id(3, "\x1b[2J"), 3, "id"),
    rejected("id-with-c1-control", with_id(3, "\u0085x"), 3, "id"),
    rejected("id-with-tab", with_id(2, "a\tb"), 2, "id"),
    rejected("id-of-201-chars", with_id(5, "i" * 201), 5, "id"),
    # -- a raw text/csv body takes the same checks
    Case("text-csv-body-with-a-bad-cell", with_cell(3, "V1", "abc"), 422, (3, "V1"), content_type="text/csv"),
    # -- what a user expects to work, stored exactly
    accepted("trailing-blank-line", csv(rows(4, 3000)) + b"\n", 4),
    accepted("trailing-blank-lines-crlf-and-spaces", csv(rows(3, 3100), end="\r\n") + b"\r\n  \r\n\t\n\n", 3),
    accepted("utf8-bom", b"\xef\xbb\xbf" + csv(rows(3, 3200)), 3),
    accepted("spaces-around-numbers", csv([[f" {c}\t" for c in r] for r in rows(3, 3300)]), 3),
    accepted("leading-plus", csv([["+" + c for c in r] for r in rows(3, 3400)]), 3),
    accepted("quoted-numbers", csv([[f'"{c}"' for c in r] for r in rows(3, 3500)]), 3),
    accepted("class-minus-zero-and-one-point-zero", csv([row(3600, label="-0"), row(3601, label="1.0")]), 2),
    accepted("no-final-line-end", csv(rows(3, 3700)).rstrip(b"\n"), 3),
    accepted("crlf-line-ends", csv(rows(3, 3800), end="\r\n"), 3),
    accepted("header-names-with-spaces", csv(rows(3, 3900), [f" {h} " for h in HEADER]), 3),
    accepted("quoted-header", csv(rows(3, 4000), [f'"{h}"' for h in HEADER]), 3),
    accepted("unicode-ids", csv([[f"café-🙂-{i}", *r] for i, r in enumerate(rows(3, 4100))], WITH_ID), 3),
    accepted("bound-and-tiny", csv([row(4200, v="1e9"), row(4201, v="1e-320")]), 2),
]


# --- the app, once per backend for the whole corpus ---------------------------------------------------


@dataclass
class App:
    client: TestClient
    engine: Engine

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as session:  # a short session: no transaction left open between tests
            return counts(session)

    def post(self, case: Case):  # type: ignore[no-untyped-def]
        if case.content_type is None:
            return upload(self.client, case.body, "hostile.csv")
        headers = {"content-type": case.content_type} if case.content_type else {}
        return self.client.post("/api/batches" + case.query, content=case.body, headers=headers)


@pytest.fixture(scope="module")
def app(database_url: str, model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    engine = make_engine(database_url)
    empty_tables(engine)
    tmp = tmp_path_factory.mktemp("hostile")
    # A corpus, not a client: no rate limit.
    settings = app_settings(database_url, model_dir, tmp, rate_limit_uploads_per_minute=0)
    with TestClient(create_app(settings)) as client:
        # A batch first, so "nothing changed" is checked against a database that holds rows.
        assert upload(client, GOOD).status_code == 201
        yield App(client, engine)
    assert not list(settings.upload_tmp_dir.glob("*")), "every temporary upload file was removed"
    engine.dispose()


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({c.body for c in CASES if c.status == 201}) == len([c for c in CASES if c.status == 201])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_upload(app: App, case: Case) -> None:
    before = app.counts()
    response = app.post(case)
    after = app.counts()

    assert response.status_code == case.status, response.text[:2000]
    body = response.json()
    if case.status == 201:
        _assert_stored(body, case, before, after)
        return
    assert after == before, "a refused upload changes no table"
    if case.status == 400:
        assert isinstance(body["detail"], str) and body["detail"]
        return
    problems = body["problems"]
    assert 1 <= len(problems) <= 50 and body["total"] >= len(problems)
    assert all(p["message"] for p in problems)
    assert case.where in [(p["line"], p["column"]) for p in problems], problems
    assert problems[0]["line"] == case.where[0], "the first problem is the earliest"  # type: ignore[index]
    if case.total is not None:
        assert body["total"] == case.total, problems
    assert len(response.content) < 20_000, "an answer never echoes a large input"


def _assert_stored(body: dict, case: Case, before: dict[str, int], after: dict[str, int]) -> None:
    assert body["row_count"] == case.rows and not body["duplicate"]
    assert after["batches"] == before["batches"] + 1
    assert after["transactions"] == before["transactions"] + case.rows  # type: ignore[operator]
    assert after["predictions"] == before["predictions"] + case.rows  # type: ignore[operator]
    assert all(after[name] >= count for name, count in before.items())
    if case.filename is not None:
        assert body["filename"] == case.filename


def test_stored_values_are_the_ones_written(app: App) -> None:
    """Spaces, '+', quotes and '-0' are read as the numbers they write; the ids come back unchanged."""
    data = csv([["  id-1 ", "+1", *(['"-2.5e-1"'] * 28), " 0.5\t", "-0"]], WITH_ID)
    response = upload(app.client, data)
    assert response.status_code == 201, response.text
    batch = response.json()["id"]
    with app.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT external_id, time, v1, v28, amount, label FROM transactions WHERE batch_id = :b"),
            {"b": batch},
        ).one()
    assert tuple(stored) == ("  id-1 ", 1.0, -0.25, -0.25, 0.5, 0)


# --- helpers of the upload path, without the app ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("batch.csv", "batch.csv"),
        ("C:\\Users\\me\\batch.csv", "batch.csv"),
        ("a\x00b\x1f.csv", "ab.csv"),
        ("  spaced.csv  ", "spaced.csv"),
        ("x" * 400, "x" * 255),
        ("..", "upload.csv"),
        ("", "upload.csv"),
        ("rapport-été.csv", "rapport-été.csv"),
    ],
)
def test_clean_filename(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_sweep_stale_deletes_only_stale_temp_uploads(tmp_path: Path) -> None:
    dead = _dead_pid()
    old_of_dead = _file(tmp_path / f"{TEMP_PREFIX}{dead}-a.csv", age=7200)
    young_of_dead = _file(tmp_path / f"{TEMP_PREFIX}{dead}-b.csv", age=0)
    old_without_pid = _file(tmp_path / f"{TEMP_PREFIX}legacy.csv", age=7200)
    old_of_live = _file(tmp_path / f"{TEMP_PREFIX}{os.getppid()}-c.csv", age=7200)  # an upload in flight
    not_ours = _file(tmp_path / "keep-me.csv", age=7200)

    assert sweep_stale(tmp_path, older_than_s=3600) == 2
    assert not old_of_dead.exists() and not old_without_pid.exists()
    assert young_of_dead.exists() and old_of_live.exists() and not_ours.exists()
    assert sweep_stale(tmp_path) == 1  # at start-up (threshold 0) the young one goes too
    assert young_of_dead.exists() is False and old_of_live.exists() and not_ours.exists()
    assert sweep_stale(tmp_path / "missing") == 0


def _file(path: Path, age: float) -> Path:
    path.write_bytes(b"x")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


KILLED_MID_UPLOAD = """
import asyncio, os, signal, sys
from pathlib import Path
from fraudops.data import upload

class Request:  # a client that sends half a body and then the process dies
    headers = {"content-type": "text/csv"}
    async def stream(self):
        yield b"Time,V1\\n" * 1000
        os.kill(os.getpid(), signal.SIGKILL)
        yield b""

asyncio.run(upload.receive(Request(), Path(sys.argv[1]), 10_000_000))
"""


def test_a_process_killed_mid_upload_leaves_a_file_that_the_sweep_removes(tmp_path: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-c", KILLED_MID_UPLOAD, str(tmp_path)], timeout=60, check=False
    )
    assert process.returncode == -signal.SIGKILL
    assert len(list(tmp_path.glob(f"{TEMP_PREFIX}*"))) == 1, "the partial upload is left on disk"
    assert sweep_stale(tmp_path) == 1
    assert not list(tmp_path.iterdir())


def test_temp_files_carry_the_prefix_and_pid(tmp_path: Path) -> None:
    sink = upload_module._Sink(tmp_path, 10)
    sink.file.close()
    assert Path(sink.file.name).name.startswith(f"{TEMP_PREFIX}{os.getpid()}-")
