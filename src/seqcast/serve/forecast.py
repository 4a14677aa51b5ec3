"""One series' forecast from a served run: the next days of the chosen model (its seeds
averaged) and of naive, with the run's calibrated intervals. The numbers `seqcast forecast`
prints for the same history (tested to 1e-9): the fitted models predict from the history's
end; the errors they make on the days the history has after the run's own forecasts end
join the run's out-of-sample errors that calibrate the intervals, as in Result.forecast.

Each column predicts one series per call, with the same origins `seqcast forecast` uses:
a float32 network's output can differ in its last bits with the batch it is computed in
(1.6e-7 on a price of 90, measured), and an answer must not depend on the other series of a
request. The costly part of many series, the intervals, is shared: the run's own errors are
sorted once when it loads (served.py) and each series adds only its newer days.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from seqcast.errors import SeqcastError
from seqcast.evaluate.intervals import column_names, min_errors, volatility
from seqcast.models.base import future_dates
from seqcast.serve.bounds import bounds, newer_errors
from seqcast.serve.series import Item
from seqcast.serve.served import Served


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
    served: Served, item: Item, horizon: int, levels: list[float], label: str
) -> dict[str, Any]:
    """The answer for one series (strict-JSON-ready but for NaN, which `plain` turns into
    null): dates, mean, naive, lo-<level>/hi-<level>, the run's version and warnings."""
    result, series = served.result, item.series
    labels = list(dict.fromkeys([label, "naive"]))
    columns = [c for lab in labels for c in result.columns[lab]]
    _check_length(served, item, columns, label)
    points = {c: result.fitted[c].forecast(series, horizon, item.frame).to_numpy() for c in columns}
    spans = {c: _bounds(served, item, c, points[c], levels) for c in columns} if levels else {}
    answer: dict[str, Any] = {
        "item_id": item.name,
        "dates": [str(d.date()) for d in future_dates(series.index, horizon)],
    }
    answer["mean"] = _mean([points[c] for c in result.columns[label]]).tolist()
    answer["naive"] = _mean([points[c] for c in result.columns["naive"]]).tolist()
    for level in levels:
        for side, key in enumerate(column_names("", level)):  # "-lo-80", "-hi-80"
            rows = [spans[c][level][side] for c in result.columns[label]]
            answer[key[1:]] = _mean(rows).tolist()
    answer["version"] = served.version
    answer["warnings"] = item.warnings + _interval_warnings(answer, levels, horizon)
    return answer


def _check_length(served: Served, item: Item, columns: list[str], label: str) -> None:
    needed = max(served.result.fitted[c].min_history() for c in columns)
    if len(item.series) < needed:
        raise SeqcastError(
            f"{item.name}: {len(item.series)} values, but {label} needs at least {needed}"
            " (its window); send a longer history"
        )


def _bounds(
    served: Served, item: Item, column: str, points: np.ndarray, levels: list[float]
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Per level, (lo, hi) over the horizon of one column's forecast."""
    result, series = served.result, item.series
    evaluation = result.settings["evaluation"]
    method, window = evaluation["intervals"], int(evaluation["calibration_days"])
    vol = volatility(series) if method == "scaled" else None
    cutoff = series.index.to_numpy(dtype="datetime64[ns]")[-1]
    origins, paths = _newer(served, item, column)
    lo = {level: np.full(len(points), np.nan) for level in levels}
    hi = {level: np.full(len(points), np.nan) for level in levels}
    for h in range(1, len(points) + 1):
        past = served.errors[(column, h)]
        if len(origins):
            past = newer_errors(past, series, origins, paths, h)
        found = bounds(past, points[h - 1], cutoff, h, levels, method, window, vol)
        for level, (low, high) in found.items():
            lo[level][h - 1], hi[level][h - 1] = low, high
    return {level: (lo[level], hi[level]) for level in levels}


def _newer(served: Served, item: Item, column: str) -> tuple[np.ndarray, np.ndarray]:
    """The column's forecasts from the days the history has after the run's forecasts end,
    whose truth it knows: out of sample too, so their errors join the calibration."""
    series = item.series
    first = int(series.index.searchsorted(served.last_cutoff, side="right")) + 1
    if first >= len(series):
        return np.empty(0, dtype=np.int64), np.empty((0, served.result.horizon))
    origins = np.arange(first, len(series))
    forecaster = served.result.fitted[column]
    return origins, forecaster.predict(series, origins, served.result.horizon, item.frame)


def _mean(rows: list[np.ndarray]) -> np.ndarray:
    """The seeds' mean at each step, NaN left out (as pandas' mean), NaN where all are."""
    stacked = np.vstack(rows)
    finite = np.isfinite(stacked)
    count = finite.sum(axis=0)
    total = np.where(finite, stacked, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _interval_warnings(answer: dict[str, Any], levels: list[float], horizon: int) -> list[str]:
    notes = []
    for level in levels:
        missing = [h + 1 for h, v in enumerate(answer[f"lo-{level:g}"]) if not math.isfinite(v)]
        if missing:
            notes.append(
                f"no {level:g}% interval {missing[0]} day(s) ahead: it needs"
                f" {min_errors(level)} known errors (null where fewer are known)"
            )
    return notes


def _listed(served: Served) -> str:
    return ", ".join(served.result.columns)
