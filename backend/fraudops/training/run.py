"""A training as the application runs it: labeled rows from the database (or a CSV), the training lock
(one run at a time), the candidate pipeline with its gate, and the outcome recorded for the API.

Used by `fraudops train` / `python backend/train.py` and by the retraining process. Training-only: the
pipeline imports scikit-learn, imbalanced-learn, MLflow and (for the MLP) TensorFlow.
"""

import logging
import os
import socket
import traceback
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.core.config import Settings
from fraudops.core.db import make_engine
from fraudops.ml import version_store
from fraudops.tables import TrainingRun

log = logging.getLogger(__name__)


NOT_MIGRATED = "the database is not migrated: run `fraudops migrate` first (or pass --csv FILE)"


class AlreadyRunning(RuntimeError):
    """Another training holds the lock."""


@dataclass(frozen=True)
class TrainRequest:
    csv: Path | None = None
    quick: bool = False
    force: bool = False
    dry_run: bool = False
    gap: float = 0.0
    trigger: str = "cli"  # cli, api, auto
    seed: int = 0
    # Prequential folds; None: the setting (TRAIN_FOLDS), one with `quick`.
    folds: int | None = None
    # The boosted candidates' search budget in seconds; None: TRAIN_SEARCH_SECONDS, none with `quick`.
    search_seconds: float | None = None

    def options(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def database_ready(session: Session) -> bool:
    """True when the database is reachable and migrated far enough to record trainings."""
    try:
        return inspect(session.get_bind()).has_table("training_runs")
    except SQLAlchemyError:
        return False


# Where this process runs: a training run's pid is checked only on the host that recorded it.
HOST = socket.gethostname()


def expire_stale_runs(session: Session, settings: Settings) -> int:
    """Release a lock whose training is dead: its process is gone from this host (killed, or its machine
    restarted), or, wherever it ran, it is older than RETRAIN_TIMEOUT_MINUTES."""
    cutoff = datetime.now(UTC) - timedelta(minutes=settings.retrain_timeout_minutes)
    expired = crud.expire_training_runs(
        session, cutoff, f"still running after {settings.retrain_timeout_minutes:g} minutes: taken for dead"
    )
    holder = crud.running_training_run(session)
    if (
        holder is not None
        and holder.pid is not None
        and holder.host == HOST
        and not process_alive(holder.pid)
    ):
        reason = f"its process {holder.pid} on {HOST} is gone (killed or crashed): taken for dead"
        log.warning("training run %d: %s", holder.id, reason)
        expired += crud.fail_running_training_run(session, holder.id, reason)
    return expired


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this host. A zombie (exited, not yet collected by its parent) is dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:
        # /proc/<pid>/stat: "pid (comm) state ...", where comm may itself hold ") ".
        return Path(f"/proc/{pid}/stat").read_text().rpartition(") ")[2][:1] != "Z"
    except OSError:  # no /proc (not Linux), or it exited meanwhile
        return True


def take_lock(
    session: Session, settings: Settings, trigger: str, options: dict[str, Any], pid: int | None = None
) -> TrainingRun:
    """One training at a time: a `running` row is the lock. Raises AlreadyRunning when another holds it."""
    expire_stale_runs(session, settings)
    run = crud.start_training_run(session, trigger, options, pid=pid, host=HOST)
    if run is None:
        holder = crud.running_training_run(session)
        raise AlreadyRunning(
            f"training run {holder.id if holder else '?'} is in progress "
            f"(started {holder.started_at if holder else '?'}); one runs at a time"
        )
    return run


def load_rows(request: TrainRequest, session: Session | None) -> tuple[np.ndarray, np.ndarray, str]:
    """(raw, labels, source): the CSV when one is given, else every labeled transaction in the database.

    The raw values are float32, the precision the served graph takes them in: models are fitted and
    checked on what they will be given, and 5,000,000 rows hold 0.6 GB instead of 1.2 (with every copy
    a run makes of its windows halved too)."""
    if request.csv is not None:
        from fraudops.data.labeled import load_labeled_csv

        raw, y = load_labeled_csv(request.csv)
        return raw.astype(np.float32), y, str(request.csv)
    if session is None:
        raise RuntimeError(NOT_MIGRATED)
    # Real-time predictions whose true class came back through POST /api/feedback are training rows too,
    # placed after the transactions (the time split orders all rows by time).
    feedback_raw, feedback_y = crud.labeled_feedback(session)
    raw, y = crud.labeled_transactions(session, tail=(feedback_raw, feedback_y), dtype=np.float32)
    transactions = len(y) - len(feedback_y)
    source = f"database: {transactions:,} labeled transactions, {len(feedback_y):,} labeled through feedback"
    return raw, y, source


def search_seconds(settings: Settings, request: TrainRequest) -> float:
    """The search budget: none with `quick`, else the request's, else the setting."""
    if request.quick:
        return 0.0
    return settings.train_search_seconds if request.search_seconds is None else request.search_seconds


def run_training(
    settings: Settings,
    request: TrainRequest,
    reporter: Any = None,
    run_id: int | None = None,
    candidates: list[Any] | None = None,
) -> Any:
    """Train, gate and export; record the run when the database is there. Returns the pipeline's Outcome.

    `run_id` is a run row created (and locked) by the API for a retraining process; otherwise this takes
    the lock itself and raises AlreadyRunning when another training holds it.
    """
    from fraudops.ml import candidates as candidate_sets
    from fraudops.training import pipeline

    engine = make_engine(settings.sqlalchemy_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    try:
        with factory() as session:
            recording = database_ready(session)
            if recording and run_id is None:
                run_id = take_lock(session, settings, request.trigger, request.options(), os.getpid()).id
            elif recording and run_id is not None:
                crud.set_training_run_pid(session, run_id, os.getpid())
            elif request.csv is None:
                raise RuntimeError(NOT_MIGRATED)
            try:
                # Listed before the read: the training-role batches whose labeled rows it takes.
                batches_read = crud.training_batch_ids(session) if recording and request.csv is None else None
                raw, y, source = load_rows(request, session if recording else None)
                options = pipeline.Options(
                    model_dir=settings.model_dir,
                    tracking_uri=settings.tracking_uri,
                    artifact_location=settings.mlflow_artifact_location,
                    experiment=settings.mlflow_experiment,
                    registered_name=settings.registered_model_name,
                    margin=settings.promotion_margin,
                    force=request.force,
                    dry_run=request.dry_run,
                    gap=request.gap,
                    store_dir=version_store.store_dir(settings.var_dir),
                    folds=request.folds or (1 if request.quick else settings.train_folds),
                    budget_k=settings.review_capacity_per_day,
                    max_legit_rows=settings.train_max_legit_rows or None,
                    seed=request.seed,
                    search_seconds=search_seconds(settings, request),
                    search_trials=settings.train_search_trials,
                )
                pick = candidate_sets.quick_set if request.quick else candidate_sets.full_set
                chosen = candidates or pick(request.seed)
                extra = {"trigger": request.trigger}
                outcome = pipeline.run(raw, y, source, chosen, options, reporter, extra)
            except BaseException as error:
                if recording and run_id is not None:
                    session.rollback()
                    crud.finish_training_run(
                        session,
                        run_id,
                        "failed",
                        error="".join(traceback.format_exception_only(error)).strip()[:4000],
                    )
                raise
            if recording and run_id is not None:
                _record(session, run_id, outcome, settings, batches_read)
            return outcome
    finally:
        engine.dispose()


def _record(
    session: Session, run_id: int, outcome: Any, settings: Settings, batches_read: list[int] | None = None
) -> None:
    best = outcome.best
    if outcome.registry_version is not None:
        crud.record_registered_version(
            session,
            best.card,
            settings.registered_model_name,
            outcome.registry_version,
            best.run_id,
            outcome.promoted,
            run_id,
        )
        session.commit()
    crud.finish_training_run(
        session,
        run_id,
        "succeeded",
        rows=outcome.data["rows"],
        frauds=outcome.data["frauds"],
        best_candidate=best.name,
        model_version=best.card.version if outcome.registry_version else None,
        registry_version=outcome.registry_version,
        mlflow_run_id=outcome.parent_run_id,
        promoted=outcome.promoted,
        decision=outcome.decision.reason,
        summary={"table": outcome.table(), "data": outcome.data, "seconds": round(outcome.seconds, 1)},
        batches_read=batches_read,
    )
