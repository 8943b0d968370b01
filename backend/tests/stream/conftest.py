import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import redis

from fraudops.core.config import Settings
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import synthetic
from tests import servers
from tests.conftest import ADMIN_URL, create_postgres_database, drop_postgres_database


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
    with servers.server(server_env(stream_settings)) as (_, port):
        yield f"http://127.0.0.1:{port}", stream_settings


@pytest.fixture(scope="session")
def replay_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "replay.csv"
    synthetic.write_csv(synthetic.generate(3_000, seed=21), path)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server of the test's own, without persistence: killed and started again at will."""

    workdir: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(self.workdir)]  # fmt: skip
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, f"redis-server on port {self.port} did not start"
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the server and everything it held are gone at once, as in a crash."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@dataclass
class BlockableDatabase:
    """A migrated PostgreSQL database of the test's own that can refuse every connection for a while."""

    name: str
    url: str

    def block(self) -> None:
        """Refuse new connections and end the open ones: to its clients the database is unreachable."""
        self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def allow(self) -> None:
        self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    @staticmethod
    def _admin(statement: str) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)  # type: ignore[arg-type]


@pytest.fixture
def blockable_database() -> Iterator[BlockableDatabase]:
    name, url = create_postgres_database("fraudops_fault")
    database = BlockableDatabase(name, url)
    try:
        upgrade_to_head(url)
        yield database
    finally:
        database.allow()
        drop_postgres_database(name)
