"""The serving set on its own: `backend/` installed without extras (as the Docker image installs it) into a
fresh virtual environment, from the pinned constraints. TensorFlow is not there, and the app started from it
migrates, serves the trained model and answers /api/health without importing TensorFlow or Keras.

Slow (about a minute with pip's cache warm): it installs the whole serving set. pip reads PyPI through its
own cache, so a fresh machine needs nothing more than the registry."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.deployfiles import ROOT
from tests.servers import free_port

BACKEND = ROOT / "backend"
HEAVY = ("tensorflow", "keras")


def check(
    args: list[str | Path], env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> None:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, env=env, cwd=cwd, timeout=timeout
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


@pytest.fixture(scope="module")
def serving_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding `backend/` and its serving dependencies, nothing else."""
    root = tmp_path_factory.mktemp("serving")
    # Install a copy, as the image does: an in-place build would leave build/ and egg-info in the work tree.
    source = root / "src"
    source.mkdir()
    shutil.copy(BACKEND / "pyproject.toml", source)
    shutil.copytree(BACKEND / "fraudops", source / "fraudops", ignore=shutil.ignore_patterns("__pycache__"))
    venv = root / "venv"
    check([sys.executable, "-m", "venv", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check", "--no-input"]
    check([*pip, "install", "--quiet", "--constraint", BACKEND / "constraints.txt", source], timeout=900)
    check([*pip, "check"])
    return venv


def isolated_env(venv: Path, **settings: str) -> dict[str, str]:
    """Only what the serving process needs: no DATABASE_URL or MODEL_DIR leaking in from the test run."""
    return {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/"),
        **settings,
    }


@pytest.mark.slow
def test_serving_set_has_no_tensorflow(serving_venv):
    for module in HEAVY:
        result = subprocess.run(
            [serving_venv / "bin" / "python", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0, f"{module} is importable from the serving set"
        assert f"No module named '{module}'" in result.stderr, result.stderr


@pytest.mark.slow
def test_app_from_the_serving_set_answers_health_without_tensorflow(serving_venv, model_dir, tmp_path):
    port = free_port()
    env = isolated_env(
        serving_venv,
        DATABASE_URL=f"sqlite:///{tmp_path / 'serving.db'}",
        MODEL_DIR=str(model_dir),
        VAR_DIR=str(tmp_path / "var"),
        FRONTEND_DIST=str(tmp_path / "no-frontend"),
        DEMO_DIR=str(tmp_path / "no-demo"),
    )
    fraudops = serving_venv / "bin" / "fraudops"
    check([fraudops, "migrate"], env=env, cwd=tmp_path, timeout=120)  # cwd: no .env of the work tree is read

    # -X importtime's environment form: the server logs every module it imports, to stderr.
    log = tmp_path / "imports.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [fraudops, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            status, body = wait_for_health(f"http://127.0.0.1:{port}/api/health", server)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert status == 200, body
    assert body["status"] == "ok" and body["model"] == "ok" and body["database"] == "ok"

    imported = {line.rsplit("|", 1)[1].strip() for line in log.read_text().splitlines() if "|" in line}
    # importlib.import_module (uvicorn's factory string) is not logged, but what the module imports is.
    assert {"onnxruntime", "fraudops.api.routes.health", "uvicorn"} <= imported, (
        "the log shows the serving stack"
    )
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY)
    assert not heavy, f"the server imported {heavy}"


def wait_for_health(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> tuple[int, dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited before answering"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"no answer from {url} within {seconds} s")
