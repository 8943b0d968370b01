"""Serve the built page (frontend/dist): compressed, cached for as long as each file can be, SPA deep links.

- `/assets/*` are Vite's content-hashed files: a new build gives them new names, so a browser may keep them a
  year without asking again (`immutable`). Everything else (index.html above all) is `no-cache`: the browser
  revalidates with the ETag on each visit, and a new deploy is seen at once.
- Compression costs nothing per request: the build writes `.br` and `.gz` beside each text file
  (frontend/scripts/precompress.ts), and the one the client accepts is sent with `Content-Encoding`.
  A dist built without them is served uncompressed, never compressed on the fly (a CPU cost per request).
- A GET for a path with no file and no extension (a client-side route) gets index.html; a missing
  `/assets/...` file or `/api/...` route is a 404, never HTML a script tag would try to run.
- Only files under `dist` are served: the path is resolved and must stay inside it; dotfiles are never served.
The security headers (CSP and the rest) come from the middleware around the whole app.
"""

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
ASSETS_PREFIX = "assets/"
# First path segments the page never owns: a miss there is the API's 404, not the page.
NOT_PAGE_SEGMENTS = frozenset({"api", "docs", "redoc", "openapi.json", "assets"})
# Preferred first: brotli is smaller (the page's build: 210 kB against 245 kB for gzip, 798 kB raw).
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))

mimetypes.add_type("text/javascript", ".js")  # some systems' tables say application/javascript or nothing
mimetypes.add_type("text/javascript", ".mjs")


@dataclass(frozen=True)
class Chosen:
    path: Path  # the file to send (maybe a compressed sibling)
    media_type: str  # the type of what it decodes to
    encoding: str | None
    cache_control: str


def accepted_encodings(header: str) -> set[str]:
    """Codings the client accepts (q=0 refuses one); `*` is not honoured: a named coding is wanted."""
    accepted = set()
    for part in header.split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        q = next((p.removeprefix("q=") for p in params if p.startswith("q=")), "1")
        try:
            weight = float(q)
        except ValueError:
            weight = 0.0
        if name and weight > 0:
            accepted.add(name.lower())
    return accepted


class FrontendFiles:
    """An ASGI app serving `dist`; mount it at "/" after every API router."""

    def __init__(self, dist: Path) -> None:
        self.root = dist.resolve()
        self.index = self.root / "index.html"

    def resolve(self, route: str) -> Path | None:
        """The file under the root a URL path names, or None (missing, a directory, a dotfile, outside)."""
        parts = PurePosixPath(route).parts
        if any(p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
            return None
        candidate = (self.root / route).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def choose(self, file: Path, route: str, accept_encoding: str) -> Chosen:
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        cache = IMMUTABLE if route.startswith(ASSETS_PREFIX) else REVALIDATE
        accepted = accepted_encodings(accept_encoding)
        for coding, suffix in ENCODINGS:
            sibling = file.with_name(file.name + suffix)
            if coding in accepted and sibling.is_file():
                return Chosen(sibling, media_type, coding, cache)
        return Chosen(file, media_type, None, cache)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no websockets here
            return
        response = self.respond(scope)
        await response(scope, receive, send)

    def respond(self, scope: Scope) -> Response:
        method = scope["method"]
        route = _route_path(scope).lstrip("/")
        if method not in ("GET", "HEAD"):
            return JSONResponse({"detail": "Method Not Allowed"}, 405, headers={"allow": "GET, HEAD"})
        file = self.resolve(route) if route else None
        if file is None:
            if not self.is_page_route(route) or not self.index.is_file():
                return JSONResponse({"detail": "Not Found"}, 404)
            file, route = self.index, "index.html"
        headers = Headers(scope=scope)
        chosen = self.choose(file, route, headers.get("accept-encoding", ""))
        return self.file_response(chosen, headers)

    @staticmethod
    def is_page_route(route: str) -> bool:
        """A path the page's router may own: not the API's, not a file's (no extension in its last part)."""
        first, _, _ = route.partition("/")
        last = route.rsplit("/", 1)[-1]
        return first not in NOT_PAGE_SEGMENTS and "." not in last

    @staticmethod
    def file_response(chosen: Chosen, request_headers: Headers) -> Response:
        stat = os.stat(chosen.path)
        response = FileResponse(chosen.path, media_type=chosen.media_type, stat_result=stat)
        response.headers["cache-control"] = chosen.cache_control
        # The answer depends on Accept-Encoding wherever a compressed sibling could have been chosen.
        response.headers["vary"] = "Accept-Encoding"
        if chosen.encoding:
            response.headers["content-encoding"] = chosen.encoding
        etag = response.headers.get("etag")
        tags = _etags(request_headers.get("if-none-match", ""))
        if etag and (etag in tags or "*" in tags):
            return Response(status_code=304, headers=_not_modified_headers(response))
        return response


def _route_path(scope: Scope) -> str:
    """The path below the app's root path (as Starlette's own routing reads it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :]
    return path


def _etags(header: str) -> set[str]:
    """The tags of If-None-Match, compared weakly (RFC 9110: the W/ prefix does not matter for GET)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _not_modified_headers(response: Response) -> dict[str, str]:
    keep = ("cache-control", "etag", "vary", "content-encoding", "last-modified")
    return {name: response.headers[name] for name in keep if name in response.headers}


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Serve the built page at "/" (after the API's routes, which match first)."""
    app.mount("/", FrontendFiles(dist), name="frontend")
