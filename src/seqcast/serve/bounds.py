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

import numpy as np
import pandas as pd

from seqcast.evaluate.intervals import GAMMA, log_ratio, quantiles
from seqcast.serve.served import Errors, Steering


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
            alpha = steered(steering[level], past, errors, alpha, window)
        q = quantiles(pool, min(max(alpha, 0.0), 1.0), clip=method == "adaptive")
        if q is None or not math.isfinite(scale):
            out[level] = (math.nan, math.nan)
        else:
            out[level] = (forecast * math.exp(q[0] * scale), forecast * math.exp(q[1] * scale))
    return out


def steered(
    record: Steering, past: Errors, errors: np.ndarray, target: float, window: int
) -> float:
    """ACI's miss rate after every truth `past` knows: the run's record, then each later
    forecast (after the test period: a refitted run's live record, newer days of the
    history) in date order, at the rate steered when it was made, missing or not."""
    gained = float(record.gained[-1]) if len(record.gained) else 0.0
    later = np.flatnonzero(past.cutoff > record.last_cutoff)  # date order, as `past`
    dates: list[np.datetime64] = []
    steps: list[float] = []
    for j in later:
        cutoff = past.cutoff[j]
        known = int(np.searchsorted(record.dates, cutoff, side="right"))
        earlier = (float(record.gained[known - 1]) if known else 0.0) + sum(
            step for date, step in zip(dates, steps, strict=True) if date <= cutoff
        )
        alpha = min(max(target + GAMMA * earlier, 0.0), 1.0)
        end = int(np.searchsorted(past.date, cutoff, side="right"))
        pool = errors[max(end - window, 0) : end]
        q = quantiles(np.sort(pool[np.isfinite(pool)]), alpha, clip=True)
        inside = q is not None and (
            past.forecast[j] * math.exp(q[0]) <= past.y[j] <= past.forecast[j] * math.exp(q[1])
        )
        dates.append(past.date[j])
        steps.append(target - float(not inside))
    return target + GAMMA * (gained + sum(steps))
