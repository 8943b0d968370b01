"""Serving the built page (fraudops/api/static.py) from a dist folder made here: the compressed sibling the
client accepts, a year's cache for hashed assets and revalidation for index.html, client routes falling back
to index.html, and nothing outside the folder or under /api, /assets served as the page."""

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fraudops.api import middleware
from fraudops.api.middleware import PAGE_CSP
from fraudops.api.static import IMMUTABLE, REVALIDATE, accepted_encodings, mount_frontend
from fraudops.core.config import Settings

INDEX = b'<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head>'
SCRIPT = b"export const answer = 42;\n" * 200
BROTLI = b"\x1b\x00 pretend brotli bytes: served as they are stored"
JS = "/assets/index-AbC123.js"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "index.html.gz").write_bytes(gzip.compress(INDEX))
    (root / "assets" / "index-AbC123.js").write_bytes(SCRIPT)
    (root / "assets" / "index-AbC123.js.gz").write_bytes(gzip.compress(SCRIPT))
    (root / "assets" / "index-AbC123.js.br").write_bytes(BROTLI)
    (root / "assets" / "logo-Zz9.png").write_bytes(b"\x89PNG not really")
    (root / ".env").write_text("SECRET=1")
    (tmp_path / "secret.txt").write_text("outside dist")
    return root


@pytest.fixture
def client(dist: Path) -> Iterator[TestClient]:
    app = FastAPI()

    @app.get("/api/ping")
    def ping() -> dict[str, str]:
        return {"ping": "pong"}

    middleware.install(app, Settings())  # the security headers every answer carries
    mount_frontend(app, dist)
    with TestClient(app) as test_client:
        yield test_client


def raw_get(client: TestClient, url: str, encoding: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the body exactly as sent (not decoded by the test client)."""
    with client.stream("GET", url, headers={"accept-encoding": encoding}) as response:
        return response.status_code, dict(response.headers), b"".join(response.iter_raw())


def test_hashed_asset_is_sent_compressed_and_cached_for_a_year(client: TestClient) -> None:
    status, headers, body = raw_get(client, JS, "gzip, deflate, br")
    assert status == 200
    assert headers["content-encoding"] == "br"
    assert body == BROTLI
    assert headers["content-type"].startswith("text/javascript")
    assert headers["cache-control"] == IMMUTABLE
    assert headers["vary"] == "Accept-Encoding"
    assert headers["content-length"] == str(len(BROTLI))

    status, headers, body = raw_get(client, JS, "gzip")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == SCRIPT

    status, headers, body = raw_get(client, JS, "identity")
    assert "content-encoding" not in headers
    assert body == SCRIPT
    assert headers["cache-control"] == IMMUTABLE


def test_a_refused_coding_is_not_sent(client: TestClient) -> None:
    _, headers, body = raw_get(client, JS, "br;q=0, gzip;q=0.5")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == SCRIPT


def test_index_is_revalidated_and_a_matching_etag_gets_304(client: TestClient) -> None:
    status, headers, body = raw_get(client, "/", "gzip")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert headers["cache-control"] == REVALIDATE
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == INDEX
    again = client.get("/", headers={"accept-encoding": "gzip", "if-none-match": headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == headers["etag"]
    assert again.headers["cache-control"] == REVALIDATE
    # the identity body is another representation: the gzip one's tag does not match it
    plain = client.get("/", headers={"accept-encoding": "identity", "if-none-match": headers["etag"]})
    assert plain.status_code == 200
    assert plain.content == INDEX


def test_client_routes_get_the_page(client: TestClient) -> None:
    for path in ("/review", "/batches/12", "/index.html"):
        response = client.get(path, headers={"accept-encoding": "identity"})
        assert response.status_code == 200, path
        assert response.content == INDEX, path
        assert response.headers["cache-control"] == REVALIDATE


def test_misses_that_are_not_page_routes_are_404_not_html(client: TestClient) -> None:
    for path in ("/assets/index-Old999.js", "/api/nothing-here", "/favicon.ico", "/docs/nothing"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/json", path
    assert client.get("/api/ping").json() == {"ping": "pong"}  # the API still answers first


OUTSIDE = ["/.env", "/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/assets"]


@pytest.mark.parametrize("path", OUTSIDE)
def test_nothing_outside_dist_nor_a_dotfile_or_folder_is_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert b"SECRET" not in response.content
    assert b"outside dist" not in response.content
    assert response.status_code in (200, 404)
    if response.status_code == 200:  # a client route that happens to look like one: the page, nothing else
        assert response.content == INDEX


def test_head_and_other_methods(client: TestClient) -> None:
    head = client.head(JS, headers={"accept-encoding": "gzip"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-encoding"] == "gzip"
    refused = client.post("/", content=b"x")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"


def test_files_without_compressed_siblings_are_sent_as_they_are(client: TestClient) -> None:
    status, headers, body = raw_get(client, "/assets/logo-Zz9.png", "gzip, br")
    assert status == 200
    assert "content-encoding" not in headers
    assert headers["content-type"] == "image/png"
    assert body == b"\x89PNG not really"


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", JS, "/batches/3", "/assets/missing.js"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == PAGE_CSP, path
        assert headers["x-content-type-options"] == "nosniff", path


def test_a_dist_without_index_serves_files_and_no_fallback(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.css").write_text("body{}")
    app = FastAPI()
    mount_frontend(app, tmp_path)
    with TestClient(app) as test_client:
        assert test_client.get("/assets/a.css").text == "body{}"
        assert test_client.get("/dashboard").status_code == 404


def test_accepted_encodings() -> None:
    assert accepted_encodings("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted_encodings("br;q=0, gzip; q=0.8") == {"gzip"}
    assert accepted_encodings("") == set()
    assert accepted_encodings("BR;q=bogus, GZIP") == {"gzip"}
    assert accepted_encodings("gzip;q=0.5;level=1, br;level=1;q=0") == {"gzip"}
