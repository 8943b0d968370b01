"""The floor for the real-time path: a bare FastAPI endpoint that only runs ONNX Runtime on a fixed row.

No validation, no logging, no response model. `/api/predict` is reported as a ratio to this, measured in
the same run with the same load generator, because absolute figures move with the machine.
"""

from pathlib import Path

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI

from fraudops.core.config import get_settings


def create_app() -> FastAPI:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(Path(get_settings().model_dir) / "model.onnx"), options)
    name = session.get_inputs()[0].name
    row = np.zeros((1, 30), dtype=np.float32)
    app = FastAPI()

    @app.post("/api/predict")
    async def predict() -> dict[str, float]:
        return {"fraud_probability": float(session.run(None, {name: row})[0][0])}

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
