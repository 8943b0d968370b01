"""API request and response shapes, grouped by resource."""

from datetime import datetime
from operator import attrgetter
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS, MAX_ABS_VALUE

T = TypeVar("T")

# Text a client sends that the database stores and a spreadsheet may open: bounded, and without control
# characters (a NUL is refused by PostgreSQL; pydantic already refuses lone surrogates).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"
MAX_ID_LENGTH = 200
ExternalId = Annotated[str, StringConstraints(max_length=MAX_ID_LENGTH, pattern=NO_CONTROL_CHARACTERS)]
RequestId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_CONTROL_CHARACTERS)]
# Integer ids the database keys are 32-bit: a larger one is a 422, not a database error.
MAX_DB_INT = 2**31 - 1
Feature = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
NonNegativeFeature = Annotated[float, Field(ge=0, le=MAX_ABS_VALUE)]


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int


# --- problems ---------------------------------------------------------------------------------------


class ProblemOut(BaseModel):
    line: int | None = Field(description="1-based line in the file (the header is line 1), or item index")
    column: str | None
    message: str


class RejectedOut(BaseModel):
    detail: str
    problems: list[ProblemOut]
    total: int = Field(description="all problems found; `problems` lists at most 50")


# --- transactions and real-time predictions ---------------------------------------------------------


class TransactionIn(BaseModel):
    """One transaction with the Kaggle column names, keys in any order; numbers may be numeric strings."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=False)

    id: ExternalId | Annotated[int, Field(ge=-(2**63), lt=2**63)] | None = Field(
        default=None,
        description="echoed back unchanged; text up to 200 characters without control characters",
    )
    time: NonNegativeFeature = Field(alias="Time")
    v1: Feature = Field(alias="V1")
    v2: Feature = Field(alias="V2")
    v3: Feature = Field(alias="V3")
    v4: Feature = Field(alias="V4")
    v5: Feature = Field(alias="V5")
    v6: Feature = Field(alias="V6")
    v7: Feature = Field(alias="V7")
    v8: Feature = Field(alias="V8")
    v9: Feature = Field(alias="V9")
    v10: Feature = Field(alias="V10")
    v11: Feature = Field(alias="V11")
    v12: Feature = Field(alias="V12")
    v13: Feature = Field(alias="V13")
    v14: Feature = Field(alias="V14")
    v15: Feature = Field(alias="V15")
    v16: Feature = Field(alias="V16")
    v17: Feature = Field(alias="V17")
    v18: Feature = Field(alias="V18")
    v19: Feature = Field(alias="V19")
    v20: Feature = Field(alias="V20")
    v21: Feature = Field(alias="V21")
    v22: Feature = Field(alias="V22")
    v23: Feature = Field(alias="V23")
    v24: Feature = Field(alias="V24")
    v25: Feature = Field(alias="V25")
    v26: Feature = Field(alias="V26")
    v27: Feature = Field(alias="V27")
    v28: Feature = Field(alias="V28")
    amount: NonNegativeFeature = Field(alias="Amount")
    label: Any = Field(default=None, alias="Class", description="ignored: the model never sees labels")

    def features(self) -> tuple[float, ...]:
        """`[Time, V1..V28, Amount]`, the model's input order."""
        return _FEATURES(self)


_FEATURES = attrgetter(*(DB_COLUMN[c] for c in FEATURE_COLUMNS))


class PredictionOut(BaseModel):
    request_id: str = Field(description="key of this prediction in the log; send it back with the true class")
    id: str | int | None = None
    fraud_probability: float
    is_fraud: bool
    threshold: float
    model_version: str
    band: Literal["approve", "review", "decline"]
    bands: dict[str, float] = Field(description="review_at and decline_at in force for this decision")
    reasons: "ReasonsOut | None" = Field(default=None, description="with ?explain=true: the top features")


# --- batches ----------------------------------------------------------------------------------------


class Confusion(BaseModel):
    tn: int
    fp: int
    fn: int
    tp: int


class MetricsOut(BaseModel):
    auprc: float = Field(description="average precision (step-wise), scikit-learn's definition")
    prevalence: float = Field(description="fraud rate of the batch: the AUPRC of a random model")
    roc_auc: float
    precision: float
    recall: float
    f1: float
    threshold: float
    confusion: Confusion
    rows: int
    frauds: int


class BatchPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sha256: str
    filename: str
    created_at: datetime
    row_count: int
    labeled: bool
    fraud_count: int | None
    flagged_count: int
    threshold: float
    model_version: str
    metrics: MetricsOut | None
    metrics_reason: str | None = Field(description="why `metrics` is null")
    timings: dict[str, float] = Field(description="server seconds per stage of the upload")
    bands: dict[str, float] | None = Field(default=None, description="review_at and decline_at in force")
    role: Literal["training", "evaluation"] = Field(
        default="training", description="training: its labeled rows train the next model; evaluation: never"
    )
    tags: list[str] | None = None
    hidden: bool = Field(default=False, description="hidden batches stay out of the dashboard's charts")


class BatchUploadOut(BatchPublic):
    duplicate: bool = Field(description="true when this exact file was stored before; nothing new was stored")
    duplicate_detail: str | None = Field(
        default=None, description="on a duplicate: what was returned and what can be done instead"
    )
    rescore_version: str | None = Field(
        default=None,
        description="on a duplicate scored by another model: the serving version, to score the stored batch "
        "with through POST /api/batches/{id}/scorings",
    )


class PredictionRow(BaseModel):
    row_number: int = Field(description="0-based row of the file (CSV line = row_number + 2)")
    id: str | None
    probability: float
    is_fraud: bool
    label: int | None = Field(description="true class when the file had one")
    band: Literal["approve", "review", "decline"] | None = None
    reasons: "ReasonsOut | None" = Field(
        default=None, description="for rows flagged or in review or decline: the top features"
    )
    amount: float = Field(description="the transaction's Amount")
    time: float = Field(description="Time: seconds from the file's first transaction")


# --- model and health -------------------------------------------------------------------------------


class ModelOut(BaseModel):
    version: str
    kind: str
    threshold: float
    created_at: datetime
    input_columns: list[str]
    metrics: dict[str, Any]
    training: dict[str, Any]


class ModelVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: str
    kind: str
    threshold: float
    created_at: datetime
    first_served_at: datetime | None = Field(description="null for a registered version that has not served")
    metrics: dict[str, Any]
    training: dict[str, Any]
    is_champion: bool = Field(default=False, description="the model serving right now")
    registered_model: str | None = Field(default=None, description="MLflow registered model name")
    registry_version: str | None = Field(default=None, description="version number in the MLflow registry")
    mlflow_run_id: str | None = None
    registered_at: datetime | None = None
    promoted: bool | None = Field(default=None, description="whether the promotion gate made it champion")
    training_run_id: int | None = None


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    model: str
    model_version: str | None
    problems: list[str] = Field(default=[], description="why the status is degraded")
    prediction_log: dict[str, int] = Field(
        description="rows written, waiting in memory, dropped (log full), parked (refused by the database)"
    )


# --- batch charts and demo files --------------------------------------------------------------------


class CurvePoint(BaseModel):
    recall: float
    precision: float
    threshold: float | None = Field(description="the lowest score flagged at this point; null at recall 0")


class HistogramBin(BaseModel):
    start: float
    end: float
    legit: int = Field(description="rows labelled legitimate (Class=0) whose score falls in [start, end)")
    fraud: int = Field(description="rows labelled fraud (Class=1) in the bin")
    unlabeled: int = Field(description="rows without a label in the bin")


class BatchCurvesOut(BaseModel):
    batch_id: int
    threshold: float
    pr_curve: list[CurvePoint] = Field(
        description="precision–recall curve from the stored scores, downsampled; empty without both classes"
    )
    histogram: list[HistogramBin] = Field(description="score histogram over [0, 1] split by true class")
    reason: str | None = Field(description="why `pr_curve` is empty")


class DemoFileOut(BaseModel):
    name: str
    filename: str
    rows: int = Field(description="data rows (lines after the header)")
    size_bytes: int
    description: str


# --- training, retraining and admin actions ---------------------------------------------------------


class ReloadOut(BaseModel):
    changed: bool = Field(description="true when a different model is serving now")
    previous_version: str | None
    version: str | None
    detail: str


class TrainingRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: Literal["running", "succeeded", "failed"]
    trigger: str = Field(description="cli, api or auto")
    options: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None
    rows: int | None
    frauds: int | None
    best_candidate: str | None
    model_version: str | None = Field(description="the registered best candidate (null on a dry run)")
    registry_version: str | None
    mlflow_run_id: str | None = Field(description="the MLflow parent run")
    promoted: bool | None
    decision: str | None = Field(description="the promotion gate's verdict")
    summary: dict[str, Any] | None = Field(description="comparison table (candidates, champion), data span")
    error: str | None


class RetrainingOut(BaseModel):
    enabled: bool = Field(description="automatic retraining (RETRAIN_ENABLED)")
    min_new_rows: int
    new_labeled_rows: int = Field(description="labeled transactions later than `considered_until`")
    considered_until: float | None = Field(
        description="the latest Time a training looked at: the champion's data or the last training's"
    )
    running: TrainingRunOut | None
    last: TrainingRunOut | None


# --- monitoring ---------------------------------------------------------------------------------------


class FeatureDrift(BaseModel):
    feature: str
    psi: float
    ks_d: float
    ks_p: float
    status: Literal["stable", "moderate", "drifted"]


class ScoreDrift(BaseModel):
    psi: float
    ks_d: float
    ks_p: float
    status: Literal["stable", "moderate", "drifted"]


class DriftReport(BaseModel):
    rows: int
    features: list[FeatureDrift]
    drifted_features: list[str]
    score: ScoreDrift
    method: str


class BatchDriftOut(BaseModel):
    batch_id: int
    model_version: str
    report: DriftReport | None
    reason: str | None = Field(description="why there is no report")


class Reason(BaseModel):
    feature: str
    value: float
    contribution: float = Field(description="score change if this value were the training median")


class ReasonsOut(BaseModel):
    method: str
    top: list[Reason] = Field(description="largest |contribution| first")


PredictionOut.model_rebuild()
PredictionRow.model_rebuild()
