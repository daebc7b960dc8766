"""Confidence intervals for small samples, in the standard library only.

- Rates: the Wilson score interval (good coverage even with few trials or rates near 0 or 1,
  where the normal approximation fails).
- Means and medians: a percentile bootstrap with a fixed seed (the same data gives the same
  interval on every run), 2,000 resamples.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

Z_95: Final = 1.959963984540054
RESAMPLES: Final = 2000
SEED: Final = 20260401


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    low: float
    high: float
    sample: int


def wilson(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """The Wilson score interval of a proportion; None without trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} not within 0..{trials}")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # Rounding leaves 1e-18 where the bound is exactly 0 (or 1): keep the estimate inside.
    low = min(p, max(0.0, centre - half))
    high = max(p, min(1.0, centre + half))
    return Interval(p, low, high, trials)


def bootstrap(
    values: Sequence[float],
    statistic: Callable[[Sequence[float]], float] = statistics.fmean,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Interval | None:
    """A 95 % percentile-bootstrap interval of `statistic` (default: the mean); None if empty."""
    if not values:
        return None
    estimate = statistic(values)
    if len(values) == 1:
        return Interval(estimate, estimate, estimate, 1)
    generator = random.Random(seed)
    size = len(values)
    draws = sorted(
        statistic([values[generator.randrange(size)] for _ in range(size)])
        for _ in range(resamples)
    )
    low = draws[int(0.025 * (resamples - 1))]
    high = draws[math.ceil(0.975 * (resamples - 1))]
    return Interval(estimate, low, high, size)
