"""Model versions on the same stored rows: gather each version's scores of the chosen batches (the
batch's own predictions or a scoring), compare them (ml/compare.py), and the learning loop (each
champion's holdout figures across retrains)."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fraudops.crud import batch_roles
from fraudops.crud import scorings as crud_scorings
from fraudops.ml import compare
from fraudops.ml.curves import pr_curve_points
from fraudops.schemas_scoring import (
    AuprcInterval,
    DisagreementRow,
    LearningLoopOut,
    LoopPoint,
    PairComparison,
    VersionComparison,
    VersionsComparisonOut,
)
from fraudops.tables import Batch, ModelVersion, TrainingRun


class CompareError(ValueError):
    """The comparison cannot be made as asked (a 409 or 404 for the API)."""

    def __init__(self, message: str, missing: list[tuple[int, str]] | None = None, not_found: bool = False):
        super().__init__(message)
        self.missing = missing or []
        self.not_found = not_found


@dataclass
class Gathered:
    """The labeled rows of the batches, and each version's scores of exactly those rows."""

    labels: np.ndarray
    batch_ids: np.ndarray
    row_numbers: np.ndarray
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    missing: list[tuple[int, str]] = field(default_factory=list)


def gather(session: Session, batches: list[Batch], versions: list[str]) -> Gathered:
    labels, ids, rows = [], [], []
    parts: dict[str, list[np.ndarray]] = {v: [] for v in versions}
    missing: list[tuple[int, str]] = []
    for batch in batches:
        y = crud_scorings.batch_labels(session, batch.id)
        known = y >= 0
        for version in versions:
            scores = crud_scorings.version_scores(session, batch, version)
            if scores is None or len(scores) != len(y):
                missing.append((batch.id, version))
            else:
                parts[version].append(scores[known])
        labels.append(y[known])
        ids.append(np.full(int(known.sum()), batch.id, dtype=np.int64))
        rows.append(np.nonzero(known)[0])
    gathered = Gathered(
        labels=np.concatenate(labels) if labels else np.empty(0, np.int8),
        batch_ids=np.concatenate(ids) if ids else np.empty(0, np.int64),
        row_numbers=np.concatenate(rows) if rows else np.empty(0, np.int64),
        missing=missing,
    )
    if not missing:
        gathered.scores = {v: np.concatenate(p) if p else np.empty(0) for v, p in parts.items()}
    return gathered


def _versions(session: Session, names: list[str]) -> dict[str, ModelVersion]:
    found = {
        m.version: m for m in session.scalars(select(ModelVersion).where(ModelVersion.version.in_(names)))
    }
    unknown = [n for n in names if n not in found]
    if unknown:
        raise CompareError(f"unknown model version(s): {', '.join(unknown)}", not_found=True)
    return found


def _batches(session: Session, batch_ids: list[int] | None, role: str | None) -> list[Batch]:
    if batch_ids:
        batches = batch_roles.batches_by_id(session, batch_ids)
        unknown = sorted(set(batch_ids) - {b.id for b in batches})
        if unknown:
            raise CompareError(f"no batch {', '.join(map(str, unknown))}", not_found=True)
    else:
        ids = batch_roles.evaluation_batch_ids(session) if role == "evaluation" else []
        batches = batch_roles.batches_by_id(session, ids)
        if not batches:
            raise CompareError("no labeled evaluation batch to compare on: upload one with role=evaluation")
    return batches


def compare_versions(
    session: Session,
    versions: list[str],
    batch_ids: list[int] | None = None,
    role: str | None = None,
    k: int | None = None,
    replicates: int = 1000,
    seed: int = 0,
    disagreements: int = 50,
) -> VersionsComparisonOut:
    """The versions side by side on the labeled rows of the batches (each version must have scored all)."""
    known = _versions(session, versions)
    batches = _batches(session, batch_ids, role)
    g = gather(session, batches, versions)
    if g.missing:
        named = ", ".join(f"batch {b} x {v}" for b, v in g.missing[:10])
        raise CompareError(
            f"not scored yet: {named}; score them with POST /api/batches/{{id}}/scorings", missing=g.missing
        )
    y = g.labels.astype(np.int8)
    frauds = int(y.sum())
    if frauds == 0 or frauds == len(y):
        raise CompareError("the compared rows need labeled frauds and labeled legitimate rows")
    budget = compare.default_budget(len(y)) if k is None else min(k, len(y))
    thresholds = {v: known[v].threshold for v in versions}
    out_versions = []
    for v in versions:
        m = compare.version_metrics(y, g.scores[v], thresholds[v], budget)
        out_versions.append(
            VersionComparison(
                version=v,
                kind=known[v].kind,
                curve=pr_curve_points(y, g.scores[v]),
                **{key: m[key] for key in VersionComparison.model_fields if key in m},
            )
        )
    pairs = []
    a = versions[0]
    for b in versions[1:]:
        a_only, b_only = compare.disagreement_mask(g.scores[a], thresholds[a], g.scores[b], thresholds[b])
        either = np.nonzero(a_only | b_only)[0]
        top = either[np.argsort(-np.maximum(g.scores[a][either], g.scores[b][either]), kind="stable")]
        rows = [
            DisagreementRow(
                batch_id=int(g.batch_ids[i]),
                row_number=int(g.row_numbers[i]),
                label=int(y[i]),
                a_probability=float(g.scores[a][i]),
                b_probability=float(g.scores[b][i]),
                flagged_by="a" if a_only[i] else "b",
            )
            for i in top[:disagreements]
        ]
        interval = compare.bootstrap_difference(y, g.scores[a], g.scores[b], replicates, seed)
        pairs.append(
            PairComparison(
                a=a,
                b=b,
                a_only=int(a_only.sum()),
                b_only=int(b_only.sum()),
                a_only_frauds=int((a_only & (y == 1)).sum()),
                b_only_frauds=int((b_only & (y == 1)).sum()),
                rows=rows,
                interval=AuprcInterval(**vars(interval)),
            )
        )
    return VersionsComparisonOut(
        batch_ids=[b.id for b in batches],
        rows=len(y),
        frauds=frauds,
        prevalence=float(y.mean()),
        budget_k=budget,
        versions=out_versions,
        pairs=pairs,
    )


def _trained_on(session: Session, run: TrainingRun) -> list[str]:
    csv = (run.options or {}).get("csv")
    if csv:
        return [Path(str(csv)).name]
    return [b.filename for b in batch_roles.batches_by_id(session, run.batches_read or [])]


def learning_loop(
    session: Session, batch_ids: list[int] | None = None, k: int | None = None
) -> LearningLoopOut:
    """Every training in order: the version it produced, what it read, the gate's verdict, and the
    champion's (and the candidate's) figures on the evaluation batches."""
    ids = batch_ids or batch_roles.evaluation_batch_ids(session)
    batches = batch_roles.batches_by_id(session, ids)
    runs = list(
        session.scalars(
            select(TrainingRun)
            .where(TrainingRun.status == "succeeded", TrainingRun.model_version.is_not(None))
            .order_by(TrainingRun.id)
        )
    )
    kinds = {m.version: m.kind for m in session.scalars(select(ModelVersion))}
    thresholds = {m.version: m.threshold for m in session.scalars(select(ModelVersion))}
    y = np.empty(0, np.int8)
    if batches:
        y = gather(session, batches, []).labels.astype(np.int8)
    budget = compare.default_budget(len(y)) if k is None else min(k, max(len(y), 1))
    usable = len(y) > 0 and 0 < int(y.sum()) < len(y)
    cache: dict[str, tuple[float, float] | None] = {}
    missing: list[str] = []

    def figures(version: str) -> tuple[float, float] | None:
        if version not in cache:
            cache[version] = None
            if usable and version in thresholds:
                g = gather(session, batches, [version])
                if g.missing:
                    missing.append(version)
                else:
                    m = compare.version_metrics(y, g.scores[version], thresholds[version], budget)
                    cache[version] = (m["auprc"], m["recall_at_budget"])
        return cache[version]

    points: list[LoopPoint] = []
    champion: str | None = None
    for step, run in enumerate(runs):
        version = str(run.model_version)
        if run.promoted or champion is None:
            champion = version if run.promoted else champion
        shown = champion or version
        champion_figures = figures(shown) if champion is not None else None
        candidate = figures(version)
        points.append(
            LoopPoint(
                step=step,
                training_run_id=run.id,
                version=version,
                kind=kinds.get(version),
                trained_on=_trained_on(session, run),
                promoted=run.promoted,
                decision=run.decision,
                champion=shown,
                auprc=champion_figures[0] if champion_figures else None,
                recall_at_budget=champion_figures[1] if champion_figures else None,
                candidate_auprc=candidate[0] if candidate else None,
            )
        )
    return LearningLoopOut(
        batch_ids=[b.id for b in batches],
        rows=len(y),
        prevalence=float(y.mean()) if len(y) else None,
        budget_k=budget,
        points=points,
        missing=sorted(set(missing)),
    )
