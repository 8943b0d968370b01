import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from fraudops import devtools
from fraudops.core.config import Settings
from fraudops.data import synthetic


def server_env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.sqlalchemy_url,
        "MODEL_DIR": str(settings.model_dir),
        "VAR_DIR": str(settings.var_dir),
        "FRONTEND_DIST": str(settings.frontend_dist),
        "REDIS_URL": settings.redis_url,
        "STREAM_KEY": settings.stream_key,
        "STREAM_GROUP": settings.stream_group,
        "PREDLOG_FLUSH_SECONDS": "0.2",
    }


@pytest.fixture
def stream_settings(settings: Settings) -> Iterator[Settings]:
    """Settings with a stream key of this test's own, deleted afterwards."""
    key = f"fraudops:test:{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.redis_url)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis at {settings.redis_url} is unreachable: {error}")
    yield settings.model_copy(update={"stream_key": key})
    client.delete(key, f"{key}:dead")


@pytest.fixture
def live_server(stream_settings: Settings) -> Iterator[tuple[str, Settings]]:
    with devtools.server(server_env(stream_settings)) as (_, port):
        yield f"http://127.0.0.1:{port}", stream_settings


@pytest.fixture(scope="session")
def replay_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "replay.csv"
    synthetic.write_csv(synthetic.generate(3_000, seed=21), path)
    return path
