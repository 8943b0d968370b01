"""The shadow challenger: a registered model version scored beside the champion on live traffic (logged,
never deciding), compared once labels arrive, and promoted through the training gate and the hot swap."""

import threading
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy.orm import Session

from fraudops import policy as policies
from fraudops import shadow
from fraudops.api.deps import (
    ADMIN_ONLY,
    ModelsDep,
    PolicyDep,
    ScorerDep,
    SessionDep,
    SettingsDep,
    require_admin,
)
from fraudops.ml import artifact, version_store
from fraudops.schemas import NO_CONTROL_CHARACTERS
from fraudops.tables import ModelVersion
from fraudops.training import gate
from fraudops.versions import UnknownVersion, VersionLoader, VersionUnavailable

router = APIRouter(prefix="/challenger", tags=["challenger"])

Version = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS)]
Note = Annotated[str, StringConstraints(max_length=500, pattern=NO_CONTROL_CHARACTERS)]
Actor = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS)]
_promoting = threading.Lock()  # one promotion at a time in this process


class ChallengerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Version | None  # null stops shadow scoring
    note: Note | None = None
    actor: Actor = "admin"


class ChallengerChange(BaseModel):
    id: int
    version: str | None
    actor: str | None
    note: str | None
    created_at: datetime


class ChallengerOut(BaseModel):
    version: str | None  # the challenger in force; null: no shadow scoring
    scoring: bool  # loaded and scoring in this process
    error: str | None  # why it is not scoring, when it is not
    threshold: float | None
    champion_version: str
    changed: ChallengerChange | None
    history: list[ChallengerChange]  # newest first


class SideOut(BaseModel):
    version: str
    threshold: float
    auprc: float | None
    recall_at_threshold: float | None
    precision_at_threshold: float | None
    flagged: int  # labeled rows flagged at its own threshold


class DisagreementsOut(BaseModel):
    rows: int  # rows both scored where exactly one flags
    champion_only: int
    challenger_only: int
    labeled_rows: int
    labeled_frauds: int


class ComparisonOut(BaseModel):
    champion_version: str
    challenger_version: str | None
    rows: int  # live rows both models scored
    labeled_rows: int
    labeled_frauds: int
    comparable: bool  # both classes among the labeled rows
    reason: str | None
    champion: SideOut | None
    challenger: SideOut | None
    disagreements: DisagreementsOut | None


class PromotionOut(BaseModel):
    promoted: bool
    previous_version: str | None
    version: str
    reason: str
    delta: float | None  # challenger AUPRC minus champion AUPRC on the labeled live rows
    comparison: ComparisonOut


def _change(event: policies.Event) -> ChallengerChange:
    return ChallengerChange(
        id=event.id,
        version=event.value.get("version"),
        actor=event.actor,
        note=event.note,
        created_at=event.created_at,
    )


def _challenger_out(session: Session, policy: policies.Policy, champion: str) -> ChallengerOut:
    snapshot = policy.current
    return ChallengerOut(
        version=snapshot.challenger_version,
        scoring=snapshot.challenger is not None,
        error=snapshot.challenger_error,
        threshold=_threshold(session, snapshot),
        champion_version=champion,
        changed=_change(snapshot.challenger_event) if snapshot.challenger_event else None,
        history=[_change(e) for e in policies.history(session, "challenger")],
    )


def _threshold(session: Session, snapshot: policies.Snapshot) -> float | None:
    if snapshot.challenger is not None:
        return snapshot.challenger.threshold
    if snapshot.challenger_version is None:
        return None
    known = session.get(ModelVersion, snapshot.challenger_version)
    return None if known is None else known.threshold


def _loader(policy: policies.Policy) -> VersionLoader:
    if policy.loader is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "this server does not load model versions")
    return policy.loader


@router.get("", response_model=ChallengerOut)
def get_challenger(session: SessionDep, policy: PolicyDep, scorer: ScorerDep) -> Any:
    """The challenger in force (scored in shadow beside the champion) and every change, newest first."""
    return _challenger_out(session, policy, scorer.version)


@router.put(
    "",
    response_model=ChallengerOut,
    dependencies=[Depends(require_admin)],
    responses={
        **ADMIN_ONLY,
        404: {"description": "no such registered model version"},
        409: {"description": "the version cannot be loaded, or it is the champion"},
    },
)
def put_challenger(body: ChallengerIn, session: SessionDep, policy: PolicyDep, scorer: ScorerDep) -> Any:
    """Designate a registered model version as the shadow challenger, or stop with `null` (admin). The
    version is loaded before the change is recorded, so a challenger in force is one that scores."""
    challenger = None
    if body.version is not None:
        if body.version == scorer.version:
            raise HTTPException(status.HTTP_409_CONFLICT, f"{body.version} is the champion already")
        try:
            challenger = _loader(policy).load(session, body.version)
        except UnknownVersion as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
        except VersionUnavailable as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    event = policies.record(session, "challenger", {"version": body.version}, body.actor, body.note)
    session.commit()
    policy.install(event, challenger)
    return _challenger_out(session, policy, scorer.version)


def _comparison(session: Session, snapshot: policies.Snapshot, champion: Any) -> ComparisonOut:
    version = snapshot.challenger_version
    empty = ComparisonOut(
        champion_version=champion.version, challenger_version=version, rows=0, labeled_rows=0,
        labeled_frauds=0, comparable=False, reason="no challenger is set", champion=None,
        challenger=None, disagreements=None,
    )  # fmt: skip
    threshold = _threshold(session, snapshot)
    if version is None or threshold is None:
        return empty
    figures = shadow.compare(
        shadow.paired_scores(session, champion.version, version), champion.threshold, threshold
    )
    return ComparisonOut(
        champion_version=champion.version,
        challenger_version=version,
        rows=figures["rows"],
        labeled_rows=figures["labeled_rows"],
        labeled_frauds=figures["labeled_frauds"],
        comparable=figures["comparable"],
        reason=figures["reason"],
        champion=SideOut(version=champion.version, threshold=champion.threshold, **figures["champion"]),
        challenger=SideOut(version=version, threshold=threshold, **figures["challenger"]),
        disagreements=DisagreementsOut(**figures["disagreements"]),
    )


@router.get("/comparison", response_model=ComparisonOut)
def comparison(session: SessionDep, policy: PolicyDep, scorer: ScorerDep) -> Any:
    """Champion against challenger on the live rows both scored: AUPRC, recall and precision at each
    model's own threshold on the labeled ones, and the rows where they disagree."""
    return _comparison(session, policy.current, scorer)


@router.post(
    "/promote",
    response_model=PromotionOut,
    dependencies=[Depends(require_admin)],
    responses={
        **ADMIN_ONLY,
        409: {"description": "no challenger, a promotion under way, or the gate kept the champion"},
    },
)
def promote(
    session: SessionDep,
    policy: PolicyDep,
    scorer: ScorerDep,
    models: ModelsDep,
    settings: SettingsDep,
    force: Annotated[bool, Query(description="promote even if not better than the champion")] = False,
) -> Any:
    """Make the challenger the champion (admin) through the training gate, on the labeled live rows both
    scored: its AUPRC must beat the champion's by the promotion margin (`force` overrides, saying so).
    The champion folder is swapped and hot-loaded: requests in flight finish on the old model."""
    if not _promoting.acquire(blocking=False):
        raise HTTPException(status.HTTP_409_CONFLICT, "a promotion is under way")
    try:
        snapshot = policy.current
        version = snapshot.challenger_version
        if version is None:
            raise HTTPException(status.HTTP_409_CONFLICT, "no challenger is set: PUT /api/challenger first")
        compared = _comparison(session, snapshot, scorer)
        decision = _gate(compared, settings.promotion_margin, force)
        if not decision.promote:
            raise HTTPException(status.HTTP_409_CONFLICT, decision.reason)
        loader = _loader(policy)
        try:
            folder = loader.locate(session, version)
            onnx_bytes, card = artifact.read(folder)
        except VersionUnavailable as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
        profile = artifact.read_profile(folder, version)
        # The outgoing champion stays loadable (as a challenger again, or for rescoring).
        version_store.remember_champion(settings.model_dir, loader.store_dir)
        artifact.write(settings.model_dir, onnx_bytes, card, profile)
        result = models.reload(force=True)
        if result.current != version:
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, f"swap failed: {result.detail}")
        event = policies.record(
            session,
            "challenger",
            {"version": None},
            "admin",
            f"promoted to champion: {decision.reason}"[:500],
        )
        session.commit()
        policy.install(event)
        return PromotionOut(
            promoted=True,
            previous_version=result.previous,
            version=version,
            reason=decision.reason,
            delta=decision.delta,
            comparison=compared,
        )
    finally:
        _promoting.release()


def _gate(compared: ComparisonOut, margin: float, force: bool) -> gate.Decision:
    champion, challenger = compared.champion, compared.challenger
    if not compared.comparable or champion is None or challenger is None:
        reason = compared.reason or "nothing to compare"
        if force:
            return gate.Decision(True, f"promoted by force without a live comparison: {reason}", None)
        return gate.Decision(False, f"kept the champion: {reason}", None)
    assert champion.auprc is not None and challenger.auprc is not None
    decided = gate.decide(challenger.auprc, champion.auprc, margin, force)
    where = f" on {compared.labeled_rows} labeled live rows ({compared.labeled_frauds} frauds)"
    return gate.Decision(decided.promote, decided.reason + where, decided.delta)
