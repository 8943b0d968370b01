"""`fraudops scenario` end to end on PostgreSQL (small data, logistic regression only, to keep it short):
the holdout never trains, every training is recorded with the batches it read, and the API's learning
loop gives the same figures as the command."""

from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from sklearn.metrics import average_precision_score
from sqlalchemy import select
from sqlalchemy.orm import Session

from fraudops.core.db import make_engine
from fraudops.crud.scorings import version_scores
from fraudops.main import create_app
from fraudops.ml.candidates import logistic_regression
from fraudops.scenario import ScenarioOptions, run, settings_for, table_rows
from fraudops.tables import Batch, TrainingRun, transactions
from tests.scoring_support import pg_url  # noqa: F401


def test_scenario_runs_the_learning_loop(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    options = ScenarioOptions(workdir=tmp_path, rows=30_000, initial_rows=10_000, seed=3, database_url=pg_url)
    loop = run(options, candidates=lambda seed: [logistic_regression(seed=seed)])

    assert [p.step for p in loop.points] == [0, 1, 2, 3]
    assert loop.points[0].trained_on == ["initial_train.csv"] and loop.points[0].promoted is True
    for step, point in enumerate(loop.points[1:], start=1):
        assert point.trained_on == ["initial_train.csv", *(f"stream_{i}.csv" for i in range(1, step + 1))]
        assert point.candidate_auprc is not None and point.auprc is not None
        assert point.promoted is not None and point.decision
    assert table_rows(loop)[0]["trained on"] == "initial_train"

    engine = make_engine(pg_url)
    with Session(engine) as session:
        holdout = session.scalars(select(Batch).where(Batch.filename == "holdout.csv")).one()
        assert holdout.role == "evaluation" and loop.batch_ids == [holdout.id]
        runs = session.scalars(select(TrainingRun).order_by(TrainingRun.id)).all()
        assert len(runs) == 4 and runs[0].batches_read is None  # the first one read a CSV
        for training in runs[1:]:
            assert training.batches_read and holdout.id not in training.batches_read
            # The rows a training read are exactly the labeled rows of the training batches it lists.
            rows = sum(
                b.row_count for b in session.scalars(select(Batch).where(Batch.id.in_(training.batches_read)))
            )
            assert training.rows == rows
        # The champion's holdout AUPRC is scikit-learn's on its stored scores.
        champion_scores = version_scores(session, holdout, loop.points[-1].champion)
        labels = np.array(
            session.scalars(
                select(transactions.c.label)
                .where(transactions.c.batch_id == holdout.id)
                .order_by(transactions.c.row_number)
            ).all()
        )
    engine.dispose()
    settings = settings_for(options)
    with TestClient(create_app(settings)) as client:
        served = client.get("/api/learning-loop").json()
        assert served == loop.model_dump(mode="json")
        last = loop.points[-1]
        compared = client.get(
            "/api/compare", params={"role": "evaluation", "versions": [last.champion]}
        ).json()
    assert compared["rows"] == len(labels)
    assert compared["versions"][0]["auprc"] == last.auprc
    assert champion_scores is not None
    assert last.auprc == average_precision_score(labels, champion_scores)
