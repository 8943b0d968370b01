"""Hostile JSON bodies and parameters on every JSON route: each gets a 4xx (or a clean answer), a small
error body that never echoes a large input, and no table changes."""

import json

import pytest

from fraudops.data import synthetic
from tests.utils import counts

GOOD = synthetic.generate(50, seed=5).slice(0, 1).to_pylist()[0]


def item(**change: object) -> dict[str, object]:
    return GOOD | change


def raw(value: object) -> bytes:
    return json.dumps(value).encode()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# (name, method, path, body bytes or None, content type, expected status)
CASES: list[tuple[str, str, str, bytes | None, str, int]] = [
    # /api/predict: syntax
    ("nan-literal", "POST", "/api/predict", raw(GOOD).replace(b'"V1": ', b'"V1": NaN, "x": '), "json", 422),
    ("bare-nan-field", "POST", "/api/predict", json.dumps(item(V2=float("nan"))).encode(), "json", 422),
    ("infinity-literal", "POST", "/api/predict", json.dumps(item(V3=float("inf"))).encode(), "json", 422),
    ("minus-infinity", "POST", "/api/predict", json.dumps(item(V4=float("-inf"))).encode(), "json", 422),
    ("truncated", "POST", "/api/predict", raw(GOOD)[:-7], "json", 422),
    ("empty-body", "POST", "/api/predict", b"", "json", 422),
    ("null", "POST", "/api/predict", b"null", "json", 422),
    ("string", "POST", "/api/predict", b'"hello"', "json", 422),
    ("number", "POST", "/api/predict", b"123", "json", 422),
    ("deep-nesting", "POST", "/api/predict", nested(100_000), "json", 422),
    ("invalid-utf8", "POST", "/api/predict", b'{"Time": "\xff\xfe"}', "json", 422),
    ("utf16", "POST", "/api/predict", raw(GOOD).decode().encode("utf-16"), "json", 422),
    ("nul-byte-raw", "POST", "/api/predict", b'{"Time": 1\x00}', "json", 422),
    ("too-many-items", "POST", "/api/predict", raw([{}] * 10_001), "json", 422),
    ("too-many-fields", "POST", "/api/predict", raw({f"k{i}": 0 for i in range(200_000)}), "json", 422),
    ("items-with-junk", "POST", "/api/predict", raw([{f"k{i}": 0 for i in range(32)}] * 5_000), "json", 422),
    # /api/predict: values
    ("id-object", "POST", "/api/predict", raw(item(id={"a": 1})), "json", 422),
    ("id-nul", "POST", "/api/predict", raw(item(id="a\x00b")), "json", 422),
    ("id-lone-surrogate", "POST", "/api/predict", raw(GOOD)[:-1] + b', "id": "\\ud800"}', "json", 422),
    ("id-too-long", "POST", "/api/predict", raw(item(id="x" * 5_000)), "json", 422),
    ("id-huge-int", "POST", "/api/predict", raw(item(id=2**70)), "json", 422),
    ("amount-beyond-float32", "POST", "/api/predict", raw(item(Amount=1e39)), "json", 422),
    ("amount-1e300", "POST", "/api/predict", raw(item(Amount=1e300)), "json", 422),
    ("v-beyond-bound", "POST", "/api/predict", raw(item(V7=-5e9)), "json", 422),
    ("overflow-string", "POST", "/api/predict", raw(item(V5="1e309")), "json", 422),
    ("negative-time", "POST", "/api/predict", raw(item(Time=-1)), "json", 422),
    ("feature-list", "POST", "/api/predict", raw(item(V8=[1, 2])), "json", 422),
    ("control-char-key", "POST", "/api/predict", raw({**GOOD, "V\x009": 1}), "json", 422),
    ("long-key", "POST", "/api/predict", raw({**GOOD, "k" * 100_000: 1}), "json", 422),
    ("explain-not-bool", "POST", "/api/predict?explain=maybe", raw(GOOD), "json", 422),
    # /api/feedback
    (
        "feedback-nan-label",
        "POST",
        "/api/feedback",
        b'{"labels": [{"request_id": "a", "label": NaN}]}',
        "json",
        422,
    ),
    (
        "feedback-label-2",
        "POST",
        "/api/feedback",
        raw({"labels": [{"request_id": "a", "label": 2}]}),
        "json",
        422,
    ),
    ("feedback-empty", "POST", "/api/feedback", raw({"labels": []}), "json", 422),
    (
        "feedback-too-many",
        "POST",
        "/api/feedback",
        raw({"labels": [{"request_id": "a", "label": 1}] * 10_001}),
        "json",
        422,
    ),
    (
        "feedback-nul-id",
        "POST",
        "/api/feedback",
        raw({"labels": [{"request_id": "a\x00", "label": 1}]}),
        "json",
        422,
    ),
    (
        "feedback-long-id",
        "POST",
        "/api/feedback",
        raw({"labels": [{"request_id": "a" * 65, "label": 1}]}),
        "json",
        422,
    ),
    (
        "feedback-long-note",
        "POST",
        "/api/feedback",
        raw({"labels": [{"request_id": "a", "label": 1}], "note": "n" * 1001}),
        "json",
        422,
    ),
    ("feedback-list", "POST", "/api/feedback", raw([1, 2, 3]), "json", 422),
    # /api/streams
    ("stream-settings-too-big", "POST", "/api/streams", None, "stream:settings", 422),
    ("stream-nan-latency", "POST", "/api/streams", None, "stream:nan", 422),
    ("stream-nul-source", "POST", "/api/streams", None, "stream:nul", 422),
    ("stream-histogram-huge", "POST", "/api/streams", None, "stream:histogram", 422),
    ("stream-bad-target", "POST", "/api/streams", None, "stream:target", 422),
    # path and query integers beyond the column types
    ("batch-id-overflow", "GET", "/api/batches/99999999999999999999", None, "", 422),
    ("batch-id-negative", "GET", "/api/batches/-1", None, "", 422),
    ("offset-overflow", "GET", "/api/batches?offset=100000000000000000000", None, "", 422),
    ("limit-zero", "GET", "/api/batches?limit=0", None, "", 422),
    ("predictions-bad-sort", "GET", "/api/batches/1/predictions?sort=evil", None, "", 422),
    ("curves-id-overflow", "GET", "/api/batches/2147483648/curves", None, "", 422),
    ("csv-id-overflow", "GET", "/api/batches/2147483648/predictions.csv", None, "", 422),
    ("run-id-overflow", "GET", "/api/training-runs/2147483648", None, "", 422),
    ("drift-bad-since", "GET", "/api/drift/log?since=yesterday", None, "", 422),
    ("streams-offset-overflow", "GET", "/api/streams?offset=99999999999", None, "", 422),
    ("feedback-history-nul", "GET", "/api/feedback/a%00b", None, "", 422),
]


def stream_body(kind: str) -> bytes:
    summary = {
        "sent": 1, "answered": 1, "errors": 0, "seconds": 1.0, "throughput_rps": 1.0,
        "latency_ms": None, "histogram": None, "metrics": None, "settings": {},
    }  # fmt: skip
    body: dict[str, object] = {"source_file": "x.csv", "target": "api", "summary": summary}
    if kind == "settings":
        summary["settings"] = {"blob": "x" * 5_000}
    elif kind == "nan":
        return json.dumps(body).replace('"seconds": 1.0', '"seconds": NaN').encode()
    elif kind == "nul":
        body["source_file"] = "a\x00.csv"
    elif kind == "histogram":
        summary["histogram"] = {"edges_ms": [0.0] * 50_001, "counts": [0] * 50_000}
    elif kind == "target":
        body["target"] = "elsewhere"
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "kind", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_hostile_json_is_refused_cleanly(client, session, name, method, path, body, kind, expected):
    before = counts(session)
    if kind.startswith("stream:"):
        body = stream_body(kind.split(":", 1)[1])
    headers = {"content-type": "application/json"} if body is not None else {}
    response = client.request(method, path, content=body, headers=headers)
    assert response.status_code == expected, response.text[:500]
    assert len(response.content) < 16_384  # never an echo of a large input
    assert "\x00" not in response.text
    detail = response.json()["detail"]
    assert detail  # a message that says what is wrong
    assert counts(session) == before
    assert client.get("/api/health").status_code == 200  # still serving


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40
