import numpy as np
import pytest
from sklearn.metrics import f1_score

from fraudops.ml.metrics import evaluate, unavailable_reason
from fraudops.ml.split import time_split
from fraudops.ml.threshold import max_f1_threshold


def test_threshold_maximises_f1_on_a_known_case():
    y = np.array([0, 0, 1, 0, 1, 1, 0, 1])
    s = np.array([0.1, 0.2, 0.3, 0.35, 0.6, 0.7, 0.75, 0.9])
    # Candidates: t=0.6 flags {0.6, 0.7, 0.75, 0.9} → tp 3, fp 1, fn 1 → F1 0.75 (the best);
    # t=0.3 flags six rows → tp 4, fp 2 → F1 0.8. So 0.3 wins.
    t = max_f1_threshold(y, s)
    assert t == 0.3
    best = max(f1_score(y, s >= c) for c in s)
    assert f1_score(y, s >= t) == pytest.approx(best)


def test_threshold_search_needs_a_positive():
    with pytest.raises(ValueError):
        max_f1_threshold(np.zeros(5), np.linspace(0, 1, 5))


def test_metrics_on_a_known_case():
    m = evaluate(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.4, 0.9]), threshold=0.5)
    assert m["confusion"] == {"tn": 1, "fp": 1, "fn": 1, "tp": 1}
    assert m["precision"] == m["recall"] == m["f1"] == 0.5
    assert m["auprc"] == pytest.approx((1.0 + 2 / 3) / 2)  # step-wise: precision at each recall step
    assert m["prevalence"] == 0.5 and m["roc_auc"] == 0.75


def test_reasons_when_metrics_are_undefined():
    assert "no Class column" in unavailable_reason(None)
    assert "no row labelled fraud" in unavailable_reason(np.zeros(4))
    assert "every row" in unavailable_reason(np.ones(4))
    assert unavailable_reason(np.array([0, 1])) is None


def test_time_split_never_puts_validation_or_test_before_training():
    rng = np.random.default_rng(0)
    time = rng.permutation(np.repeat(np.arange(500), 2)).astype(float)  # shuffled, with ties
    split = time_split(time, validation=0.2, test=0.2, gap=0.1)
    assert time[split.train].max() <= time[split.validation].min()
    assert time[split.validation].max() <= time[split.test].min()
    assert len(split.train) + len(split.validation) + len(split.test) == 900  # the gap is dropped
    assert not set(split.train) & set(split.validation) | set(split.test) & set(split.train)
