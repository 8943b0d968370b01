"""Receive an uploaded file by streaming the request body to disk: never held whole in memory, hashed
and size-checked as it arrives, so an over-size upload is refused after `max_bytes`, not at its end.

A multipart body is accepted only whole: well framed, with its closing boundary. Anything else (cut off,
a wrong boundary, malformed part headers) is a BadUpload (400), and the temporary file is removed.
"""

import hashlib
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
DEFAULT_FILENAME = "upload.csv"
MAX_FILENAME_CHARS = 255  # the batches.filename column
# Temporary files are named upload-<pid>-<random>.csv, so a sweep knows ours and whose they are.
TEMP_PREFIX = "upload-"
_TEMP_NAME = re.compile(rf"^{TEMP_PREFIX}(\d+)-")


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than the limit of {limit / 1024 / 1024:.0f} MB")
        self.limit = limit


class BadUpload(Exception):
    pass


@dataclass
class ReceivedFile:
    path: Path
    filename: str
    size: int
    sha256: str


class _Sink:
    """Write bytes to a temp file while hashing and counting them."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by receive, kept on success)
            dir=directory, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".csv", delete=False
        )
        self.hash = hashlib.sha256()
        self.size = 0
        self.max_bytes = max_bytes

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise UploadTooLarge(self.max_bytes)
        self.hash.update(data)
        self.file.write(data)


async def receive(
    request: Request, directory: Path, max_bytes: int, filename: str | None = None
) -> ReceivedFile:
    """Store the uploaded CSV from a multipart form (field `file`) or a raw `text/csv` body.

    The caller owns the returned file and must delete it. On error nothing is left behind.
    """
    declared = request.headers.get("content-length")
    if (
        declared and declared.isdigit() and int(declared) > max_bytes + 64 * 1024
    ):  # room for multipart framing
        raise UploadTooLarge(max_bytes)
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    sink = _Sink(directory, max_bytes)
    try:
        if content_type == b"multipart/form-data":
            name = await _receive_multipart(request, params.get(b"boundary"), sink)
        elif content_type in (b"text/csv", b"application/octet-stream", b"text/plain"):
            async for chunk in request.stream():
                sink.write(chunk)
            name = DEFAULT_FILENAME
        else:
            raise BadUpload("send the CSV as multipart/form-data (field 'file') or as a text/csv body")
        sink.file.close()
    except ClientDisconnect:
        _discard(sink)
        raise BadUpload("the upload was interrupted before the whole body arrived") from None
    except BaseException:
        _discard(sink)
        raise
    return ReceivedFile(
        Path(sink.file.name), clean_filename(filename or name), sink.size, sink.hash.hexdigest()
    )


def _discard(sink: _Sink) -> None:
    sink.file.close()
    Path(sink.file.name).unlink(missing_ok=True)


def clean_filename(raw: str) -> str:
    """A name fit to store and show: the last path part, no control characters, at most 255 characters."""
    name = re.split(r"[/\\]", raw)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")  # controls, bidi overrides, ...
    name = name.strip()[:MAX_FILENAME_CHARS].strip()
    return name if name not in ("", ".", "..") else DEFAULT_FILENAME


async def _receive_multipart(request: Request, boundary: bytes | None, sink: _Sink) -> str:
    if not boundary:
        raise BadUpload("multipart body without a boundary")
    form = _FileForm(sink)
    try:
        parser = MultipartParser(boundary, form.callbacks())
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()  # checks nothing: whether the end was reached is form.ended
    except (MultipartParseError, FormParserError) as error:
        raise BadUpload(f"malformed multipart body: {error}") from None
    if not form.ended:
        raise BadUpload("the multipart body ends before its closing boundary: the upload was cut off")
    if not form.seen:
        raise BadUpload(f"the multipart form has no '{FILE_FIELD}' field")
    return form.filename


class _FileForm:
    """Parser callbacks that stream the first `file` part into the sink and note how the body ends."""

    def __init__(self, sink: _Sink) -> None:
        self.sink = sink
        self.headers: dict[bytes, bytes] = {}
        self.field = bytearray()
        self.value = bytearray()
        self.in_file = False
        self.seen = False
        self.ended = False
        self.filename = DEFAULT_FILENAME

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self.headers.clear,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.field.extend(data[start:end])

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value.extend(data[start:end])

    def on_header_end(self) -> None:
        self.headers[bytes(self.field).lower()] = bytes(self.value)
        self.field.clear()
        self.value.clear()

    def on_headers_finished(self) -> None:
        _, disposition = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.in_file = disposition.get(b"name") == FILE_FIELD.encode() and not self.seen
        if self.in_file:
            self.seen = True
            raw = disposition.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw else DEFAULT_FILENAME

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.sink.write(data[start:end])

    def on_part_end(self) -> None:
        self.in_file = False

    def on_end(self) -> None:
        self.ended = True


def sweep_stale(directory: Path, older_than_s: float = 0) -> int:
    """Delete temporary upload files a crashed process left behind; returns how many were deleted.

    Only files named like ours (upload-<pid>-…) and last written more than `older_than_s` ago; a file of
    another process that is still running is kept, so a worker starting beside others never deletes an
    upload in flight. Meant for start-up, before this process receives anything.
    """
    if not directory.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    deleted = 0
    for path in directory.glob(f"{TEMP_PREFIX}*"):
        try:
            if not path.is_file() or path.stat().st_mtime > cutoff or _owner_alive(path.name):
                continue
            path.unlink()
            deleted += 1
        except FileNotFoundError:  # another process swept it first
            continue
    return deleted


def _owner_alive(name: str) -> bool:
    """Whether the process named in the file name is running (and is not this one)."""
    match = _TEMP_NAME.match(name)
    if match is None:
        return False
    pid = int(match.group(1))
    if pid == os.getpid():  # ours from before a restart (same pid in a fresh container): stale
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's process
        return True
    except OverflowError:
        return False
    return True
