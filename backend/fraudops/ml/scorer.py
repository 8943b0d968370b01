"""Serving: the champion's ONNX graph run by ONNX Runtime. Imports neither Keras nor TensorFlow."""

import logging
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from fraudops.data.schema import N_FEATURES
from fraudops.ml import artifact

log = logging.getLogger(__name__)


class Scorer:
    """Loaded once per process; `predict_proba` is safe to call from many threads at once."""

    def __init__(
        self,
        onnx_model: bytes | Path,
        card: artifact.ModelCard,
        chunk_rows: int = 65_536,
        profile: dict[str, Any] | None = None,
    ) -> None:
        self.card = card
        # The training data's reference profile (drift, explanation baseline), when the folder has one.
        self.profile = profile
        options = ort.SessionOptions()
        # One thread per call: a single row is fastest without a thread pool hand-off, and several
        # server workers then share the cores instead of fighting over them.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            onnx_model if isinstance(onnx_model, bytes) else str(onnx_model),
            options,
            providers=["CPUExecutionProvider"],
        )
        self._input = self._session.get_inputs()[0].name
        self._chunk_rows = chunk_rows

    @classmethod
    def of_graph(cls, onnx_bytes: bytes, kind: str = "graph") -> "Scorer":
        """A bare graph with no card of its own (a fold's, an ensemble member's): scored, never served."""
        card = artifact.ModelCard(
            version="unversioned",
            kind=kind,
            threshold=0.5,
            created_at=datetime.now(UTC),
            metrics={},
            training={},
        )
        return cls(onnx_bytes, card)

    @classmethod
    def load(cls, model_dir: Path, chunk_rows: int = 65_536) -> "Scorer":
        """The folder's model, its graph and card read as one pair even while a new champion is written."""
        onnx_bytes, card = artifact.read(model_dir)
        return cls(onnx_bytes, card, chunk_rows, artifact.read_profile(model_dir, card.version))

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def threshold(self) -> float:
        return self.card.threshold

    def predict_proba(self, raw: np.ndarray) -> np.ndarray:
        """Fraud probability for each `[Time, V1..V28, Amount]` row."""
        raw = np.ascontiguousarray(raw, dtype=np.float32)
        if raw.ndim != 2 or raw.shape[1] != N_FEATURES:
            raise ValueError(f"expected an array of shape (n, {N_FEATURES}), got {raw.shape}")
        if len(raw) <= self._chunk_rows:  # the real-time case: one call, no loop (each NumPy call counts)
            out = self._session.run(None, {self._input: raw})[0].reshape(-1).astype(np.float64)
        else:
            out = np.empty(len(raw), dtype=np.float64)
            for start in range(0, len(raw), self._chunk_rows):
                chunk = raw[start : start + self._chunk_rows]
                out[start : start + len(chunk)] = self._session.run(None, {self._input: chunk})[0].reshape(-1)
        if not math.isfinite(out.sum()):  # one reduction; the exact test only when something is off
            undefined = ~np.isfinite(out)
            # Inputs are bounded so this should not happen; if it does, an undefined score must never
            # approve a transaction: it scores as certain fraud and shows up in review.
            if undefined.any():
                log.warning("%d row(s) scored as NaN or infinity; treated as probability 1", undefined.sum())
                out[undefined] = 1.0
        return out
