"""What a candidate's fit takes besides data: the network's hyperparameters and the progress callback.

Kept apart from `candidates` and `mlp` so neither imports the other at module level (`mlp` imports
TensorFlow; `candidates` loads it only when a network is fitted).
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

# (epoch from 1, max_epochs, logs): called after each epoch of an iterative fit; drives the progress display.
EpochHook = Callable[[int, int, dict[str, float]], None]


@dataclass(frozen=True)
class MLPParams:
    hidden: tuple[int, ...] = (64, 32)
    dropout: float = 0.2
    learning_rate: float = 1e-3
    batch_size: int = 2048
    max_epochs: int = 60
    patience: int = 8
    # Weight of a fraud row relative to a legitimate one; None means sqrt(negatives / positives),
    # a middle ground: full balancing (≈ 580 here) makes scores noisy and costs AUPRC.
    positive_weight: float | None = None
    seed: int = 0
    # Off for a refit on every training row: exactly max_epochs (the folds' best), no validation rows.
    early_stopping: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
