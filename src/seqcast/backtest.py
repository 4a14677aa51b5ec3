"""Backtests as data: one table (date, cutoff, y, one column per model) that metrics,
plots and reports all read."""

from __future__ import annotations

import pandas as pd

from seqcast.base import Forecaster
from seqcast.split import split_tail


def holdout_backtest(
    series: pd.Series, forecasters: dict[str, Forecaster], test_days: int
) -> tuple[pd.DataFrame, dict[str, Forecaster]]:
    """Fit each forecaster once on the days before the last `test_days`, then forecast each
    test day one step ahead from the true history before it.

    Returns the table and the fitted forecasters.
    """
    train, _ = split_tail(series, test_days)
    fitted = {name: forecaster.fit(train) for name, forecaster in forecasters.items()}
    return forecast_table(series, fitted, test_days, cutoff=train.index[-1]), fitted


def forecast_table(
    series: pd.Series, forecasters: dict[str, Forecaster], test_days: int, cutoff: pd.Timestamp
) -> pd.DataFrame:
    """One-step forecasts of already-fitted forecasters for the last `test_days` of `series`."""
    test = series.iloc[-test_days:]
    table = pd.DataFrame({"cutoff": cutoff, "y": test.to_numpy()}, index=test.index)
    for name, forecaster in forecasters.items():
        table[name] = forecaster.predict(series, test_days).to_numpy()
    return table
