"""Champion against shadow challenger on live traffic: the rows both scored, the labeled ones compared.

A row counts when the prediction log holds the champion's score (`model_version` = the champion) and the
challenger's (`shadow_version` = the challenger). Each model decides at its own threshold. The same
labeled rows feed the promotion gate (`training/gate.py`): the challenger replaces the champion only if
its AUPRC on them beats the champion's by the promotion margin.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score
from sqlalchemy import select
from sqlalchemy.orm import Session

from fraudops.tables import prediction_log


@dataclass(frozen=True)
class PairedScores:
    champion: np.ndarray  # (n,) the champion's scores
    challenger: np.ndarray  # (n,) the challenger's, same rows
    labels: np.ndarray  # (n,) int8, -1 where unlabeled


def paired_scores(session: Session, champion: str, challenger: str) -> PairedScores:
    c = prediction_log.c
    rows = session.execute(
        select(c.probability, c.shadow_probability, c.label).where(
            c.model_version == champion, c.shadow_version == challenger, c.shadow_probability.is_not(None)
        )
    ).all()
    data = np.array([(r[0], r[1], -1 if r[2] is None else r[2]) for r in rows], dtype=np.float64)
    data = data.reshape(len(rows), 3)
    return PairedScores(data[:, 0], data[:, 1], data[:, 2].astype(np.int8))


def _side(y: np.ndarray, scores: np.ndarray, flagged: np.ndarray, both_classes: bool) -> dict[str, Any]:
    frauds = int(y.sum())
    caught = int(np.count_nonzero(flagged & (y == 1)))
    return {
        "auprc": float(average_precision_score(y, scores)) if both_classes else None,
        "recall_at_threshold": caught / frauds if frauds else None,
        "precision_at_threshold": caught / int(flagged.sum()) if flagged.any() else None,
        "flagged": int(flagged.sum()),
    }


def compare(scores: PairedScores, champion_threshold: float, challenger_threshold: float) -> dict[str, Any]:
    """AUPRC, recall and precision at each model's own threshold on the labeled rows, and disagreements
    (flagged by one, not the other) on every row both scored and on the labeled ones."""
    champion_flags = scores.champion >= champion_threshold
    challenger_flags = scores.challenger >= challenger_threshold
    labeled = scores.labels >= 0
    y = scores.labels[labeled].astype(np.int8)
    frauds = int(y.sum())
    both_classes = 0 < frauds < len(y)
    disagree = champion_flags != challenger_flags
    return {
        "rows": len(scores.labels),
        "labeled_rows": int(labeled.sum()),
        "labeled_frauds": frauds,
        "comparable": both_classes,
        "reason": None if both_classes else "no fraud, or no legitimate, among the labeled rows both scored",
        "champion": _side(y, scores.champion[labeled], champion_flags[labeled], both_classes),
        "challenger": _side(y, scores.challenger[labeled], challenger_flags[labeled], both_classes),
        "disagreements": {
            "rows": int(disagree.sum()),
            "champion_only": int(np.count_nonzero(champion_flags & ~challenger_flags)),
            "challenger_only": int(np.count_nonzero(challenger_flags & ~champion_flags)),
            "labeled_rows": int(disagree[labeled].sum()),
            "labeled_frauds": int(np.count_nonzero(disagree[labeled] & (scores.labels[labeled] == 1))),
        },
    }
