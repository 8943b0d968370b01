"""Scoring stored batches with other model versions, and comparing versions, on PostgreSQL."""

import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sqlalchemy import select, update

from fraudops.ml.scorer import Scorer
from fraudops.tables import BatchScoring, ModelVersion, batch_scores, predictions, transactions
from tests.scoring_support import AUTH, register
from tests.utils import planner_rows, upload


def _predictions(session, batch_id: int) -> list[tuple]:  # type: ignore[type-arg]
    p = predictions.c
    return [tuple(r) for r in session.execute(select(p).where(p.batch_id == batch_id).order_by(p.row_number))]


def _scores(session, scoring_id: int) -> np.ndarray:
    s = batch_scores.c
    query = select(s.probability).where(s.scoring_id == scoring_id).order_by(s.row_number)
    return np.array(session.scalars(query).all())


def _labels(session, batch_id: int) -> np.ndarray:
    t = transactions.c
    return np.array(
        session.scalars(select(t.label).where(t.batch_id == batch_id).order_by(t.row_number)).all()
    )


@pytest.fixture
def scored(pg_client, pg_session, pg_settings, labeled_csv, second_model):
    """A batch scored at upload by the champion, and a second registered version."""
    batch = upload(pg_client, labeled_csv).json()
    version = register(pg_session, pg_settings, *second_model)
    return batch, version


def _score(client, batch_id: int, version: str):  # type: ignore[no-untyped-def]
    return client.post(f"/api/batches/{batch_id}/scorings", json={"model_version": version}, headers=AUTH)


def test_two_versions_keep_both_result_sets_and_the_original_decisions(
    pg_client, pg_session, scored, second_model
):
    batch, second = scored
    champion = batch["model_version"]
    before = _predictions(pg_session, batch["id"])
    first = _score(pg_client, batch["id"], second)
    assert first.status_code == 202, first.text
    again_champion = _score(pg_client, batch["id"], champion)
    assert again_champion.status_code == 202, again_champion.text
    ids = {first.json()["id"], again_champion.json()["id"]}
    assert len(ids) == 2

    listed = pg_client.get(f"/api/batches/{batch['id']}/scorings").json()
    assert listed["count"] == 2
    for scoring in listed["data"]:  # the background job ran before the test client returned
        assert scoring["status"] == "done", scoring
        assert scoring["rows_done"] == scoring["row_count"] == batch["row_count"]
        assert scoring["metrics"]["rows"] == batch["row_count"]
        assert pg_client.get(f"/api/scorings/{scoring['id']}").json() == scoring
    # Both result sets are kept, each with the version's own scores.
    pg_session.rollback()
    # and the planner knows them (each scoring doubled the table: past autovacuum's threshold, analyzed)
    assert planner_rows(pg_session, "batch_scores") == 2 * batch["row_count"]
    champion_scores = _scores(pg_session, again_champion.json()["id"])
    own = np.array([row[2] for row in before])
    assert np.allclose(champion_scores, own)  # the same model again gives the same scores
    second_scores = _scores(pg_session, first.json()["id"])
    onnx_bytes, card = second_model
    expected = Scorer(onnx_bytes, card).predict_proba(_raw(pg_session, batch["id"]))
    assert np.allclose(second_scores, expected)
    assert not np.allclose(second_scores, own)
    # The batch's own decisions and metrics are unchanged.
    assert _predictions(pg_session, batch["id"]) == before
    after = pg_client.get(f"/api/batches/{batch['id']}").json()
    assert after["model_version"] == champion and after["metrics"] == batch["metrics"]
    # A done scoring is reused, not run again.
    reused = _score(pg_client, batch["id"], second)
    assert reused.status_code == 200 and reused.json()["id"] == first.json()["id"]


def _raw(session, batch_id: int) -> np.ndarray:
    from fraudops.crud.scorings import iter_batch_features

    return np.concatenate([raw for _, raw in iter_batch_features(session, batch_id)])


def test_comparison_equals_scikit_learn(pg_client, pg_session, scored):
    batch, second = scored
    champion = batch["model_version"]
    scoring = _score(pg_client, batch["id"], second).json()
    k, n, seed = 150, 200, 7
    response = pg_client.get(
        "/api/compare",
        params={"batch_ids": [batch["id"]], "versions": [champion, second], "k": k, "n": n, "seed": seed},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    pg_session.rollback()
    y = _labels(pg_session, batch["id"])
    a = np.array([row[2] for row in _predictions(pg_session, batch["id"])])
    b = _scores(pg_session, scoring["id"])
    thresholds = dict(pg_session.execute(select(ModelVersion.version, ModelVersion.threshold)).all())
    assert body["rows"] == len(y) and body["frauds"] == int(y.sum()) and body["budget_k"] == k
    for version, scores in ((champion, a), (second, b)):
        got = next(v for v in body["versions"] if v["version"] == version)
        flagged = scores >= thresholds[version]
        top = np.zeros(len(y), dtype=bool)
        top[np.argsort(-scores, kind="stable")[:k]] = True
        assert got["auprc"] == pytest.approx(average_precision_score(y, scores), abs=1e-12)
        assert got["prevalence"] == pytest.approx(y.mean(), abs=1e-12)
        assert got["roc_auc"] == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
        assert got["precision"] == pytest.approx(precision_score(y, flagged, zero_division=0), abs=1e-12)
        assert got["recall"] == pytest.approx(recall_score(y, flagged), abs=1e-12)
        assert got["f1"] == pytest.approx(f1_score(y, flagged), abs=1e-12)
        assert got["recall_at_budget"] == pytest.approx(recall_score(y, top), abs=1e-12)
        assert got["precision_at_budget"] == pytest.approx(precision_score(y, top), abs=1e-12)
        assert got["curve"][0]["recall"] == 0.0 and got["curve"][-1]["recall"] == 1.0
    pair = body["pairs"][0]
    fa, fb = a >= thresholds[champion], b >= thresholds[second]
    assert pair["a_only"] == int((fa & ~fb).sum()) and pair["b_only"] == int((fb & ~fa).sum())
    assert pair["a_only_frauds"] == int((fa & ~fb & (y == 1)).sum())
    assert len(pair["rows"]) == min(50, pair["a_only"] + pair["b_only"])
    # The paired bootstrap: the same draws scored by scikit-learn with the draw counts as weights.
    rng = np.random.default_rng(seed)
    diffs = []
    for start in range(0, n, 64):
        for draw in rng.integers(0, len(y), size=(min(64, n - start), len(y)), dtype=np.int32):
            w = np.bincount(draw, minlength=len(y))
            diffs.append(
                average_precision_score(y, b, sample_weight=w)
                - average_precision_score(y, a, sample_weight=w)
            )
    interval = pair["interval"]
    low, high = np.percentile(diffs, [2.5, 97.5])
    assert interval["low"] == pytest.approx(low, abs=1e-12) and interval["high"] == pytest.approx(
        high, abs=1e-12
    )
    assert interval["difference"] == pytest.approx(
        average_precision_score(y, b) - average_precision_score(y, a), abs=1e-12
    )
    assert interval["b_better_share"] == pytest.approx(np.mean(np.array(diffs) > 0))
    # Seeded: the same request gives the same interval; "all holdout" needs an evaluation batch.
    assert pg_client.get("/api/compare", params=response.request.url.params).json() == body
    assert (
        pg_client.get("/api/compare", params={"role": "evaluation", "versions": [second]}).status_code == 409
    )


def test_a_running_scoring_is_a_conflict(pg_client, pg_session, scored):
    batch, second = scored
    scoring = _score(pg_client, batch["id"], second).json()
    pg_session.execute(update(BatchScoring).where(BatchScoring.id == scoring["id"]).values(status="running"))
    pg_session.commit()
    assert _score(pg_client, batch["id"], second).status_code == 409
    pg_session.execute(update(BatchScoring).where(BatchScoring.id == scoring["id"]).values(status="failed"))
    pg_session.commit()
    retried = _score(pg_client, batch["id"], second)  # a failed scoring starts again, old scores removed
    assert retried.status_code == 202 and retried.json()["id"] == scoring["id"]
    pg_session.rollback()
    assert len(_scores(pg_session, scoring["id"])) == batch["row_count"]


def test_hostile_scoring_and_comparison_requests_are_4xx(pg_client, pg_session, scored, second_model):
    batch, second = scored
    bid = batch["id"]
    assert pg_client.post(f"/api/batches/{bid}/scorings", json={"model_version": second}).status_code == 401
    assert _score(pg_client, 999_999, second).status_code == 404
    assert _score(pg_client, 2**31, second).status_code == 422
    assert _score(pg_client, bid, "no-such-version").status_code == 404
    assert _score(pg_client, bid, "../../etc/passwd").status_code == 404
    assert _score(pg_client, bid, "x" * 101).status_code == 422
    assert _score(pg_client, bid, "a\x00b").status_code == 422
    extra = {"model_version": second, "rows": 5}
    assert pg_client.post(f"/api/batches/{bid}/scorings", json=extra, headers=AUTH).status_code == 422
    # Registered, but its model was never kept: a conflict with a reason, not a crash.
    pg_session.add(
        ModelVersion(
            version="ghost-1",
            kind="x",
            threshold=0.5,
            metrics={},
            training={},
            created_at=second_model[1].created_at,
        )
    )
    pg_session.commit()
    ghost = _score(pg_client, bid, "ghost-1")
    assert ghost.status_code == 409 and "version store" in ghost.json()["detail"]
    assert pg_client.get("/api/scorings/999999").status_code == 404
    assert pg_client.get(f"/api/scorings/{2**31}").status_code == 422
    assert pg_client.get("/api/scorings/-1").status_code == 422
    assert pg_client.get(f"/api/batches/{2**40}/scorings").status_code == 422
    assert pg_client.get("/api/batches/999999/scorings").status_code == 404

    champion = batch["model_version"]
    base = {"batch_ids": [bid], "versions": [champion]}
    assert (
        pg_client.get("/api/compare", params=base | {"k": 2**31 - 1}).json()["budget_k"] == batch["row_count"]
    )
    for bad in (
        {"k": 0},
        {"k": 2**31},
        {"k": "lots"},
        {"n": 10**9},
        {"n": 1},
        {"seed": -1},
        {"limit": 10**6},
        {"batch_ids": [2**31]},
        {"batch_ids": ["x"]},
        {"batch_ids": list(range(51))},
        {"versions": [champion, champion]},
        {"versions": [champion, "a", "b", "c", "d"]},
        {"versions": []},
        {"role": "training", "batch_ids": []},
    ):
        response = pg_client.get("/api/compare", params=base | bad)
        assert response.status_code == 422, (bad, response.text)
    assert pg_client.get("/api/compare", params={"versions": [champion]}).status_code == 422
    assert pg_client.get("/api/compare", params=base | {"batch_ids": [999_999]}).status_code == 404
    assert pg_client.get("/api/compare", params=base | {"versions": ["nope"]}).status_code == 404
    unscored = pg_client.get("/api/compare", params=base | {"versions": [champion, second]})
    assert unscored.status_code == 409 and "not scored yet" in unscored.json()["detail"]
    assert pg_client.get("/api/learning-loop", params={"batch_ids": [2**31]}).status_code == 422
    assert pg_client.get("/api/learning-loop", params={"k": 0}).status_code == 422
    assert pg_client.get("/api/learning-loop", params={"batch_ids": [999_999]}).status_code == 200
