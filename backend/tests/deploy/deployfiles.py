"""Readers for the deploy files: a Dockerfile's instructions, .dockerignore's rules, the tools' locations, and
the names the app itself answers to (settings, routes, CLI commands)."""

import json
import posixpath
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent  # the tools of the dev extra live beside the interpreter running the tests
WORKFLOWS = ROOT / ".github" / "workflows"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERFILES = [DOCKERFILE, ROOT / "docker" / "mlflow" / "Dockerfile"]
COMPOSE = ROOT / "docker-compose.yml"
RENDER = ROOT / "render.yaml"
ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint.sh"
# Read by the image besides the app's settings: the entrypoint's port (the CLI's own variables are added).
ENTRYPOINT_VARIABLES = {"PORT"}


def tool(name: str) -> Path:
    path = BIN / name
    if not path.is_file():
        pytest.fail(f"{name} is missing from {BIN}: it comes with the dev extra (make install)")
    return path


def run(
    args: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env, check=False
    )


def load_yaml(path: Path) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


# --- Dockerfile ------------------------------------------------------------------------------------------


@dataclass
class Instruction:
    stage: str
    keyword: str
    args: str


def dockerfile_instructions(path: Path) -> list[Instruction]:
    """Logical instructions (continuations joined, comments dropped), each with the name of its stage."""
    lines: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append((pending + stripped).strip())
        pending = ""
    assert not pending, f"{path}: a line continuation runs off the end of the file"
    instructions, stage, count = [], "", 0
    for line in lines:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = args.split()
            stage = parts[2] if len(parts) == 3 and parts[1].lower() == "as" else str(count)
            count += 1
        instructions.append(Instruction(stage, keyword, args.strip()))
    return instructions


def stage_names(instructions: list[Instruction]) -> list[str]:
    return [i.stage for i in instructions if i.keyword == "FROM"]


def copy_parts(args: str) -> tuple[dict[str, str], list[str], str]:
    """(flags, sources, destination) of a COPY/ADD, in shell or JSON form."""
    tokens = shlex.split(args)
    flags = {}
    while tokens and tokens[0].startswith("--"):
        key, _, value = tokens.pop(0)[2:].partition("=")
        flags[key] = value
    rest = " ".join(tokens)
    if rest.startswith("["):
        tokens = json.loads(rest)
    return flags, tokens[:-1], tokens[-1]


def env_of(instructions: list[Instruction], stage: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for i in instructions:
        if i.stage == stage and i.keyword == "ENV":
            for token in shlex.split(i.args):
                key, sep, value = token.partition("=")
                assert sep, f"ENV {i.args!r}: use the KEY=value form"
                env[key] = value
    return env


def url_path(text: str) -> str:
    match = re.search(r"https?://[^/\s'\"]+(/[^\s'\"]*)", text)
    assert match, f"no URL in {text!r}"
    return match.group(1)


# --- .dockerignore ---------------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
            continue
        if pattern.startswith("**", i):
            out, i = out + ".*", i + 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = pattern.index("]", i)
            out += "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]"
            i = end
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out)


class DockerIgnore:
    """Docker's rules for these patterns: a pattern that matches a path or one of its parent folders decides,
    the last such pattern wins, and `!` re-includes."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            pattern = posixpath.normpath(line.lstrip("!").strip()).lstrip("/")
            self.rules.append((negate, _pattern_regex(pattern)))

    def excluded(self, path: str) -> bool:
        parts = path.strip("/").split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for negate, regex in self.rules:
            if any(regex.fullmatch(p) for p in prefixes):
                excluded = not negate
        return excluded


# --- the app's own names ---------------------------------------------------------------------------------


def settings_env_names() -> set[str]:
    """Environment variables the settings read (no prefix, case-insensitive): field names or aliases."""
    from fraudops.core.config import Settings

    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        names.add((alias or name).upper())
    return names


def get_paths() -> set[str]:
    """The app's GET paths, from its OpenAPI document."""
    from fraudops.core.config import Settings
    from fraudops.main import create_app

    app = create_app(Settings(environment="test", database_url="sqlite://", frontend_dist=ROOT / "no-such"))
    return {path for path, operations in app.openapi()["paths"].items() if "get" in operations}


def cli_env_names() -> set[str]:
    """Environment variables the `fraudops` commands read for their options (e.g. serve's WEB_CONCURRENCY)."""
    import typer

    from fraudops.cli import app

    names: set[str] = set()
    for command in typer.main.get_command(app).commands.values():  # type: ignore[attr-defined]
        for param in command.params:
            envvar = getattr(param, "envvar", None)
            names.update([envvar] if isinstance(envvar, str) else envvar or [])
    return names


def cli_commands() -> set[str]:
    from fraudops.cli import app

    names = set()
    for command in app.registered_commands:
        assert command.callback is not None
        names.add(command.name or command.callback.__name__.replace("_", "-"))
    return names
