"""Calibrated intervals of the days after one history ends: the numbers intervals.add_intervals
gives the future rows of `Result.forecast`, computed for one row at a time without pandas'
per-cell cost (a request of 100 series would spend seconds assigning cells otherwise).

For a forecast after the data ends everything simplifies: one cutoff (the history's last
day) and no truth known after it, so every method reads the split-conformal quantiles of
the last `window` errors whose target date is at or before the cutoff; `adaptive` at the
level ACI has steered to by then: from the run's test period (its record, Steering) on
over the forecasts after it whose truth is known (`steered`). Tests hold this equal to
`seqcast forecast` to 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from seqcast.evaluate.intervals import log_ratio, quantiles
from seqcast.serve.served import Errors
from seqcast.serve.steering import Steering, steered


def newer_errors(
    known: Errors, series: pd.Series, origins: np.ndarray, paths: np.ndarray, h: int
) -> Errors:
    """`known` and the h-step forecasts from `origins` (positions of `series`, rows of
    `paths`) whose target date is inside the series, oldest target date first."""
    target = origins + h - 1
    inside = target < len(series)
    index = series.index.to_numpy(dtype="datetime64[ns]")
    date = np.concatenate([known.date, index[target[inside]]])
    cutoff = np.concatenate([known.cutoff, index[origins[inside] - 1]])
    y = np.concatenate([known.y, series.to_numpy(dtype=float)[target[inside]]])
    forecast = np.concatenate([known.forecast, paths[inside, h - 1]])
    order = np.argsort(date, kind="stable")
    return Errors(date[order], cutoff[order], y[order], forecast[order])


def bounds(
    past: Errors,
    forecast: float,
    cutoff: np.datetime64,
    h: int,
    levels: list[float],
    method: str,
    window: int,
    vol: pd.Series | None,
    steering: dict[float, Steering] | None = None,
) -> dict[float, tuple[float, float]]:
    """Per level, the (lo, hi) bounds of a forecast `h` steps after `cutoff` (NaN where
    too few errors are known for the level); `vol`: the history's volatility ("scaled");
    `steering`: per level, the run's ACI record (`adaptive`)."""
    errors = log_ratio(past.y, past.forecast)
    scale = 1.0
    if method == "scaled" and vol is not None:
        # a cutoff the history does not reach has no volatility: its error is left out
        errors = errors / (vol.reindex(past.cutoff).to_numpy() * math.sqrt(h))
        scale = float(vol.iloc[-1]) * math.sqrt(h)
    end = int(np.searchsorted(past.date, cutoff, side="right"))
    pool = errors[max(end - window, 0) : end]
    pool = np.sort(pool[np.isfinite(pool)])
    out = {}
    for level in levels:
        alpha = (100.0 - level) / 100.0
        if steering:
            inside = _inside(past, errors, window)
            alpha = steered(steering[level], past.cutoff, past.date, inside, alpha)
        q = quantiles(pool, min(max(alpha, 0.0), 1.0), clip=method == "adaptive")
        if q is None or not math.isfinite(scale):
            out[level] = (math.nan, math.nan)
        else:
            out[level] = (forecast * math.exp(q[0] * scale), forecast * math.exp(q[1] * scale))
    return out


def _inside(past: Errors, errors: np.ndarray, window: int) -> Callable[[int, float], bool]:
    """Was forecast j of `past` inside its split-conformal interval at a miss rate?"""

    def inside(j: int, alpha: float) -> bool:
        end = int(np.searchsorted(past.date, past.cutoff[j], side="right"))
        pool = errors[max(end - window, 0) : end]
        q = quantiles(np.sort(pool[np.isfinite(pool)]), alpha, clip=True)
        point, y = past.forecast[j], past.y[j]  # as add_intervals judges it: in prices
        return q is not None and point * math.exp(q[0]) <= y <= point * math.exp(q[1])

    return inside
