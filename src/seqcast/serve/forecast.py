"""A request's forecasts from a served run: for each series the next days of the chosen
model (its seeds averaged) and of naive, with the run's calibrated intervals: the numbers
`seqcast forecast` prints for the same history (tested to 1e-9). The fitted models predict
from the series' end; their errors on the days the series has after the run's own
forecasts end join the run's out-of-sample errors that calibrate the intervals, as in
Result.forecast (paths.py predicts, bounds.py reads the intervals: the run's own errors are
sorted once when it loads, and each series adds only its newer days).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from seqcast.errors import SeqcastError
from seqcast.evaluate.heads import METHODS as HEAD_METHODS
from seqcast.evaluate.intervals import column_names, min_errors, volatility
from seqcast.models.base import future_dates
from seqcast.serve.bounds import bounds, newer_errors
from seqcast.serve.heads import head_bounds, serves_heads
from seqcast.serve.paths import Paths, alone, together, windowed
from seqcast.serve.series import Item
from seqcast.serve.served import Served
from seqcast.vocabulary import bound_names


def check_request(
    served: Served, horizon: int | None, levels: list[float] | None, model: str | None
) -> tuple[int, list[float], str]:
    """The request's parameters, defaulted from the run, or one line saying what to ask."""
    result = served.result
    horizon = horizon or result.horizon
    if horizon > result.horizon:
        raise SeqcastError(
            f"prediction_length {horizon} is above this run's horizon ({result.horizon} days);"
            f" ask for {result.horizon} or fewer, or serve a run made with --horizon {horizon}"
        )
    label = model or served.model
    if label not in result.columns:
        raise SeqcastError(f"no model '{label}' in run {served.name}; it has {_listed(served)}")
    offered = list(result.levels) if served.has_intervals else []
    asked = offered if levels is None else list(dict.fromkeys(levels))
    unknown = [level for level in asked if level not in offered]
    if unknown:
        have = ", ".join(f"{x:g}" for x in offered) or "none (it was made without --levels)"
        raise SeqcastError(
            f"levels {', '.join(f'{x:g}' for x in unknown)}: run {served.name} calibrated"
            f" intervals at {have}; ask for those"
        )
    return horizon, asked, label


def forecast(
    served: Served, items: list[Item], horizon: int, levels: list[float], label: str
) -> list[dict[str, Any]]:
    """The answer for each series (strict-JSON-ready but for NaN, which `plain` turns into
    null): dates, mean, naive, lo-<level>/hi-<level>, the run's version and warnings. Several
    series go through each model in one call where its forecasts allow it (paths.py)."""
    result = served.result
    columns = [c for lab in dict.fromkeys([label, "naive"]) for c in result.columns[lab]]
    for item in items:
        _check_length(served, item, columns, label)
    shapes = {None if item.frame is None else tuple(item.frame.columns) for item in items}
    batch = len(items) > 1 and len(shapes) == 1
    computed = {
        column: together(served, items, column, horizon)
        if batch and windowed(result.fitted[column])
        else [alone(served, item, column, horizon) for item in items]
        for column in columns
    }
    return [
        _answer(served, item, {c: computed[c][k] for c in columns}, horizon, levels, label)
        for k, item in enumerate(items)
    ]


def _answer(
    served: Served,
    item: Item,
    paths: dict[str, Paths],
    horizon: int,
    levels: list[float],
    label: str,
) -> dict[str, Any]:
    columns = served.result.columns
    spans = {c: _spans(served, item, c, paths[c], levels) for c in columns[label] if levels}
    answer: dict[str, Any] = {
        "item_id": item.name,
        "dates": [str(d.date()) for d in future_dates(item.series.index, horizon)],
        "mean": _mean([paths[c].point for c in columns[label]]).tolist(),
        "naive": _mean([paths[c].point for c in columns["naive"]]).tolist(),
    }
    for level in levels:
        for side, key in enumerate(column_names("", level)):  # "-lo-80", "-hi-80"
            answer[key[1:]] = _mean([spans[c][level][side] for c in columns[label]]).tolist()
    answer["version"] = served.version
    answer["warnings"] = item.warnings + _interval_warnings(answer, levels)
    return answer


def _check_length(served: Served, item: Item, columns: list[str], label: str) -> None:
    needed = max(served.result.fitted[c].min_history() for c in columns)
    if len(item.series) < needed:
        raise SeqcastError(
            f"{item.name}: {len(item.series)} values, but {label} needs at least {needed}"
            " (its window); send a longer history"
        )


def _spans(
    served: Served, item: Item, column: str, paths: Paths, levels: list[float]
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Per level, (lo, hi) over the horizon of one column's forecast: from its quantile
    heads where the run's intervals come from them, else from the run's errors (split
    conformal for a column without heads beside them)."""
    result = served.result
    if serves_heads(result, column):
        return head_bounds(
            result,
            served.head_scores,
            item,
            column,
            paths,
            len(paths.point),
            levels,
            served.steering,
        )
    method = result.settings["evaluation"]["intervals"]
    if method in HEAD_METHODS:  # a column without heads beside them: as add_intervals does
        method = "adaptive" if method == "cqr-adaptive" else "conformal"
    return _bounds(served, item, column, paths, levels, method)


def _bounds(
    served: Served, item: Item, column: str, paths: Paths, levels: list[float], method: str
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Per level, (lo, hi) over the horizon of one column's forecast, by `method`."""
    series, horizon = item.series, len(paths.point)
    window = int(served.result.settings["evaluation"]["calibration_days"])
    vol = volatility(series) if method == "scaled" else None
    cutoff = series.index.to_numpy(dtype="datetime64[ns]")[-1]
    lo = {level: np.full(horizon, np.nan) for level in levels}
    hi = {level: np.full(horizon, np.nan) for level in levels}
    for h in range(1, horizon + 1):
        past = served.errors[(column, h)]
        if len(paths.origins):
            past = newer_errors(past, series, paths.origins, paths.newer, h)
        steering = None
        if served.steering:  # an `adaptive` run: ACI goes on from its record
            steering = {level: served.steering[(column, h, level)] for level in levels}
        found = bounds(past, paths.point[h - 1], cutoff, h, levels, method, window, vol, steering)
        for level, (low, high) in found.items():
            lo[level][h - 1], hi[level][h - 1] = low, high
    return {level: (lo[level], hi[level]) for level in levels}


def _mean(rows: list[np.ndarray]) -> np.ndarray:
    """The seeds' mean at each step, NaN left out (as pandas' mean), NaN where all are."""
    stacked = np.vstack(rows)
    finite = np.isfinite(stacked)
    count = finite.sum(axis=0)
    total = np.where(finite, stacked, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _interval_warnings(answer: dict[str, Any], levels: list[float]) -> list[str]:
    notes = []
    for level in levels:
        missing = [
            h + 1 for h, v in enumerate(answer[bound_names(level)[0]]) if not math.isfinite(v)
        ]
        if missing:
            notes.append(
                f"no {level:g}% interval {missing[0]} day(s) ahead: it needs"
                f" {min_errors(level)} known errors (null where fewer are known)"
            )
    return notes


def _listed(served: Served) -> str:
    return ", ".join(served.result.columns)
