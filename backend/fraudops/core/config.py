"""All settings in one place, read from the environment (and an optional `.env`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    # Everything the app writes by itself lives here (SQLite file, MLflow store, temp uploads).
    var_dir: Path = Path("var")
    # Empty means the embedded default: a SQLite file under var_dir.
    database_url: str = ""
    # Folder holding the champion: model.onnx + model.json.
    model_dir: Path = Path("var/model")
    max_upload_mb: float = Field(default=200, gt=0)
    # Rows scored per ONNX Runtime call when scoring a batch (bounds memory, keeps calls fast).
    score_chunk_rows: int = Field(default=65_536, gt=0)
    cors_origins: list[str] = ["http://localhost:5173"]
    # The built React page, served at / when present.
    frontend_dist: Path = Path("frontend/dist")
    # The prepared data_splits files offered by demo mode (only the known split names, never any path).
    demo_dir: Path = Path("data_splits")

    # Prediction log (see fraudops/predlog.py): flush when this many rows wait, or after this long.
    predlog_flush_rows: int = Field(default=2_000, gt=0)
    predlog_flush_seconds: float = Field(default=0.5, gt=0)
    predlog_max_pending: int = Field(default=200_000, gt=0)
    # Redis for the stream producer's --broker mode and `fraudops worker`.
    redis_url: str = "redis://127.0.0.1:6379/0"
    stream_key: str = "fraudops:transactions"
    stream_group: str = "fraudops-scorers"

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
    def upload_tmp_dir(self) -> Path:
        return self.var_dir / "uploads"


@lru_cache
def get_settings() -> Settings:
    return Settings()
