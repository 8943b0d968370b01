"""Load any registered model version as a Scorer (the shadow challenger, a promotion).

Where a version's graph is found, first hit wins:
1. The model version store (`ml/version_store.py`, `<var_dir>/model_store/<version>/`), where training
   keeps every version it registers; a version fetched from MLflow is kept there too.
2. The champion folder, when it holds that version.
3. The MLflow registry, for a version training registered (`model_versions.registered_model` and
   `registry_version`); MLflow is imported only then, off the request path, and the download is cached
   in (1) so the next process reads a folder.

A version that is not in `model_versions` is refused: only versions this service served or training
registered can be a challenger.
"""

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from fraudops.core.config import Settings
from fraudops.ml import artifact, version_store
from fraudops.ml.scorer import Scorer
from fraudops.tables import ModelVersion

log = logging.getLogger(__name__)


class VersionUnavailable(LookupError):
    """The version's graph cannot be found or loaded; the message says why."""


class UnknownVersion(VersionUnavailable):
    """No such version in `model_versions` (or not a version name at all)."""


@dataclass(frozen=True)
class VersionLoader:
    store_dir: Path  # the version store
    champion_dir: Path
    tracking_uri: str
    chunk_rows: int = 65_536

    @classmethod
    def from_settings(cls, settings: Settings) -> "VersionLoader":
        return cls(
            version_store.store_dir(settings.var_dir),
            settings.model_dir,
            settings.tracking_uri,
            settings.score_chunk_rows,
        )

    def folder(self, version: str) -> Path:
        path = version_store.folder(self.store_dir, version)
        if path is None:
            raise UnknownVersion(f"{version[:100]!r} is not a model version name")
        return path

    def load(self, session: Session, version: str) -> Scorer:
        """The version's scorer. Raises VersionUnavailable with the reason."""
        return self._load(self.locate(session, version), version)

    def locate(self, session: Session, version: str) -> Path:
        """A folder holding the version's files (fetched from MLflow into the store when only the registry
        has it). Raises VersionUnavailable with the reason."""
        folder = self.folder(version)
        known = session.get(ModelVersion, version)
        if known is None:
            raise UnknownVersion(f"model version {version!r} is not registered (see GET /api/models)")
        for candidate in (folder, self.champion_dir):
            if artifact.exists(candidate) and artifact.read_card(candidate).version == version:
                return candidate
        if known.registered_model and known.registry_version:
            self._fetch(known.registered_model, known.registry_version, folder)
            return folder
        raise VersionUnavailable(
            f"model version {version!r} has no exported graph here: not in {self.store_dir}, not the "
            "champion folder, and not in the MLflow registry"
        )

    def _load(self, folder: Path, version: str) -> Scorer:
        try:
            scorer = Scorer.load(folder, self.chunk_rows)
        except Exception as error:
            raise VersionUnavailable(f"model version {version!r} could not be loaded: {error}") from error
        if scorer.version != version:
            raise VersionUnavailable(f"{folder} holds {scorer.version}, not {version}")
        return scorer

    def _fetch(self, registered_model: str, registry_version: str, folder: Path) -> None:
        """Download the registered graph and card from MLflow into the local store."""
        try:
            import mlflow

            mlflow.set_tracking_uri(self.tracking_uri)
            mlflow.set_registry_uri(self.tracking_uri)
            with tempfile.TemporaryDirectory() as tmp:
                local = Path(
                    mlflow.artifacts.download_artifacts(
                        artifact_uri=f"models:/{registered_model}/{registry_version}", dst_path=tmp
                    )
                )
                onnx_bytes = (local / artifact.ONNX_FILE).read_bytes()
                cards = list(local.rglob(artifact.CARD_FILE))
                if not cards:
                    raise VersionUnavailable(f"registry v{registry_version} has no {artifact.CARD_FILE}")
                card = artifact.ModelCard.model_validate_json(cards[0].read_text())
        except VersionUnavailable:
            raise
        except Exception as error:
            raise VersionUnavailable(
                f"could not fetch {registered_model} v{registry_version} from MLflow: "
                f"{type(error).__name__}: {str(error)[:200]}"
            ) from error
        version_store.keep(self.store_dir, onnx_bytes, card)
        log.info("cached %s (registry v%s) in %s", card.version, registry_version, folder)
