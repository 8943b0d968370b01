"""Property-based tests of the whole HTTP API from its own OpenAPI document (schemathesis), against a real
server on loopback backed by PostgreSQL: no request it can generate gets a server error, and every
answer matches the document (status codes, content types, body schemas, headers)."""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from fraudops.core.migrate import upgrade_to_head
from fraudops.main import create_app
from tests.conftest import app_settings, create_postgres_database, demo_folder, drop_postgres_database

EXAMPLES = 20
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(model_dir: Path, labeled_csv: bytes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name, url = create_postgres_database("fraudops_schemathesis")
    upgrade_to_head(url)
    workdir = tmp_path_factory.mktemp("schemathesis")
    app = create_app(
        app_settings(
            url,
            model_dir,
            workdir,
            demo_dir=demo_folder(workdir, labeled_csv),
            max_upload_mb=2,
            rate_limit_uploads_per_minute=0,
            rate_limit_feedback_per_minute=0,
        )
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/api/health", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    # One stored batch, so routes under /api/batches/{id} have something real to find.
    requests.post(
        f"{base}/api/batches", files={"file": ("b.csv", b"".join(labeled_csv.splitlines(True)[:301]))}
    )
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        drop_postgres_database(name)


# The document comes from the app itself (no server needed to list the operations); the requests go to a
# real server. schemathesis' own pytest plugin does not run on pytest 9 yet, so hypothesis drives it here.
SCHEMA = schemathesis.openapi.from_dict(create_app().openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_api_conforms_to_its_document(base_url: str, operation) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=30)

    call()
