"""What guards every request before a route sees it: security headers, a cross-site request guard, per-client
rate limits on uploads and feedback, and a byte cap on request bodies.

All of it is plain ASGI rather than BaseHTTPMiddleware, which buffers responses and costs the real-time path
(/api/predict) far more than the few microseconds these layers take: header lists are built once, and a
request that no rule concerns passes with a couple of string comparisons. Every refusal is FastAPI-shaped
JSON, `{"detail": "..."}`, and never repeats anything the client sent.
"""

import ipaddress
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fraudops.core.config import Settings

Headers = list[tuple[bytes, bytes]]

# The built page: Vite's module script and stylesheet from /assets, a data: favicon, fetch/XHR to the same
# origin. No 'unsafe-inline' even for styles: React (and Recharts through it) sets style props through the
# CSSOM, which CSP allows; the browser tests (frontend/e2e) fail on any violation.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from jsDelivr and start them with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
OTHER_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
# /api answers are data, never a document: nothing may load from them or frame them (OWASP's REST security
# headers). The page's policy, the referrer and opener policies only mean something to a document, and
# every header is written and checked on each of /api/predict's requests.
API_HEADERS = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}
API_PREFIX = "/api/"

_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The upload route streams its body to disk under its own cap (MAX_UPLOAD_MB), so the JSON cap skips it.
UPLOAD_PATH = "/api/batches"
DEMO_PREFIX = "/api/demo/"
FEEDBACK_PATH = "/api/feedback"
# Rate-limit tables forget the longest-idle client beyond this many: many addresses cost bounded memory.
MAX_TRACKED_CLIENTS = 10_000


async def refuse(send: Send, status: int, detail: str, headers: Headers | None = None) -> None:
    """Answer with FastAPI's error shape, without involving the app."""
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header_list(values: dict[str, str]) -> Headers:
    return [(name.encode(), value.encode()) for name, value in values.items()]


class SecurityHeaders:
    """Adds the security headers to every response (the page's, the API docs', or the API's own), leaving
    any header a route set itself."""

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str]) -> None:
        self.app = app
        self.page_headers = _header_list({"content-security-policy": PAGE_CSP, **OTHER_HEADERS})
        self.docs_headers = _header_list({"content-security-policy": DOCS_CSP, **OTHER_HEADERS})
        self.api_headers = _header_list(API_HEADERS)
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(API_PREFIX):
            ours = self.api_headers
        else:
            ours = self.docs_headers if path in self.docs_paths else self.page_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in ours if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CORS(CORSMiddleware):
    """Starlette's CORS handling, skipped for a state-changing request that names no Origin (curl, the
    stream producer, other servers: not a browser, so nothing for CORS to grant).

    For those Starlette would only add `Vary: Origin`, which matters to a cache deciding whether to reuse
    a response, and caches do not reuse responses to POST, PUT, PATCH or DELETE. The skip spares
    /api/predict building a header view of the request and wrapping its response (~3 % of its CPU).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _UNSAFE_METHODS
            and not any(name == b"origin" for name, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def normalise_origin(origin: str) -> str:
    """`HTTPS://Example.com:443/` → `https://example.com`: the form browsers send in `Origin`."""
    origin = origin.strip().rstrip("/").lower()
    for scheme, port in (("http://", ":80"), ("https://", ":443")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin.removesuffix(port)
    return origin


def _drop_default_port(host: str) -> str:
    return host.removesuffix(":80").removesuffix(":443")


class CrossSiteGuard:
    """Refuses a state-changing /api request that a browser made on behalf of another site.

    Browsers send `Origin` on every cross-site POST (a plain HTML form included), so a request whose Origin
    (or, without one, whose Referer) is neither this host nor one of CORS_ORIGINS came from a page that has no
    business changing anything here. Requests naming no origin at all (curl, the stream producer, other
    servers) are not a browser acting for someone else and pass. The scheme is not compared, because a TLS
    proxy in front makes the server see http while the page is https.
    """

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str]) -> None:
        self.app = app
        allowed = {normalise_origin(o) for o in allowed_origins}
        self.allow_any = "*" in allowed  # CORS_ORIGINS=* already opens the API to every site
        self.allowed = frozenset(allowed)
        self.allowed_as_sent = frozenset(o.encode("latin-1") for o in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _UNSAFE_METHODS
            and scope["path"].startswith("/api/")
            and not self.allow_any
            and not self._allowed(scope["headers"])
        ):
            await refuse(
                send,
                403,
                "cross-site request refused: its Origin (or Referer) is neither this site "
                "nor one of CORS_ORIGINS",
            )
            return
        await self.app(scope, receive, send)

    def _allowed(self, headers: Iterable[tuple[bytes, bytes]]) -> bool:
        origin = referer = None
        hosts: list[bytes] = []
        for name, value in headers:
            if name == b"origin":
                origin = value
            elif name == b"referer":
                referer = value
            elif name in (b"host", b"x-forwarded-host"):
                # A proxy may rewrite Host and keep the public one here; a browser never lets a page set it.
                hosts.append(value)
        if origin is None:
            if referer is None:
                return True
            origin = _origin_of_url(referer.decode("latin-1")).encode("latin-1")
        # The common cases cost a comparison or two: the page's own origin, or an allowed one, as browsers
        # send them.
        if origin in self.allowed_as_sent:
            return True
        for host in hosts:
            if origin.endswith(host) and origin[: -len(host)] in (b"http://", b"https://"):
                return True
        return self._allowed_after_normalising(origin.decode("latin-1"), hosts)

    def _allowed_after_normalising(self, origin: str, hosts: list[bytes]) -> bool:
        origin = normalise_origin(origin)
        if origin in self.allowed:
            return True
        scheme, _, netloc = origin.partition("://")
        names = (h.decode("latin-1").split(",")[0].strip().lower() for h in hosts)
        return scheme in ("http", "https") and any(_drop_default_port(name) == netloc for name in names)


def _origin_of_url(url: str) -> str:
    """The origin a Referer names; "null" (which no host matches) when it cannot be read."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "null"
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class TokenBuckets:
    """One token bucket per client: bursts of up to `per_minute` requests, refilled at `per_minute` a minute.

    The table is ordered by last use and forgets the longest-idle client beyond `max_clients`: a bucket idle
    for a minute is full again anyway, so forgetting it loses nothing, and many addresses cost bounded memory.
    `clock` is injectable so tests can move time on.
    """

    def __init__(
        self,
        per_minute: int,
        max_clients: int = MAX_TRACKED_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)

    def take(self, client: str) -> float:
        """Spend one of `client`'s tokens: 0 when it had one, else the seconds until it will."""
        now = self.clock()
        tokens, at = self._buckets.pop(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + max(now - at, 0.0) * self.refill_per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.refill_per_second
        self._buckets[client] = (tokens, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


def client_key(scope: Scope) -> str:
    """Who a request counts against: its IPv4 address, or its IPv6 /64 (one host's usual allocation, so
    rotating through its own addresses buys nothing)."""
    client = scope.get("client")
    host = client[0] if client else "unknown"
    if ":" in host:
        try:
            return str(ipaddress.IPv6Network((host, 64), strict=False))
        except ValueError:
            pass
    return host


@dataclass(frozen=True)
class Limit:
    """A rate limit on POSTs to some paths: its name, what the refusal calls them, and their buckets."""

    name: str
    what: str
    paths: frozenset[str]
    prefixes: tuple[str, ...]
    buckets: TokenBuckets

    def covers(self, path: str) -> bool:
        return path in self.paths or path.startswith(self.prefixes)


class RateLimit:
    """Answers 429 with Retry-After once a client has spent its tokens for a limited route."""

    def __init__(self, app: ASGIApp, limits: Iterable[Limit]) -> None:
        self.app = app
        self.limits = tuple(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["path"]
            for limit in self.limits:
                if limit.covers(path):
                    wait = limit.buckets.take(client_key(scope))
                    if wait > 0:
                        retry_after = max(1, math.ceil(wait))
                        await refuse(
                            send,
                            429,
                            f"too many {limit.what} from this client: at most {limit.buckets.per_minute} "
                            f"a minute; retry in {retry_after} s",
                            [(b"retry-after", str(retry_after).encode())],
                        )
                        return
                    break
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuses a request body over `max_mb` with 413 before the app reads any of it.

    A declared Content-Length over the cap is refused at once; otherwise the body is read here, counting
    bytes as they arrive (a chunked body declares no length, and a declared one may lie), and handed to the
    app only when it is whole and within the cap. JSON routes read their whole body before parsing anyway,
    so this holds no more than they would. `exempt` paths (the upload) stream under their own cap.
    """

    def __init__(self, app: ASGIApp, max_mb: float, exempt: Iterable[str]) -> None:
        self.app = app
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.exempt = frozenset(exempt)
        self.detail = f"the request body is larger than the {max_mb:g} MB limit (MAX_JSON_MB)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _UNSAFE_METHODS or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > self.max_bytes:
                    await refuse(send, 413, self.detail)
                    return
                break
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: let the app see it
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await refuse(send, 413, self.detail)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(messages, receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that first gives back the messages already read, then reads on (e.g. for a disconnect)."""
    pending = iter(messages)

    async def replay() -> Message:
        message = next(pending, None)
        return message if message is not None else await receive()

    return replay


def _limit(name: str, what: str, per_minute: int, path: str, *prefixes: str) -> Limit | None:
    """The limit on `path` (and paths under `prefixes`), or None when `per_minute` is 0 (off)."""
    if per_minute <= 0:
        return None
    return Limit(name, what, frozenset({path}), prefixes, TokenBuckets(per_minute))


def install(app: FastAPI, settings: Settings) -> None:
    """Adds all the guards to `app`, wherever it is called in building it.

    The security headers go outermost, so the guards' own refusals carry them too; the guards go innermost,
    inside CORSMiddleware, so a refusal to an allowed cross-origin page still carries CORS headers the page
    can read. `rate_limits(app)` finds the rate-limit buckets again, for inspection and tests.
    """
    docs_paths = [p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p]
    app.user_middleware.insert(0, Middleware(SecurityHeaders, docs_paths=docs_paths))
    app.user_middleware.append(Middleware(CrossSiteGuard, allowed_origins=settings.cors_origins))
    limits = [
        _limit("uploads", "uploads", settings.rate_limit_uploads_per_minute, UPLOAD_PATH, DEMO_PREFIX),
        _limit("feedback", "feedback requests", settings.rate_limit_feedback_per_minute, FEEDBACK_PATH),
    ]
    active = [limit for limit in limits if limit is not None]
    if active:
        app.user_middleware.append(Middleware(RateLimit, limits=active))
    app.user_middleware.append(Middleware(BodyLimit, max_mb=settings.max_json_mb, exempt=[UPLOAD_PATH]))


def rate_limits(app: FastAPI) -> dict[str, TokenBuckets]:
    """The rate-limit buckets `install` gave `app`, by name ("uploads", "feedback"); none when turned off."""
    return {
        limit.name: limit.buckets
        for middleware in app.user_middleware
        if middleware.cls is RateLimit  # type: ignore[comparison-overlap]  # Starlette types `cls` as a factory
        for limit in cast(list[Limit], middleware.kwargs["limits"])
    }
