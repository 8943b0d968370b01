"""The floor for the real-time path: a bare FastAPI endpoint that parses the same JSON body with the same
pydantic model and runs the same ONNX graph on it — nothing else (no log, no bands, no response model).

`/api/predict` is reported as a ratio to this, measured in the same run with the same load generator,
because absolute figures move with the machine.
"""

from pathlib import Path

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, Request

from fraudops.core.config import get_settings
from fraudops.schemas import TransactionIn


def create_app() -> FastAPI:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(Path(get_settings().model_dir) / "model.onnx"), options)
    name = session.get_inputs()[0].name
    app = FastAPI()

    @app.post("/api/predict")
    async def predict(request: Request) -> dict[str, float]:
        transaction = TransactionIn.model_validate_json(await request.body())
        row = np.array([transaction.features()], dtype=np.float32)
        return {"fraud_probability": float(session.run(None, {name: row})[0].reshape(-1)[0])}

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
