"""The real-time path: score one transaction or a list. The database is never on the critical path:
predictions go to the in-memory prediction log, flushed in the background."""

import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from fraudops.api.deps import get_scorer, get_services
from fraudops.api.errors import MAX_ERRORS
from fraudops.core.ids import new_request_id
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.decisions import Explain, decide, log_record
from fraudops.ml.scorer import Scorer
from fraudops.monitoring import explain as explanation
from fraudops.monitoring.bands import BAND_NAMES
from fraudops.policy import Snapshot
from fraudops.predlog import Chunk
from fraudops.schemas import PredictionOut, TransactionIn

router = APIRouter(tags=["predict"])
PATH = "/api/predict"  # the route below, under main's /api prefix

MAX_ITEMS = 10_000
# Bodies above this are parsed and validated in a worker thread, so a large list never holds the event
# loop (other requests) for the ~100 ms that 10,000 items take.
_INLINE_BYTES = 64 * 1024
_INLINE_ITEMS = 256
# Every column, the optional id and the ignored label: a larger object is refused before validation.
_MAX_FIELDS = len(FEATURE_COLUMNS) + 2
_BODY_SCHEMA: dict[str, Any] = {
    # Read by the route itself (see `predict`), documented here.
    "parameters": [
        {
            "name": "explain",
            "in": "query",
            "required": False,
            "schema": {"type": "boolean", "default": False, "title": "Explain"},
            "description": "add the top features behind each score",
        }
    ],
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
    },
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
    responses={
        413: {"description": "the body is larger than the JSON limit"},
        422: {
            "description": "Validation Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}},
        },
    },
)
async def predict(request: Request) -> Response:
    """Fraud probability, decision and band for one transaction (an object) or many (a list)."""
    return await answer(request)


async def answer(request: Request) -> Response:
    """The route's work, shared by the route and by `PredictLane`, which serves it without the router."""
    # No FastAPI dependencies or query parameters here: solving them cost more than the model on this path
    # (profiled: a fifth of the request's CPU). The same functions the dependencies would call are called.
    services = await get_services(request)
    scorer = await get_scorer(services)
    # Most requests carry no query string: skip building QueryParams for them.
    explain = _explain_flag(request.query_params.get("explain")) if request.scope["query_string"] else False
    raw_body = await request.body()
    if len(raw_body) > _INLINE_BYTES:
        body = await run_in_threadpool(parse_transactions, raw_body)
    else:
        body = parse_transactions(raw_body)
    started = time.perf_counter()
    items = body if isinstance(body, list) else [body]
    if not items:
        return _json([])
    if explain and scorer.profile is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the served model has no reference profile to explain with"
        )
    in_force = services.policy.current  # one read: bands and challenger of the same moment
    if len(items) > _INLINE_ITEMS:  # a large list scores in a worker thread, like its parsing
        chunk, answers = await run_in_threadpool(_decide, items, scorer, in_force, explain, started)
    else:
        chunk, answers = _decide(items, scorer, in_force, explain, started)
    services.prediction_log.record(chunk)
    return _json(answers if isinstance(body, list) else answers[0])


_TRUE, _FALSE = {"true", "1", "yes", "on", "t", "y"}, {"false", "0", "no", "off", "f", "n"}


def _explain_flag(value: str | None) -> bool:
    """`?explain=`, read as FastAPI would read a bool query parameter (422 for anything else)."""
    if value is None:
        return False
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _invalid("bool_parsing", ("query", "explain"), "Input should be a valid boolean")


_JSON_TYPE = b"application/json"


class _JSONBytes(Response):
    """A JSON body already serialised, with its two headers set directly (Starlette's constructor renders
    and inspects headers generically: a few percent of this path's CPU)."""

    media_type = "application/json"

    def __init__(self, body: bytes) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", str(len(body)).encode()), (b"content-type", _JSON_TYPE)]


def _json(content: Any) -> Response:
    """The answer serialised once by orjson. The route's `response_model` documents the shape; returning a
    Response skips FastAPI validating and serialising the dicts again (a third of the path's CPU)."""
    return _JSONBytes(orjson.dumps(content))


def _decide(
    items: list[TransactionIn], scorer: Scorer, in_force: Snapshot, explain: bool, started: float
) -> tuple[Chunk, list[dict[str, Any]]]:
    raw = np.array([t.features() for t in items], dtype=np.float64)
    bands = in_force.bands(scorer.threshold)
    # Reasons are kept in the log for rows in review or decline (a few in a thousand: the occlusion's
    # 30 extra model rows are paid on those rows only), and for every row when the caller asks.
    which: Explain = "all" if explain else ("attention" if scorer.profile is not None else "none")
    # The challenger is scored by the prediction log when it flushes, in one batched call: it never
    # decides, so it has no business on the request's critical path (it added ~10 % CPU per request here).
    decided = decide(scorer, raw, bands, which)
    request_ids = [new_request_id() for _ in items]
    chunk = log_record(
        decided,
        raw,
        source="api",
        request_ids=request_ids,
        external_ids=[None if t.id is None else str(t.id) for t in items],
        received_at=datetime.now(UTC),
        latency_ms=(time.perf_counter() - started) * 1e3,
        shadow_later=in_force.challenger,
    )
    shown_bands = bands.as_dict()
    reasons = decided.reasons
    answers = [
        {
            "request_id": rid,
            "id": t.id,
            "fraud_probability": p,
            "is_fraud": flag,
            "threshold": decided.threshold,
            "model_version": decided.model_version,
            "band": BAND_NAMES[code],
            "bands": shown_bands,
            "reasons": {"method": explanation.METHOD, "top": reasons[i]} if explain else None,
        }
        for i, (rid, t, p, flag, code) in enumerate(
            zip(
                request_ids,
                items,
                decided.probability.tolist(),  # plain Python values: iterating NumPy scalars is slow
                decided.is_fraud.tolist(),
                decided.band.tolist(),
                strict=True,
            )
        )
    ]
    return chunk, answers


class PredictLane:
    """Serves `POST /api/predict` straight from the middleware stack, past FastAPI's routing, dependency
    solving and exception middleware, which cost this path as much CPU as the model and its logging
    together (py-spy under wrk: router, request handler and their wrappers ~25 % of the process).

    Only the framework plumbing is skipped: the request has been through every guard (security headers,
    CORS, cross-site check, body cap), `answer` is the route's own code, and errors are answered by the
    app's own exception handlers, so the lane and the route give the same bytes (tests/api/test_predict.py
    compares them). Installed innermost, by main.create_app; anything but that exact method and path goes
    on to the app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        try:
            response = await answer(request)
        except (HTTPException, RequestValidationError) as error:
            handlers = scope["app"].exception_handlers
            handler = next(handlers[kind] for kind in type(error).__mro__ if kind in handlers)
            response = await handler(request, error)
        await response(scope, receive, send)
