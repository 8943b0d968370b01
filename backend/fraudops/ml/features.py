"""Feature engineering, written twice on purpose: in NumPy for training and as ONNX nodes so the
served artifact takes raw transactions. A parity test keeps the two equal."""

import numpy as np
from onnx import NodeProto, TensorProto, helper, numpy_helper

from fraudops.data.schema import AMOUNT, SECONDS_PER_DAY, TIME, V_SLICE

FEATURE_NAMES: tuple[str, ...] = (*(f"V{i}" for i in range(1, 29)), "log1p_Amount", "hour_sin", "hour_cos")
N_ENGINEERED = len(FEATURE_NAMES)


def engineer(raw: np.ndarray) -> np.ndarray:
    """Raw `[Time, V1..V28, Amount]` rows → V1..V28, log1p(Amount), time of day on the unit circle.

    Absolute `Time` is dropped: it only grows, so a model fitted on it would not generalise forward.
    """
    raw = np.asarray(raw, dtype=np.float32)
    angle = (np.fmod(raw[:, TIME], SECONDS_PER_DAY) / SECONDS_PER_DAY) * np.float32(2 * np.pi)
    return np.column_stack([raw[:, V_SLICE], np.log1p(raw[:, AMOUNT]), np.sin(angle), np.cos(angle)]).astype(
        np.float32
    )


def onnx_nodes(
    raw_input: str, output: str, mean: np.ndarray, scale: np.ndarray
) -> tuple[list[NodeProto], list[TensorProto]]:
    """ONNX nodes computing `(engineer(raw) - mean) / scale` from a float32 `[N, 30]` input."""

    def const(name: str, value: np.ndarray | list[float] | list[int]) -> TensorProto:
        arr = np.asarray(value)
        arr = arr.astype(np.int64 if arr.dtype.kind in "iu" else np.float32)
        return numpy_helper.from_array(arr, name=f"fe_{name}")

    inits = [
        const("t0", [0]),
        const("t1", [1]),
        const("v1", [29]),
        const("a1", [30]),
        const("axis1", [1]),
        const("one", [1.0]),
        const("day", [SECONDS_PER_DAY]),
        const("two_pi_per_day", [2 * np.pi / SECONDS_PER_DAY]),
        const("mean", mean.reshape(1, -1)),
        const("scale", scale.reshape(1, -1)),
    ]
    n = helper.make_node
    nodes = [
        n("Slice", [raw_input, "fe_t0", "fe_t1", "fe_axis1"], ["fe_time"]),
        n("Slice", [raw_input, "fe_t1", "fe_v1", "fe_axis1"], ["fe_v"]),
        n("Slice", [raw_input, "fe_v1", "fe_a1", "fe_axis1"], ["fe_amount"]),
        n("Add", ["fe_amount", "fe_one"], ["fe_amount1"]),
        n("Log", ["fe_amount1"], ["fe_log_amount"]),
        n("Mod", ["fe_time", "fe_day"], ["fe_tod"], fmod=1),
        n("Mul", ["fe_tod", "fe_two_pi_per_day"], ["fe_angle"]),
        n("Sin", ["fe_angle"], ["fe_sin"]),
        n("Cos", ["fe_angle"], ["fe_cos"]),
        n("Concat", ["fe_v", "fe_log_amount", "fe_sin", "fe_cos"], ["fe_features"], axis=1),
        n("Sub", ["fe_features", "fe_mean"], ["fe_centered"]),
        n("Div", ["fe_centered", "fe_scale"], [output]),
    ]
    return nodes, inits
