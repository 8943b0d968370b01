"""Receive an uploaded file by streaming the request body to disk: never held whole in memory, hashed
and size-checked as it arrives, so an over-size upload is refused after `max_bytes`, not at its end."""

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

FILE_FIELD = "file"


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
        self.file = tempfile.NamedTemporaryFile(dir=directory, suffix=".csv", delete=False)  # noqa: SIM115
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
            name = filename or "upload.csv"
        else:
            raise BadUpload("send the CSV as multipart/form-data (field 'file') or as a text/csv body")
        sink.file.close()
        return ReceivedFile(Path(sink.file.name), (filename or name)[:255], sink.size, sink.hash.hexdigest())
    except BaseException:
        sink.file.close()
        Path(sink.file.name).unlink(missing_ok=True)
        raise


async def _receive_multipart(request: Request, boundary: bytes | None, sink: _Sink) -> str:
    if not boundary:
        raise BadUpload("multipart body without a boundary")
    state: dict[str, object] = {"headers": {}, "field": b"", "in_file": False, "seen": False, "filename": ""}
    header_field = bytearray()
    header_value = bytearray()

    def on_part_begin() -> None:
        state["headers"] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers = state["headers"]
        assert isinstance(headers, dict)
        headers[bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        headers = state["headers"]
        assert isinstance(headers, dict)
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        is_file = disposition.get(b"name") == FILE_FIELD.encode() and not state["seen"]
        state["in_file"] = is_file
        if is_file:
            state["seen"] = True
            state["filename"] = disposition.get(b"filename", b"upload.csv").decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["in_file"]:
            sink.write(data[start:end])

    def on_part_end() -> None:
        state["in_file"] = False

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    async for chunk in request.stream():
        parser.write(chunk)
    parser.finalize()
    if not state["seen"]:
        raise BadUpload(f"the multipart form has no '{FILE_FIELD}' field")
    return str(state["filename"])
