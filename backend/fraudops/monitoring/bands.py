"""Decision bands: approve / review / decline, from two score thresholds.

A score equal to a threshold falls in the higher band (`score >= decline_at` declines), the same rule as
`is_fraud = score >= threshold`. The thresholds in force are stored with every decision.
"""

import functools
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

import numpy as np


class Band(IntEnum):
    approve = 0
    review = 1
    decline = 2


BAND_NAMES: list[Literal["approve", "review", "decline"]] = ["approve", "review", "decline"]


@dataclass(frozen=True)
class Bands:
    review_at: float
    decline_at: float
    _edges: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.review_at <= self.decline_at <= 1.0:
            raise ValueError(f"need 0 ≤ review_at ≤ decline_at ≤ 1, got {self.review_at}, {self.decline_at}")
        object.__setattr__(self, "_edges", np.array([self.review_at, self.decline_at]))

    def assign(self, scores: np.ndarray) -> np.ndarray:
        """Band codes (0 approve, 1 review, 2 decline) for each score: how many of the two bounds it has
        reached, in one search (a NaN, past every bound, declines)."""
        return np.searchsorted(self._edges, scores, side="right").astype(np.int8)

    def as_dict(self) -> dict[str, float]:
        return {"review_at": self.review_at, "decline_at": self.decline_at}


@functools.lru_cache(maxsize=64)  # one object per model threshold and settings, not one per request
def bands_for(threshold: float, review_at: float | None, decline_at: float | None) -> Bands:
    """Configured bands; by default decline at the model's threshold and review from half of it."""
    decline = threshold if decline_at is None else decline_at
    review = decline / 2 if review_at is None else review_at
    return Bands(review_at=min(review, decline), decline_at=decline)
