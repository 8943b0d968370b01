"""Demo mode: the prepared data_splits files a first visitor can score with one click. Only the known split
names are offered, and only when the file exists; no request names a path."""

import hashlib
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool

from fraudops.api.deps import PolicyDep, ScorerDep, SessionDep, SettingsDep
from fraudops.api.ingest import answer_ingest
from fraudops.data.splits import SPLIT_NAMES
from fraudops.data.upload import ReceivedFile
from fraudops.schemas import BatchUploadOut, DemoFileOut, Page, RejectedOut

router = APIRouter(prefix="/demo", tags=["demo"])

DESCRIPTIONS = {
    "initial_train": "the earliest transactions: what the first model was trained on",
    "stream_1": "the first portion of later traffic, as if it had just arrived",
    "stream_2": "the second portion of later traffic",
    "stream_3": "the third portion of later traffic",
    "holdout": "the latest transactions, never used for training or choosing a model",
}
_READ_BYTES = 1 << 20


def demo_path(demo_dir: Path, name: str) -> Path | None:
    """The file behind a demo name, or None: the name must be a known split and the file must exist."""
    if name not in SPLIT_NAMES:
        return None
    path = demo_dir / f"{name}.csv"
    return path if path.is_file() else None


@lru_cache(maxsize=32)
def _count_rows(path: str, _mtime_ns: int, _size: int) -> int:
    """Data rows of a CSV (lines after the header); cached per file version."""
    lines, last = 0, b"\n"
    with open(path, "rb") as file:
        while block := file.read(_READ_BYTES):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def _describe(name: str, path: Path) -> DemoFileOut:
    stat = path.stat()
    return DemoFileOut(
        name=name,
        filename=path.name,
        rows=_count_rows(str(path), stat.st_mtime_ns, stat.st_size),
        size_bytes=stat.st_size,
        description=DESCRIPTIONS[name],
    )


def _received(path: Path) -> ReceivedFile:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while block := file.read(_READ_BYTES):
            digest.update(block)
            size += len(block)
    return ReceivedFile(path=path, filename=path.name, size=size, sha256=digest.hexdigest())


@router.get("", response_model=Page[DemoFileOut])
def list_demo_files(settings: SettingsDep) -> Any:
    """The demo files on offer: the data_splits sections present on disk, with rows and size."""
    files = [
        _describe(name, path)
        for name in SPLIT_NAMES
        if (path := demo_path(settings.demo_dir, name)) is not None
    ]
    return Page[DemoFileOut](data=files, count=len(files))


@router.post(
    "/{name}",
    status_code=status.HTTP_201_CREATED,
    response_model=BatchUploadOut,
    responses={
        200: {"model": BatchUploadOut, "description": "this demo file was scored before"},
        404: {"description": "no demo file of that name"},
        422: {"model": RejectedOut, "description": "the file was rejected; nothing was stored"},
    },
)
async def run_demo(
    name: str,
    response: Response,
    session: SessionDep,
    scorer: ScorerDep,
    settings: SettingsDep,
    policy: PolicyDep,
) -> Any:
    """Score one demo file through the same path as an upload and return the batch."""
    path = demo_path(settings.demo_dir, name)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no demo file named {name!r}")
    started = time.perf_counter()
    received = await run_in_threadpool(_received, path)
    # The holdout is evaluation data: never trained on, whatever happens to it later.
    role = "evaluation" if name == "holdout" else "training"
    return await answer_ingest(received, response, session, scorer, policy, started, role)
