"""Adaptive conformal inference going on after a run's test period: what ACI learnt from
the run's own intervals (Steering), and the miss rate it has steered to once later
forecasts' truths are known (`steered`). Read by serve's split-conformal bounds
(`adaptive`) and its quantile heads (`cqr-adaptive`), as evaluate/intervals.py steers them
for `seqcast forecast`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from seqcast.evaluate.intervals import GAMMA


@dataclass(frozen=True)
class Steering:
    """What ACI (`adaptive`, `cqr-adaptive`) learnt from one column's test-period intervals
    at one horizon and level: each target date (sorted) and the running sum of
    (1 - level - miss) up to it, so that the level of a later forecast goes on from where
    the test period left it."""

    dates: np.ndarray  # datetime64[ns]
    gained: np.ndarray  # cumulative (1 - level - miss), same order
    last_cutoff: np.datetime64  # the newest cutoff of the test period's forecasts


def steered(
    record: Steering,
    cutoffs: np.ndarray,
    dates: np.ndarray,
    inside: Callable[[int, float], bool],
    target: float,
) -> float:
    """ACI's miss rate after every truth known: the run's record, then each later forecast
    j (after the test period: a refitted run's live record, newer days of the history; the
    arrays in date order) at the rate steered when it was made, `inside(j, rate)` saying
    whether its truth fell inside its interval at that rate."""
    gained = float(record.gained[-1]) if len(record.gained) else 0.0
    later = np.flatnonzero(cutoffs > record.last_cutoff)
    steps = np.zeros(len(later))  # each later forecast's (1 - level - miss), once judged
    known, judged = 0, 0.0  # later forecasts whose truth this cutoff knows (dates sorted)
    for k, j in enumerate(later):
        while known < k and dates[later[known]] <= cutoffs[j]:
            judged += float(steps[known])
            known += 1
        run = int(np.searchsorted(record.dates, cutoffs[j], side="right"))
        earlier = (float(record.gained[run - 1]) if run else 0.0) + judged
        alpha = min(max(target + GAMMA * earlier, 0.0), 1.0)
        steps[k] = target - float(not inside(int(j), alpha))
    return target + GAMMA * (gained + float(steps.sum()))
