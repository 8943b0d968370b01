"""The champion on disk: `model.onnx` (raw transactions in, probability out) and `model.json`."""

import hashlib
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fraudops.data.schema import FEATURE_COLUMNS

ONNX_FILE = "model.onnx"
CARD_FILE = "model.json"


class ModelCard(BaseModel):
    version: str
    kind: str
    threshold: float
    created_at: datetime
    input_columns: list[str] = list(FEATURE_COLUMNS)
    # {"validation": {...}, "test": {...}} as produced by ml.metrics.evaluate
    metrics: dict[str, Any]
    # rows, frauds, time span, source file, parameters, seconds
    training: dict[str, Any]


def make_version(kind: str, onnx_bytes: bytes) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{kind}-{stamp}-{hashlib.sha256(onnx_bytes).hexdigest()[:8]}"


def exists(model_dir: Path) -> bool:
    return (model_dir / ONNX_FILE).is_file() and (model_dir / CARD_FILE).is_file()


def read_card(model_dir: Path) -> ModelCard:
    return ModelCard.model_validate_json((model_dir / CARD_FILE).read_text())


def write(model_dir: Path, onnx_bytes: bytes, card: ModelCard) -> None:
    """Write both files into a fresh folder beside `model_dir`, then swap it in, so a reader never sees a
    new graph with an old card."""
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=model_dir.parent))
    staging.chmod(0o755)
    (staging / ONNX_FILE).write_bytes(onnx_bytes)
    (staging / CARD_FILE).write_text(card.model_dump_json(indent=2) + "\n")
    if model_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=".retired-", dir=model_dir.parent))
        model_dir.rename(retired / model_dir.name)
        staging.rename(model_dir)
        shutil.rmtree(retired)
    else:
        staging.rename(model_dir)
