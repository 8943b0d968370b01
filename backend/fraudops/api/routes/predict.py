"""The real-time path: score one transaction or a list, no database round-trip."""

from operator import attrgetter
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Body

from fraudops.api.deps import ScorerDep
from fraudops.data.schema import DB_COLUMN, FEATURE_COLUMNS
from fraudops.schemas import PredictionOut, TransactionIn

router = APIRouter(tags=["predict"])

MAX_ITEMS = 10_000
_features = attrgetter(*(DB_COLUMN[c] for c in FEATURE_COLUMNS))


@router.post("/predict", response_model=PredictionOut | list[PredictionOut])
async def predict(
    body: Annotated[TransactionIn | Annotated[list[TransactionIn], Body(max_length=MAX_ITEMS)], Body()],
    scorer: ScorerDep,
) -> Any:
    """Fraud probability and decision for one transaction (an object) or many (a list)."""
    items = body if isinstance(body, list) else [body]
    if not items:
        return []
    probability = scorer.predict_proba(np.array([_features(t) for t in items], dtype=np.float32))
    threshold, version = scorer.threshold, scorer.version
    answers = [
        {
            "id": t.id,
            "fraud_probability": float(p),
            "is_fraud": bool(p >= threshold),
            "threshold": threshold,
            "model_version": version,
        }
        for t, p in zip(items, probability, strict=True)
    ]
    return answers if isinstance(body, list) else answers[0]
