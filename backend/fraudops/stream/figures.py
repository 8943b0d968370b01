"""Latency and decision figures shared by the producer's report and the benchmarks."""

from typing import Any

import numpy as np

from fraudops.ml import metrics


def latency_summary(latencies_ms: np.ndarray) -> dict[str, float] | None:
    if len(latencies_ms) == 0:
        return None
    p50, p90, p95, p99 = np.percentile(latencies_ms, [50, 90, 95, 99])
    return {
        "p50": float(p50), "p90": float(p90), "p95": float(p95), "p99": float(p99),
        "mean": float(latencies_ms.mean()), "max": float(latencies_ms.max()),
    }  # fmt: skip


def histogram(latencies_ms: np.ndarray, bins: int = 30) -> dict[str, list[Any]] | None:
    """Log-spaced bins from the fastest answer to the 99.9th percentile (slower ones go in the last bin)."""
    if len(latencies_ms) == 0:
        return None
    low = max(float(latencies_ms.min()), 1e-3)
    high = max(float(np.percentile(latencies_ms, 99.9)), low * 1.01)
    edges = np.geomspace(low, high, bins + 1)
    counts, _ = np.histogram(np.clip(latencies_ms, low, high), bins=edges)
    return {"edges_ms": [round(float(e), 4) for e in edges], "counts": [int(c) for c in counts]}


def decision_metrics(labels: np.ndarray, decisions: np.ndarray) -> dict[str, Any] | None:
    """Precision, recall, F1 and the confusion counts of thresholded decisions; None without labels."""
    if len(labels) == 0:
        return None
    return metrics.decision_metrics(labels, decisions)
