"""The served model and how it changes: load the champion folder, swap a new one in without a restart.

Routes read `ModelWatcher.scorer` once per request (`api.deps.get_scorer`) and keep that object for the
whole request, so a swap is a single attribute assignment: requests in flight finish on the model they
started with, later ones get the new one, and none sees a half-loaded model (the new scorer is fully
built before it is assigned). Never imports TensorFlow or MLflow: every kind of model is an ONNX graph.
"""

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from fraudops import crud
from fraudops.ml import artifact
from fraudops.ml.scorer import Scorer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadResult:
    changed: bool
    previous: str | None
    current: str | None
    detail: str


class ModelWatcher:
    """Loads the champion folder into `scorer` and swaps in a new one when the folder changes."""

    def __init__(self, model_dir: Path, chunk_rows: int, session_factory: sessionmaker[Session]) -> None:
        self.scorer: Scorer | None = None  # the model serving now; None until one loads
        self._model_dir = model_dir
        self._chunk_rows = chunk_rows
        self._session_factory = session_factory
        self._lock = threading.Lock()  # one reload at a time; readers never take it
        self._seen: tuple[int, int, int] | None = None

    def _signature(self) -> tuple[int, int, int] | None:
        """The card file's identity: `artifact.write` swaps in a new folder, so a new model is a new file."""
        try:
            stat = (self._model_dir / artifact.CARD_FILE).stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size, stat.st_ino

    def reload(self, force: bool = False) -> ReloadResult:
        """Load the folder if it changed since the last look (or always with `force`) and swap it in.

        A missing or unreadable folder leaves the current model serving.
        """
        with self._lock:
            current = self.scorer
            previous = current.version if current is not None else None
            signature = self._signature()
            if signature is None:
                return ReloadResult(False, previous, previous, f"no model in {self._model_dir}")
            if signature == self._seen and not force:
                return ReloadResult(False, previous, previous, "unchanged")
            try:
                scorer = Scorer.load(self._model_dir, self._chunk_rows)
            except Exception as error:  # keep serving the model we have
                log.exception("could not load the model in %s", self._model_dir)
                detail = f"load failed: {type(error).__name__}: {error}"
                return ReloadResult(False, previous, previous, detail)
            self._seen = signature
            card = scorer.card
            if current is not None and current.version == card.version and not force:
                return ReloadResult(False, previous, previous, "same version")
            self.scorer = scorer  # the swap: one attribute assignment
        try:
            with self._session_factory() as session:
                crud.record_model_version(session, card)
        except Exception:  # the model serves either way; the record catches up at the next start
            log.exception("could not record model version %s", card.version)
        if previous != card.version:
            log.info("serving model %s (was %s)", card.version, previous)
        return ReloadResult(previous != card.version, previous, card.version, "loaded")


async def watch(watcher: ModelWatcher, interval: float) -> None:
    """Poll the champion folder every `interval` seconds (the load runs in a worker thread)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(watcher.reload)
        except Exception:  # never let the watcher die
            log.exception("model watcher")
