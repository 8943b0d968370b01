"""The decision policy in force: the band bounds and the shadow challenger.

Both live in `policy_events` (the latest event of a kind is in force, every change is kept with its author
and note). Deciding must never wait for the database, so each process keeps the policy in memory
(`Policy.current`, one immutable snapshot swapped by a single assignment) and refreshes it every few
seconds off the request path: an asyncio task in the API, a daemon thread in a stream worker. The
database being away keeps the last policy in force. A change made through this process is applied at
once (`Policy.install`); other processes pick it up at their next refresh.

Bands: an admin's bounds when one set them, else the settings' default `bands_for(threshold, …)`, which
follows the champion's threshold. Either way the bounds used are stored with every decision, so a change
applies to new decisions only.
"""

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from fraudops.ml.scorer import Scorer
from fraudops.monitoring.bands import Bands, bands_for
from fraudops.tables import policy_events
from fraudops.versions import VersionLoader, VersionUnavailable

log = logging.getLogger(__name__)

Kind = Literal["bands", "challenger"]
REFRESH_SECONDS = 2.0
# A challenger that failed to load is tried again after this long, not at every refresh.
RETRY_LOAD_SECONDS = 30.0


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    value: dict[str, Any]
    actor: str | None
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class Snapshot:
    """The policy at one moment. Readers take `Policy.current` once and use that object throughout."""

    bands_override: Bands | None = None
    bands_event: Event | None = None
    challenger_version: str | None = None  # the version in force, loaded or not
    challenger: Scorer | None = None  # its scorer once loaded
    challenger_event: Event | None = None
    challenger_error: str | None = None  # why the challenger in force is not scoring
    # The settings' bounds (BAND_REVIEW_AT, BAND_DECLINE_AT; None follows the champion's threshold).
    default_review_at: float | None = None
    default_decline_at: float | None = None

    def bands(self, threshold: float) -> Bands:
        """The bounds for a decision by a model with this threshold."""
        return self.bands_override or bands_for(threshold, self.default_review_at, self.default_decline_at)

    @property
    def bands_source(self) -> Literal["settings", "admin"]:
        return "admin" if self.bands_override is not None else "settings"


def record(session: Session, kind: Kind, value: dict[str, Any], actor: str | None, note: str | None) -> Event:
    """Append a policy event (the caller commits); it is in force from then on."""
    row = session.execute(
        insert(policy_events)
        .values(kind=kind, value=value, actor=actor, note=note)
        .returning(*policy_events.c)
    ).one()
    return _event(row)


def latest(session: Session, kind: Kind) -> Event | None:
    c = policy_events.c
    row = session.execute(select(policy_events).where(c.kind == kind).order_by(c.id.desc()).limit(1)).first()
    return _event(row) if row is not None else None


def history(session: Session, kind: Kind, limit: int = 50) -> list[Event]:
    c = policy_events.c
    rows = session.execute(select(policy_events).where(c.kind == kind).order_by(c.id.desc()).limit(limit))
    return [_event(row) for row in rows]


def _event(row: Any) -> Event:
    return Event(row.id, row.kind, dict(row.value), row.actor, row.note, row.created_at)


def _bands_of(event: Event | None) -> Bands | None:
    if event is None or event.value.get("review_at") is None:
        return None  # no override, or an event that went back to the settings' default
    try:
        return Bands(float(event.value["review_at"]), float(event.value["decline_at"]))
    except (KeyError, TypeError, ValueError):
        log.error("policy event %d holds invalid bands %r; ignored", event.id, event.value)
        return None


@dataclass
class Policy:
    session_factory: sessionmaker[Session]
    review_at: float | None = None  # the settings' default bounds
    decline_at: float | None = None
    loader: VersionLoader | None = None  # None: challengers are never loaded
    refresh_seconds: float = REFRESH_SECONDS
    current: Snapshot = field(default_factory=Snapshot)
    failing: str | None = None  # the last refresh's error while the database is away
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _failed_load_at: float = 0.0

    def __post_init__(self) -> None:
        self.current = replace(
            self.current, default_review_at=self.review_at, default_decline_at=self.decline_at
        )

    def refresh(self) -> Snapshot:
        """Read the events in force and load a new challenger if it changed. Blocking: run off the event
        loop. Never raises: the database being away keeps the policy as it was."""
        try:
            with self.session_factory() as session:
                bands_event, challenger_event = latest(session, "bands"), latest(session, "challenger")
                with self._lock:
                    self._apply(session, bands_event, challenger_event)
        except Exception as error:
            self.failing = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:200]}"
            log.warning("policy refresh failed, keeping the policy in force: %s", self.failing)
        else:
            self.failing = None
        return self.current

    def _apply(self, session: Session, bands_event: Event | None, challenger_event: Event | None) -> None:
        now = self.current
        new = replace(now, bands_override=_bands_of(bands_event), bands_event=bands_event)
        version = challenger_event.value.get("version") if challenger_event is not None else None
        new = replace(new, challenger_event=challenger_event)
        if version is None:
            new = replace(new, challenger_version=None, challenger=None, challenger_error=None)
        elif version != now.challenger_version or (
            now.challenger is None and time.monotonic() - self._failed_load_at > RETRY_LOAD_SECONDS
        ):
            scorer, error = self._load(session, str(version))
            new = replace(new, challenger_version=str(version), challenger=scorer, challenger_error=error)
        self.current = new  # the swap: one assignment

    def _load(self, session: Session, version: str) -> tuple[Scorer | None, str | None]:
        if self.loader is None:
            return None, "this process does not load challengers"
        try:
            return self.loader.load(session, version), None
        except VersionUnavailable as error:
            self._failed_load_at = time.monotonic()
            log.error("shadow challenger %s not scoring: %s", version, error)
            return None, str(error)

    def install(self, event: Event, challenger: Scorer | None = None) -> None:
        """Apply an event this process just recorded, without waiting for the next refresh."""
        with self._lock:
            if event.kind == "bands":
                self.current = replace(self.current, bands_override=_bands_of(event), bands_event=event)
            else:
                version = event.value.get("version")
                self.current = replace(
                    self.current,
                    challenger_event=event,
                    challenger_version=version,
                    challenger=challenger if version is not None else None,
                    challenger_error=None,
                )

    async def run(self) -> None:
        """Refresh every `refresh_seconds` in a worker thread, for ever (cancel to stop)."""
        while True:
            await asyncio.sleep(self.refresh_seconds)
            with contextlib.suppress(Exception):  # refresh never raises; belt and braces for the loop
                await asyncio.to_thread(self.refresh)

    def start_thread(self) -> threading.Thread:
        """Refresh in a daemon thread (the stream worker, which has no event loop)."""

        def loop() -> None:
            while True:
                time.sleep(self.refresh_seconds)
                self.refresh()

        thread = threading.Thread(target=loop, name="policy-refresh", daemon=True)
        thread.start()
        return thread
