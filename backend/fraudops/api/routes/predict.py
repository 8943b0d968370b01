"""The real-time path: score one transaction or a list. The database is never on the critical path:
predictions go to the in-memory prediction log, flushed in the background."""

import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Body, HTTPException, Query, Request, status

from fraudops.api.deps import ScorerDep, SettingsDep
from fraudops.monitoring import explain as explanation
from fraudops.monitoring.bands import BAND_NAMES, bands_for
from fraudops.predlog import Chunk
from fraudops.schemas import PredictionOut, TransactionIn

router = APIRouter(tags=["predict"])

MAX_ITEMS = 10_000


@router.post("/predict", response_model=PredictionOut | list[PredictionOut])
async def predict(
    request: Request,
    body: Annotated[TransactionIn | Annotated[list[TransactionIn], Body(max_length=MAX_ITEMS)], Body()],
    scorer: ScorerDep,
    settings: SettingsDep,
    explain: Annotated[bool, Query(description="add the top features behind each score")] = False,
) -> Any:
    """Fraud probability, decision and band for one transaction (an object) or many (a list)."""
    started = time.perf_counter()
    items = body if isinstance(body, list) else [body]
    if not items:
        return []
    raw = np.array([t.features() for t in items], dtype=np.float64)
    probability = scorer.predict_proba(raw)
    threshold, version = scorer.threshold, scorer.version
    is_fraud = probability >= threshold
    bands = bands_for(threshold, settings.band_review_at, settings.band_decline_at)
    band = bands.assign(probability)
    reasons: list[Any] = [None] * len(items)
    if explain:
        if scorer.profile is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "the served model has no reference profile to explain with"
            )
        baseline = explanation.baseline_from(scorer.profile)
        _, contribution = explanation.contributions(scorer, raw, baseline, probability)
        reasons = [
            {"method": explanation.METHOD, "top": top} for top in explanation.top_reasons(raw, contribution)
        ]
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
            band=band,
            review_at=bands.review_at,
            decline_at=bands.decline_at,
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
            "band": BAND_NAMES[code],
            "bands": bands.as_dict(),
            "reasons": why,
        }
        for rid, t, p, flag, code, why in zip(
            request_ids, items, probability, is_fraud, band, reasons, strict=True
        )
    ]
    return answers if isinstance(body, list) else answers[0]
