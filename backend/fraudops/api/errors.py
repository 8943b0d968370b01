"""How errors are answered: validation errors that never echo large or unprintable input, and a 503 with a
clear message (instead of a bare 500) while the database is unreachable."""

import math
from typing import Any

import psycopg
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc

MAX_ERRORS = 50
_MAX_ECHO_CHARS = 100

DATABASE_UNAVAILABLE = (
    "the database is unavailable right now; nothing was changed. Try again shortly "
    "(real-time predictions keep being answered and are logged once it is back)"
)


def _echo(value: Any) -> Any:
    """The part of an input worth showing back: a short scalar, printable and JSON-safe; else nothing."""
    if isinstance(value, bool) or value is None or (isinstance(value, int) and abs(value) < 2**63):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        safe = value.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
        return safe if len(safe) <= _MAX_ECHO_CHARS else safe[:_MAX_ECHO_CHARS] + "…"
    return None  # objects and lists: the location says where, the client has the input


def _clean(error: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": str(error.get("type", "value_error")),
        "loc": [p if isinstance(p, int) else _echo(str(p)) for p in error.get("loc", ())],
        "msg": str(error.get("msg", ""))[:300],
    }
    if "input" in error and (shown := _echo(error["input"])) is not None:
        out["input"] = shown
    if isinstance(error.get("ctx"), dict):
        out["ctx"] = {str(k): _echo(v) for k, v in error["ctx"].items()}
    return out


async def validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = list(error.errors())
    body: dict[str, Any] = {"detail": [_clean(e) for e in errors[:MAX_ERRORS]]}
    if len(errors) > MAX_ERRORS:
        body["total"] = len(errors)
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def database_unavailable(_: Request, __: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": DATABASE_UNAVAILABLE},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    for unreachable in (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, psycopg.OperationalError):
        app.add_exception_handler(unreachable, database_unavailable)
