"""Intervals of a served run made with `--intervals quantile`, `cqr` or `cqr-adaptive`
(evaluate/heads.py): the chosen model's quantile heads from the series' end, conformalised
by the scores of the run's own forecasts and of those the series adds after them (at the
miss rate ACI has steered to, for cqr-adaptive) — the numbers `seqcast forecast` gives
(tested to 1e-9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from seqcast.evaluate.heads import METHODS, clipped_correction, correction, has_heads, scores
from seqcast.models.base import QuantileHeads
from seqcast.result import Result
from seqcast.serve.steering import Steering, steered
from seqcast.vocabulary import quantile_columns

if TYPE_CHECKING:
    from seqcast.serve.paths import Paths
    from seqcast.serve.series import Item

# (column, h, level) -> the target dates, scores and cutoffs of the run's own forecasts
Scores = dict[tuple[str, int, float], tuple[np.ndarray, np.ndarray, np.ndarray]]


def run_scores(known: pd.DataFrame, result: Result) -> Scores:
    """(column, h, level) -> the target dates, CQR scores and cutoffs of the run's own
    forecasts whose truth it knew, oldest first, for every column with quantile heads."""
    known = known[known["y"].notna()]
    out: Scores = {}
    for h, rows in known.groupby("h", sort=True):
        rows = rows.sort_values("date")
        for column in result.runs:
            for level in result.levels:
                lo, hi = quantile_columns(column, level)
                if lo in rows and hi in rows:
                    y = rows["y"].to_numpy(dtype=float)
                    found = scores(y, rows[lo].to_numpy(dtype=float), rows[hi].to_numpy(float))
                    out[(column, int(h), level)] = (
                        rows["date"].to_numpy("datetime64[ns]"),
                        found,
                        rows["cutoff"].to_numpy("datetime64[ns]"),
                    )
    return out


def head_bounds(
    result: Result,
    run: Scores,
    item: Item,
    column: str,
    paths: Paths,
    horizon: int,
    levels: list[float],
    steering: dict[tuple[str, int, float], Steering],
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Per level, (lo, hi) over the horizon of one column's heads."""
    heads = cast(QuantileHeads, result.fitted[column])
    ahead = heads.predict_quantiles(item.series, [len(item.series)], horizon, item.frame)
    evaluation = result.settings["evaluation"]
    if evaluation["intervals"] == "quantile":
        return {level: (ahead[level][0][0], ahead[level][1][0]) for level in levels}
    window = int(evaluation["calibration_days"])
    newer = {}
    if len(paths.origins):
        newer = heads.predict_quantiles(item.series, paths.origins, result.horizon, item.frame)
    index = item.series.index.to_numpy(dtype="datetime64[ns]")
    out = {}
    for level in levels:
        target = (100.0 - level) / 100.0
        q = np.full(horizon, np.nan)
        for h in range(1, horizon + 1):
            dates, found, cutoffs = run[(column, h, level)]
            if newer:
                days = paths.origins + h - 1
                inside = days < len(item.series)
                y = item.series.to_numpy(dtype=float)[days[inside]]
                lo, hi = newer[level][0][inside, h - 1], newer[level][1][inside, h - 1]
                found = np.concatenate([found, scores(y, lo, hi)])
                dates = np.concatenate([dates, index[days[inside]]])
                cutoffs = np.concatenate([cutoffs, index[paths.origins[inside] - 1]])
            order = np.argsort(dates, kind="stable")
            dates, found, cutoffs = dates[order], found[order], cutoffs[order]
            if evaluation["intervals"] == "cqr":
                q[h - 1] = correction(found[-window:], target)
                continue
            covered = _covered(dates, found, cutoffs, window)
            alpha = steered(steering[(column, h, level)], cutoffs, dates, covered, target)
            pool = found[-window:]
            steered_q = clipped_correction(np.sort(pool[np.isfinite(pool)]), alpha)
            q[h - 1] = np.nan if steered_q is None else steered_q
        out[level] = (ahead[level][0][0] * np.exp(-q), ahead[level][1][0] * np.exp(q))
    return out


def _covered(
    dates: np.ndarray, found: np.ndarray, cutoffs: np.ndarray, window: int
) -> Callable[[int, float], bool]:
    """Was forecast j inside its conformalised heads at a miss rate (its score at most the
    correction of the scores known at its cutoff)?"""

    def covered(j: int, alpha: float) -> bool:
        end = int(np.searchsorted(dates, cutoffs[j], side="right"))
        pool = found[max(end - window, 0) : end]
        correction_j = clipped_correction(np.sort(pool[np.isfinite(pool)]), alpha)
        return correction_j is not None and bool(found[j] <= correction_j)

    return covered


def serves_heads(result: Result, column: str) -> bool:
    """Does this column's interval come from its heads (else: split conformal)?"""
    method = result.settings["evaluation"].get("intervals")
    return method in METHODS and has_heads(result.fitted[column])
