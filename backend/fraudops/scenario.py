"""The learning loop end to end, as the seed project describes it: a first model on `initial_train`, the
three stream portions arriving as labeled training batches with a training after each, and the holdout
(an evaluation batch, never trained on) scored by every model in turn.

Runs on the embedded default (a temporary SQLite database, MLflow store and model folder) unless told
otherwise, through the same code the app uses: `batches.ingest` for uploads, `training.run` for the
trainings and their gate, `rescoring` for scoring the holdout again, `comparison.learning_loop` for the
figures (which `GET /api/learning-loop` serves too).
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fraudops.batches import ingest
from fraudops.core.config import Settings
from fraudops.core.db import make_engine
from fraudops.core.migrate import upgrade_to_head
from fraudops.crud import scorings as crud_scorings
from fraudops.data.splits import SPLIT_NAMES, write_splits
from fraudops.data.synthetic import NEW_PATTERN_FROM
from fraudops.data.upload import ReceivedFile
from fraudops.ml.scorer import Scorer
from fraudops.monitoring.bands import bands_for
from fraudops.rescoring import run_scoring
from fraudops.schemas_scoring import LearningLoopOut
from fraudops.tables import Batch

log = logging.getLogger(__name__)

STREAMS = ("stream_1", "stream_2", "stream_3")


@dataclass(frozen=True)
class ScenarioOptions:
    workdir: Path
    rows: int = 284_807  # the synthetic default's size (the real file's)
    seed: int = 0
    initial_rows: int = 100_000
    quick: bool = True
    source: Path | None = None  # a labeled CSV instead of synthetic data
    database_url: str = ""  # empty: a SQLite file in workdir
    budget: int | None = None  # review budget in rows; default 1 % of the holdout
    # The synthetic world's new fraud pattern, as `fraudops synth` makes it by default (None: off).
    new_pattern_from: float | None = NEW_PATTERN_FROM


def settings_for(options: ScenarioOptions) -> Settings:
    return Settings(
        environment="development",
        var_dir=options.workdir / "var",
        database_url=options.database_url,
        model_dir=options.workdir / "model" / "champion",
        demo_dir=options.workdir / "splits",
        mlflow_tracking_uri="",
    )


def _received(path: Path) -> ReceivedFile:
    data = path.read_bytes()
    return ReceivedFile(
        path=path, filename=path.name, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


def upload(session: Session, scorer: Scorer, path: Path, role: str) -> Batch:
    """Store and score a file as an upload does (same function), with the model serving now."""
    started = time.perf_counter()
    result = ingest(
        session,
        _received(path),
        scorer,
        time.perf_counter() - started,
        bands_for(scorer.threshold, None, None),
        role,
    )
    return result.batch


def score_with(factory: sessionmaker[Session], batch: Batch, scorer: Scorer) -> None:
    """Score a stored batch with a model version (the API's background job, run here in line)."""
    if batch.model_version == scorer.version:
        return  # scored at upload by this version: its own predictions are that result set
    with factory() as session:
        scoring, start = crud_scorings.queue_scoring(session, batch, scorer.version)
    if start:
        run_scoring(factory, scoring.id, scorer)


def run(
    options: ScenarioOptions,
    candidates: Callable[[int], list[Any]] | None = None,
    progress: Callable[[str], None] = log.info,
) -> LearningLoopOut:
    """The whole loop; returns the learning-loop figures (the table `fraudops scenario` prints)."""
    from fraudops.comparison import learning_loop
    from fraudops.ml import version_store
    from fraudops.training.run import TrainRequest, run_training

    settings = settings_for(options)
    options.workdir.mkdir(parents=True, exist_ok=True)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade_to_head(settings.sqlalchemy_url)
    splits = _splits(options, progress)
    engine = make_engine(settings.sqlalchemy_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    store = version_store.store_dir(settings.var_dir)
    chosen = candidates(options.seed) if candidates is not None else None

    def train(request: TrainRequest, label: str) -> Any:
        started = time.perf_counter()
        outcome = run_training(settings, request, candidates=chosen)
        progress(f"trained on {label}: {outcome.decision.reason} ({time.perf_counter() - started:.0f} s)")
        return outcome

    try:
        train(
            TrainRequest(csv=splits["initial_train"], quick=options.quick, seed=options.seed), "initial_train"
        )
        champion = Scorer.load(settings.model_dir, settings.score_chunk_rows)
        with factory() as session:
            upload(session, champion, splits["initial_train"], "training")
            holdout = upload(session, champion, splits["holdout"], "evaluation")
        progress(f"holdout stored as evaluation batch {holdout.id}, scored by {champion.version}")
        for name in STREAMS:
            with factory() as session:
                upload(session, champion, splits[name], "training")
            outcome = train(
                TrainRequest(quick=options.quick, seed=options.seed), f"the database after {name}"
            )
            if outcome.registry_version is not None:
                candidate = version_store.load(store, outcome.best.card.version, settings.score_chunk_rows)
                if candidate is not None:
                    score_with(factory, holdout, candidate)
            if outcome.promoted:
                champion = Scorer.load(settings.model_dir, settings.score_chunk_rows)
        with factory() as session:
            return learning_loop(session, [holdout.id], options.budget)
    finally:
        engine.dispose()


def _splits(options: ScenarioOptions, progress: Callable[[str], None]) -> dict[str, Path]:
    folder = options.workdir / "splits"
    if not all((folder / f"{name}.csv").is_file() for name in SPLIT_NAMES):
        source = options.source
        if source is None:
            from fraudops.data import synthetic

            source = options.workdir / "synthetic.csv"
            progress(f"generating {options.rows:,} synthetic rows (seed {options.seed})")
            table = synthetic.generate(
                options.rows, seed=options.seed, new_pattern_from=options.new_pattern_from
            )
            synthetic.write_csv(table, source)
        for part in write_splits(source, folder, options.initial_rows):
            progress(f"{part.name}: {part.rows:,} rows, {part.frauds} frauds")
    return {name: folder / f"{name}.csv" for name in SPLIT_NAMES}


def table_rows(loop: LearningLoopOut) -> list[dict[str, str]]:
    """The printed table: one row per training."""

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.4f}"

    verdicts = {True: "promoted", False: "kept champion", None: "-"}
    return [
        {
            "step": str(p.step),
            "version": p.version,
            "trained on": " + ".join(name.removesuffix(".csv") for name in p.trained_on) or "-",
            "candidate holdout AUPRC": fmt(p.candidate_auprc),
            "gate": verdicts[p.promoted],
            "champion": p.champion,
            "champion holdout AUPRC": fmt(p.auprc),
            f"recall at top {loop.budget_k}": fmt(p.recall_at_budget),
        }
        for p in loop.points
    ]
