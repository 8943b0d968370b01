import numpy as np
import pytest
from scipy import stats

from fraudops.data import synthetic
from fraudops.ml import artifact, features
from fraudops.ml.onnx_export import Dense, dense_network
from fraudops.ml.scorer import Scorer
from fraudops.monitoring import drift, explain, profile
from fraudops.monitoring.bands import BAND_NAMES, Band, Bands, bands_for
from tests.utils import raw_and_labels


def test_generator_drift_is_detected_and_an_unshifted_sample_is_not():
    raw, _ = raw_and_labels(synthetic.generate(100_000, seed=4, drift=2.0))
    train, late = raw[:30_000], raw[-20_000:]
    rng = np.random.default_rng(0)
    reference = profile.build(train, rng.random(len(train)))

    same = drift.report(reference, train[rng.choice(len(train), 8_000, replace=False)], rng.random(8_000))
    assert same["drifted_features"] == []
    assert all(f["psi"] < drift.PSI_MODERATE for f in same["features"])
    assert same["score"]["status"] == "stable"

    shifted = drift.report(reference, late, rng.random(len(late)) ** 3)  # scores moved too
    assert {"V1", "V2", "V3"} <= set(shifted["drifted_features"])
    assert set(shifted["drifted_features"]) <= {"V1", "V2", "V3", "hour_of_day"}
    v1 = next(f for f in shifted["features"] if f["feature"] == "V1")
    assert v1["ks_d"] > 0.2 and v1["ks_p"] < 1e-6
    assert shifted["score"]["status"] == "drifted"


def test_psi_and_ks_on_known_distributions():
    rng = np.random.default_rng(1)
    reference = np.quantile(rng.normal(size=200_000), profile.QUANTILES)
    assert drift.psi(reference, rng.normal(size=50_000)) < 0.01
    assert drift.psi(reference, rng.normal(0.5, 1, size=50_000)) > 0.2
    big = rng.normal(size=200_000)
    reference = np.quantile(big, profile.QUANTILES)
    p_values = []
    for seed in range(5):  # the profile-based statistic agrees with SciPy's two-sample KS on raw rows
        sample = np.random.default_rng(100 + seed).normal(size=5_000)
        d, p = drift.ks(reference, len(big), sample)
        assert d == pytest.approx(stats.ks_2samp(sample, big).statistic, abs=0.002)
        p_values.append(p)
    assert np.median(p_values) > 0.05
    d, p = drift.ks(reference, len(big), rng.normal(0.2, 1, size=5_000))
    assert d > 0.05 and p < 1e-6


def _probe_scorer(train_raw: np.ndarray, feature: str, weight: float) -> Scorer:
    """A model that reads one engineered feature only: its score rises with that feature (for weight > 0)."""
    engineered = features.engineer(train_raw)
    mean, scale = engineered.mean(axis=0), engineered.std(axis=0)
    kernel = np.zeros((features.N_ENGINEERED, 1), dtype=np.float32)
    kernel[features.FEATURE_NAMES.index(feature), 0] = weight
    card = artifact.ModelCard(
        version="probe",
        kind="test",
        threshold=0.5,
        created_at="2026-01-01T00:00:00Z",
        metrics={},
        training={},
    )
    return Scorer(dense_network([Dense(kernel, np.array([-2.0]), "sigmoid")], mean, scale), card)


def test_reasons_name_the_discriminating_feature_with_its_sign():
    raw, _ = raw_and_labels(synthetic.generate(20_000, seed=5))
    scorer = _probe_scorer(raw, "V14", -3.0)  # low V14 → high score, as for real frauds
    baseline = explain.baseline_from(profile.build(raw, scorer.predict_proba(raw)))
    rows = raw[:200].copy()
    rows[:, 14] = -8.0  # an unusually low V14
    scores, contribution = explain.contributions(scorer, rows, baseline)
    np.testing.assert_allclose(scores, scorer.predict_proba(rows))
    reasons = explain.top_reasons(rows, contribution, k=3)
    assert all(r[0]["feature"] == "V14" and r[0]["contribution"] > 0 for r in reasons)
    others = np.delete(contribution, 14, axis=1)
    assert np.abs(others).max() < 1e-6  # features the model ignores contribute nothing


def test_bands_boundaries_fall_in_the_higher_band():
    bands = Bands(review_at=0.3, decline_at=0.8)
    scores = np.array([0.0, 0.2999, 0.3, 0.5, 0.7999, 0.8, 1.0])
    assert bands.assign(scores).tolist() == [0, 0, 1, 1, 1, 2, 2]
    assert bands.assign(np.array([np.nan])).tolist() == [2]  # an undefined score never approves
    equal = Bands(review_at=0.5, decline_at=0.5)  # no review band at all
    assert equal.assign(np.array([0.4999, 0.5])).tolist() == [0, 2]
    rng = np.random.default_rng(0)  # the same as counting the bounds each score reached
    many, edges = rng.random(10_000), Bands(review_at=0.25, decline_at=0.6)
    expected = (many >= 0.25).astype(int) + (many >= 0.6)
    assert edges.assign(many).tolist() == expected.tolist()
    assert Band(2).name == "decline" and [b.name for b in Band] == BAND_NAMES


def test_default_bands_follow_the_threshold_and_bad_ones_are_refused():
    assert bands_for(0.9, None, None).as_dict() == {"review_at": 0.45, "decline_at": 0.9}
    assert bands_for(0.9, 0.2, 0.95).as_dict() == {"review_at": 0.2, "decline_at": 0.95}
    with pytest.raises(ValueError):
        Bands(review_at=0.9, decline_at=0.5)
