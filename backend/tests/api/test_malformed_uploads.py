"""Every malformed file gets a 4xx naming line and column, and leaves every table as it was."""

import os

import pytest
from fastapi.testclient import TestClient

from fraudops.main import create_app
from tests.utils import counts, upload

HEADER = ["Time", *(f"V{i}" for i in range(1, 29)), "Amount", "Class"]


def row(time: int = 0, amount: str = "9.99", label: str = "0", v: str = "0.5") -> list[str]:
    return [str(time), *([v] * 28), amount, label]


def csv(header: list[str], rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in [header, *rows]) + "\n").encode()


def good_rows(n: int = 5) -> list[list[str]]:
    return [row(i) for i in range(n)]


def with_value(line: int, column: str, value: str, n: int = 5) -> bytes:
    """A valid file except for one value at `line` (the header is line 1) of `column`."""
    rows = good_rows(n)
    rows[line - 2][HEADER.index(column)] = value
    return csv(HEADER, rows)


# (case id, file bytes, expected (line, column) that must be among the problems)
CASES = [
    (
        "missing-column",
        csv([c for c in HEADER if c != "V7"], [r[:7] + r[8:] for r in good_rows()]),
        (1, "V7"),
    ),
    ("missing-amount", csv([*HEADER[:-2], "Class"], [[*r[:-2], r[-1]] for r in good_rows()]), (1, "Amount")),
    ("extra-column", csv([*HEADER, "Merchant"], [[*r, "acme"] for r in good_rows()]), (1, "Merchant")),
    ("duplicated-column", csv([*HEADER, "V3"], [[*r, "1"] for r in good_rows()]), (1, "V3")),
    (
        "empty-column-name",
        csv([*HEADER, ""], [[*r, "1"] for r in good_rows()]),
        (1, "(empty name in column 32)"),
    ),
    ("text-in-number", with_value(4, "V12", "abc"), (4, "V12")),
    ("text-in-time", with_value(2, "Time", "yesterday"), (2, "Time")),
    ("nan", with_value(3, "V1", "NaN"), (3, "V1")),
    ("inf", with_value(5, "V28", "inf"), (5, "V28")),
    ("minus-inf", with_value(6, "Amount", "-inf"), (6, "Amount")),
    ("negative-amount", with_value(3, "Amount", "-5.00"), (3, "Amount")),
    ("negative-time", with_value(2, "Time", "-1"), (2, "Time")),
    ("class-2", with_value(4, "Class", "2"), (4, "Class")),
    ("class-half", with_value(5, "Class", "0.5"), (5, "Class")),
    ("missing-value", with_value(3, "V9", ""), (3, "V9")),
    ("missing-class", with_value(6, "Class", ""), (6, "Class")),
    ("empty-file", b"", (1, None)),
    ("whitespace-only", b"  \n\n", (1, None)),
    ("header-only", csv(HEADER, []), (2, None)),
    ("ragged-short", csv(HEADER, [*good_rows(3), row(3)[:-4], row(4)]), (5, None)),
    ("ragged-long", csv(HEADER, [*good_rows(2), [*row(2), "7"]]), (4, None)),
    ("empty-line", csv(HEADER, [*good_rows(2), [], row(3)]), (4, None)),
    ("binary-garbage", bytes(range(256)) * 40, (1, None)),
    ("not-utf8-row", csv(HEADER, good_rows(3)).replace(b"9.99", b"9.9\xff", 1), (2, None)),
    ("gzip-file", b"\x1f\x8b\x08\x00" + os.urandom(512), (1, None)),
]


@pytest.fixture
def stored_state(client, session, labeled_csv):
    """A batch already stored, so 'nothing changed' is checked against a non-empty database."""
    assert upload(client, labeled_csv).status_code == 201
    return counts(session)


@pytest.mark.parametrize(("data", "where"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_file_is_rejected_with_line_and_column(client, session, stored_state, data, where):
    response = upload(client, data, "bad.csv")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["total"] >= 1 and 1 <= len(body["problems"]) <= 50
    line, column = where
    assert any(p["line"] == line and p["column"] == column for p in body["problems"]), body["problems"]
    assert all(p["message"] for p in body["problems"])
    assert counts(session) == stored_state
    assert client.get("/api/health").status_code == 200  # still serving


def test_many_problems_are_capped_at_fifty_with_the_total(client, session, stored_state):
    rows = good_rows(80)
    for r in rows:
        r[HEADER.index("Amount")] = "-1"
        r[HEADER.index("Class")] = "7"
    body = upload(client, csv(HEADER, rows)).json()
    assert body["total"] == 160 and len(body["problems"]) == 50
    assert [p["line"] for p in body["problems"][:4]] == [2, 2, 3, 3]
    assert counts(session) == stored_state


def test_oversize_upload_is_refused_while_streaming(settings, session, stored_state):
    small = settings.model_copy(update={"max_upload_mb": 0.01})  # ~10 KB
    data = csv(HEADER, good_rows(200))  # ~28 KB
    with TestClient(create_app(small)) as client:
        response = upload(client, data)
        assert response.status_code == 413
        assert "limit" in response.json()["detail"]
        chunked = client.post(
            "/api/batches",
            content=iter([data[i : i + 4096] for i in range(0, len(data), 4096)]),
            headers={"content-type": "text/csv"},
        )
        assert chunked.status_code == 413
    assert counts(session) == stored_state
    assert not list((settings.var_dir / "uploads").glob("*")), "temporary upload files are removed"


def test_form_without_file_field_and_wrong_content_type(client, session, stored_state):
    assert client.post("/api/batches", data={"other": "x"}).status_code == 400
    assert client.post("/api/batches", json={"rows": []}).status_code == 400
    assert counts(session) == stored_state
