"""API shapes of batch roles, batch scorings, the comparison of model versions and the learning loop.

Kept apart from `schemas.py` (one module per group of resources that changes together)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fraudops.schemas import NO_CONTROL_CHARACTERS, CurvePoint, MetricsOut

Role = Literal["training", "evaluation"]
VersionName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NO_CONTROL_CHARACTERS)]


class BatchUpdate(BaseModel):
    """What an admin may change on a stored batch; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = Field(default=None, description="training: trains the next model; evaluation: never")
    tags: list[Tag] | None = Field(default=None, max_length=20)
    hidden: bool | None = Field(default=None, description="hidden batches stay out of the dashboard's charts")


class ScoringRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_version: VersionName = Field(description="a version listed by GET /api/models")


class BatchScoringOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    batch_id: int
    model_version: str
    status: Literal["queued", "running", "done", "failed"]
    rows_done: int
    row_count: int
    threshold: float | None = Field(description="the version's own threshold; set when done")
    metrics: MetricsOut | None = Field(description="when the batch is labeled (both classes) and done")
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class VersionComparison(BaseModel):
    version: str
    kind: str | None
    auprc: float
    prevalence: float = Field(description="the AUPRC of a random model on these rows")
    roc_auc: float
    threshold: float = Field(description="the version's own threshold")
    precision: float
    recall: float
    f1: float
    flagged: int = Field(description="rows at or above the threshold")
    budget_k: int = Field(description="rows a reviewer can look at: the top k by this version's score")
    recall_at_budget: float
    precision_at_budget: float
    curve: list[CurvePoint]


class DisagreementRow(BaseModel):
    batch_id: int
    row_number: int
    label: int
    a_probability: float
    b_probability: float
    flagged_by: Literal["a", "b"]


class AuprcInterval(BaseModel):
    difference: float = Field(description="AUPRC(b) - AUPRC(a) on the compared rows")
    low: float
    high: float
    level: float
    b_better_share: float = Field(description="share of bootstrap replicates where b's AUPRC is higher")
    replicates: int
    skipped: int = Field(description="replicates without a fraud, left out")
    seed: int


class PairComparison(BaseModel):
    a: str
    b: str
    a_only: int = Field(description="rows flagged by a only (each at its own threshold)")
    b_only: int
    a_only_frauds: int
    b_only_frauds: int
    rows: list[DisagreementRow] = Field(description="the first disagreements, highest score first")
    interval: AuprcInterval


class VersionsComparisonOut(BaseModel):
    batch_ids: list[int]
    rows: int = Field(description="labeled rows compared (the same for every version)")
    frauds: int
    prevalence: float
    budget_k: int
    versions: list[VersionComparison]
    pairs: list[PairComparison] = Field(description="the first version against each other one")


class LoopPoint(BaseModel):
    step: int = Field(description="0: the first model; then one per training")
    training_run_id: int | None
    version: str
    kind: str | None
    trained_on: list[str] = Field(description="batch file names the training read (or its CSV)")
    promoted: bool | None
    decision: str | None
    champion: str = Field(description="the champion after this step")
    auprc: float | None = Field(description="the champion's holdout AUPRC; null when not scored yet")
    recall_at_budget: float | None
    candidate_auprc: float | None = Field(description="this step's candidate on the holdout (kept or not)")


class LearningLoopOut(BaseModel):
    batch_ids: list[int] = Field(description="the evaluation batches measured on")
    rows: int
    prevalence: float | None
    budget_k: int
    points: list[LoopPoint]
    missing: list[str] = Field(description="versions without scores on those batches yet")
