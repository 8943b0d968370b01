from fraudops import crud
from fraudops.data import synthetic


def test_feedback_labels_logged_predictions_and_they_become_training_rows(client, session):
    rows = synthetic.generate(60, seed=3).slice(0, 6).to_pylist()
    answers = client.post("/api/predict", json=rows).json()
    ids = [a["request_id"] for a in answers]
    assert len(set(ids)) == 6
    response = client.post(
        "/api/feedback",
        json={"labels": [{"request_id": ids[0], "label": 1}, {"request_id": ids[1], "label": 0},
                         {"request_id": "no-such-id", "label": 1}]},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json() == {"updated": 2, "unknown": ["no-such-id"], "changed": []}
    session.rollback()
    raw, labels = crud.labeled_feedback(session)
    assert sorted(labels.tolist()) == [0, 1]
    sent = {(r["Time"], r["V1"]) for r in rows[:2]}
    assert {(float(x[0]), float(x[1])) for x in raw} == sent


def test_feedback_rejects_a_label_other_than_0_or_1(client):
    answer = client.post(
        "/api/predict", json=synthetic.generate(60, seed=3).slice(0, 1).to_pylist()[0]
    ).json()
    response = client.post(
        "/api/feedback", json={"labels": [{"request_id": answer["request_id"], "label": 2}]}
    )
    assert response.status_code == 422


def test_feedback_rows_are_read_by_training(client, session):
    from fraudops.training.run import TrainRequest, load_rows

    rows = synthetic.generate(60, seed=9).slice(0, 3).to_pylist()
    ids = [a["request_id"] for a in client.post("/api/predict", json=rows).json()]
    client.post("/api/feedback", json={"labels": [{"request_id": i, "label": 1} for i in ids]})
    session.rollback()
    raw, labels, source = load_rows(TrainRequest(), session)
    assert "3 labeled through feedback" in source
    assert len(labels) == 3 and labels.tolist() == [1, 1, 1]
    assert list(raw[:, 0]) == sorted(r["Time"] for r in rows)
