"""Shadow scoring in a real stream worker (Redis + PostgreSQL): the challenger in force is scored and logged
for every message, decisions stay the champion's, and a band change reaches a running worker."""

import time

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fraudops import policy as policies
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.ml.scorer import Scorer
from fraudops.tables import prediction_log
from tests.challenger import install, train_challenger
from tests.stream.test_worker import logged, publish, start_worker, wait_for

N = 600
LATER = 100


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_worker_logs_the_shadow_for_every_message_and_never_lets_it_decide(
    stream_settings, replay_csv, engine, tmp_path
):
    folder = tmp_path / "challenger"
    train_challenger(folder)
    with Session(engine) as session:
        version = install(session, stream_settings.var_dir, folder)
        policies.record(session, "challenger", {"version": version}, "test", None)
        session.commit()
    publish(stream_settings, replay_csv, N)
    worker = start_worker(stream_settings, "shadow", "--idle-exit-s", "8")
    try:
        wait_for(lambda: logged(engine)[0] >= N)
        # A band change made elsewhere reaches the running worker at its next policy refresh.
        with Session(engine) as session:
            policies.record(session, "bands", {"review_at": 0.0, "decline_at": 0.0001}, "test", None)
            session.commit()
        time.sleep(policies.REFRESH_SECONDS + 1)
        publish(stream_settings, replay_csv, LATER)
        wait_for(lambda: logged(engine)[0] >= N + LATER)
    finally:
        assert worker.wait(timeout=60) == 0

    c = prediction_log.c
    with Session(engine) as session:
        rows = session.execute(select(prediction_log).where(c.source == "stream")).mappings().all()
    assert len(rows) == N + LATER
    changed = [r for r in rows if r["decline_at"] == 0.0001]
    assert len(changed) == LATER and all(r["band"] >= 1 and r["review_at"] == 0.0 for r in changed)
    raw = np.array([[r[DB_COLUMN[name]] for name in FEATURE_COLUMNS] for r in rows])
    champion = Scorer.load(stream_settings.model_dir)
    shadow = Scorer.load(folder).predict_proba(raw)
    assert all(r["shadow_version"] == version for r in rows)
    assert np.allclose([r["shadow_probability"] for r in rows], shadow, atol=1e-6)
    probability = np.array([r["probability"] for r in rows])
    assert np.allclose(probability, champion.predict_proba(raw), atol=1e-6)
    assert all(r["is_fraud"] == (r["probability"] >= champion.threshold) for r in rows)
    assert all(r["model_version"] == champion.version for r in rows)
    for r in rows:
        expected_band = int(r["probability"] >= r["review_at"]) + int(r["probability"] >= r["decline_at"])
        assert r["band"] == expected_band
        assert (r["reasons"] is not None) == (r["band"] >= 1)
