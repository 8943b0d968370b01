"""The review queue: what it lists, how it filters and pages, labels that become training rows, reasons
on demand, the capacity figures, and hostile input (always a 4xx, never a 500)."""

import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from sqlalchemy import select, text

from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.tables import label_events, prediction_log, prediction_reasons, predictions, transactions
from tests.utils import ON_POSTGRES, planner_rows, read_csv_bytes, upload


@pytest.fixture
def with_ids(labeled_csv: bytes) -> bytes:
    """The labeled file with an `id` column (txn-00000, ...)."""
    table = read_csv_bytes(labeled_csv)
    table = table.append_column("id", pa.array([f"txn-{i:05d}" for i in range(table.num_rows)]))
    out = io.BytesIO()
    pacsv.write_csv(table, out, pacsv.WriteOptions(quoting_style="none"))
    return out.getvalue()


def all_items(client, **params) -> list[dict]:  # type: ignore[no-untyped-def]
    items: list[dict] = []
    while True:
        page = client.get("/api/review", params={**params, "offset": len(items), "limit": 200})
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["data"]
        if len(items) >= body["count"] or not body["data"]:
            assert len(items) == body["count"]
            return items


def test_the_queue_lists_every_review_and_decline_row_of_a_batch_with_context(client, session, with_ids):
    batch = upload(client, with_ids).json()
    session.rollback()
    p = predictions.c
    expected = set(session.scalars(select(p.row_number).where(p.batch_id == batch["id"], p.band >= 1)))
    assert expected, "the synthetic file must put some rows in review or decline"
    items = all_items(client)
    assert {i["row_number"] for i in items} == expected
    table = read_csv_bytes(with_ids)
    for item in items:
        row = item["row_number"]
        assert item["key"] == f"batch:{batch['id']}:{row}" and item["source"] == "batch"
        assert item["id"] == f"txn-{row:05d}"
        assert item["amount"] == pytest.approx(table.column("Amount")[row].as_py())
        seconds = table.column("Time")[row].as_py()
        assert item["time"] == pytest.approx(seconds)
        assert item["time_of_day"] == f"{int(seconds % 86400) // 3600:02d}:{int(seconds % 3600) // 60:02d}"
        assert (item["review_at"], item["decline_at"]) == (
            batch["bands"]["review_at"],
            batch["bands"]["decline_at"],
        )
        assert item["band"] == ("decline" if item["probability"] >= item["decline_at"] else "review")
        assert item["model_version"] == batch["model_version"]
        # ingest stores reasons for every row in review or decline, not only the flagged ones
        assert item["reasons"] is not None and len(item["reasons"]["top"]) == 5
    stored = session.scalar(
        select(prediction_reasons.c.row_number).where(prediction_reasons.c.batch_id == batch["id"]).limit(1)
    )
    assert stored is not None


def test_orders_filters_and_search(client, with_ids):
    upload(client, with_ids)
    items = all_items(client, order="score")
    scores = [i["probability"] for i in items]
    assert scores == sorted(scores, reverse=True)
    declines = all_items(client, band="decline")
    assert declines and all(i["band"] == "decline" for i in declines)
    assert len(declines) + len(all_items(client, band="review")) == len(items)
    amounts = sorted(i["amount"] for i in items)
    low, high = amounts[len(amounts) // 4], amounts[3 * len(amounts) // 4]
    ranged = all_items(client, amount_min=low, amount_max=high)
    assert {i["key"] for i in ranged} == {i["key"] for i in items if low <= i["amount"] <= high}
    assert all_items(client, source="live") == []
    assert all_items(client, labeled="false") == []  # the file was labeled: every row has its class
    assert len(all_items(client, labeled="true")) == len(items)
    target = items[0]
    found = client.get("/api/review", params={"q": target["id"]}).json()
    assert [i["key"] for i in found["data"]] == [target["key"]]
    assert client.get("/api/review", params={"q": "txn-%"}).json()["count"] == 0  # LIKE wildcards are literal
    assert client.get("/api/review", params={"model_version": "nope"}).json()["count"] == 0
    assert target["model_version"] in client.get("/api/review").json()["model_versions"]
    # pages do not overlap and cover the list
    first = client.get("/api/review", params={"limit": 3, "order": "score"}).json()["data"]
    second = client.get("/api/review", params={"limit": 3, "offset": 3, "order": "score"}).json()["data"]
    assert [i["key"] for i in first + second] == [i["key"] for i in items[:6]]


def test_live_decisions_join_the_queue_and_labels_reach_the_training_rows(client, session, with_ids):
    batch = upload(client, with_ids).json()
    queue = all_items(client, order="score")
    table = read_csv_bytes(with_ids)
    rows = [table.slice(i["row_number"], 1).drop_columns(["id", "Class"]).to_pylist()[0] for i in queue[:3]]
    answers = client.post("/api/predict", json=rows).json()
    assert all(a["band"] in ("review", "decline") for a in answers)
    live = all_items(client, source="live")
    assert {i["request_id"] for i in live} == {a["request_id"] for a in answers}
    assert all(i["key"] == f"live:{i['request_id']}" and i["review_at"] is not None for i in live)
    assert all_items(client, batch_id=batch["id"]) == all_items(client, source="batch")

    # label a live item and a batch row: both become training rows (latest wins)
    rid = answers[0]["request_id"]
    out = client.post(
        "/api/review/label", json={"request_id": rid, "label": 1, "note": "card reported stolen"}
    )
    assert out.status_code == 200, out.text
    assert out.json() == {
        "key": f"live:{rid}",
        "label": 1,
        "previous_label": None,
        "changed": False,
        "actor": "analyst",
    }
    row = queue[-1]
    for label in (1, 0):
        out = client.post(
            "/api/review/label",
            json={"batch_id": batch["id"], "row_number": row["row_number"], "label": label},
            headers={"X-Actor": "dana"},
        )
        assert out.status_code == 200, out.text
    assert out.json()["changed"] is True and out.json()["previous_label"] == 1
    session.rollback()
    t = transactions.c
    assert (
        session.scalar(select(t.label).where(t.batch_id == batch["id"], t.row_number == row["row_number"]))
        == 0
    )
    assert session.scalar(select(prediction_log.c.label).where(prediction_log.c.request_id == rid)) == 1
    e = label_events.c
    events = session.execute(
        select(
            e.batch_id, e.row_number, e.request_id, e.label, e.previous_label, e.source, e.actor, e.note
        ).order_by(e.id)
    ).all()
    assert events[0] == (None, None, rid, 1, None, "review", "analyst", "card reported stolen")
    assert [tuple(ev[3:7]) for ev in events[1:]] == [
        (1, row["label"], "review", "dana"),
        (0, 1, "review", "dana"),
    ]

    from fraudops.training.run import TrainRequest, load_rows

    raw, labels, source = load_rows(TrainRequest(), session)
    assert "1 labeled through feedback" in source
    picked = np.flatnonzero(raw[:, 0] == row["time"])
    assert any(labels[j] == 0 and raw[j, -1] == pytest.approx(row["amount"]) for j in picked)
    history = client.get(f"/api/review/batch/{batch['id']}/{row['row_number']}/reasons").json()["history"]
    assert [h["label"] for h in history] == [1, 0]


def test_reasons_on_demand_for_any_row_match_the_stored_ones(client, session, with_ids):
    batch = upload(client, with_ids).json()
    item = all_items(client, order="score")[0]
    answer = client.get(f"/api/review/batch/{batch['id']}/{item['row_number']}/reasons")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["stored"] == item["reasons"]
    assert body["model_version"] == body["decided_model_version"] == batch["model_version"]
    # the same model and method: the same features in the same order, the same contributions
    assert [r["feature"] for r in body["reasons"]["top"]] == [r["feature"] for r in body["stored"]["top"]]
    for now, then in zip(body["reasons"]["top"], body["stored"]["top"], strict=True):
        assert now["contribution"] == pytest.approx(then["contribution"], abs=1e-6)
    assert set(body["features"]) == set(FEATURE_COLUMNS)
    # a missed fraud (approved, true class 1) has no stored reasons but gets them on demand
    session.rollback()
    p, t = predictions.c, transactions.c
    missed = session.scalar(
        select(p.row_number)
        .select_from(
            predictions.join(transactions, (t.batch_id == p.batch_id) & (t.row_number == p.row_number))
        )
        .where(p.batch_id == batch["id"], p.band == 0, t.label == 1)
        .limit(1)
    )
    if missed is None:
        missed = session.scalar(select(p.row_number).where(p.batch_id == batch["id"], p.band == 0).limit(1))
    body = client.get(f"/api/review/batch/{batch['id']}/{missed}/reasons").json()
    assert body["decided_band"] == "approve" and body["stored"] is None and len(body["reasons"]["top"]) == 5


def test_capacity_counts_items_per_batch_and_per_day_and_precision_at_k(client, session, with_ids):
    batch = upload(client, with_ids).json()
    items = all_items(client, order="score")
    k = max(1, len(items) // 2)
    body = client.get("/api/review/capacity", params={"capacity": k}).json()
    assert body["capacity_per_day"] == k
    (work,) = body["batches"]
    assert work["key"] == str(batch["id"]) and work["items"] == len(items)
    top = items[:k]
    assert work["top_k"] == k and work["reviewed_in_top_k"] == k  # a labeled file: every row has its class
    assert work["frauds_in_top_k"] == sum(i["label"] == 1 for i in top)
    assert work["precision_at_k"] == pytest.approx(work["frauds_in_top_k"] / k)
    assert work["over_capacity"] == (work["items_at_current_bands"] > k)
    assert body["days"] == []
    table = read_csv_bytes(with_ids)
    rows = [table.slice(i["row_number"], 1).drop_columns(["id", "Class"]).to_pylist()[0] for i in items[:2]]
    answers = client.post("/api/predict", json=rows).json()
    client.post("/api/review/label", json={"request_id": answers[0]["request_id"], "label": 1})
    (day,) = client.get("/api/review/capacity", params={"capacity": 1}).json()["days"]
    assert day["items"] == 2 and day["top_k"] == 1
    default = client.get("/api/review/capacity").json()
    assert (
        default["capacity_per_day"] == 100 and default["bands"]["review_at"] <= default["bands"]["decline_at"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/review/batch/2147483648/0/reasons",
        "/api/review/batch/-1/0/reasons",
        "/api/review/batch/1/-1/reasons",
        "/api/review/batch/1/9223372036854775808/reasons",
        "/api/review/batch/x/0/reasons",
        f"/api/review/live/{'a' * 65}/reasons",
        "/api/review/live/%01abc/reasons",
        "/api/review?limit=0",
        "/api/review?limit=201",
        "/api/review?offset=-1",
        "/api/review?offset=2147483648",
        "/api/review?amount_min=nan",
        "/api/review?amount_max=inf",
        "/api/review?amount_min=1e300",
        "/api/review?amount_min=5&amount_max=1",
        "/api/review?band=approve",
        "/api/review?source=kafka",
        "/api/review?order=random",
        "/api/review?labeled=maybe",
        "/api/review?q=",
        "/api/review?q=%00",
        f"/api/review?q={'x' * 201}",
        "/api/review?batch_id=2147483648",
        "/api/review/capacity?capacity=0",
        "/api/review/capacity?capacity=nan",
        "/api/review/capacity?days=0",
    ],
)
def test_hostile_reads_are_refused_with_a_4xx(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)


@pytest.mark.parametrize(
    "body",
    [
        {"batch_id": 1, "row_number": 0, "label": 2},
        {"batch_id": 1, "row_number": 0, "label": -1},
        {"batch_id": 1, "row_number": 0, "label": 0.5},
        {"batch_id": 1, "row_number": 0, "label": "fraud"},
        {"batch_id": 1, "row_number": 0, "label": None},
        {"batch_id": 1, "row_number": 0},
        {"batch_id": 1, "label": 1},
        {"row_number": 0, "label": 1},
        {"label": 1},
        {"batch_id": 1, "row_number": 0, "request_id": "abc", "label": 1},
        {"batch_id": 2**31, "row_number": 0, "label": 1},
        {"batch_id": -1, "row_number": 0, "label": 1},
        {"batch_id": 1, "row_number": 2**63, "label": 1},
        {"request_id": "", "label": 1},
        {"request_id": "a" * 65, "label": 1},
        {"request_id": "bad\x00id", "label": 1},
        {"batch_id": 1, "row_number": 0, "label": 1, "note": "x" * 501},
        {"batch_id": 1, "row_number": 0, "label": 1, "note": "bell\x07"},
        {"batch_id": 1, "row_number": 0, "label": 1, "note": "\x1b[31mred"},
        {"batch_id": 1, "row_number": 0, "label": 1, "note": 5},
        [],
        "label",
    ],
)
def test_hostile_labels_are_refused_with_a_4xx(client, body):
    response = client.post("/api/review/label", json=body)
    assert 400 <= response.status_code < 500, (body, response.status_code, response.text)


def test_unknown_items_are_404_and_bad_actors_422(client, with_ids):
    batch = upload(client, with_ids).json()
    assert (
        client.post(
            "/api/review/label", json={"batch_id": batch["id"] + 1, "row_number": 0, "label": 1}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/review/label", json={"batch_id": batch["id"], "row_number": 10**9, "label": 1}
        ).status_code
        == 404
    )
    assert client.post("/api/review/label", json={"request_id": "nope", "label": 1}).status_code == 404
    assert client.get(f"/api/review/batch/{batch['id']}/{10**9}/reasons").status_code == 404
    assert client.get("/api/review/live/nope/reasons").status_code == 404
    ok = {
        "batch_id": batch["id"],
        "row_number": 0,
        "label": 1,
        "note": "line one\nline two\ttab",
    }
    assert client.post("/api/review/label", json=ok).status_code == 200
    assert client.post("/api/review/label", json={**ok, "note": "y" * 500}).status_code == 200
    for actor in ("x" * 101, "tab\there", ""):
        answer = client.post("/api/review/label", json=ok, headers={"X-Actor": actor})
        assert answer.status_code == 422, (actor, answer.text)


def _slice(csv: bytes, rows: int) -> bytes:
    lines = csv.splitlines(keepends=True)
    return b"".join(lines[: rows + 1])


@ON_POSTGRES
def test_an_upload_leaves_the_planner_knowing_the_batch_so_the_queue_is_planned_for_it(
    client, session, labeled_csv
):
    # A never-analyzed table looks like a handful of rows to the planner; the queue's join then ran as a
    # nested loop over every row (2 s for 4,000 rows, 6 ms analyzed: benchmarks/review_queue.py).
    assert planner_rows(session, "transactions") == -1  # emptied by TRUNCATE
    batch = upload(client, labeled_csv).json()
    rows = batch["row_count"]
    assert planner_rows(session, "transactions") == rows
    assert planner_rows(session, "predictions") == rows
    plan = session.execute(
        text(
            "EXPLAIN (FORMAT JSON) SELECT * FROM predictions p JOIN transactions t"
            " ON t.batch_id = p.batch_id AND t.row_number = p.row_number WHERE t.label IS NOT NULL"
        )
    ).scalar_one()
    assert plan[0]["Plan"]["Plan Rows"] > rows / 2, plan  # not the never-analyzed guess of a few rows

    # A small batch on top of a large table changes little: no ANALYZE (autovacuum's own threshold)
    small = upload(client, _slice(labeled_csv, 100), name="small.csv")
    assert small.status_code == 201, small.text
    assert planner_rows(session, "transactions") == rows
    # a batch past it is analyzed: 1,300 rows on 12,000 (past 50 + 10 %), and the planner counts all rows
    more = upload(client, _slice(labeled_csv, 1_300), name="more.csv")
    assert more.status_code == 201, more.text
    assert planner_rows(session, "transactions") == rows + 100 + 1_300
