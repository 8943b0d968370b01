"""The real-time path: score one transaction or a list. The database is never on the critical path:
predictions go to the in-memory prediction log, flushed in the background."""

import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from fraudops.api.deps import PredictionLogDep, ScorerDep, SettingsDep
from fraudops.api.errors import MAX_ERRORS
from fraudops.core.config import Settings
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.ml.scorer import Scorer
from fraudops.monitoring import explain as explanation
from fraudops.monitoring.bands import BAND_NAMES, bands_for
from fraudops.predlog import Chunk
from fraudops.schemas import PredictionOut, TransactionIn

router = APIRouter(tags=["predict"])

MAX_ITEMS = 10_000
# Bodies above this are parsed and validated in a worker thread, so a large list never holds the event
# loop (other requests) for the ~100 ms that 10,000 items take.
_INLINE_BYTES = 64 * 1024
_INLINE_ITEMS = 256
# Every column, the optional id and the ignored label: a larger object is refused before validation.
_MAX_FIELDS = len(FEATURE_COLUMNS) + 2
_BODY_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/TransactionIn"},
                        {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/TransactionIn"},
                            "maxItems": MAX_ITEMS,
                        },
                    ]
                }
            }
        },
    }
}


def parse_transactions(body: bytes) -> TransactionIn | list[TransactionIn]:
    """One transaction (an object) or a list, checked in the order that bounds the work: JSON syntax
    (orjson: no NaN or Infinity literals), then the item count, then each item's size, then each item,
    stopping once enough errors are found: a hostile body costs no more than a valid one."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise _invalid("json_invalid", ("body", error.pos), f"JSON decode error: {error.msg}") from None
    if isinstance(data, list):
        if len(data) > MAX_ITEMS:
            raise _invalid(
                "too_long", ("body",), f"at most {MAX_ITEMS} transactions per request, got {len(data)}"
            )
        return _validated(data, ("body",))
    return _validated([data], ("body",), single=True)[0]


def _validated(data: list[Any], loc: tuple[Any, ...], single: bool = False) -> list[TransactionIn]:
    items: list[TransactionIn] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(data):
        where = loc if single else (*loc, i)
        if isinstance(item, dict) and len(item) > _MAX_FIELDS:
            errors.append(
                _error(
                    "too_many_fields", where, f"{len(item)} fields; a transaction has at most {_MAX_FIELDS}"
                )
            )
        else:
            try:
                items.append(TransactionIn.model_validate(item))
            except ValidationError as error:
                errors.extend({**e, "loc": (*where, *e["loc"])} for e in error.errors(include_url=False))
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise RequestValidationError(errors[:MAX_ERRORS])
    return items


def _error(kind: str, loc: tuple[Any, ...], message: str) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": message}


def _invalid(kind: str, loc: tuple[Any, ...], message: str) -> RequestValidationError:
    return RequestValidationError([_error(kind, loc, message)])


@router.post(
    "/predict",
    response_model=PredictionOut | list[PredictionOut],
    openapi_extra=_BODY_SCHEMA,
    responses={413: {"description": "the body is larger than the JSON limit"}},
)
async def predict(
    request: Request,
    prediction_log: PredictionLogDep,
    scorer: ScorerDep,
    settings: SettingsDep,
    explain: Annotated[bool, Query(description="add the top features behind each score")] = False,
) -> Any:
    """Fraud probability, decision and band for one transaction (an object) or many (a list)."""
    raw_body = await request.body()
    if len(raw_body) > _INLINE_BYTES:
        body = await run_in_threadpool(parse_transactions, raw_body)
    else:
        body = parse_transactions(raw_body)
    started = time.perf_counter()
    items = body if isinstance(body, list) else [body]
    if not items:
        return []
    if explain and scorer.profile is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the served model has no reference profile to explain with"
        )
    if len(items) > _INLINE_ITEMS:  # a large list scores in a worker thread, like its parsing
        chunk, answers = await run_in_threadpool(_decide, items, scorer, settings, explain, started)
    else:
        chunk, answers = _decide(items, scorer, settings, explain, started)
    prediction_log.record(chunk)
    return answers if isinstance(body, list) else answers[0]


def _decide(
    items: list[TransactionIn], scorer: Scorer, settings: Settings, explain: bool, started: float
) -> tuple[Chunk, list[dict[str, Any]]]:
    raw = np.array([t.features() for t in items], dtype=np.float64)
    probability = scorer.predict_proba(raw)
    threshold, version = scorer.threshold, scorer.version
    is_fraud = probability >= threshold
    bands = bands_for(threshold, settings.band_review_at, settings.band_decline_at)
    band = bands.assign(probability)
    reasons: list[Any] = [None] * len(items)
    if explain and scorer.profile is not None:
        baseline = explanation.baseline_from(scorer.profile)
        _, contribution = explanation.contributions(scorer, raw, baseline, probability)
        reasons = [
            {"method": explanation.METHOD, "top": top} for top in explanation.top_reasons(raw, contribution)
        ]
    request_ids = [uuid.uuid4().hex for _ in items]
    chunk = Chunk(
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
    return chunk, answers
