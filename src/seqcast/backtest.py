"""Walk-forward backtests as data: one table (date, cutoff, y, one column per model) that
metrics, plots and reports all read.

Forecasts are one step ahead from the true history. Models are refit every `refit_every`
days (never, by default: fit once, as the tutorial does) on the data before each origin —
all of it (expanding window) or only the last `train_days` (sliding window).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from seqcast.base import Forecaster
from seqcast.errors import SeqcastError
from seqcast.neural import NeuralForecaster, fit_together


def origins(n: int, test_days: int, refit_every: int | None) -> list[int]:
    """Positions where a (re)fit happens; each fit forecasts up to the next origin."""
    if not 0 < test_days < n:
        raise SeqcastError(f"test_days must be between 1 and {n - 1}, not {test_days}")
    if refit_every is not None and refit_every < 1:
        raise SeqcastError(f"refit every {refit_every} days? Use 1 or more, or never")
    start = n - test_days
    return list(range(start, n, refit_every or test_days))


def backtest(
    series: pd.Series,
    forecasters: dict[str, Forecaster],
    test_days: int,
    refit_every: int | None = None,
    train_days: int | None = None,
) -> tuple[pd.DataFrame, dict[str, Forecaster]]:
    """One-step forecasts of the last `test_days` of `series` by each forecaster.

    Returns the table and, per model, the forecaster fitted at the last origin.
    The forecasters passed in are left unfitted (each fit works on a clone); neural
    forecasters that differ only in seed are trained together as one grouped network.
    """
    n = len(series)
    starts = origins(n, test_days, refit_every)
    ends = [*starts[1:], n]
    cutoff = np.repeat(series.index[np.array(starts) - 1], np.diff([*starts, n]))
    table = pd.DataFrame({"cutoff": cutoff, "y": series.iloc[-test_days:].to_numpy()})
    table.index = series.index[-test_days:]
    columns = {name: np.empty(test_days) for name in forecasters}
    fitted: dict[str, Forecaster] = {}
    for origin, end in zip(starts, ends, strict=True):
        first = 0 if train_days is None else max(0, origin - train_days)
        fitted = fit_all(forecasters, series.iloc[first:origin])
        for name, model in fitted.items():
            rows = slice(origin - starts[0], end - starts[0])
            columns[name][rows] = model.predict(series.iloc[:end], end - origin)
    for name, column in columns.items():
        table[name] = column
    return table, fitted


def fit_all(forecasters: dict[str, Forecaster], history: pd.Series) -> dict[str, Forecaster]:
    """Fitted clones of every forecaster; seeds of one neural model train as one network."""
    fitted = {name: clone(f) for name, f in forecasters.items()}
    groups: dict[tuple, list[NeuralForecaster]] = {}
    for model in fitted.values():
        if isinstance(model, NeuralForecaster):
            groups.setdefault(model.group_key(), []).append(model)
        else:
            model.fit(history)
    for members in groups.values():
        fit_together(members, history)
    return fitted


def forecast_table(
    series: pd.Series, forecasters: dict[str, Forecaster], test_days: int, cutoff: pd.Timestamp
) -> pd.DataFrame:
    """One-step forecasts of already-fitted forecasters for the last `test_days` of `series`."""
    test = series.iloc[-test_days:]
    table = pd.DataFrame({"cutoff": cutoff, "y": test.to_numpy()}, index=test.index)
    for name, forecaster in forecasters.items():
        table[name] = forecaster.predict(series, test_days).to_numpy()
    return table


def days_since(series: pd.Series, start: str) -> int:
    """The number of days from `start` (a date) to the end of the series."""
    try:
        when = pd.Timestamp(start)
    except ValueError:
        raise SeqcastError(f"start '{start}' is not a date; use YYYY-MM-DD") from None
    days = int((series.index >= when).sum())
    if days == 0:
        raise SeqcastError(f"start {when.date()} is after the last date {series.index[-1].date()}")
    return days
