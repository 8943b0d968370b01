"""The batch page's table: Amount and Time on every row, sorts both ways, a band filter, false alarms and
misses apart, and a CSV download carrying band, reasons and the input columns."""

import csv
import io

import pytest

from fraudops.data.schema import FEATURE_COLUMNS
from tests.utils import read_csv_bytes, upload


def rows_of(client, batch_id: int, **params) -> list[dict]:  # type: ignore[no-untyped-def]
    answer = client.get(f"/api/batches/{batch_id}/predictions", params={"limit": 1000, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_rows_carry_amount_and_time_and_sort_both_ways(client, labeled_csv):
    batch = upload(client, labeled_csv).json()
    table = read_csv_bytes(labeled_csv)
    for row in rows_of(client, batch["id"])[:50]:
        assert row["amount"] == pytest.approx(table.column("Amount")[row["row_number"]].as_py())
        assert row["time"] == pytest.approx(table.column("Time")[row["row_number"]].as_py())
    for sort, key, descending in [
        ("probability", "probability", True),
        ("probability_asc", "probability", False),
        ("amount", "amount", True),
        ("amount_asc", "amount", False),
    ]:
        values = [r[key] for r in rows_of(client, batch["id"], sort=sort)]
        assert values == sorted(values, reverse=descending), sort
    top = rows_of(client, batch["id"], sort="amount", limit=1)[0]
    assert top["amount"] == max(table.column("Amount").to_pylist())


def test_band_filter_and_false_alarms_and_misses_apart(client, labeled_csv):
    batch = upload(client, labeled_csv).json()
    confusion = batch["metrics"]["confusion"]
    count = lambda **p: client.get(f"/api/batches/{batch['id']}/predictions", params=p).json()["count"]  # noqa: E731
    assert count(filter="false_alarms") == confusion["fp"]
    assert count(filter="misses") == confusion["fn"]
    assert count(filter="mistakes") == confusion["fp"] + confusion["fn"]
    assert all(r["is_fraud"] and r["label"] == 0 for r in rows_of(client, batch["id"], filter="false_alarms"))
    assert all(not r["is_fraud"] and r["label"] == 1 for r in rows_of(client, batch["id"], filter="misses"))
    bands = {b: count(band=b) for b in ("approve", "review", "decline")}
    assert sum(bands.values()) == batch["row_count"] and bands["review"] + bands["decline"] > 0
    review = rows_of(client, batch["id"], band="review")
    assert review and all(r["band"] == "review" and r["reasons"] is not None for r in review)
    assert count(band="decline", filter="flagged") <= bands["decline"]


@pytest.mark.parametrize(
    "query", ["sort=amount_desc", "sort=", "band=flagged", "filter=fp", "band=REVIEW", "sort=probability%00"]
)
def test_bad_sorts_bands_and_filters_are_422(client, labeled_csv, query):
    batch = upload(client, labeled_csv).json()
    assert client.get(f"/api/batches/{batch['id']}/predictions?{query}").status_code == 422


def test_the_csv_carries_band_reasons_and_the_input_columns(client, labeled_csv):
    batch = upload(client, labeled_csv).json()
    text = client.get(f"/api/batches/{batch['id']}/predictions.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "row_number",
        "id",
        "probability",
        "is_fraud",
        "band",
        "reasons",
        *FEATURE_COLUMNS,
        "Class",
    ]
    table = read_csv_bytes(labeled_csv)
    for column in FEATURE_COLUMNS:  # the input values round-trip exactly
        assert [float(r[column]) for r in rows] == table.column(column).to_pylist()
    api = {r["row_number"]: r for r in rows_of(client, batch["id"], band="review")}
    for row in rows:
        if int(row["row_number"]) in api:
            want = api[int(row["row_number"])]
            assert row["band"] == "review"
            names = [part.split(" ")[0] for part in row["reasons"].split("; ")]
            assert names == [r["feature"] for r in want["reasons"]["top"]]
    assert {r["band"] for r in rows} <= {"approve", "review", "decline"}
    assert all(r["reasons"] == "" for r in rows if r["band"] == "approve" and r["is_fraud"] == "0")
    misses = client.get(f"/api/batches/{batch['id']}/predictions.csv", params={"filter": "misses"})
    assert "-scored-misses.csv" in misses.headers["content-disposition"]
    assert len(list(csv.DictReader(io.StringIO(misses.text)))) == batch["metrics"]["confusion"]["fn"]
    review = client.get(f"/api/batches/{batch['id']}/predictions.csv", params={"band": "review"})
    assert "-scored-review.csv" in review.headers["content-disposition"]
    review_rows = list(csv.DictReader(io.StringIO(review.text)))
    assert review_rows and {r["band"] for r in review_rows} == {"review"}
    assert len(review_rows) == len(api)
