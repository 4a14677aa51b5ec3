"""Intervals of a served run made with `--intervals quantile` or `cqr` (evaluate/heads.py):
the chosen model's quantile heads from the series' end, conformalised (cqr) by the scores
of the run's own forecasts and of those the series adds after them — the numbers `seqcast
forecast` gives (tested to 1e-9)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from seqcast.evaluate.heads import correction, has_heads, scores
from seqcast.models.base import QuantileHeads
from seqcast.result import Result
from seqcast.vocabulary import quantile_columns

if TYPE_CHECKING:
    from seqcast.serve.paths import Paths
    from seqcast.serve.series import Item

Scores = dict[tuple[str, int, float], tuple[np.ndarray, np.ndarray]]  # -> (dates, scores)


def run_scores(known: pd.DataFrame, result: Result) -> Scores:
    """(column, h, level) -> the target dates and CQR scores of the run's own forecasts
    whose truth it knew, oldest first, for every column with quantile heads."""
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
                    out[(column, int(h), level)] = rows["date"].to_numpy("datetime64[ns]"), found
    return out


def head_bounds(
    result: Result,
    run: Scores,
    item: Item,
    column: str,
    paths: Paths,
    horizon: int,
    levels: list[float],
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Per level, (lo, hi) over the horizon of one column's heads."""
    heads = cast(QuantileHeads, result.fitted[column])
    ahead = heads.predict_quantiles(item.series, [len(item.series)], horizon, item.frame)
    evaluation = result.settings["evaluation"]
    if evaluation["intervals"] != "cqr":
        return {level: (ahead[level][0][0], ahead[level][1][0]) for level in levels}
    window = int(evaluation["calibration_days"])
    newer = {}
    if len(paths.origins):
        newer = heads.predict_quantiles(item.series, paths.origins, result.horizon, item.frame)
    out = {}
    for level in levels:
        q = np.full(horizon, np.nan)
        for h in range(1, horizon + 1):
            dates, found = run[(column, h, level)]
            if newer:
                target = paths.origins + h - 1
                inside = target < len(item.series)
                y = item.series.to_numpy(dtype=float)[target[inside]]
                lo, hi = newer[level][0][inside, h - 1], newer[level][1][inside, h - 1]
                found = np.concatenate([found, scores(y, lo, hi)])
                dates = np.concatenate([dates, item.series.index.to_numpy()[target[inside]]])
            order = np.argsort(dates, kind="stable")
            q[h - 1] = correction(found[order][-window:], (100.0 - level) / 100.0)
        out[level] = (ahead[level][0][0] * np.exp(-q), ahead[level][1][0] * np.exp(q))
    return out


def serves_heads(result: Result, column: str) -> bool:
    """Does this column's interval come from its heads (else: split conformal)?"""
    method = result.settings["evaluation"].get("intervals")
    return method in ("quantile", "cqr") and has_heads(result.fitted[column])
