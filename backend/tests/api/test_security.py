"""The guards in front of every route (fraudops/api/middleware.py) and the CSV download's formula
neutralisation, against the real app on each database backend, plus the pieces on their own."""

import asyncio
import csv
import io
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fraudops.api.middleware import (
    API_HEADERS,
    DOCS_CSP,
    PAGE_CSP,
    BodyLimit,
    SecurityHeaders,
    TokenBuckets,
    client_key,
    rate_limits,
)
from fraudops.api.routes.batch_results import spreadsheet_safe
from fraudops.core.config import Settings
from fraudops.data import synthetic
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.main import create_app
from tests.utils import counts, upload

EVIL = "https://evil.example"
SECURITY_HEADERS = {
    "content-security-policy": PAGE_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
LABELS = {"labels": [{"request_id": "no-such-request", "label": 1}]}


def small_csv(rows: int = 20, ids: list[str] | None = None, seed: int = 3) -> bytes:
    table = synthetic.generate(rows, seed=seed)
    if ids is not None:
        table = table.append_column("id", pa.array(ids + [f"tx-{i}" for i in range(len(ids), rows)]))
    out = io.BytesIO()
    pacsv.write_csv(table, out)
    return out.getvalue()


def transactions(n: int) -> list[dict[str, Any]]:
    return [{c: row[c] for c in FEATURE_COLUMNS} for row in synthetic.generate(n, seed=4).to_pylist()]


@pytest.fixture
def app_with(settings: Settings) -> Callable[..., AbstractContextManager[tuple[TestClient, FastAPI]]]:
    """Build the real app with some settings changed: `with app_with(x=1) as (client, app): ...`."""

    @contextmanager
    def build(**changes: Any) -> Iterator[tuple[TestClient, FastAPI]]:
        app = create_app(settings.model_copy(update=changes))
        with TestClient(app) as client:
            yield client, app

    return build


def assert_security_headers(response: Any, csp: str = PAGE_CSP) -> None:
    for name, value in {**SECURITY_HEADERS, "content-security-policy": csp}.items():
        assert response.headers.get(name) == value, (name, response.headers)


def assert_api_headers(response: Any) -> None:
    """Data, not a document: nothing loads from it or frames it, and no document-only policies."""
    for name, value in API_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert "default-src 'none'" in API_HEADERS["content-security-policy"]
    assert "referrer-policy" not in response.headers


# --- security headers ---------------------------------------------------------------------------------


def test_security_headers_on_api_answers_and_errors(client):
    assert_api_headers(client.get("/api/health"))
    missing = client.get("/api/batches/987654")
    assert missing.status_code == 404
    assert_api_headers(missing)
    invalid = client.post("/api/predict", json={"V1": "not a number"})
    assert invalid.status_code == 422
    assert_api_headers(invalid)


def test_security_headers_on_the_page_and_its_assets(app_with, tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><script type="module" src="/assets/app.js"></script>')
    (dist / "assets" / "app.js").write_text("console.log('hi')")
    with app_with(frontend_dist=dist) as (client, _):
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert_security_headers(page)
        asset = client.get("/assets/app.js")
        assert asset.status_code == 200
        assert_security_headers(asset)
        # FastAPI's own docs page loads Swagger UI from jsDelivr: it gets a policy that lets it
        docs = client.get("/docs")
        assert docs.status_code == 200
        assert_security_headers(docs, DOCS_CSP)
        assert "https://cdn.jsdelivr.net" in DOCS_CSP


def test_security_headers_leave_a_header_the_route_set():
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"SAMEORIGIN")]}
        )
        await send({"type": "http.response.body", "body": b""})

    sent = run_asgi(SecurityHeaders(app, docs_paths=[]), http_scope("GET", "/"), [])
    headers = sent[0]["headers"]
    assert [v for n, v in headers if n == b"x-frame-options"] == [b"SAMEORIGIN"]
    assert (b"x-content-type-options", b"nosniff") in headers


# --- cross-site requests ------------------------------------------------------------------------------


def test_cross_site_posts_are_refused_and_store_nothing(client, session):
    before = counts(session)
    data = small_csv()
    refused = [
        client.post("/api/feedback", json=LABELS, headers={"Origin": EVIL}),
        client.post("/api/batches", files={"file": ("b.csv", data, "text/csv")}, headers={"Origin": EVIL}),
        client.post("/api/batches", content=data, headers={"Origin": EVIL, "Content-Type": "text/csv"}),
        client.post("/api/demo/stream_1", headers={"Origin": EVIL}),
        # without Origin the Referer tells; "null" is what a sandboxed frame or a redirect sends
        client.post("/api/feedback", json=LABELS, headers={"Referer": f"{EVIL}/page?x=1"}),
        client.post("/api/feedback", json=LABELS, headers={"Origin": "null"}),
        # the same host under another port is another site
        client.post("/api/feedback", json=LABELS, headers={"Origin": "http://testserver:8080"}),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.json() == {
            "detail": "cross-site request refused: its Origin (or Referer) is neither this site "
            "nor one of CORS_ORIGINS"
        }
        assert_api_headers(response)
    assert counts(session) == before


def test_same_site_allowed_and_originless_posts_pass(client, session):
    assert client.post("/api/feedback", json=LABELS).status_code == 200  # curl, the producer, servers
    for origin in ("http://testserver", "https://TESTSERVER:443", "http://localhost:5173"):
        assert client.post("/api/feedback", json=LABELS, headers={"Origin": origin}).status_code == 200
    same_site = client.post(
        "/api/batches",
        files={"file": ("b.csv", small_csv(), "text/csv")},
        headers={"Origin": "http://testserver", "Referer": "http://testserver/#/"},
    )
    assert same_site.status_code == 201, same_site.text
    # reading is not guarded: another site can read nothing anyway without CORS
    assert client.get("/api/batches", headers={"Origin": EVIL}).status_code == 200
    # a proxy that rewrites Host keeps the public one in X-Forwarded-Host
    behind_proxy = {"Origin": "https://fraud.example.com", "X-Forwarded-Host": "fraud.example.com"}
    assert client.post("/api/feedback", json=LABELS, headers=behind_proxy).status_code == 200
    assert counts(session)["batches"] == 1


def test_cors_grants_an_allowed_page_and_leaves_originless_posts_alone(client):
    page = "http://localhost:5173"  # CORS_ORIGINS' default: Vite's dev server
    granted = client.post("/api/feedback", json=LABELS, headers={"Origin": page})
    assert granted.headers["access-control-allow-origin"] == page
    assert "Origin" in granted.headers["vary"]
    preflight = client.options(
        "/api/predict", headers={"Origin": page, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == page
    # another site's page is granted nothing (and its POST is refused by the cross-site guard)
    assert "access-control-allow-origin" not in client.get("/api/health", headers={"Origin": EVIL}).headers
    # a POST naming no origin is no browser's: CORS adds nothing to it
    plain = client.post("/api/predict", json=transactions(1)[0])
    assert plain.status_code == 200
    assert not any(name.startswith("access-control") or name == "vary" for name in plain.headers)
    assert_api_headers(plain)


# --- rate limits --------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_feedback_rate_limit_answers_429_then_recovers(app_with):
    with app_with(rate_limit_feedback_per_minute=3) as (client, app):
        clock = Clock()
        rate_limits(app)["feedback"].clock = clock
        assert [client.post("/api/feedback", json=LABELS).status_code for _ in range(3)] == [200] * 3
        limited = client.post("/api/feedback", json=LABELS)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "20"  # one token every 20 s at 3 a minute
        assert limited.json() == {
            "detail": "too many feedback requests from this client: at most 3 a minute; retry in 20 s"
        }
        assert_api_headers(limited)
        clock.now += 19
        assert client.post("/api/feedback", json=LABELS).status_code == 429
        clock.now += 1
        assert client.post("/api/feedback", json=LABELS).status_code == 200
        assert client.post("/api/feedback", json=LABELS).status_code == 429
        clock.now += 3600  # a long pause refills the burst, no more
        assert [client.post("/api/feedback", json=LABELS).status_code for _ in range(4)] == [200] * 3 + [429]


def test_upload_rate_limit_covers_uploads_and_demo_and_stores_nothing(app_with, session):
    with app_with(rate_limit_uploads_per_minute=2) as (client, app):
        rate_limits(app)["uploads"].clock = Clock()
        assert upload(client, small_csv(seed=1)).status_code == 201
        assert client.post("/api/demo/stream_1").status_code == 404  # no demo files here, but a token spent
        before = counts(session)
        limited = [upload(client, small_csv(seed=2)), client.post("/api/demo/stream_1")]
        for response in limited:
            assert response.status_code == 429, response.text
            assert response.headers["retry-after"] == "30"
            assert response.json() == {
                "detail": "too many uploads from this client: at most 2 a minute; retry in 30 s"
            }
        assert counts(session) == before
        # other routes are not limited
        assert client.get("/api/batches").status_code == 200
        assert client.post("/api/feedback", json=LABELS).status_code == 200


def test_rate_limits_can_be_turned_off(app_with):
    with app_with(rate_limit_uploads_per_minute=0, rate_limit_feedback_per_minute=0) as (client, app):
        assert rate_limits(app) == {}
        assert all(client.post("/api/feedback", json=LABELS).status_code == 200 for _ in range(5))


def test_token_buckets_are_per_client_and_bounded():
    clock = Clock()
    buckets = TokenBuckets(per_minute=2, max_clients=100, clock=clock)
    assert [buckets.take("a"), buckets.take("a")] == [0, 0]
    assert buckets.take("a") == pytest.approx(30)
    assert buckets.take("b") == 0  # another client has its own bucket
    for i in range(50_000):  # a flood of addresses
        buckets.take(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(buckets) == 100
    clock.now += 30
    assert buckets.take("a") == 0  # forgotten while idle: starts full, which it would be by now anyway


def test_clients_count_by_ipv4_address_or_ipv6_slash_64():
    assert client_key({"client": ("203.0.113.7", 5000)}) == "203.0.113.7"
    one = client_key({"client": ("2001:db8:1:2::1", 5000)})
    assert one == client_key({"client": ("2001:db8:1:2:ffff:1:2:3", 5000)}) == "2001:db8:1:2::/64"
    assert one != client_key({"client": ("2001:db8:1:3::1", 5000)})
    assert client_key({"client": None}) == "unknown"


# --- body cap -----------------------------------------------------------------------------------------


def test_an_80_mb_json_body_is_refused_at_once_and_the_server_keeps_serving(client):
    body = b"[" + b"1," * (40 * 1024 * 1024) + b"1]"
    started = time.perf_counter()
    response = client.post("/api/predict", content=body, headers={"Content-Type": "application/json"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 413
    assert elapsed < 0.5, elapsed
    assert len(response.content) < 1024
    assert response.json() == {"detail": "the request body is larger than the 16 MB limit (MAX_JSON_MB)"}
    assert_api_headers(response)
    assert client.get("/api/health").status_code == 200
    one = client.post("/api/predict", json=transactions(1)[0])
    assert one.status_code == 200, one.text


def test_a_chunked_body_over_the_cap_is_refused(client):
    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(20):
            yield b"1," * (512 * 1024)  # 1 MiB each, 20 MiB in all, no Content-Length
        yield b"1]"

    response = client.post("/api/predict", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert len(response.content) < 1024
    # without any content type the route would still parse JSON, so the cap holds there too
    response = client.post("/api/feedback", content=chunks())
    assert response.status_code == 413


def test_the_cap_spares_bodies_within_it_and_uploads(app_with, session):
    with app_with(max_json_mb=0.002) as (client, _):  # about 2 kB
        assert client.post("/api/predict", json=transactions(1)[0]).status_code == 200
        too_big = client.post("/api/predict", json=transactions(5))
        assert too_big.status_code == 413
        assert too_big.json()["detail"] == "the request body is larger than the 0.002 MB limit (MAX_JSON_MB)"
        data = small_csv()  # ~8 kB: uploads stream under their own cap (MAX_UPLOAD_MB)
        assert len(data) > 4096
        assert upload(client, data).status_code == 201
        assert (
            client.post("/api/batches", content=small_csv(seed=9), headers={"Content-Type": "text/csv"})
        ).status_code == 201


def test_the_body_cap_counts_streamed_bytes_and_ignores_a_lying_content_length():
    called = False

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal called
        called = True

    limit = BodyLimit(app, max_mb=0.001, exempt=[])  # 1,048 bytes
    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": True}] * 3
    sent = run_asgi(limit, http_scope("POST", "/api/predict", [(b"content-length", b"10")]), chunks)
    assert not called
    assert sent[0]["status"] == 413

    within = [{"type": "http.request", "body": b"x" * 400, "more_body": True}] * 2 + [
        {"type": "http.request", "body": b"", "more_body": False}
    ]
    seen: list[bytes] = []

    async def reader(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message["body"])
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent = run_asgi(BodyLimit(reader, max_mb=0.001, exempt=[]), http_scope("POST", "/api/x"), within)
    assert sent[0]["status"] == 200
    assert b"".join(seen) == b"x" * 800


# --- CSV download -------------------------------------------------------------------------------------


def test_the_csv_download_neutralises_formulas_in_ids(client):
    ids = ['=HYPERLINK("https://evil.example","click")', "+1", "-1", "@SUM(A1)", "plain", "a=b"]
    batch = upload(client, small_csv(ids=ids)).json()
    response = client.get(f"/api/batches/{batch['id']}/predictions.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows[: len(ids)]] == [
        '\'=HYPERLINK("https://evil.example","click")',
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "plain",
        "a=b",
    ]
    assert rows[len(ids)]["id"] == f"tx-{len(ids)}"
    assert all(float(r["probability"]) >= 0 and r["is_fraud"] in ("0", "1") for r in rows)
    assert_api_headers(response)


def test_spreadsheet_safe_text():
    assert [spreadsheet_safe(t) for t in ("\tx", "\r=1", "=1", "", None, "1", "ok-1")] == [
        "'\tx",
        "'\r=1",
        "'=1",
        "",
        "",
        "1",
        "ok-1",
    ]


# --- helpers ------------------------------------------------------------------------------------------


def http_scope(method: str, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "headers": headers or [],
        "client": ("127.0.0.1", 1),
    }


def run_asgi(app: Any, scope: dict[str, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs one request through a bare ASGI app; returns what it sent."""
    incoming = iter(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(incoming, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent
