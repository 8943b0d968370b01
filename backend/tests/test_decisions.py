"""The one decision path: which rows get reasons, and how a score becomes a decision and a band, checked
on the suite's real model against the rule written out row by row."""

import copy

import numpy as np
import pytest

from fraudops.data import synthetic
from fraudops.data.schema import FEATURE_COLUMNS
from fraudops.decisions import decide
from fraudops.ml.scorer import Scorer
from fraudops.monitoring.bands import Bands


@pytest.fixture(scope="module")
def scored(model_dir):
    scorer = Scorer.load(model_dir)
    table = synthetic.generate(400, seed=11)
    raw = np.column_stack([table.column(c).to_numpy() for c in FEATURE_COLUMNS]).astype(np.float64)
    return scorer, raw, scorer.predict_proba(raw)


@pytest.mark.parametrize(
    ("threshold_at", "review_at", "decline_at"),
    [(0.95, 0.5, 0.97), (0.6, 0.9, 0.97)],  # review below the threshold; an admin set it above
    ids=["review below the threshold", "review above the threshold"],
)
def test_attention_rows_are_those_flagged_or_in_review_or_decline(
    scored, threshold_at, review_at, decline_at
):
    scorer, raw, p = scored
    # Threshold and bounds at quantiles of the scores, so every case has rows on each side of each.
    threshold, review, decline = (float(q) for q in np.quantile(p, [threshold_at, review_at, decline_at]))
    scorer = copy.copy(scorer)
    scorer.card = scorer.card.model_copy(update={"threshold": threshold})
    bands = Bands(review_at=review, decline_at=decline)
    decided = decide(scorer, raw, bands, "attention")
    flagged = [i for i in range(len(p)) if p[i] >= threshold]
    expected = [i for i in range(len(p)) if p[i] >= threshold or p[i] >= review]
    assert sorted(decided.reasons) == expected
    assert set(expected) - set(flagged) or threshold_at < review_at  # rows in review, not flagged
    assert any(p[i] < review for i in flagged) or threshold_at > review_at  # flagged, approve band
    assert decided.is_fraud.tolist() == [bool(x >= threshold) for x in p]
    assert decided.band.tolist() == [int(x >= review) + int(x >= decline) for x in p]
    assert sorted(decide(scorer, raw, bands, "flagged").reasons) == flagged
    assert decide(scorer, raw, bands, "none").reasons == {}
