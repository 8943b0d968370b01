"""The real-time path: score one transaction or a list. The database is never on the critical path:
predictions go to the in-memory prediction log, flushed in the background."""

import time
import uuid
from datetime import UTC, datetime
from operator import attrgetter
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Body, Request

from fraudops.api.deps import ScorerDep
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.predlog import Chunk
from fraudops.schemas import PredictionOut, TransactionIn

router = APIRouter(tags=["predict"])

MAX_ITEMS = 10_000
_features = attrgetter(*(DB_COLUMN[c] for c in FEATURE_COLUMNS))


@router.post("/predict", response_model=PredictionOut | list[PredictionOut])
async def predict(
    request: Request,
    body: Annotated[TransactionIn | Annotated[list[TransactionIn], Body(max_length=MAX_ITEMS)], Body()],
    scorer: ScorerDep,
) -> Any:
    """Fraud probability and decision for one transaction (an object) or many (a list)."""
    started = time.perf_counter()
    items = body if isinstance(body, list) else [body]
    if not items:
        return []
    raw = np.array([_features(t) for t in items], dtype=np.float64)
    probability = scorer.predict_proba(raw)
    threshold, version = scorer.threshold, scorer.version
    is_fraud = probability >= threshold
    request_ids = [uuid.uuid4().hex for _ in items]
    request.app.state.prediction_log.record(
        Chunk(
            request_ids=request_ids,
            received_at=datetime.now(UTC),
            source="api",
            external_ids=[None if t.id is None else str(t.id) for t in items],
            features=raw,
            probability=probability,
            is_fraud=is_fraud,
            threshold=threshold,
            model_version=version,
            latency_ms=(time.perf_counter() - started) * 1e3,
        )
    )
    answers = [
        {
            "request_id": rid,
            "id": t.id,
            "fraud_probability": float(p),
            "is_fraud": bool(flag),
            "threshold": threshold,
            "model_version": version,
        }
        for rid, t, p, flag in zip(request_ids, items, probability, is_fraud, strict=True)
    ]
    return answers if isinstance(body, list) else answers[0]
