"""The deploy files, checked without Docker or network: the Dockerfiles pass hadolint, the workflows pass
actionlint (with shellcheck on their scripts), and every path, build context, port, health route, command and
environment variable that the Dockerfile, docker-compose.yml and render.yaml name exists in the repository or
is read by the app."""

import os
import re
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from fraudops.core.config import Settings
from tests.deploy.deployfiles import (
    COMPOSE,
    DOCKERFILE,
    DOCKERFILES,
    ENTRYPOINT,
    ENTRYPOINT_VARIABLES,
    RENDER,
    ROOT,
    WORKFLOWS,
    DockerIgnore,
    cli_commands,
    cli_env_names,
    copy_parts,
    dockerfile_instructions,
    env_of,
    get_paths,
    load_yaml,
    run,
    settings_env_names,
    stage_names,
    tool,
    url_path,
)

HEALTH = "/api/health"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v(\d+)(\.\d+){0,2}$")


@pytest.fixture(scope="module")
def env_names() -> set[str]:
    """Every variable the image reads: the app's settings, the CLI's options, the entrypoint's PORT."""
    return settings_env_names() | cli_env_names() | ENTRYPOINT_VARIABLES


def workflow_files() -> list[Path]:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"ci.yml", "deploy.yml"}
    return files


def triggers(workflow: dict) -> dict:  # type: ignore[type-arg]
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as True
    return on if isinstance(on, dict) else {name: None for name in ([on] if isinstance(on, str) else on)}


def test_the_health_route_of_the_deploy_files_answers(model_dir, tmp_path):
    """Dockerfile, compose, Render and the CI smoke test all call HEALTH: the app serves it, and with a model
    and a migrated database it answers 200."""
    from fastapi.testclient import TestClient

    from fraudops.core.migrate import upgrade_to_head
    from fraudops.main import create_app

    assert HEALTH in get_paths()
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'health.db'}",
        model_dir=model_dir,
        var_dir=tmp_path / "var",
        frontend_dist=tmp_path / "no-frontend",
    )
    upgrade_to_head(settings.sqlalchemy_url)
    with TestClient(create_app(settings)) as client:
        response = client.get(HEALTH)
    assert response.status_code == 200, response.text


# --- linters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_passes(dockerfile):
    result = run([tool("hadolint"), "--no-color", dockerfile])
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_reports_a_bad_dockerfile(tmp_path):
    """The linter is live: an unpinned base image and an unpinned apt install are reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\n")
    result = run([tool("hadolint"), "--no-color", bad])
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3008" in result.stdout, result.stdout


def actionlint(files: list[Path], cwd: Path) -> tuple[int, str]:
    # shellcheck (dev extra) sits beside actionlint: with it on PATH the `run:` scripts are checked too.
    env = {**os.environ, "PATH": f"{tool('shellcheck').parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = run([tool("actionlint"), "-no-color", *files], cwd=cwd, env=env)
    return result.returncode, result.stdout + result.stderr


def test_actionlint_passes_the_workflows():
    code, output = actionlint(workflow_files(), ROOT)
    assert code == 0, output


def test_actionlint_checks_each_action_at_the_version_its_comment_names(tmp_path):
    """actionlint knows the popular actions by tag, not by commit: with every pin swapped for the major
    version its comment names, it also checks the inputs given and that no runtime is deprecated."""
    out = tmp_path / ".github" / "workflows"
    out.mkdir(parents=True)
    for path in workflow_files():
        text = re.sub(r"@[0-9a-f]{40} # (v\d+)\S*", r"@\1", path.read_text())
        (out / path.name).write_text(text)
    code, output = actionlint(sorted(out.glob("*.yml")), tmp_path)
    assert code == 0, output


def test_actionlint_reports_a_bad_workflow(tmp_path):
    """The linter is live: an unquoted variable (shellcheck), an unknown input, a missing runner label."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\njobs:\n  x:\n    steps:\n      - run: echo $FOO\n"
        "      - uses: actions/checkout@v5\n        with:\n          nope: 1\n"
    )
    code, output = actionlint([bad], tmp_path)
    assert code != 0
    assert "SC2086" in output and '"nope"' in output and '"runs-on"' in output, output


def test_entrypoint_passes_shellcheck_and_migrates_before_serving():
    result = run([tool("shellcheck"), ENTRYPOINT])
    assert result.returncode == 0, result.stdout + result.stderr
    assert os.access(ENTRYPOINT, os.X_OK)
    text = ENTRYPOINT.read_text()
    migrate = text.index("fraudops migrate")
    serve = re.search(r'exec fraudops serve --host 0\.0\.0\.0 --port "\$\{PORT:-(\d+)\}"', text)
    assert serve and migrate < serve.start(), "the entrypoint must migrate, then serve on 0.0.0.0:$PORT"


# --- GitHub Actions --------------------------------------------------------------------------------------


def test_every_action_is_pinned_to_a_full_commit_with_its_version():
    for path in workflow_files():
        for line in path.read_text().splitlines():
            if match := re.match(r"\s*(?:- )?uses:\s*(.+)$", line):
                ref = match.group(1).strip()
                assert ref.startswith("./") or PINNED.match(ref), f"{path.name}: {ref!r} is not pinned"


def test_workflows_have_least_permissions_and_every_job_a_timeout():
    for path in workflow_files():
        workflow = load_yaml(path)
        permissions = workflow.get("permissions")
        assert isinstance(permissions, dict), f"{path.name}: set top-level permissions"
        assert set(permissions.values()) <= {"read", "none"}, f"{path.name}: {permissions}"
        for name, job in workflow["jobs"].items():
            assert set((job.get("permissions") or {}).values()) <= {"read", "none"}, f"{path.name}:{name}"
            assert 0 < int(job.get("timeout-minutes", 0)) <= 60, (
                f"{path.name}: job {name} needs timeout-minutes"
            )


def test_ci_runs_every_check_on_push_and_pull_request():
    ci = load_yaml(WORKFLOWS / "ci.yml")
    assert {"push", "pull_request"} <= set(triggers(ci))
    jobs = ci["jobs"]
    runs = {name: "\n".join(str(step.get("run", "")) for step in job["steps"]) for name, job in jobs.items()}
    uses = {name: " ".join(str(step.get("uses", "")) for step in job["steps"]) for name, job in jobs.items()}
    assert "make lint" in runs["lint"]
    assert {"postgres", "redis"} <= set(jobs["backend"]["services"]) and "pytest" in runs["backend"]
    assert all(f"npm {cmd}" in runs["frontend"] for cmd in ("ci", "test", "run lint", "run build"))
    assert "apt-get install" in runs["browser"] and "chromium" in runs["browser"]
    assert "npm run e2e" in runs["browser"] and jobs["browser"]["env"]["CHROMIUM_PATH"] == "/usr/bin/chromium"
    build = next(s for s in jobs["image"]["steps"] if "docker/build-push-action" in str(s.get("uses")))
    assert build["with"]["push"] is False and (ROOT / build["with"]["file"]) == DOCKERFILE
    assert "docker/setup-buildx-action" in uses["image"]
    assert f"http://127.0.0.1:8000{HEALTH}" in runs["image"], "the smoke test calls the health route"


def test_deploy_runs_only_after_ci_succeeds_on_main():
    ci_name = load_yaml(WORKFLOWS / "ci.yml")["name"]
    deploy = load_yaml(WORKFLOWS / "deploy.yml")
    on = triggers(deploy)
    assert set(on) == {"workflow_run"}, "deploy has no trigger of its own: only a finished CI run"
    run_on = on["workflow_run"]
    assert (
        run_on["workflows"] == [ci_name]
        and run_on["types"] == ["completed"]
        and run_on["branches"] == ["main"]
    )
    for name, job in deploy["jobs"].items():
        condition = job.get("if", "")
        assert "github.event.workflow_run.conclusion == 'success'" in condition, (
            f"job {name} must need green CI"
        )
        assert "github.event.workflow_run.event == 'push'" in condition, f"job {name}: pushes only, not PRs"
    text = (WORKFLOWS / "deploy.yml").read_text()
    assert "${{ secrets.RENDER_DEPLOY_HOOK_URL }}" in text and "github.event.workflow_run.head_sha" in text


# --- Dockerfile ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def instructions():  # type: ignore[no-untyped-def]
    return dockerfile_instructions(DOCKERFILE)


@pytest.fixture(scope="module")
def runtime_env(instructions) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return env_of(instructions, stage_names(instructions)[-1])


def test_dockerfile_copy_sources_exist_and_are_in_the_build_context(instructions):
    ignore = DockerIgnore((ROOT / ".dockerignore").read_text())
    stages = stage_names(instructions)
    for i in (i for i in instructions if i.keyword in ("COPY", "ADD")):
        flags, sources, _ = copy_parts(i.args)
        if "from" in flags:
            assert flags["from"] in stages[: stages.index(i.stage)], (
                f"COPY --from={flags['from']}: no such stage"
            )
            continue
        assert i.keyword == "COPY", "use COPY for files of the context"
        for source in sources:
            path = ROOT / source
            assert path.exists(), f"COPY {source}: not in the repository"
            files = (
                [path] if path.is_file() else [p for p in path.rglob("*") if "node_modules" not in p.parts]
            )
            kept = [f for f in files if f.is_file() and not ignore.excluded(f.relative_to(ROOT).as_posix())]
            assert kept, f"COPY {source}: .dockerignore leaves nothing of it in the build context"


def test_dockerignore_keeps_local_state_out_of_the_context():
    ignore = DockerIgnore((ROOT / ".dockerignore").read_text())
    for path in (
        ".venv/bin/python",
        "var/fraudops.db",
        "data/creditcard.csv",
        ".env",
        ".git/config",
        "frontend/node_modules/react/index.js",
        "frontend/dist/index.html",
        "backend/fraudops/__pycache__/main.cpython-311.pyc",
        "data_splits/holdout.csv",
    ):
        assert ignore.excluded(path), f"{path} would be sent to the Docker build"
    for path in ("backend/pyproject.toml", "backend/fraudops/main.py", "frontend/src/main.tsx"):
        assert not ignore.excluded(path), f"{path} would be missing from the Docker build"


def test_image_serves_the_committed_champion_model(instructions, runtime_env):
    """The image copies the folder the settings default to, which the release flow commits."""
    default = Path(Settings.model_fields["model_dir"].default)
    runtime = stage_names(instructions)[-1]
    copies = [copy_parts(i.args) for i in instructions if i.keyword == "COPY" and i.stage == runtime]
    model_copies = [
        (src, dest) for flags, src, dest in copies if "from" not in flags and src == [default.as_posix()]
    ]
    assert model_copies, f"the runtime stage must COPY {default} (MODEL_DIR's default)"
    assert runtime_env["MODEL_DIR"] == "/app/" + model_copies[0][1].removeprefix("./").rstrip("/")
    folder = ROOT / default
    assert (folder / "model.onnx").is_file() and (folder / "model.json").is_file(), f"no champion in {folder}"
    ignored = run(["git", "check-ignore", "--quiet", folder / "model.onnx"], cwd=ROOT)
    assert ignored.returncode == 1, f"{default} is git-ignored: a push would not carry the model"


def test_runtime_stage_serves_only_as_a_non_root_user(instructions, runtime_env, env_names):
    runtime = [i for i in instructions if i.stage == stage_names(instructions)[-1]]
    base = runtime[0].args.split()[0]
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", base), f"runtime base {base}: a slim Python image"
    user = [i.args for i in runtime if i.keyword == "USER"]
    assert user and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", user[-1]), "run as a numeric non-root user"
    unknown = set(runtime_env) - env_names - {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
    assert not unknown, f"ENV {unknown}: not read by the app's settings"
    (expose,) = [i.args for i in runtime if i.keyword == "EXPOSE"]
    assert expose == runtime_env["PORT"]
    (healthcheck,) = [i.args for i in runtime if i.keyword == "HEALTHCHECK"]
    assert url_path(healthcheck) == HEALTH
    (entrypoint,) = [i.args for i in runtime if i.keyword == "ENTRYPOINT"]
    copied = [copy_parts(i.args) for i in runtime if i.keyword == "COPY"]
    assert any(
        src == [ENTRYPOINT.relative_to(ROOT).as_posix()] and dest.endswith(entrypoint.strip('[]"'))
        for _, src, dest in copied
    ), "the entrypoint is the script in scripts/"
    for name in ("FRONTEND_DIST", "DEMO_DIR"):
        dest = runtime_env[name].removeprefix("/app/")
        assert any("from" in f and d.removeprefix("./").rstrip("/") == dest for f, _, d in copied), name


# --- docker-compose.yml ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:  # type: ignore[type-arg]
    return load_yaml(COMPOSE)


def substituted(value: str) -> str:
    """A compose value with every ${VAR...} replaced by a placeholder, to be parsed as a URL."""
    return re.sub(r"\$\{(\w+)[^}]*\}", lambda m: m.group(1).lower(), value)


def test_compose_variables_are_required_or_defaulted():
    text = "\n".join(line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"(?<!\$)\$(?![{$])\w", text), "use ${VAR:?…} or ${VAR:-…}, never a bare $VAR"
    required = set()
    for expression in re.findall(r"\$\{([^}]*)\}", text):
        match = re.fullmatch(r"(\w+):([?-])(.*)", expression)
        assert match, f"${{{expression}}}: a missing value must fail loudly (:?) or have a default (:-)"
        if match.group(2) == "?":
            assert match.group(3).strip(), f"${{{expression}}}: say what to set"
            required.add(match.group(1))
    assert {"POSTGRES_PASSWORD", "ADMIN_TOKEN"} <= required
    readme = (ROOT / "README.md").read_text()
    assert all(name in readme for name in required), "the README names every required variable"


def test_compose_builds_and_mounts_only_what_exists(compose):
    services = compose["services"]
    assert {"postgres", "mlflow", "redis", "app", "worker"} <= set(services)
    for name, service in services.items():
        if "build" in service:
            build = service["build"]
            context = ROOT / (build if isinstance(build, str) else build["context"])
            dockerfile = context / (
                build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
            )
            assert dockerfile.is_file(), f"{name}: no {dockerfile}"
        else:
            assert re.fullmatch(r"[\w./-]+:[\w.-]+", service["image"]), f"{name}: pin the image tag"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in compose.get("volumes", {}), f"{name}: volume {source} is not declared"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on {dependency}, which is not a service"


def test_compose_app_and_worker_use_the_image_and_settings(compose, env_names, runtime_env):
    services = compose["services"]
    for name in ("app", "worker"):
        service = services[name]
        assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == DOCKERFILE
        unknown = set(service["environment"]) - env_names
        assert not unknown, f"{name}: {unknown} are not read by the app's settings"
        urls = {
            key: make_url(Settings(database_url=substituted(value)).database_url)
            if key == "DATABASE_URL"
            else make_url(substituted(value))
            for key, value in service["environment"].items()
            if key.endswith(("_URL", "_URI"))
        }
        postgres_env = services["postgres"]["environment"]
        assert urls["DATABASE_URL"].drivername == "postgresql+psycopg"
        assert (urls["DATABASE_URL"].host, urls["DATABASE_URL"].username, urls["DATABASE_URL"].database) == (
            "postgres",
            postgres_env["POSTGRES_USER"],
            postgres_env["POSTGRES_DB"],
        )
        assert urls["REDIS_URL"].host == "redis"
        assert (urls["MLFLOW_TRACKING_URI"].host, urls["MLFLOW_TRACKING_URI"].port) == ("mlflow", 5000)
    app = services["app"]
    assert [p.rsplit(":", 1)[1] for p in app["ports"]] == [runtime_env["PORT"]]
    check = " ".join(app["healthcheck"]["test"])
    assert url_path(check) == HEALTH and f":{runtime_env['PORT']}/" in check
    worker = services["worker"]
    program, command = worker["command"]
    assert program == "fraudops" and command in cli_commands(), f"`fraudops {command}` is not a CLI command"
    assert worker["depends_on"]["app"]["condition"] == "service_healthy", "the app has migrated first"
    assert worker["healthcheck"] == {"disable": True}, "the image's HTTP health check does not fit a worker"


def test_compose_postgres_and_mlflow(compose):
    services = compose["services"]
    postgres, mlflow = services["postgres"], services["mlflow"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    args = dict(a.removeprefix("--").partition("=")[::2] for a in mlflow["command"][2:])
    store = make_url(substituted(args["backend-store-uri"]))
    assert (store.drivername, store.host) == ("postgresql+psycopg", "postgres")
    init = "\n".join(p.read_text() for p in (ROOT / "docker" / "postgres-init").glob("*.sql"))
    assert f"CREATE DATABASE {store.database};" in init, "MLflow's database is created beside the app's"
    assert any(v.endswith(":" + args["artifacts-destination"]) for v in mlflow["volumes"]), "artifact volume"
    assert args["port"] == "5000" and url_path(" ".join(mlflow["healthcheck"]["test"])) == "/health"


def test_mlflow_image_matches_the_client_and_driver_pins():
    from importlib.metadata import PackageNotFoundError, version

    text = (ROOT / "docker" / "mlflow" / "Dockerfile").read_text()
    server = re.search(r"^FROM ghcr\.io/mlflow/mlflow:v([\d.]+)$", text, re.M)
    assert server, "pin the MLflow server image to a release"
    pyproject = (ROOT / "backend" / "pyproject.toml").read_text()
    pinned = re.findall(r'"mlflow(?:-skinny)?(?:\[[\w,]+\])?==([\d.]+)"', pyproject)
    try:
        installed = [version("mlflow-skinny")]
    except PackageNotFoundError:
        installed = []
    clients = set(pinned or installed)
    assert clients, "no MLflow client pinned or installed to compare the server with"
    assert clients == {server.group(1)}, f"MLflow server {server.group(1)} vs client {clients}"
    psycopg = re.search(r'"psycopg\[binary\]==([\d.]+)"', pyproject)
    assert psycopg and f'"psycopg[binary]=={psycopg.group(1)}"' in text


# --- render.yaml -----------------------------------------------------------------------------------------


def test_render_blueprint(env_names):
    blueprint = load_yaml(RENDER)
    (web,) = [s for s in blueprint["services"] if s["type"] == "web"]
    assert web["runtime"] == "docker"
    assert (ROOT / web["dockerfilePath"]).resolve() == DOCKERFILE
    assert (ROOT / web["dockerContext"]).resolve() == ROOT
    assert web["healthCheckPath"] == HEALTH
    assert web["autoDeployTrigger"] == "off", "deploys come from the deploy hook, after green CI"
    variables = {v["key"]: v for v in web["envVars"]}
    assert not set(variables) - env_names, f"{set(variables) - env_names} are not read by the app's settings"
    databases = {d["name"] for d in blueprint["databases"]}
    assert variables["DATABASE_URL"]["fromDatabase"]["name"] in databases
    assert variables["DATABASE_URL"]["fromDatabase"]["property"] == "connectionString"
    assert variables["ADMIN_TOKEN"].get("generateValue") is True, "the admin token is a generated secret"
    assert not any("value" in v for k, v in variables.items() if "TOKEN" in k or "PASSWORD" in k)


def test_readme_explains_the_deploy():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Deploy") :]
    for needle in ("docker compose up", "render.yaml", "RENDER_DEPLOY_HOOK_URL", "6543", "sslmode=require"):
        assert needle in section, f"README's Deploy section does not mention {needle}"


def test_deploy_files_are_not_git_ignored():
    for path in (DOCKERFILE, COMPOSE, RENDER, ENTRYPOINT, ROOT / ".dockerignore", *workflow_files()):
        assert run(["git", "check-ignore", "--quiet", path], cwd=ROOT).returncode == 1, path
