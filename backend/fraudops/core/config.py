"""All settings in one place, read from the environment (and an optional `.env`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    # Everything the app writes by itself lives here (SQLite file, MLflow store, temp uploads).
    var_dir: Path = Path("var")
    # Empty means the embedded default: a SQLite file under var_dir.
    database_url: str = ""
    # Folder holding the champion: model.onnx + model.json. It lives in the repository (committed), so a
    # deployment serves exactly the model training promoted, without an MLflow server.
    model_dir: Path = Path("backend/models/champion")
    max_upload_mb: float = Field(default=200, gt=0)
    # Rows scored per ONNX Runtime call when scoring a batch (bounds memory, keeps calls fast).
    score_chunk_rows: int = Field(default=65_536, gt=0)
    cors_origins: list[str] = ["http://localhost:5173"]
    # FastAPI's native OpenTelemetry (spans, metrics and logs sent to the process's global OpenTelemetry
    # providers, which the deployment configures). Off, FastAPI skips asking on every request whether a
    # provider was configured: ~2 % of /api/predict's CPU, for a feature nothing here uses by default.
    otel_telemetry: bool = False
    # The built React page, served at / when present.
    frontend_dist: Path = Path("frontend/dist")
    # The prepared data_splits files offered by demo mode (only the known split names, never any path).
    demo_dir: Path = Path("data_splits")

    # Prediction log (see fraudops/predlog.py): flush when this many rows wait, or after this long.
    predlog_flush_rows: int = Field(default=2_000, gt=0)
    predlog_flush_seconds: float = Field(default=0.5, gt=0)
    predlog_max_pending: int = Field(default=200_000, gt=0)
    # Decision bands (monitoring/bands.py): decline at BAND_DECLINE_AT (default: the model's threshold),
    # review from BAND_REVIEW_AT (default: half of that). A score equal to a threshold takes the higher band.
    band_review_at: float | None = Field(default=None, ge=0, le=1)
    band_decline_at: float | None = Field(default=None, ge=0, le=1)
    # How many review items an analyst team handles a day: the review queue's capacity (k of precision at k).
    review_capacity_per_day: int = Field(default=100, gt=0, le=1_000_000)
    # Redis for the stream producer's --broker mode and `fraudops worker`.
    redis_url: str = "redis://127.0.0.1:6379/0"
    stream_key: str = "fraudops:transactions"
    stream_group: str = "fraudops-scorers"

    # Bearer token for the actions that change state beyond uploading (model reload, retraining, deleting
    # a batch). Unset: those actions are refused.
    admin_token: SecretStr | None = None
    # Training and promotion (see fraudops/training/pipeline.py). Empty tracking URI: a SQLite MLflow store
    # under var_dir/mlflow with its artifacts beside it.
    mlflow_tracking_uri: str = ""
    mlflow_experiment: str = "fraud-detector"
    registered_model_name: str = "fraud-detector"
    # A new model becomes champion only if its test AUPRC beats the champion's on the same rows by this.
    promotion_margin: float = Field(default=0.005, ge=0)
    # Model choice on prequential time folds (`--quick` uses one; the budget metrics' k is
    # review_capacity_per_day). Beyond train_max_legit_rows legitimate rows, a training set keeps every
    # fraud and a weighted uniform sample of the legitimate rows (0: never sample). 250,000 is the size the
    # candidates were built and timed for (the original data's ~284k rows): past it a fit costs more but
    # sees no more frauds. With 1,000,000 the full set on 5M rows ran over an hour (docs/training.md).
    train_folds: int = Field(default=4, ge=1, le=12)
    train_max_legit_rows: int = Field(default=250_000, ge=0)
    # Optuna search of the boosted candidates' hyperparameters (training/search.py): seconds in all, split
    # evenly across them (0 turns it off; `--quick` skips it), at most train_search_trials per candidate.
    train_search_seconds: float = Field(default=300.0, ge=0)
    train_search_trials: int = Field(default=40, ge=1)
    # How often the API checks the model folder for a new champion (0 turns the watcher off).
    model_poll_seconds: float = Field(default=5.0, ge=0)
    # Automatic retraining (off unless turned on): when this many labeled rows later than the champion's
    # training data have arrived, train in a separate process with the same gate, one run at a time.
    retrain_enabled: bool = False
    retrain_min_new_rows: int = Field(default=50_000, gt=0)
    retrain_check_seconds: float = Field(default=60.0, gt=0)
    retrain_quick: bool = False
    # A run still marked running after this long is taken for dead and its lock released.
    retrain_timeout_minutes: float = Field(default=120.0, gt=0)
    # After an automatic run failed, wait this long before the trigger may start another.
    retrain_backoff_minutes: float = Field(default=30.0, ge=0)

    # Retention (fraudops/retention.py): prediction-log rows older than this many days are deleted, at
    # most RETENTION_CHUNK_ROWS per transaction, every RETENTION_INTERVAL_MINUTES; 0 turns it off.
    # Labeled rows (training data) and uploaded batches are kept whatever their age.
    retention_days: int = Field(default=0, ge=0)
    retention_chunk_rows: int = Field(default=5_000, gt=0)
    retention_interval_minutes: float = Field(default=60.0, gt=0)

    # Per-client rate limits (fraudops/api/middleware.py), as bursts of this many that refill evenly over a
    # minute; 0 turns a limit off. Uploads: POST /api/batches and POST /api/demo/<name>.
    rate_limit_uploads_per_minute: int = Field(default=30, ge=0)
    # Feedback: POST /api/feedback (each request may carry up to 10,000 labels).
    rate_limit_feedback_per_minute: int = Field(default=600, ge=0)
    # Largest request body outside uploads, refused with 413 before parsing. A full /api/predict list
    # (10,000 transactions) is about 8.2 MB written compactly with full-precision floats and short ids.
    max_json_mb: float = Field(default=16, gt=0)

    @field_validator("admin_token")
    @classmethod
    def _strong_token(cls, token: SecretStr | None) -> SecretStr | None:
        if token is None or not token.get_secret_value():
            return None
        if len(token.get_secret_value()) < 16:
            raise ValueError("ADMIN_TOKEN must be at least 16 characters (try: openssl rand -hex 24)")
        return token

    @field_validator("database_url")
    @classmethod
    def _driver_form(cls, url: str) -> str:
        """Render and Supabase hand out `postgres://…`; SQLAlchemy wants the psycopg 3 driver named."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.var_dir / 'fraudops.db').as_posix()}"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def tracking_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.var_dir / 'mlflow' / 'mlflow.db').resolve().as_posix()}"

    @property
    def mlflow_artifact_location(self) -> str | None:
        """Where a new experiment keeps its artifacts: beside the embedded store; a server decides its own."""
        if self.mlflow_tracking_uri:
            return None
        return (self.var_dir / "mlflow" / "artifacts").resolve().as_uri()

    @property
    def upload_tmp_dir(self) -> Path:
        return self.var_dir / "uploads"


@lru_cache
def get_settings() -> Settings:
    return Settings()
