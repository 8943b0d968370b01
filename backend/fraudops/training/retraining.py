"""Retraining as data arrives: a training in a separate process, one at a time, outcome recorded.

The API never trains in its own process (training imports TensorFlow and takes minutes). It takes the
training lock (a `running` row in `training_runs`), starts `python -m fraudops.training.retraining RUN_ID`
with the same settings, and the child runs the same pipeline and gate as `fraudops train`, then records
the outcome on that row. A child that dies without recording is marked failed by the supervisor, or
after `retrain_timeout_minutes` by whoever looks next.

Automatic retraining is opt-in (`RETRAIN_ENABLED`): when at least `RETRAIN_MIN_NEW_ROWS` labeled
transactions later than the champion's training data have arrived, a run starts.
"""

import asyncio
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.core.config import Settings
from fraudops.ml.artifact import ModelCard
from fraudops.serving import ModelWatcher
from fraudops.tables import TrainingRun
from fraudops.training.run import AlreadyRunning, TrainRequest, expire_stale_runs, take_lock

log = logging.getLogger(__name__)


def data_end(card: ModelCard | None) -> float | None:
    """The latest `Time` the champion's training read (train, validation and test rows), if known."""
    if card is None:
        return None
    data = card.training.get("data") or {}
    end = data.get("time_end", card.training.get("time_end"))
    return float(end) if end is not None else None


def considered_until(session: Session, card: ModelCard | None) -> float | None:
    """The latest `Time` a training already looked at: the champion's data, or the data of the last
    training on the database's rows, whichever ends later. A training that kept the champion counts too,
    or the trigger would start the same training again and again."""
    ends = [data_end(card)]
    last = crud.last_database_training(session)
    if last is not None and last.summary is not None:
        ends.append((last.summary.get("data") or {}).get("time_end"))
    known = [float(e) for e in ends if e is not None]
    return max(known) if known else None


def new_labeled_rows(session: Session, card: ModelCard | None) -> int:
    """Labeled transactions later than anything a training looked at (all of them at first)."""
    return crud.count_labeled_transactions(session, considered_until(session, card))


def child_environment(settings: Settings) -> dict[str, str]:
    """The settings the API runs with, as the child's environment (the API may have been built with a
    Settings object rather than from its environment, as tests do)."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": settings.sqlalchemy_url,
            "VAR_DIR": str(settings.var_dir.resolve()),
            "MODEL_DIR": str(settings.model_dir.resolve()),
            "MLFLOW_EXPERIMENT": settings.mlflow_experiment,
            "REGISTERED_MODEL_NAME": settings.registered_model_name,
            "PROMOTION_MARGIN": str(settings.promotion_margin),
            "RETRAIN_TIMEOUT_MINUTES": str(settings.retrain_timeout_minutes),
        }
    )
    if settings.mlflow_tracking_uri:
        env["MLFLOW_TRACKING_URI"] = settings.mlflow_tracking_uri
    else:  # the embedded store: the child derives the same one from VAR_DIR
        env.pop("MLFLOW_TRACKING_URI", None)
    return env


class Supervisor:
    """Starts retraining processes for the API and reaps them."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self._session_factory = session_factory
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    def log_path(self, run_id: int) -> Path:
        return self.settings.var_dir / "training" / f"run-{run_id}.log"

    def start(self, trigger: str, quick: bool | None = None, force: bool = False) -> TrainingRun:
        """Take the lock and start the child; raises AlreadyRunning when a run is in progress."""
        quick = self.settings.retrain_quick if quick is None else quick
        options = TrainRequest(quick=quick, force=force, trigger=trigger).options()
        with self._session_factory() as session:
            run = take_lock(session, self.settings, trigger, options)
            path = self.log_path(run.id)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with path.open("wb") as output:
                    child = subprocess.Popen(
                        [sys.executable, "-m", "fraudops.training.retraining", str(run.id)],
                        env=child_environment(self.settings),
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,  # a Ctrl-C on the server does not kill a training midway
                    )
            except OSError as error:
                crud.finish_training_run(session, run.id, "failed", error=f"could not start: {error}")
                raise
            crud.set_training_run_pid(session, run.id, child.pid)
            self._children[run.id] = child
            log.info("training run %d started (%s), pid %d, log %s", run.id, trigger, child.pid, path)
            session.refresh(run)
            return run

    def reap(self) -> None:
        """Collect finished children; a child that exited without recording its outcome is marked failed."""
        for run_id, child in list(self._children.items()):
            code = child.poll()
            if code is None:
                continue
            del self._children[run_id]
            with self._session_factory() as session:
                run = crud.get_training_run(session, run_id)
                if run is not None and run.status == "running":
                    tail = _tail(self.log_path(run_id))
                    crud.finish_training_run(
                        session, run_id, "failed", error=f"the training process exited with {code}\n{tail}"
                    )
            log.info("training run %d finished (exit %s)", run_id, code)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the children (tests and shutdown)."""
        for child in list(self._children.values()):
            child.wait(timeout)
        self.reap()

    def maybe_start(self, champion: ModelCard | None) -> TrainingRun | None:
        """The automatic trigger: start a run when enough new labeled rows arrived and none is running."""
        with self._session_factory() as session:
            expire_stale_runs(session, self.settings)  # a killed training's lock goes now, not at its timeout
            if crud.running_training_run(session) is not None:
                return None
            last = next(iter(crud.list_training_runs(session, 0, 1)[0]), None)
            backoff = timedelta(minutes=self.settings.retrain_backoff_minutes)
            if (
                last is not None
                and last.status == "failed"
                and last.finished_at is not None
                and datetime.now(UTC) - _aware(last.finished_at) < backoff
            ):
                return None  # do not retry a failing training in a loop
            new_rows = new_labeled_rows(session, champion)
        if new_rows < self.settings.retrain_min_new_rows:
            return None
        log.info("%d new labeled rows since the champion's data: retraining", new_rows)
        try:
            return self.start("auto")
        except AlreadyRunning:
            return None


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def supervise(supervisor: Supervisor, models: ModelWatcher, interval: float) -> None:
    """Every `interval` seconds: reap finished trainings, and start one when the trigger says so."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(supervisor.reap)
            if supervisor.settings.retrain_enabled:
                scorer = models.scorer
                await asyncio.to_thread(supervisor.maybe_start, scorer.card if scorer is not None else None)
        except Exception:  # never let the supervisor die
            log.exception("retraining supervisor")


def main(argv: list[str]) -> int:
    """The child: `python -m fraudops.training.retraining RUN_ID`."""
    from fraudops.core.config import get_settings
    from fraudops.training.run import run_training

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_id = int(argv[1])
    settings = get_settings()
    with sessionmaker_for(settings)() as session:
        run = crud.get_training_run(session, run_id)
        if run is None:
            log.error("no training run %d", run_id)
            return 2
        options = dict(run.options)
    request = TrainRequest(
        quick=bool(options.get("quick")),
        force=bool(options.get("force")),
        trigger=str(options.get("trigger", "api")),
    )
    outcome = run_training(settings, request, run_id=run_id)
    log.info("run %d: %s", run_id, outcome.decision.reason)
    return 0


def sessionmaker_for(settings: Settings) -> sessionmaker[Session]:
    from fraudops.core.db import make_engine

    return sessionmaker(make_engine(settings.sqlalchemy_url), expire_on_commit=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
