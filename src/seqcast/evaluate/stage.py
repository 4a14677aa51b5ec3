"""The evaluation stage, run once per result: score the long table against naive (with the
Holm-adjusted p beside the raw Diebold-Mariano p), add calibrated intervals and score them,
write the verdict, and forecast the days after the data ends. `replay` runs the same stage
on newer data with the saved models, without training."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from seqcast.errors import Note, SeqcastError
from seqcast.evaluate.backtest import long_table
from seqcast.evaluate.heads import head_paths
from seqcast.evaluate.intervals import add_intervals, interval_scores, volatility
from seqcast.evaluate.metrics import naive_scale, score_table
from seqcast.evaluate.significance import confidence_set
from seqcast.evaluate.verdict import verdict, with_holm
from seqcast.models.base import Forecaster, future_dates
from seqcast.result import Result
from seqcast.vocabulary import interval_columns

MCS_SIZE = 0.10  # the model confidence set's level: 90%, as Hansen, Lunde and Nason report


def evaluate(
    settings: dict[str, Any],
    table: pd.DataFrame,
    fitted: dict[str, Forecaster],
    seconds: dict[str, float],
    calibration: pd.DataFrame | None,
    series: pd.Series,
    frame: pd.DataFrame | None = None,
) -> Result:
    """The result of a backtest: scores, intervals (when levels are asked for), their
    scores, verdicts and the forecasts after `series` ends."""
    result = Result(settings, table, score(settings, table), fitted, seconds, calibration)
    if result.levels and calibration is not None:
        vol = volatility(series)
        result.table = _with_intervals(result, table, calibration, vol)
        result.intervals = _label(
            interval_scores(result.table, result.runs, result.levels, vol), settings
        )
    horizons = sorted(result.scores["h"].unique())
    result.verdicts = {int(h): verdict(result.summary(int(h))) for h in horizons}
    result.confidence_sets = confidence_sets(result, horizons)
    result.next_days = forecast(result, series, result.horizon, frame)
    return result


def confidence_sets(result: Result, horizons: list[int]) -> dict[int, list[str]]:
    """At each horizon, the models statistically indistinguishable from the best (Hansen,
    Lunde and Nason's model confidence set at 90%, on absolute errors; a seeded model by its
    mean over seeds), when two or more models stand beside naive; with arch installed."""
    if len(result.columns) < 3:
        return {}
    try:
        import arch  # noqa: F401  (the stats extra)
    except ImportError:
        warnings.warn(
            "the model confidence set needs arch: pip install 'seqcast[stats]'", Note, stacklevel=2
        )
        return {}
    sets = {}
    for h in horizons:
        rows = result.table[result.table["h"] == h]
        losses = pd.DataFrame(
            {m: (rows["y"] - rows[cols].mean(axis=1)).abs() for m, cols in result.columns.items()}
        )
        sets[int(h)] = confidence_set(losses.dropna(), size=MCS_SIZE)
    return sets


def score(settings: dict[str, Any], table: pd.DataFrame) -> pd.DataFrame:
    runs = list(settings["runs"])
    return with_holm(_label(score_table(table, runs, settings["naive_scale"]), settings))


def _label(raw: pd.DataFrame, settings: dict[str, Any]) -> pd.DataFrame:
    """Rows per column -> with the model label and seed in front, read from the run's
    record of them (`settings["runs"]`)."""
    runs = settings["runs"]
    scores = raw.reset_index() if "column" not in raw else raw.copy()
    scores.insert(0, "model", scores["column"].map(lambda c: runs[c]["model"]))
    seeds = scores["column"].map(lambda c: runs[c]["seed"])
    scores.insert(1, "seed", pd.array(seeds.tolist(), dtype="Int64"))
    return scores


def forecast(
    result: Result, series: pd.Series, horizon: int = 1, frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each model's forecast of the `horizon` days after `series` ends (`frame`: the file's
    other columns, for models with covariates), from the fitted models (no training),
    averaged over seeds, with its intervals where the run has them (each seed's bounds
    averaged): date x (model, model-lo-80, ...)."""
    dates = future_dates(series.index, horizon, series.attrs.get("calendar"))
    future = pd.DataFrame(
        {"cutoff": series.index[-1], "date": dates, "h": np.arange(1, horizon + 1), "y": np.nan}
    )
    for column in result.runs:
        future[column] = result.fitted[column].forecast(series, horizon, frame).to_numpy()
    for name, bounds in _head_paths(result, series, np.array([len(series)]), frame).items():
        future[name] = bounds[0]
    intervals = bool(result.levels) and result.calibration is not None
    if intervals:
        known = [result.calibration, result.table, result.live, _newer(result, series, frame)]
        future = _with_intervals(
            result,
            future,
            pd.concat(known, ignore_index=True),
            volatility(series),
            result.table["cutoff"].min(),  # ACI goes on from the test period's first day
        )
    out = pd.DataFrame(index=dates)
    for label, cols in result.columns.items():
        out[label] = future[cols].mean(axis=1).to_numpy()
        for level in result.levels if intervals else ():
            for side in (0, 1):
                names = [interval_columns(c, level)[side] for c in cols]
                out[interval_columns(label, level)[side]] = future[names].mean(axis=1).to_numpy()
    return out


def _newer(result: Result, series: pd.Series, frame: pd.DataFrame | None) -> pd.DataFrame:
    """Forecasts of the fitted models from the days `series` has after the run's table (and
    its live record) ends, whose truth is known: out of sample too (the models were fitted
    before), so their errors join the calibration of new intervals."""
    return out_of_sample(result, series, frame, first_unseen(result, series), len(series))


def first_unseen(result: Result, series: pd.Series) -> int:
    """The first origin in `series` after those of the run's table and live record."""
    seen = [result.table] + ([] if result.live is None else [result.live])
    last = max(part["cutoff"].max() for part in seen)
    return int(series.index.searchsorted(last, side="right")) + 1


def out_of_sample(
    result: Result, series: pd.Series, frame: pd.DataFrame | None, first: int, end: int
) -> pd.DataFrame:
    """The long table of the fitted models' forecasts from origins `first` .. `end` - 1 of
    `series` whose truth `series` holds (none when `first` >= `end`)."""
    if first >= end:
        return result.table.iloc[:0]
    origins = np.arange(first, end)  # forecast from these only; later rows are dropped
    paths = {
        c: result.fitted[c].predict(series, origins, result.horizon, frame) for c in result.runs
    }
    paths |= _head_paths(result, series, origins, frame)
    later = np.full((len(series) - end, result.horizon), np.nan)
    table = long_table(
        series, first, result.horizon, {c: np.vstack([p, later]) for c, p in paths.items()}
    )
    return table[table["cutoff"] < series.index[end - 1]].reset_index(drop=True)


def _head_paths(
    result: Result, series: pd.Series, origins: np.ndarray, frame: pd.DataFrame | None
) -> dict[str, np.ndarray]:
    """The quantile columns of every run with quantile heads (heads.py), from the fitted
    models."""
    paths: dict[str, np.ndarray] = {}
    for column in result.runs:
        fitted = result.fitted[column]
        paths |= head_paths(column, fitted, series, origins, result.horizon, frame)
    return paths


def _with_intervals(
    result: Result,
    table: pd.DataFrame,
    known: pd.DataFrame,
    vol: pd.Series,
    steered_from: pd.Timestamp | None = None,
) -> pd.DataFrame:
    evaluation = result.settings["evaluation"]
    return add_intervals(
        table,
        known,
        result.runs,
        result.levels,
        evaluation["intervals"],
        int(evaluation["calibration_days"]),
        vol,
        steered_from,
    )


def replay(
    result: Result, series: pd.Series, frame: pd.DataFrame | None = None, source: str = "data"
) -> Result:
    """Forecast the last `test_days` of `series` (read from `source`) and the days after it
    with the saved models, without training (the models as fitted at the last refit)."""
    test_days = result.test_days
    first_test = len(series) - test_days
    needed = max(f.min_history() for f in result.fitted.values()) + test_days
    if len(series) < needed:
        raise SeqcastError(
            f"{source}: {len(series)} days, but this run's models need {needed} (their"
            f" window and the run's {test_days} test days); give a file with more days"
        )
    positions = np.arange(first_test, len(series))
    paths = {
        column: result.fitted[column].predict(series, positions, result.horizon, frame)
        for column in result.runs
    }
    paths |= _head_paths(result, series, positions, frame)
    table = long_table(series, first_test, result.horizon, paths)
    settings = {**result.settings, "naive_scale": naive_scale(series.to_numpy()[:first_test])}
    return evaluate(settings, table, result.fitted, {}, result.calibration, series, frame)
