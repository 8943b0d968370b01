"""The model version store: every exported model kept in its own folder by version, so any registered
version (the champion, an earlier champion, a rejected candidate) can score a stored batch again.

Layout: `<var_dir>/model_store/<version>/` holding the same files as the champion folder (`model.onnx`,
`model.json`, optionally `profile.json`). Written by the training pipeline for every version it registers
(promoted or not) and by `remember_champion` for a champion folder that came from elsewhere (a committed
one, a deployment's). Serving reads ONNX only, so this needs neither MLflow nor TensorFlow.
"""

import re
import shutil
from pathlib import Path
from typing import Any

from fraudops.ml import artifact
from fraudops.ml.scorer import Scorer

# Versions are written by `artifact.make_version` (kind-stamp-sha); anything else never names a folder.
_SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def store_dir(var_dir: Path) -> Path:
    return var_dir / "model_store"


def folder(store: Path, version: str) -> Path | None:
    """The folder of `version` in the store, or None for a name that cannot be a version."""
    if not _SAFE_VERSION.match(version) or ".." in version:
        return None
    return store / version


def keep(
    store: Path, onnx_bytes: bytes, card: artifact.ModelCard, profile: dict[str, Any] | None = None
) -> Path:
    """Keep a version (idempotent: an existing folder of that version is left as it is)."""
    path = folder(store, card.version)
    if path is None:
        raise ValueError(f"not a storable version name: {card.version!r}")
    if not artifact.exists(path):
        artifact.write(path, onnx_bytes, card, profile)
    return path


def remember_champion(model_dir: Path, store: Path) -> str | None:
    """Copy the champion folder into the store unless its version is there already; returns its version."""
    if not artifact.exists(model_dir):
        return None
    card = artifact.read_card(model_dir)
    path = folder(store, card.version)
    if path is not None and not artifact.exists(path):
        onnx_bytes, card = artifact.read(model_dir)
        artifact.write(path, onnx_bytes, card)
        profile = model_dir / artifact.PROFILE_FILE
        if profile.is_file():
            shutil.copyfile(profile, path / artifact.PROFILE_FILE)
    return card.version


def has(store: Path, version: str) -> bool:
    path = folder(store, version)
    return path is not None and artifact.exists(path)


def load(store: Path, version: str, chunk_rows: int = 65_536) -> Scorer | None:
    """A scorer for `version` from the store, or None when the store does not hold it."""
    path = folder(store, version)
    if path is None or not artifact.exists(path):
        return None
    scorer = Scorer.load(path, chunk_rows)
    if scorer.version != version:  # a folder renamed by hand: never score under the wrong name
        return None
    return scorer
