"""Calibrated intervals of the days after one history ends: the numbers intervals.add_intervals
gives the future rows of `Result.forecast`, computed for one row at a time without pandas'
per-cell cost (a request of 100 series would spend seconds assigning cells otherwise).

For a forecast after the data ends everything simplifies: one cutoff (the history's last
day), no truth known after it, so adaptive conformal's level is never steered and every
method reads the split-conformal quantiles of the last `window` errors whose target date is
at or before the cutoff. Tests hold this equal to `seqcast forecast` to 1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from seqcast.evaluate.intervals import log_ratio, quantiles
from seqcast.serve.served import Errors


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
) -> dict[float, tuple[float, float]]:
    """Per level, the (lo, hi) bounds of a forecast `h` steps after `cutoff` (NaN where
    too few errors are known for the level); `vol`: the history's volatility ("scaled")."""
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
        alpha = min(max((100.0 - level) / 100.0, 0.0), 1.0)
        q = quantiles(pool, alpha, clip=method == "adaptive")
        if q is None or not math.isfinite(scale):
            out[level] = (math.nan, math.nan)
        else:
            out[level] = (forecast * math.exp(q[0] * scale), forecast * math.exp(q[1] * scale))
    return out
