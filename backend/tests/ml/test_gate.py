import pytest

from fraudops.training.gate import decide


def test_first_model_is_promoted_without_a_champion():
    decision = decide(0.40, None, margin=0.01)
    assert decision.promote and decision.delta is None


def test_promoted_only_when_better_by_the_margin():
    assert decide(0.720, 0.700, margin=0.01).promote  # +0.020
    assert not decide(0.705, 0.700, margin=0.01).promote  # better, but by less than the margin
    assert not decide(0.690, 0.700, margin=0.01).promote  # worse
    assert not decide(0.700, 0.700, margin=0.0).promote  # equal is not better, even with no margin
    assert decide(0.7001, 0.700, margin=0.0).promote


def test_force_overrides_the_gate_and_says_so():
    decision = decide(0.50, 0.70, margin=0.01, force=True)
    assert decision.promote and "--force" in decision.reason
    assert decision.delta == pytest.approx(-0.20)


def test_negative_margin_is_refused():
    with pytest.raises(ValueError):
        decide(0.5, 0.4, margin=-0.1)
