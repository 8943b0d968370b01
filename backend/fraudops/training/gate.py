"""The promotion gate: a new model replaces the champion only when it is better on the same rows."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str
    # candidate AUPRC minus champion AUPRC on the same test rows; None without a champion
    delta: float | None


def decide(
    candidate_auprc: float, champion_auprc: float | None, margin: float, force: bool = False
) -> Decision:
    """Promote when there is no champion, or when the candidate's test AUPRC beats the champion's, scored
    on the same test rows, by at least `margin` (and strictly). `force` promotes regardless, saying so.

    Guarantee: with `force` off, a candidate that is not better than the champion by `margin` is never
    promoted.
    """
    if margin < 0:
        raise ValueError("the promotion margin cannot be negative")
    if champion_auprc is None:
        return Decision(True, "no champion yet: the best candidate becomes the first one", None)
    delta = candidate_auprc - champion_auprc
    better = delta > 0 and delta >= margin
    summary = (
        f"test AUPRC {candidate_auprc:.4f} vs champion {champion_auprc:.4f} "
        f"(Δ {delta:+.4f}, margin {margin:.4f})"
    )
    if better:
        return Decision(True, f"promoted: {summary}", delta)
    if force:
        return Decision(True, f"promoted by --force although not better by the margin: {summary}", delta)
    return Decision(False, f"kept the champion: {summary}", delta)
