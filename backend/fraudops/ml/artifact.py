"""The champion on disk: `model.onnx` (raw transactions in, probability out) and `model.json`."""

import hashlib
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fraudops.data.schema import FEATURE_COLUMNS

ONNX_FILE = "model.onnx"
CARD_FILE = "model.json"
# The reference profile of the training data (monitoring/profile.py); optional, for drift and reasons.
PROFILE_FILE = "profile.json"


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
    # SHA-256 of model.onnx, so a reader can tell that the graph and the card belong together
    onnx_sha256: str | None = None


def sha256(onnx_bytes: bytes) -> str:
    return hashlib.sha256(onnx_bytes).hexdigest()


def make_version(kind: str, onnx_bytes: bytes) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{kind}-{stamp}-{sha256(onnx_bytes)[:8]}"


def exists(model_dir: Path) -> bool:
    return (model_dir / ONNX_FILE).is_file() and (model_dir / CARD_FILE).is_file()


def read_card(model_dir: Path) -> ModelCard:
    return ModelCard.model_validate_json((model_dir / CARD_FILE).read_text())


class Inconsistent(RuntimeError):
    """The folder changed while it was read, or its graph does not match its card."""


def read(model_dir: Path, attempts: int = 5) -> tuple[bytes, ModelCard]:
    """(graph bytes, card) of one and the same model, even while `write` swaps a new folder in.

    The card is read before and after the graph; a swap in between shows as a different card (or a
    missing file) and the read is retried. A card that names its graph's SHA-256 is checked against it.
    """
    for attempt in range(attempts):
        try:
            before = (model_dir / CARD_FILE).read_bytes()
            onnx_bytes = (model_dir / ONNX_FILE).read_bytes()
            after = (model_dir / CARD_FILE).read_bytes()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)
            continue
        if before != after:
            continue
        card = ModelCard.model_validate_json(after)
        if card.onnx_sha256 is not None and card.onnx_sha256 != sha256(onnx_bytes):
            continue
        return onnx_bytes, card
    raise Inconsistent(f"{model_dir} kept changing while it was read, or its graph does not match its card")


def write(model_dir: Path, onnx_bytes: bytes, card: ModelCard, profile: dict[str, Any] | None = None) -> None:
    """Write the files into a fresh folder beside `model_dir`, then swap it in, so a reader never sees a
    new graph with an old card (or an old profile)."""
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=model_dir.parent))
    staging.chmod(0o755)
    (staging / ONNX_FILE).write_bytes(onnx_bytes)
    if profile is not None:
        (staging / PROFILE_FILE).write_text(json.dumps(profile | {"model_version": card.version}))
    (staging / CARD_FILE).write_text(card.model_dump_json(indent=2) + "\n")
    if model_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=".retired-", dir=model_dir.parent))
        model_dir.rename(retired / model_dir.name)
        staging.rename(model_dir)
        shutil.rmtree(retired)
    else:
        staging.rename(model_dir)


def read_profile(model_dir: Path, version: str) -> dict[str, Any] | None:
    """The reference profile of model `version`, or None when there is none (or it belongs to another)."""
    try:
        profile: dict[str, Any] = json.loads((model_dir / PROFILE_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return profile if profile.get("model_version") == version else None
