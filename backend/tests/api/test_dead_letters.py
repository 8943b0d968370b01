"""/api/dead-letters on PostgreSQL: admin only; hostile parameters are 4xx that change nothing; a parked row
holding the very bytes that poisoned it (NUL, a lone surrogate, a huge value) still lists as valid JSON; a
clear removes only what the operator saw."""

import json

import pytest

from fraudops import crud
from tests.scoring_support import AUTH

HOSTILE = [
    ("GET", "/api/dead-letters?limit=0"),
    ("GET", "/api/dead-letters?limit=501"),
    ("GET", "/api/dead-letters?limit=ten"),
    ("GET", "/api/dead-letters?offset=-1"),
    ("GET", "/api/dead-letters?offset=99999999999999999999"),
    ("GET", "/api/dead-letters?offset=1e3"),
    ("DELETE", "/api/dead-letters"),
    ("DELETE", "/api/dead-letters?up_to_id=-1"),
    ("DELETE", "/api/dead-letters?up_to_id=9223372036854775808"),
    ("DELETE", "/api/dead-letters?up_to_id=NaN"),
    ("DELETE", "/api/dead-letters?up_to_id=1%00"),
    ("DELETE", "/api/dead-letters?up_to_id=" + "9" * 5_000),
]


def _park(pg_session, n: int = 3) -> None:
    poisoned = [
        ("a\x00b", {"request_id": "a\x00b", "V1": 1.0}, "NUL in a text field"),
        ("\ud800", {"note": "\ud800 lone surrogate"}, "invalid byte sequence for encoding UTF8"),
        ("big", {"blob": "x" * 200_000}, "e" * 10_000),
    ]
    crud.park_dead_letters(pg_session, "prediction_log", poisoned[:n])
    pg_session.commit()


@pytest.mark.parametrize(("method", "path"), HOSTILE, ids=[f"{m} {p[:60]}" for m, p in HOSTILE])
def test_hostile_parameters_are_422_and_change_nothing(pg_client, pg_session, method, path):
    _park(pg_session)
    response = pg_client.request(method, path, headers=AUTH)
    assert response.status_code == 422, response.text[:300]
    assert len(response.content) < 16_384 and response.json()["detail"]
    assert crud.count_dead_letters(pg_session) == 3
    assert pg_client.get("/api/health").status_code == 200


def test_admin_only(pg_client, pg_session):
    _park(pg_session, 1)
    for headers in ({}, {"Authorization": "Bearer " + "x" * 40}, {"Authorization": "Basic YTpi"}):
        assert pg_client.get("/api/dead-letters", headers=headers).status_code == 401
        assert pg_client.delete("/api/dead-letters?up_to_id=999", headers=headers).status_code == 401
    assert crud.count_dead_letters(pg_session) == 1


def test_poisoned_payloads_list_as_json_and_clear_up_to_what_was_seen(pg_client, pg_session):
    _park(pg_session)
    page = pg_client.get("/api/dead-letters?limit=2", headers=AUTH)
    assert page.status_code == 200
    listed = page.json()
    assert listed["count"] == 3 and len(listed["data"]) == 2
    for letter in listed["data"]:
        assert "\x00" not in page.text
        json.loads(letter["payload"])  # the stored payload is itself valid JSON
        assert len(letter["error"]) <= 2_000 and (letter["key"] is None or len(letter["key"]) <= 200)
    rest = pg_client.get("/api/dead-letters?offset=2", headers=AUTH).json()["data"]
    assert len(rest) == 1 and rest[0]["id"] < min(letter["id"] for letter in listed["data"])  # newest first
    seen = max(letter["id"] for letter in listed["data"])
    _park(pg_session, 1)  # one more arrives while the operator reads
    cleared = pg_client.delete(f"/api/dead-letters?up_to_id={seen}", headers=AUTH)
    assert cleared.status_code == 200 and cleared.json() == {"deleted": 3}
    assert crud.count_dead_letters(pg_session) == 1  # the one that arrived later stays
